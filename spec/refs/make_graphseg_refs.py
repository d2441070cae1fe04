#!/usr/bin/python3
"""Reference outputs for the graph segmentation family: scikit-image 0.19's
felzenszwalb, rag_mean_color + cut_threshold and merge_hierarchical (with
the mean-colour functions of its plot_rag_merging example), and OpenCV
4.6's pyrMeanShiftFiltering, on crops of scikit-image's sample images.
Writes spec/fixtures/graphseg/* and spec/fixtures/graphseg_refs.lua.
Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_graphseg_refs.py
"""
import os
import cv2
import numpy as np
from skimage import measure, segmentation
from skimage.future import graph

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'graphseg')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def rgb(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_COLOR)[:, :, ::-1].copy()


def save_png(name, a):
    a = np.asarray(a)
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_labels(name, lab):
    """Labels as a 16-bit PNG (every map here has fewer than 65536 labels)."""
    lab = np.asarray(lab)
    assert lab.min() >= 0 and lab.max() < 65536
    return save_png(name, lab.astype(np.uint16))


def canonical(lab):
    """Labels renumbered 1..n in raster order of first pixel (as lua-seg)."""
    flat = lab.ravel()
    _, first, inv = np.unique(flat, return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return (rank[inv] + 1).reshape(lab.shape)


refs = {}
astro = rgb('astronaut.png')[40:190, 140:340].copy()        # 200 x 150 RGB
coffee = rgb('coffee.png')[80:230, 160:360].copy()          # 200 x 150 RGB
camera = cv2.imread(os.path.join(DATA, 'camera.png'), 0)[60:210, 170:370].copy()  # 200 x 150 gray
refs['inputs'] = {'astro': save_png('astro.png', astro), 'coffee': save_png('coffee.png', coffee),
                  'camera': save_png('camera.png', camera)}

# ---- felzenszwalb: labels + 1 (lua-seg's labels start at 1)
felz = []
for name, img, p in (('astro', astro, dict(scale=100, sigma=0.8, min_size=50)),
                     ('coffee', coffee, dict(scale=3.0, sigma=0.95, min_size=5)),
                     ('coffee', coffee, dict(scale=400, sigma=0.5, min_size=100)),
                     ('camera', camera, dict(scale=50, sigma=0.5, min_size=20)),
                     ('camera', camera, dict(scale=1, sigma=0, min_size=1))):
    lab = segmentation.felzenszwalb(img, channel_axis=-1 if img.ndim == 3 else None, **p) + 1
    out = 'felz_%s_%d.png' % (name, len(felz))
    felz.append({'input': name, 'opts': p, 'labels': save_labels(out, lab), 'n': int(lab.max())})
refs['felzenszwalb'] = felz
# tiny random images (odd shapes, ties): values and labels inline
rng = np.random.default_rng(11)
tiny = []
for shape in ((1, 3), (3, 1), (2, 3), (3, 2), (4, 4), (1, 9), (7, 5)):
    img = rng.integers(0, 256, size=shape).astype(np.uint8)
    for p in (dict(scale=200, sigma=0, min_size=1), dict(scale=50, sigma=0.5, min_size=3)):
        lab = segmentation.felzenszwalb(img, channel_axis=None, **p) + 1
        tiny.append({'image': img.tolist(), 'opts': p, 'labels': lab.tolist()})
refs['felzenszwalb_tiny'] = tiny

# ---- meanshift: OpenCV on the RGB crop (the algorithm treats channels
# alike, so channel order does not matter) and on gray replicated to 3
# channels (every output channel is the 1-channel result); on the top-left
# 120 x 90 of each input
ms = []
for name, img, sp, sr in (('astro', astro, 8, 16), ('coffee', coffee, 5, 30), ('astro', astro, 12.5, 9.5)):
    out = cv2.pyrMeanShiftFiltering(img[:90, :120].copy(), sp, sr, maxLevel=0)
    # the modes: 8-connected regions of equal filtered colour
    code = (out[:, :, 0].astype(np.int64) << 16) | (out[:, :, 1].astype(np.int64) << 8) | out[:, :, 2]
    modes = measure.label(code, connectivity=2, background=-1)
    ms.append({'input': name, 'spatial': sp, 'range': sr,
               'out': save_png('ms_%s_%d.png' % (name, len(ms)), out),
               'modes': save_labels('ms_modes_%s_%d.png' % (name, len(ms)), modes),
               'modes_n': int(modes.max())})
g3 = cv2.merge([camera, camera, camera])[:90, :120].copy()
out = cv2.pyrMeanShiftFiltering(g3, 6, 12, maxLevel=0)
assert (out[:, :, 0] == out[:, :, 1]).all() and (out[:, :, 0] == out[:, :, 2]).all()
ms.append({'input': 'camera', 'spatial': 6, 'range': 12, 'out': save_png('ms_camera.png', out[:, :, 0])})
refs['meanshift'] = ms


# ---- region merging on a RAG of mean colours
def weight_mean_color(g, src, dst, n):
    diff = g.nodes[dst]['mean color'] - g.nodes[n]['mean color']
    return {'weight': np.linalg.norm(diff)}


def merge_mean_color(g, src, dst):
    g.nodes[dst]['total color'] += g.nodes[src]['total color']
    g.nodes[dst]['pixel count'] += g.nodes[src]['pixel count']
    g.nodes[dst]['mean color'] = g.nodes[dst]['total color'] / g.nodes[dst]['pixel count']


merges = []
slic_astro = segmentation.slic(astro, n_segments=300, compactness=10, start_label=1)
felz_coffee = segmentation.felzenszwalb(coffee, scale=50, sigma=0.8, min_size=20) + 1
for name, img, lab, tcut, thier in (('astro', astro, slic_astro, 29, 35),
                                    ('coffee', coffee, felz_coffee, 20, 25)):
    inp = save_labels('merge_in_%s.png' % name, lab)
    cut = graph.cut_threshold(lab, graph.rag_mean_color(img, lab), tcut)
    hier = graph.merge_hierarchical(lab, graph.rag_mean_color(img, lab), thresh=thier,
                                    rag_copy=False, in_place_merge=True,
                                    merge_func=merge_mean_color, weight_func=weight_mean_color)
    cut, hier = canonical(cut), canonical(hier)
    merges.append({'input': name, 'labels': inp, 'n_in': int(len(np.unique(lab))),
                   'cut_threshold': tcut, 'cut': save_labels('merge_cut_%s.png' % name, cut),
                   'cut_n': int(cut.max()),
                   'hier_threshold': thier, 'hier': save_labels('merge_hier_%s.png' % name, hier),
                   'hier_n': int(hier.max())})
refs['merge'] = merges

with open(os.path.join(FIX, 'graphseg_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_graphseg_refs.py; do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/graphseg/')) + '\n')

#!/usr/bin/python3
"""Reference outputs of scikit-image 0.19 for the label family (label,
regionprops, relabel_sequential, clear_border, find_boundaries,
expand_labels, find_contours), computed on scikit-image's sample images.
Writes spec/fixtures/label/* and spec/fixtures/label_refs.lua. Run with
Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_label_refs.py
"""
import os

import cv2
import numpy as np
import skimage
import skimage.measure as M
import skimage.segmentation as S

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'label')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def gray(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_GRAYSCALE)


def save_png(name, a):
    """u8 / u16 single-channel arrays (labels must be <= 65535)."""
    if a.dtype != np.uint8:
        assert a.min() >= 0 and a.max() <= 65535, name
        a = a.astype(np.uint16)
    cv2.imwrite(os.path.join(OUT, name), a, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a, dtype):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(np.ascontiguousarray(a).astype(np.dtype(dtype).newbyteorder('<')).tobytes())
    return name


refs = {'skimage': skimage.__version__}

# ---------- inputs ----------
coins = gray('coins.png')                                 # 384 x 303
page = gray('page.png')[:100]                             # 384 x 100, text
horse = gray('horse.png')                                 # silhouette
refs['inputs'] = {
    'coins': save_png('coins.png', coins),
    'page': save_png('page.png', page),
    'horse': save_png('horse.png', horse),
}

# ---------- label ----------
lab = {}
for c, conn in ((8, 2), (4, 1)):
    m = coins > 100
    lab[f'coins_m{c}'] = save_png(f'coins_m{c}.png', M.label(m, connectivity=conn))
    q = (coins // 32).astype(np.uint8)                    # multi-valued image
    lab[f'coins_q{c}'] = save_png(f'coins_q{c}.png', M.label(q, connectivity=conn))
    lab[f'coins_q{c}_nobg'] = save_png(f'coins_q{c}_nobg.png',
                                       M.label(q, connectivity=conn, background=-1))
    lab[f'coins_q{c}_bg3'] = save_png(f'coins_q{c}_bg3.png',
                                      M.label(q, connectivity=conn, background=3))
# u16 and f32 inputs (f32 values are truncated to integers by skimage)
# the spec rebuilds this one as coins_q:to("u16") * 4099 + 7
lab['coins_q'] = save_png('coins_q.png', q)
q16 = q.astype(np.uint16) * 4099 + 7
lab['q16'] = save_png('q16_l8.png', M.label(q16, connectivity=2, background=7))
f = coins[:120, :160].astype(np.float32) / 37.0 - 1.5
lab['f32_input'] = save_raw('f32.raw', f, '<f4')
lab['f32_size'] = [160, 120]
lab['f32'] = save_png('f32_l8.png', M.label(f, connectivity=2))
lab['f32_n'] = int(M.label(f, connectivity=2).max())
refs['label'] = lab

# ---------- regionprops ----------
PROPS = ['label', 'area', 'bbox', 'centroid', 'perimeter', 'orientation',
         'major_axis_length', 'minor_axis_length', 'eccentricity', 'solidity',
         'area_convex', 'extent', 'euler_number', 'equivalent_diameter',
         'moments', 'moments_central', 'moments_normalized', 'moments_hu']
IPROPS = ['intensity_mean', 'intensity_min', 'intensity_max', 'centroid_weighted']


def props(labels, intensity=None):
    out = []
    for r in M.regionprops(labels, intensity_image=intensity):
        d = {}
        for p in PROPS:
            v = getattr(r, p)
            if p == 'bbox':
                v = {'x': v[1], 'y': v[0], 'w': v[3] - v[1], 'h': v[2] - v[0]}
            elif p == 'centroid':
                v = {'x': v[1], 'y': v[0]}
            elif p.startswith('moments') and p != 'moments_hu':
                v = [list(row) for row in v]
            d['convex_area' if p == 'area_convex' else p] = v
        if intensity is not None:
            d['mean_intensity'] = r.intensity_mean
            d['min_intensity'] = r.intensity_min
            d['max_intensity'] = r.intensity_max
            wc = r.centroid_weighted
            d['weighted_centroid'] = {'x': wc[1], 'y': wc[0]}
        out.append(d)
    return out


rp = {}
coins_lab = M.label(coins > 100, connectivity=2)
rp['coins'] = props(coins_lab, coins)
page_lab = M.label(page < 100, connectivity=2)
rp['page_labels'] = save_png('page_l8.png', page_lab)
rp['page'] = props(page_lab)
horse_lab = M.label(horse < 128, connectivity=2)
rp['horse_labels'] = save_png('horse_l8.png', horse_lab)
rp['horse'] = props(horse_lab)
# u16 and f32 intensities on the coins regions
c16 = coins.astype(np.uint16) * 251 + 11          # the spec: coins:to("u16") * 251 + 11
rp['coins16'] = [{k: d[k] for k in ('label', 'mean_intensity', 'min_intensity',
                                     'max_intensity', 'weighted_centroid')}
                 for d in props(coins_lab, c16)]
cf = coins.astype(np.float32) / np.float32(255)  # the spec: coins:to("f32") / 255
rp['coinsf'] = [{k: d[k] for k in ('label', 'mean_intensity', 'min_intensity',
                                    'max_intensity', 'weighted_centroid')}
                for d in props(coins_lab, cf)]
refs['regions'] = rp

# ---------- label-map edits ----------
ed = {}
gappy = coins_lab * 7
gappy[np.isin(coins_lab, np.arange(3, 101, 5))] = 0
ed['gappy'] = save_png('gappy.png', gappy)
seq, fw, inv = S.relabel_sequential(gappy)
ed['relabel'] = save_png('relabel.png', seq)
ed['relabel_n'] = int(seq.max())
ed['clear0'] = save_png('clear0.png', S.clear_border(gappy))
ed['clear5'] = save_png('clear5.png', S.clear_border(gappy, buffer_size=5, bgval=1))
ed['clear_mask3'] = save_png('clear_mask3.png', S.clear_border(coins > 100, buffer_size=3).astype(np.uint8))
for d in (3, 10):
    ed[f'expand{d}'] = save_png(f'expand{d}.png', S.expand_labels(gappy, d))
ed['expand2_5'] = save_png('expand2_5.png', S.expand_labels(gappy, 2.5))
touching = S.expand_labels(coins_lab, 10)
ed['touching'] = save_png('touching.png', touching)
for mode in ('thick', 'inner', 'outer'):
    ed['bound_' + mode] = save_png(f'bound_{mode}.png',
                                   S.find_boundaries(touching, mode=mode).astype(np.uint8))
refs['edits'] = ed

# ---------- contours ----------
def pts(cs):
    """contours as flat lists x1, y1, x2, y2, ..."""
    return [[float(v) for p in c for v in (p[1], p[0])] for c in cs]


co = {}
hm = horse < 128
co['horse_mask'] = pts(M.find_contours(hm.astype(np.uint8), 0.5))
co['coins_crop'] = [60, 40, 60, 45]                      # x, y, w, h
cc = coins[40:85, 60:120]
co['coins_100'] = pts(M.find_contours(cc, 100))
co['coins_100_high'] = pts(M.find_contours(cc, 100, fully_connected='high',
                                           positive_orientation='high'))
co['coins_default'] = pts(M.find_contours(cc.astype(np.float64)))  # u8 min+max would wrap in skimage
co['coins_f32_level'] = 0.4
co['coins_f32'] = pts(M.find_contours(cc.astype(np.float32) / np.float32(255), 0.4))
refs['contours'] = co

with open(os.path.join(FIX, 'label_refs.lua'), 'w') as fh:
    fh.write('-- written by spec/refs/make_label_refs.py (scikit-image %s)\n'
             % skimage.__version__)
    fh.write('return ' + lua(refs) + '\n')

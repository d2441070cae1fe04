#!/usr/bin/python3
"""Reference data for the graph-cut family: exact maximum flows of random
grid graphs (scipy 1.10's csgraph.maximum_flow, Dinic, integer capacities;
networkx's preflow-push as a second opinion when present), OpenCV 4.6's
cv2.grabCut on crops of scikit-image's sample images, and ground truths for
the seeded graph cut (a horse silhouette filled with two real textures, and
scikit-image's watershed segmentation of coins). Writes
spec/fixtures/graphcut/* and spec/fixtures/graphcut_refs.lua. Run with
Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_graphcut_refs.py
"""
import os
import cv2
import numpy as np
import scipy.ndimage as ndi
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow
import skimage.filters as SF
import skimage.segmentation as SS

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'graphcut')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def rgb(name):
    return cv2.imread(os.path.join(DATA, name))[:, :, ::-1].copy()


def save_png(name, a):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(np.ascontiguousarray(a, np.uint8).tobytes())
    return name


refs = {}

# ---- max-flow on random grid graphs: seg.maxflow's layout (edges[y, x, k]
# is the arc from (x, y) in direction k; arcs leaving the grid are ignored)
DX4, DY4 = [1, 0, -1, 0], [0, 1, 0, -1]
DX8, DY8 = [1, 0, 1, -1, -1, 0, -1, 1], [0, 1, 1, 1, 0, -1, -1, -1]
rng = np.random.default_rng(20261202)
graphs = []
for gi, (w, h, K, cmax, tmax) in enumerate([(7, 5, 4, 9, 12), (12, 9, 8, 20, 30), (1, 17, 4, 5, 9),
                                            (17, 1, 8, 5, 9), (40, 30, 8, 60, 120),
                                            (64, 48, 4, 30, 90), (33, 29, 8, 255, 255)]):
    src = rng.integers(0, tmax + 1, (h, w)) * (rng.random((h, w)) < 0.3)
    snk = rng.integers(0, tmax + 1, (h, w)) * (rng.random((h, w)) < 0.3)
    edges = rng.integers(0, cmax + 1, (h, w, K)) * (rng.random((h, w, K)) < 0.85)
    n = w * h
    S, T = n, n + 1
    rows, cols, caps = [], [], []
    dx, dy = (DX4, DY4) if K == 4 else (DX8, DY8)
    for y in range(h):
        for x in range(w):
            p = y * w + x
            if src[y, x]: rows.append(S); cols.append(p); caps.append(src[y, x])
            if snk[y, x]: rows.append(p); cols.append(T); caps.append(snk[y, x])
            for k in range(K):
                xx, yy = x + dx[k], y + dy[k]
                if 0 <= xx < w and 0 <= yy < h and edges[y, x, k]:
                    rows.append(p); cols.append(yy * w + xx); caps.append(edges[y, x, k])
    # duplicate (i, j) entries are summed by csr_matrix: none arise here
    m = sp.csr_matrix((np.array(caps, np.int32), (rows, cols)), shape=(n + 2, n + 2))
    flow = int(maximum_flow(m, S, T).flow_value)
    try:
        import networkx as nx
        G = nx.DiGraph()
        for r, c, v in zip(rows, cols, caps):
            G.add_edge(r, c, capacity=int(v))
        if S in G and T in G:
            assert nx.maximum_flow_value(G, S, T) == flow
    except ImportError:
        pass
    graphs.append({'w': w, 'h': h, 'k': K, 'flow': flow,
                   'source': save_raw('g%d_source.raw' % gi, src),
                   'sink': save_raw('g%d_sink.raw' % gi, snk),
                   'edges': save_raw('g%d_edges.raw' % gi, edges)})
refs['graphs'] = graphs

# ---- GrabCut: OpenCV with its default generator state (setRNGSeed(0) is
# the state of a fresh process), on rectangles where OpenCV's own result
# hardly depends on that state (its k-means++ start is random); the spread
# over seeds 1..4 is recorded next to each reference.
def iou(a, b):
    return float((a & b).sum()) / max(1, float((a | b).sum()))


def cv_grabcut(img, rect=None, mask=None, iters=5, seed=0):
    cv2.setRNGSeed(seed)
    b, f = np.zeros((1, 65)), np.zeros((1, 65))
    if rect is not None:
        m = np.zeros(img.shape[:2], np.uint8)
        cv2.grabCut(img, m, rect, b, f, iters, cv2.GC_INIT_WITH_RECT)
    else:
        m = mask.copy()
        cv2.grabCut(img, m, None, b, f, iters, cv2.GC_INIT_WITH_MASK)
    return m


images = {
    'astro': cv2.resize(rgb('astronaut.png'), (256, 256), interpolation=cv2.INTER_AREA),
    'coffee': cv2.resize(rgb('coffee.png'), (240, 160), interpolation=cv2.INTER_AREA),
    'rocket': cv2.resize(rgb('rocket.jpg'), None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA),
}
refs['images'] = {k: save_png(k + '.png', v) for k, v in images.items()}
grab = []
for i, (name, rect) in enumerate([('astro', (10, 5, 175, 250)), ('astro', (135, 165, 115, 91)),
                                  ('coffee', (10, 5, 190, 150)), ('coffee', (30, 2, 140, 110)),
                                  ('rocket', (110, 45, 35, 120))]):
    img = images[name]
    m = cv_grabcut(img, rect=rect)
    fg = (m == 1) | (m == 3)
    spread = min(iou(fg, (lambda o: (o == 1) | (o == 3))(cv_grabcut(img, rect=rect, seed=s)))
                 for s in range(1, 5))
    grab.append({'image': name, 'rect': {'x': rect[0], 'y': rect[1], 'w': rect[2], 'h': rect[3]},
                 'trimap': save_png('grab%d.png' % i, m), 'seed_iou': round(spread, 4)})
refs['grabcut'] = grab

# mask initialisation: hard background frame, hard foreground core, probable
# elsewhere (coffee cup)
img = images['coffee']
tri = np.full(img.shape[:2], cv2.GC_PR_BGD, np.uint8)
tri[2:112, 30:170] = cv2.GC_PR_FGD
tri[40:80, 70:130] = cv2.GC_FGD
tri[:, :8] = cv2.GC_BGD
tri[:, -8:] = cv2.GC_BGD
tri[-6:, :] = cv2.GC_BGD
m = cv_grabcut(img, mask=tri, iters=4)
refs['grabcut_mask'] = {'image': 'coffee', 'iters': 4, 'init': save_png('grab_init.png', tri),
                        'trimap': save_png('grab_mask_out.png', m)}

# ---- seeded graph cut. 1) A horse silhouette (ground truth) filled with
# the fur of chelsea.png's cat, on the wooden table of coffee.png (both
# resized to the silhouette's size); scribbles:
# every 16th row of the silhouette eroded by 6 px (foreground) and of its
# complement eroded by 6 px (background).
horse = cv2.imread(os.path.join(DATA, 'horse.png'), 0)[::2, ::2] == 0   # True on the horse
H, W = horse.shape
cat = cv2.resize(rgb('chelsea.png')[0:120, 120:360], (W, H), interpolation=cv2.INTER_AREA)
wood = cv2.resize(rgb('coffee.png')[0:130, 420:600], (W, H), interpolation=cv2.INTER_AREA)
comp = np.where(horse[:, :, None], cat, wood).astype(np.uint8)
inner = ndi.binary_erosion(horse, iterations=6)
outer = ndi.binary_erosion(~horse, iterations=6)
rows = np.zeros_like(horse)
rows[8::16, :] = True
seeds = np.zeros(horse.shape, np.uint8)
seeds[inner & rows] = 1
seeds[outer & rows] = 2
refs['horse'] = {'image': save_png('horse_rgb.png', comp),
                 'truth': save_png('horse_truth.png', horse), 'seeds': save_png('horse_seeds.png', seeds)}

# 2) coins (top 180 rows): scikit-image's documented segmentation (Sobel elevation,
# markers coins < 30 and coins > 150, watershed, holes filled) as the
# truth; the same markers are the seeds (1 = coin, 2 = background).
coins = cv2.imread(os.path.join(DATA, 'coins.png'), 0)[:180]
markers = np.zeros_like(coins)
markers[coins < 30] = 1
markers[coins > 150] = 2
ws = SS.watershed(SF.sobel(coins), markers) == 2
truth = ndi.binary_fill_holes(ws)
cseeds = np.zeros_like(coins)
cseeds[coins > 150] = 1
cseeds[coins < 30] = 2
refs['coins'] = {'image': save_png('coins.png', coins), 'truth': save_png('coins_truth.png', truth),
                 'seeds': save_png('coins_seeds.png', cseeds)}

refs['dir'] = 'spec/fixtures/graphcut/'
with open(os.path.join(FIX, 'graphcut_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_graphcut_refs.py: do not edit\nreturn ' + lua(refs) + '\n')

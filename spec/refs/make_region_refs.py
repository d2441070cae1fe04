#!/usr/bin/python3
"""Reference outputs for the region family (flood, region_grow,
confidence_connected) on crops of scikit-image's sample images. Writes
spec/fixtures/region/* and spec/fixtures/region_refs.lua. Run with Debian's
/usr/bin/python3:
    /usr/bin/python3 spec/refs/make_region_refs.py

flood: scikit-image 0.19's skimage.segmentation.flood itself (one channel);
for several channels, lua-seg's rule (every channel within tolerance of the
seed's) as skimage's per-channel bounds combined, then skimage's flood of
that mask.
region_grow: no peer has seeded region growing; srg() below is a plain
reference implementation of Adams & Bischof (1994) with the ordering rule
lua-seg documents (one priority queue keyed by (delta, insertion number),
nearest current mean among labelled neighbours, ties to the smaller label).
confidence_connected: no ITK here; confidence() follows ITK's
ConfidenceConnectedImageFilter::GenerateData step by step.
"""
import heapq
import math
import os

import cv2
import numpy as np
import scipy.ndimage as ndi
from skimage.segmentation import flood

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'region')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def load(name, flags=cv2.IMREAD_UNCHANGED):
    a = cv2.imread(os.path.join(DATA, name), flags)
    return a[:, :, ::-1].copy() if a.ndim == 3 else a


def save_png(name, a):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(np.ascontiguousarray(a).astype('<f4').tobytes())
    return name


refs = {}
coins = load('coins.png')[60:190, 20:200]                       # 180 x 130 u8
camera = load('camera.png')[150:270, 180:330]                   # 150 x 120 u8
astro = load('astronaut.png')[60:160, 120:240]                  # 120 x 100 RGB
cam16 = camera.astype(np.uint16) * 257 + 3                      # u16
camf = cv2.GaussianBlur(camera.astype(np.float32) / 255, (0, 0), 1.5) - np.float32(0.3)  # f32
refs['inputs'] = {
    'coins': save_png('coins.png', coins), 'camera': save_png('camera.png', camera),
    'astro': save_png('astro.png', astro), 'cam16': save_png('cam16.png', cam16),
    'camf': save_raw('camf.raw', camf), 'camf_w': camf.shape[1], 'camf_h': camf.shape[0],
}
IMG = {'coins': coins, 'camera': camera, 'astro': astro, 'cam16': cam16, 'camf': camf}

# ---------------------------------------------------------------- flood


def sk_bounds(image, seed_value, tolerance):
    """skimage 0.19 flood's bounds (its own code), as the dtype."""
    try:
        max_value = np.finfo(image.dtype).max
        min_value = np.finfo(image.dtype).min
    except ValueError:
        max_value = np.iinfo(image.dtype).max
        min_value = np.iinfo(image.dtype).min
    high_tol = min(max_value, seed_value + tolerance)
    low_tol = max(min_value, seed_value - tolerance)
    # Cython's conversion to the fused dtype: C cast (truncation) or float32 rounding
    return np.array(low_tol).astype(image.dtype), np.array(high_tol).astype(image.dtype)


def flood_multi(img, x, y, tol, conn):
    ok = np.ones(img.shape[:2], bool)
    for c in range(img.shape[2]):
        ch = img[:, :, c]
        if tol is None:
            ok &= ch == ch[y, x]
        else:
            lo, hi = sk_bounds(ch, ch[y, x], tol)
            ok &= (lo <= ch) & (ch <= hi)
    ok[y, x] = True
    return flood(ok.astype(np.uint8), (y, x), connectivity=conn)


fl = []
def flood_case(inp, x, y, tol, conn=8):
    img = IMG[inp]
    sk = 2 if conn == 8 else 1
    if img.ndim == 3:
        m = flood_multi(img, x, y, tol, sk)
    else:
        m = flood(img, (y, x), tolerance=tol, connectivity=sk)
    name = 'flood_%s_%d_%d_%s_%d.png' % (inp, x, y, tol, conn)
    fl.append({'input': inp, 'x': x, 'y': y, 'tol': tol, 'conn': conn,
               'count': int(m.sum()), 'want': save_png(name, m)})

flood_case('coins', 5, 5, None)
flood_case('coins', 5, 5, 10)
flood_case('coins', 5, 5, 10, 4)
flood_case('coins', 90, 60, 25)
flood_case('coins', 90, 60, 25.7)          # fractional: skimage truncates both bounds
flood_case('coins', 30, 100, 40, 4)
flood_case('camera', 20, 20, 30)
flood_case('camera', 75, 60, 60)
flood_case('camera', 0, 119, 255)          # everything
flood_case('cam16', 20, 20, 30 * 257)
flood_case('cam16', 75, 60, 5000.5, 4)
flood_case('camf', 20, 20, 0.05)
flood_case('camf', 75, 60, 0.1, 4)
flood_case('camf', 10, 100, None)
flood_case('astro', 60, 10, 30)
flood_case('astro', 30, 80, 45, 4)
flood_case('astro', 100, 50, None)
refs['flood'] = fl

# ---------------------------------------------------------------- region_grow

DX = [-1, 0, 1, -1, 1, -1, 0, 1]
DY = [-1, -1, -1, 0, 0, 1, 1, 1]
N4 = [1, 3, 4, 6]


def srg(img, seeds, conn=8, max_distance=math.inf):
    """Seeded region growing, Adams & Bischof 1994, lua-seg's rules."""
    h, w = img.shape[:2]
    vals = img.reshape(h, w, -1).astype(np.float64).tolist()   # exact: u8, u16, f32
    C = len(vals[0][0])
    lab = seeds.astype(np.int64).tolist()
    nl = int(seeds.max()) + 1
    S = [[0.0] * C for _ in range(nl)]
    N = [0.0] * nl
    nbs = [(DX[k], DY[k]) for k in (range(8) if conn == 8 else N4)]
    for y in range(h):
        for x in range(w):
            r = lab[y][x]
            if r > 0:
                for c in range(C):
                    S[r][c] += vals[y][x][c]
                N[r] += 1

    def dist(v, r):
        acc = 0.0
        for c in range(C):
            t = v[c] - S[r][c] / N[r]
            acc += t * t
        return math.sqrt(acc)

    def nearest(x, y):
        best, bd = 0, math.inf
        v = vals[y][x]
        for dx, dy in nbs:
            xx, yy = x + dx, y + dy
            if 0 <= xx < w and 0 <= yy < h:
                r = lab[yy][xx]
                if r <= 0 or r == best:
                    continue
                d = dist(v, r)
                if d < bd or (d == bd and r < best) or best == 0:
                    best, bd = r, d
        return best, bd

    heap, seq = [], 0
    queued = [[False] * w for _ in range(h)]
    for y in range(h):
        for x in range(w):
            if lab[y][x] == 0:
                r, d = nearest(x, y)
                if r and d <= max_distance:
                    heapq.heappush(heap, (d, seq, x, y)); seq += 1
                    queued[y][x] = True
    while heap:
        _, _, x, y = heapq.heappop(heap)
        queued[y][x] = False
        r, d = nearest(x, y)
        if not r or not d <= max_distance:
            continue
        lab[y][x] = r
        for c in range(C):
            S[r][c] += vals[y][x][c]
        N[r] += 1
        for dx, dy in nbs:
            xx, yy = x + dx, y + dy
            if 0 <= xx < w and 0 <= yy < h and lab[yy][xx] == 0 and not queued[yy][xx]:
                rq, dq = nearest(xx, yy)
                if rq and dq <= max_distance:
                    heapq.heappush(heap, (dq, seq, xx, yy)); seq += 1
                    queued[yy][xx] = True
    return np.array(lab, np.int64)


def points_labels(shape, pts):
    lab = np.zeros(shape[:2], np.int64)
    for i, (x, y) in enumerate(pts):
        lab[y, x] = i + 1
    return lab


rg = []
def grow_case(inp, seeds, opts=None, seeds_png=None):
    img = IMG[inp]
    opts = opts or {}
    if seeds_png is None:
        lab0 = points_labels(img.shape, seeds)
    else:
        lab0 = seeds
    out = srg(img, lab0, opts.get('connectivity', 8), opts.get('max_distance', math.inf))
    i = len(rg)
    case = {'input': inp, 'opts': opts, 'want': save_png('grow_%d.png' % i, out.astype(np.uint16)),
            'n': int(out.max())}
    if seeds_png is None:
        case['points'] = [{'x': x, 'y': y} for x, y in seeds]
    else:
        case['seeds'] = save_png(seeds_png, lab0.astype(np.uint16))
    rg.append(case)

coin_pts = [(5, 5), (47, 38), (100, 30), (150, 95), (60, 110)]
grow_case('coins', coin_pts)
grow_case('coins', coin_pts, {'connectivity': 4})
grow_case('coins', coin_pts, {'max_distance': 30})
grow_case('camera', [(10, 10), (75, 60), (140, 110), (20, 115)])
grow_case('cam16', [(10, 10), (75, 60), (140, 110)], {'max_distance': 9000})
grow_case('camf', [(10, 10), (75, 60), (140, 110)])
grow_case('astro', [(10, 10), (60, 40), (100, 90), (30, 80)])
grow_case('astro', [(10, 10), (60, 40), (100, 90)], {'connectivity': 4, 'max_distance': 40})
# coins seeded by markers: eroded bright blobs and a background frame
mk, nmk = ndi.label(ndi.binary_erosion(coins > 140, iterations=4))
mk[mk > 0] += 1
mk[0, :] = mk[-1, :] = mk[:, 0] = mk[:, -1] = 1
grow_case('coins', mk, {}, seeds_png='coins_markers.png')
refs['grow'] = rg

# ---------------------------------------------------------------- confidence_connected

ALMOST_ZERO = 0.1 * np.finfo(np.float64).eps


def dtype_limits(dt):
    if dt == np.float32:
        return -float(np.finfo(np.float32).max), float(np.finfo(np.float32).max)
    return 0.0, float(np.iinfo(dt).max)


def cast(dt, v):
    return float(np.float32(v)) if dt == np.float32 else float(math.trunc(v))


def seq_sum(a):
    """Sequential sum in double (np.cumsum adds in order; np.sum does not)."""
    a = np.asarray(a, np.float64).ravel()
    return float(np.cumsum(a)[-1]) if a.size else 0.0


def neighbourhood(img, x, y, r):
    """ITK's MeanImageFunction / VarianceImageFunction at (x, y): the
    (2r+1)^2 box with clamped coordinates (zero-flux Neumann), each pixel
    weighted by how many offsets land on it (lua-seg's order of sums)."""
    h, w = img.shape
    num = float(2 * r + 1) * float(2 * r + 1)

    def mult(i, v, n):
        m = 1.0
        if i == 0 and v - r < 0:
            m += float(r - v)
        if i == n - 1 and v + r > n - 1:
            m += float(v + r - (n - 1))
        return m
    s = q = 0.0
    for yy in range(max(0, y - r), min(h - 1, y + r) + 1):
        my = mult(yy, y, h)
        for xx in range(max(0, x - r), min(w - 1, x + r) + 1):
            m = my * mult(xx, x, w)
            v = float(img[yy, xx])
            s += m * v
            q += m * (v * v)
    return s / num, (q - (s * s / num)) / (num - 1.0)


def confidence(img, seeds, multiplier=2.5, iters=4, radius=1, conn=8):
    dt = img.dtype.type
    vmin, vmax = dtype_limits(dt)
    if radius > 0:
        mean = var = 0.0
        for x, y in seeds:
            m, v = neighbourhood(img, x, y, radius)
            mean += m
            var += v
        mean /= len(seeds)
        var /= len(seeds)
    else:
        s = q = 0.0
        for x, y in seeds:
            v = float(img[y, x])
            s += v
            q += v * v
        n = len(seeds)
        mean = s / n
        var = (q - (s * s / n)) / (n - 1.0) if n > 1 else math.nan
    lowest, highest = vmax, vmin
    for x, y in seeds:
        v = float(img[y, x])
        lowest = min(lowest, v)
        highest = max(highest, v)

    def bounds(mean, var):
        if not var > 0:
            var = 0.0
        sd = math.sqrt(var)
        lo, hi = mean - multiplier * sd, mean + multiplier * sd
        lo = min(lo, lowest)
        hi = max(hi, highest)
        lo = max(lo, vmin)
        hi = min(hi, vmax)
        return cast(dt, lo), cast(dt, hi)

    struct = np.ones((3, 3), bool) if conn == 8 else ndi.generate_binary_structure(2, 1)

    def grow(lo, hi):
        ok = (lo <= img) & (img <= hi)
        lab, _ = ndi.label(ok, structure=struct)
        keep = {lab[y, x] for x, y in seeds if lab[y, x] > 0}
        return np.isin(lab, list(keep)) if keep else np.zeros(img.shape, bool)

    lo, hi = bounds(mean, var)
    m = grow(lo, hi)
    for _ in range(iters):
        v = img[m].astype(np.float64)       # raster order
        n = float(v.size)
        if n < 2:
            break
        s, q = seq_sum(v), seq_sum(v * v)
        mean = s / n
        var = (q - (s * s / n)) / (n - 1.0)
        if abs(var) <= ALMOST_ZERO:
            break
        nlo, nhi = bounds(mean, var)
        if (nlo, nhi) == (lo, hi):
            break
        lo, hi = nlo, nhi
        m = grow(lo, hi)
    return m, lo, hi


cc = []
def conf_case(inp, seeds, opts=None):
    img = IMG[inp]
    opts = opts or {}
    m, lo, hi = confidence(img, seeds, opts.get('multiplier', 2.5), opts.get('iters', 4),
                           opts.get('radius', 1), opts.get('connectivity', 8))
    i = len(cc)
    cc.append({'input': inp, 'points': [{'x': x, 'y': y} for x, y in seeds], 'opts': opts,
               'lower': lo, 'upper': hi, 'count': int(m.sum()),
               'want': save_png('conf_%d.png' % i, m)})

conf_case('coins', [(47, 38)])
conf_case('coins', [(47, 38)], {'connectivity': 4})
conf_case('coins', [(47, 38), (100, 30)], {'multiplier': 2.0, 'iters': 8})
conf_case('coins', [(5, 5)], {'radius': 3})
conf_case('coins', [(0, 0)], {'radius': 2, 'iters': 1})      # clamped neighbourhood
conf_case('coins', [(47, 38), (48, 38), (47, 39)], {'radius': 0})
conf_case('camera', [(75, 60)])
conf_case('camera', [(10, 10)], {'multiplier': 3.0, 'connectivity': 4})
conf_case('cam16', [(75, 60)], {'multiplier': 2.0})
conf_case('camf', [(75, 60)])
conf_case('camf', [(10, 100), (20, 20)], {'multiplier': 1.5, 'radius': 2})
refs['confidence'] = cc

with open(os.path.join(FIX, 'region_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_region_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/region/')) + '\n')

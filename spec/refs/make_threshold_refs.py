#!/usr/bin/python3
"""Reference outputs for the threshold family, from scikit-image 0.19 and
OpenCV 4.6 on crops of scikit-image's sample photographs. Writes
spec/fixtures/threshold/* and spec/fixtures/threshold_refs.lua. Run with
Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_threshold_refs.py
"""
import os
import cv2
import numpy as np
import scipy.ndimage as ndi
from skimage import filters as F
from skimage.filters.thresholding import _mean_std

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'threshold')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def gray(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_GRAYSCALE)


def save_png(name, a):
    cv2.imwrite(os.path.join(OUT, name), a, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a):
    a = np.ascontiguousarray(a)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(a.astype(a.dtype.newbyteorder('<')).tobytes())
    return name


rng = np.random.default_rng(7)

# ---- inputs: odd-sized crops, u8, u16 and f32 ----
inputs = {
    'camera': gray('camera.png')[60:341, 90:363],       # 273 x 281
    'coins': gray('coins.png')[20:281, 10:371],          # 361 x 261
    'page': gray('page.png'),                            # 384 x 191
    'text': gray('text.png')[:, 40:360],                 # 320 x 172
    'moon': gray('moon.png')[100:351, 120:381],          # 261 x 251
}
u16 = {
    # a few thousand levels, so skimage's one-bin-per-value histogram stays small
    'camera16': (gray('camera.png')[100:301, 100:331].astype(np.uint16) * 13
                 + rng.integers(0, 13, (201, 231))).astype(np.uint16),
    'coins16': (gray('coins.png')[40:241, 40:261].astype(np.uint16) * 7 + 1000).astype(np.uint16),
}
f32 = {
    'coinsf': (gray('coins.png')[30:211, 60:281].astype(np.float32) / 255
               + rng.normal(0, 0.01, (181, 221)).astype(np.float32)),
    'cameraf': gray('camera.png')[200:401, 150:371].astype(np.float32) / 255 - 0.25,
}

refs = {'dir': 'spec/fixtures/threshold/', 'inputs': {}}
for k, a in inputs.items():
    refs['inputs'][k] = {'file': save_png(k + '.png', a), 'dtype': 'u8', 'w': a.shape[1], 'h': a.shape[0]}
for k, a in u16.items():
    refs['inputs'][k] = {'file': save_png(k + '.png', a), 'dtype': 'u16', 'w': a.shape[1], 'h': a.shape[0]}
for k, a in f32.items():
    refs['inputs'][k] = {'file': save_raw(k + '.raw', a), 'dtype': 'f32', 'w': a.shape[1], 'h': a.shape[0]}
allimg = dict(inputs, **u16, **f32)

# ---- global methods: skimage's values, and how many pixels are > t ----
METHODS = ['otsu', 'triangle', 'li', 'yen', 'isodata', 'mean', 'minimum']
glob = {}
for k, a in allimg.items():
    g = {}
    for m in METHODS:
        try:
            t = getattr(F, 'threshold_' + m)(a)
        except (RuntimeError, IndexError, ValueError):
            continue
        # bin width of skimage's histogram: 1 for integer images
        g[m] = {'t': float(t), 'count': int((a > t).sum())}
    if a.dtype == np.float32:
        g['bin'] = float((a.max() - a.min()) / 256)
    else:
        g['bin'] = 1
    glob[k] = g
refs['global'] = glob

# ---- multi-level Otsu: thresholds and class sizes (class = 1 + #{t < v}) ----
mo = {}
for k in ['camera', 'coins', 'moon', 'camera16', 'coinsf']:
    a = allimg[k]
    # the search is exhaustive: O(bins^(classes-1)) on u16's thousands of bins
    for classes in ((2, 3) if a.dtype == np.uint16 else (2, 3, 4)):
        t = F.threshold_multiotsu(a, classes)
        lab = np.digitize(a, bins=t, right=True) + 1
        mo['%s_%d' % (k, classes)] = {
            'img': k, 'classes': classes, 't': [float(x) for x in t],
            'sizes': [int((lab == c).sum()) for c in range(1, classes + 1)]}
refs['multiotsu'] = mo

# ---- adaptive thresholds: cv2.adaptiveThreshold on u8 ----
ad = []
for k in ['page', 'text', 'camera']:
    a = allimg[k]
    for method, flag in [('adaptive_mean', cv2.ADAPTIVE_THRESH_MEAN_C),
                         ('adaptive_gaussian', cv2.ADAPTIVE_THRESH_GAUSSIAN_C)]:
        for win, off in [(3, 2.5), (7, -3), (31, 5), (51, 0)]:
            name = '%s_%s_%d.png' % (k, method, win)
            save_png(name, cv2.adaptiveThreshold(a, 1, flag, cv2.THRESH_BINARY, win, off))
            ad.append({'img': k, 'method': method, 'window': win, 'offset': off, 'mask': name})
# u16 and f32 have no OpenCV adaptiveThreshold: the same definition with
# scipy's box mean (mode='nearest' = replicate) and cv2.GaussianBlur on
# float32, without rounding the mean
for k in ['camera16', 'cameraf']:
    a = allimg[k]
    for method, win, off in [('adaptive_mean', 15, 3 if k == 'camera16' else 0.01),
                             ('adaptive_gaussian', 21, -2 if k == 'camera16' else -0.005)]:
        if method == 'adaptive_mean' and a.dtype == np.uint16:
            # exact window sums (int64 integral image of the edge-padded image)
            r = win // 2
            ii = np.pad(np.pad(a.astype(np.int64), r, mode='edge').cumsum(0).cumsum(1), ((1, 0), (1, 0)))
            s = ii[win:, win:] - ii[:-win, win:] - ii[win:, :-win] + ii[:-win, :-win]
            mean = s / float(win * win)
        elif method == 'adaptive_mean':
            mean = ndi.uniform_filter(a.astype(np.float64), win, mode='nearest')
        else:
            mean = cv2.GaussianBlur(a.astype(np.float32), (win, win), 0,
                                    borderType=cv2.BORDER_REPLICATE | cv2.BORDER_ISOLATED)
        name = '%s_%s_%d.png' % (k, method, win)
        save_png(name, (a > mean - off).astype(np.uint8))
        ad.append({'img': k, 'method': method, 'window': win, 'offset': off, 'mask': name})
refs['adaptive'] = ad

# ---- niblack / sauvola (skimage) and wolf (NumPy transcription) ----


def wolf(a, w, k):
    """Wolf & Jolion 2004: T = m - k (m - M)(1 - s/R), M = min(image),
    R = max(s); m, s from skimage's _mean_std (reflected windows)."""
    m, s = _mean_std(a, w)
    M = a.min()
    R = s.max()
    return m - k * (m - M) * (1 - s / R)


loc = []
cases = [('page', 15, {}), ('page', 31, {'k': 0.3}), ('coins', 25, {'k': 0.1}),
         ('camera16', 21, {}), ('coinsf', 15, {}), ('cameraf', 31, {'k': 0.25})]
for k, w, kw in cases:
    a = allimg[k]
    for method in ['niblack', 'sauvola', 'wolf']:
        kk = kw.get('k', 0.5 if method == 'wolf' else 0.2)
        if method == 'niblack':
            t = F.threshold_niblack(a, w, k=kk)
        elif method == 'sauvola':
            t = F.threshold_sauvola(a, w, k=kk)
        else:
            t = wolf(a, w, kk)
        base = '%s_%s_%d' % (k, method, w)
        # the threshold image is kept for the top-left 40 x 64 corner (borders
        # included); the mask for the whole image
        loc.append({'img': k, 'method': method, 'window': w, 'k': kk,
                    'mask': save_png(base + '_mask.png', (a > t).astype(np.uint8)),
                    't': save_raw(base + '_t.raw', t[:40, :64].astype(np.float32))})
refs['local'] = loc

# ---- hysteresis: skimage (4-connected, its ndi.label default) and the same
# with a full 3x3 structure (8-connected) ----


def hyst8(a, low, high):
    low = np.clip(low, a_min=None, a_max=high)
    lab, n = ndi.label(a > low, structure=np.ones((3, 3)))
    sums = ndi.sum(a > high, lab, np.arange(n + 1))
    return (sums > 0)[lab]


hy = []
for k, low, high in [('coins', 100, 160), ('camera', 60, 150), ('camera16', 900, 2000),
                     ('coinsf', 0.4, 0.7)]:
    a = allimg[k]
    if k == 'coins':   # on an edge map, as hysteresis is used
        a = F.sobel(a[:150, :200]).astype(np.float32)
        low, high = 0.05, 0.12
        refs['inputs']['coins_sobel'] = {'file': save_raw('coins_sobel.raw', a), 'dtype': 'f32',
                                         'w': a.shape[1], 'h': a.shape[0]}
        k = 'coins_sobel'
    if a.dtype == np.float32:
        # numpy compares float32 pixels with float32(low): give values that are
        # float32 already, so the comparison means the same on both sides
        low, high = float(np.float32(low)), float(np.float32(high))
    m4 = F.apply_hysteresis_threshold(a, low, high)
    m8 = hyst8(a, low, high)
    hy.append({'img': k, 'low': low, 'high': high,
               'm4': save_png('%s_hyst4.png' % k, m4.astype(np.uint8)),
               'm8': save_png('%s_hyst8.png' % k, m8.astype(np.uint8))})
refs['hysteresis'] = hy

with open(os.path.join(FIX, 'threshold_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_threshold_refs.py (scikit-image %s, OpenCV %s)\n'
            % (__import__('skimage').__version__, cv2.__version__))
    f.write('return ' + lua(refs) + '\n')

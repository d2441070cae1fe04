#!/usr/bin/python3
"""Reference outputs for the watershed family, computed by scikit-image
0.19 (segmentation.watershed, morphology.local_maxima / local_minima /
h_maxima / h_minima) on crops of scikit-image's sample images and the
bundled nuclei picture. Writes spec/fixtures/watershed/* and
spec/fixtures/watershed_refs.lua. Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_watershed_refs.py
"""
import os
import warnings
import cv2
import numpy as np
import scipy.ndimage as ndi
import skimage
import skimage.filters as FI
import skimage.feature as F
import skimage.measure as ME
import skimage.morphology as M
import skimage.segmentation as S
import skimage.util as U

from luatable import lua

assert skimage.__version__ == '0.19.3', skimage.__version__
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'watershed')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def gray(path):
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def save_png(name, a):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    if a.dtype not in (np.uint8, np.uint16):
        assert a.min() >= 0 and a.max() < 65536, (name, a.min(), a.max())
        a = a.astype(np.uint16)
    assert cv2.imwrite(os.path.join(OUT, name), a, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


refs = {}
# ---- inputs (odd sizes)
coins = gray(os.path.join(DATA, 'coins.png'))[60:221, 40:217]          # 177 x 161 u8
camera = gray(os.path.join(DATA, 'camera.png'))[180:311, 190:347]     # 157 x 131 u8
sob = FI.sobel(coins)                                                  # f64
coins_el = np.round(sob / sob.max() * 255).astype(np.uint8)            # u8 elevation
coins_fg = ndi.binary_fill_holes(coins > FI.threshold_otsu(coins))
cam_el16 = (FI.sobel(camera) * 40000).astype(np.uint16)                # u16 elevation
# f32 elevations the spec rebuilds exactly from PNGs (no raw floats stored):
# -(squared distance) orders pixels as -distance does
dist2 = ndi.distance_transform_edt(coins_fg) ** 2
dist2 = np.round(dist2).astype(np.uint16)
dist = np.sqrt(dist2)
negd = -dist2.astype(np.float32)                                       # f32 elevation
pk = F.peak_local_max(dist, min_distance=5, exclude_border=False)
pm = np.zeros(dist.shape, bool)
pm[tuple(pk.T)] = True
peaks = ME.label(pm, connectivity=2).astype(np.int32)
grid = U.regular_seeds(coins.shape, 60).astype(np.int32)
grid16 = U.regular_seeds(camera.shape, 40).astype(np.int32)
# f32 elevation with NaN holes (skimage compares NaN as its heap does):
# coins_el / 8, NaN at rows 0, 9, 18, ... and columns 0, 11, 22, ...
nanel = (coins_el.astype(np.float32) / 8).copy()
nanel[::9, ::11] = np.nan

refs['inputs'] = {
    'coins_el': save_png('coins_el.png', coins_el),
    'coins_fg': save_png('coins_fg.png', coins_fg),
    'cam_el16': save_png('cam_el16.png', cam_el16),
    'dist2': save_png('dist2.png', dist2),
    'peaks': save_png('peaks.png', peaks),
    'grid': save_png('grid.png', grid),
    'grid16': save_png('grid16.png', grid16),
    'camera': save_png('camera.png', camera),
    'W': coins.shape[1], 'H': coins.shape[0],
}
EL = {'coins_el': coins_el, 'cam_el16': cam_el16, 'negd': negd, 'nanel': nanel,
      'camera': camera}
MK = {'peaks': peaks, 'grid': grid, 'grid16': grid16}

cases = []


def ws_case(name, el, markers, conn=8, mask=None, compactness=0, lines=False):
    """markers: a key of MK, an int (regular seeds) or None (local minima)."""
    mk = MK[markers] if isinstance(markers, str) else markers
    lab = S.watershed(EL[el], mk, connectivity=1 if conn == 4 else 2,
                      mask=None if mask is None else coins_fg,
                      compactness=compactness, watershed_line=lines)
    cases.append({'name': name, 'el': el, 'markers': markers, 'conn': conn,
                  'mask': mask, 'compactness': compactness, 'lines': lines,
                  'n': int(lab.max()), 'want': save_png('ws_%s.png' % name, lab)})


for conn in (8, 4):
    ws_case('grid_c%d' % conn, 'coins_el', 'grid', conn)
    ws_case('grid_lines_c%d' % conn, 'coins_el', 'grid', conn, lines=True)
    ws_case('grid_compact_c%d' % conn, 'coins_el', 'grid', conn, compactness=2.0)
    ws_case('u16_c%d' % conn, 'cam_el16', 'grid16', conn)
    ws_case('negd_c%d' % conn, 'negd', 'peaks', conn, mask='fg')
    ws_case('nan_c%d' % conn, 'nanel', 'grid', conn)
ws_case('grid_mask', 'coins_el', 'grid', mask='fg')
ws_case('grid_mask_lines', 'coins_el', 'grid', mask='fg', lines=True)
ws_case('grid_compact_lines', 'coins_el', 'grid', compactness=0.5, lines=True)
ws_case('negd_compact', 'negd', 'peaks', mask='fg', compactness=0.01)
ws_case('negd_lines', 'negd', 'peaks', mask='fg', lines=True)
ws_case('nan_compact', 'nanel', 'grid', compactness=0.3)
ws_case('u16_lines', 'cam_el16', 'grid16', lines=True)
ws_case('minima', 'camera', None)
ws_case('minima_c4', 'camera', None, 4)
ws_case('count70', 'coins_el', 70)
ws_case('count70_mask', 'coins_el', 70, mask='fg')
ws_case('count_all', 'coins_el', 10 ** 9)
refs['watershed'] = cases

# ---- extrema
cam16 = camera.astype(np.uint16) * 257 + 3
# f32 rebuilt in the spec: (camera - 64) / 256 (exact), NaN at [::7, ::5]
camf = ((camera.astype(np.float32) - 64) / 256).copy()
camfn = camf.copy()
camfn[::7, ::5] = np.nan
smooth = cv2.GaussianBlur(camera, (0, 0), 1.5)
refs['inputs'].update({
    'cam16': save_png('cam16.png', cam16),
    'smooth': save_png('smooth.png', smooth),
    'CW': camera.shape[1], 'CH': camera.shape[0],
})
EX = {'camera': camera, 'cam16': cam16, 'camf': camf, 'camfn': camfn, 'smooth': smooth}
ex = []
for img in ('camera', 'cam16', 'camf', 'camfn', 'smooth'):
    for conn in (4, 8):
        for fn in ('local_maxima', 'local_minima'):
            m = getattr(M, fn)(EX[img], connectivity=1 if conn == 4 else 2)
            ex.append({'fn': fn, 'img': img, 'conn': conn,
                       'want': save_png('%s_%s_c%d.png' % (fn, img, conn), m)})
refs['local'] = ex
hx = []
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    for img, hs in (('camera', (1, 10, 40, 255)), ('smooth', (3, 25)), ('cam16', (500, 5000)),
                    ('camf', (0.01, 0.05, 0.2, 0.5))):
        for h in hs:
            for fn in ('h_maxima', 'h_minima'):
                m = getattr(M, fn)(EX[img], h)
                hx.append({'fn': fn, 'img': img, 'h': h,
                           'want': save_png('%s_%s_%s.png' % (fn, img, str(h).replace('.', 'p')), m)})
refs['hext'] = hx

# ---- pipelines, counted: the same steps in skimage as the examples take
nuclei = gray(os.path.join(ROOT, 'examples', 'images', 'nuclei.png'))
fg = ndi.binary_fill_holes(nuclei > FI.threshold_otsu(nuclei))
fg = M.remove_small_objects(fg, 30, connectivity=2)
d = ndi.distance_transform_edt(fg)
pk = F.peak_local_max(d, min_distance=7, exclude_border=False)
pm = np.zeros(d.shape, bool)
pm[tuple(pk.T)] = True
mk = ME.label(pm, connectivity=2)
cells = S.watershed(-d, mk, mask=fg, connectivity=2)
refs['nuclei'] = {'objects': int(ME.label(fg).max()), 'cells': int(len(np.unique(cells)) - 1),
                  'markers': int(mk.max())}

# skimage's coins tutorial (region-based): sobel elevation, markers 1 below
# 30 and 2 above 150, watershed, holes filled, specks below 64 px dropped
coins_full = gray(os.path.join(DATA, 'coins.png'))
tm = np.zeros_like(coins_full)
tm[coins_full < 30] = 1
tm[coins_full > 150] = 2
tut = S.watershed(FI.sobel(coins_full), tm, connectivity=2) == 2
tut = M.remove_small_objects(ndi.binary_fill_holes(tut), 64, connectivity=2)
refs['coins_tutorial'] = int(ME.label(tut, connectivity=2).max())

with open(os.path.join(FIX, 'watershed_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_watershed_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/watershed/')) + '\n')

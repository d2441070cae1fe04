#!/usr/bin/python3
"""Reference outputs for the morphology and distance family, computed by
OpenCV 4.6, scikit-image 0.19 and scipy 1.10 on crops of scikit-image's
sample images. Writes spec/fixtures/morph/* and spec/fixtures/morph_refs.lua.
Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_morph_refs.py
"""
import os
import cv2
import numpy as np
import scipy.ndimage as ndi
import skimage.morphology as M
import skimage.feature as F
import skimage.measure as ME

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'morph')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def gray(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_UNCHANGED)


def save_png(name, a):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a, dtype):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(np.ascontiguousarray(a).astype(np.dtype(dtype).newbyteorder('<')).tobytes())
    return name


refs = {}
# ---- inputs: odd sizes so nothing relies on nice widths
camera = gray('camera.png')[180:311, 190:347]                 # 157 x 131 u8
astro = cv2.imread(os.path.join(DATA, 'astronaut.png'))[100:197, 150:271, ::-1].copy()  # 121 x 97 RGB
cam16 = camera.astype(np.uint16) * 257 + 3
camf = (camera[:61, :77].astype(np.float32) / 255.0 - 0.25).copy()   # 77 x 61, has negatives
coins = gray('coins.png')
coinsm = coins[40:201, 10:190] > 110                            # 180 x 161 mask
horse = ~(cv2.imread(os.path.join(DATA, 'horse.png'), 0)[::2, ::2] > 0)                      # 200 x 164 silhouette
refs['inputs'] = {
    'camera': save_png('camera.png', camera),
    'astro': save_png('astro.png', astro),
    'cam16': save_png('cam16.png', cam16),
    'camf': save_raw('camf.raw', camf, 'f4'), 'camf_w': camf.shape[1], 'camf_h': camf.shape[0],
    'coins': save_png('coins_mask.png', coinsm),
    'horse': save_png('horse_mask.png', horse),
}

ops_cv = {'erode': cv2.MORPH_ERODE, 'dilate': cv2.MORPH_DILATE, 'open': cv2.MORPH_OPEN,
          'close': cv2.MORPH_CLOSE, 'gradient': cv2.MORPH_GRADIENT,
          'tophat': cv2.MORPH_TOPHAT, 'blackhat': cv2.MORPH_BLACKHAT}

def cvop(img, op, k):
    return cv2.morphologyEx(img, ops_cv[op], k.astype(np.uint8))

# OpenCV: even-sized rectangle (anchor (w/2, h/2)), every operation, u8
rect = np.ones((3, 4), np.uint8)        # seg.rect(4, 3)
refs['cv_rect'] = {op: save_png('cv_rect_%s.png' % op, cvop(camera, op, rect)) for op in ops_cv}
# OpenCV: cross on RGB, asymmetric user element on u16, disk on f32
cross = np.zeros((5, 5), np.uint8); cross[2, :] = 1; cross[:, 2] = 1
refs['cv_cross_rgb'] = {op: save_png('cv_cross_rgb_%s.png' % op, cvop(astro, op, cross))
                        for op in ('erode', 'dilate', 'gradient')}
user = np.array([[1, 1, 0, 0], [0, 1, 0, 0], [0, 1, 1, 1]], np.uint8)
refs['cv_user_u16'] = {op: save_png('cv_user_u16_%s.png' % op, cvop(cam16, op, user))
                       for op in ('erode', 'dilate', 'open', 'close')}
refs['cv_disk_f32'] = {op: save_raw('cv_disk_f32_%s.raw' % op, cvop(camf, op, M.disk(2)), 'f4')
                       for op in ('erode', 'dilate', 'tophat', 'blackhat')}
# scikit-image: disk footprint (a number r means seg.disk(r))
sk = {'erode': M.erosion, 'dilate': M.dilation, 'open': M.opening, 'close': M.closing,
      'tophat': M.white_tophat, 'blackhat': M.black_tophat}
refs['sk_disk'] = {op: save_png('sk_disk_%s.png' % op, f(camera, M.disk(4))) for op, f in sk.items()}
skb = {'erode': M.binary_erosion, 'dilate': M.binary_dilation, 'open': M.binary_opening,
       'close': M.binary_closing}
refs['sk_binary'] = {op: save_png('sk_binary_%s.png' % op, f(coinsm, M.disk(3))) for op, f in skb.items()}
refs['disk_sizes'] = {str(r): int(M.disk(r).sum()) for r in (0, 1, 2, 3, 5, 7, 12, 25)}

# ---- mask clean-up
refs['fill_holes'] = save_png('fill_holes.png', ndi.binary_fill_holes(coinsm))
refs['fill_holes_horse'] = save_png('fill_holes_horse.png', ndi.binary_fill_holes(~horse))
refs['remove_small'] = {str(c): save_png('remove_small_%d.png' % c, M.remove_small_objects(coinsm, 30, connectivity=1 if c == 4 else 2)) for c in (4, 8)}
refs['remove_small_holes'] = {str(c): save_png('remove_small_holes_%d.png' % c, M.remove_small_holes(coinsm, 30, connectivity=1 if c == 4 else 2)) for c in (4, 8)}

# ---- reconstruction (seed = erosion / dilation of the image)
seed = M.erosion(camera, M.disk(5))
refs['recon_dil'] = save_png('recon_dil.png', M.reconstruction(seed, camera, 'dilation').astype(np.uint8))
refs['recon_dil_seed'] = save_png('recon_dil_seed.png', seed)
seed = M.dilation(camera, M.disk(5))
refs['recon_ero'] = save_png('recon_ero.png', M.reconstruction(seed, camera, 'erosion').astype(np.uint8))
refs['recon_ero_seed'] = save_png('recon_ero_seed.png', seed)
seedf = camf - 0.2
refs['recon_f32'] = save_raw('recon_f32.raw', M.reconstruction(seedf, camf, 'dilation').astype(np.float32), 'f4')

# ---- skeleton, convex hull
refs['skeleton_coins'] = save_png('skeleton_coins.png', M.skeletonize(coinsm))
refs['skeleton_horse'] = save_png('skeleton_horse.png', M.skeletonize(horse))
refs['hull_horse'] = save_png('hull_horse.png', M.convex_hull_image(horse))
coin1 = coinsm.copy(); coin1[:, 60:] = False                   # a few blobs at the left
refs['hull_coins'] = save_png('hull_coins.png', M.convex_hull_image(coinsm))
refs['hull_left'] = save_png('hull_left.png', M.convex_hull_image(coin1))
refs['hull_left_input'] = save_png('hull_left_input.png', coin1)
rng = np.random.default_rng(7)
hulls = []
for i in range(6):
    m = np.zeros((23, 31), bool)
    for _ in range(3 + i):
        m[rng.integers(0, 23), rng.integers(0, 31)] = True
    hulls.append({'input': save_png('hull_rand%d_in.png' % i, m),
                  'want': save_png('hull_rand%d.png' % i, M.convex_hull_image(m))})
refs['hull_random'] = hulls

# ---- distances (scipy): mask = coins, plus the horse
edt = ndi.distance_transform_edt(coinsm)
refs['edt_coins'] = save_raw('edt_coins.raw', edt.astype(np.float32), 'f4')
refs['edt_horse'] = save_raw('edt_horse.raw', ndi.distance_transform_edt(horse).astype(np.float32), 'f4')
refs['edt_max'] = float(edt.max())
refs['cdt_taxicab'] = save_png('cdt_taxicab.png', ndi.distance_transform_cdt(coinsm, 'taxicab').astype(np.uint16))
refs['cdt_chessboard'] = save_png('cdt_chessboard.png', ndi.distance_transform_cdt(coinsm, 'chessboard').astype(np.uint16))
_, ind = ndi.distance_transform_edt(coinsm, return_indices=True)
refs['edt_ind'] = save_raw('edt_ind.raw', np.dstack([ind[1], ind[0]]), 'i4')   # (x, y)

# ---- peaks: peak_local_max + measure.label, on scipy's EDT (f32, many
# ties) and on smoothed u8/u16 photographs
def peaks(img, **kw):
    m = F.peak_local_max(img, indices=False, **kw) if False else None
    coords = F.peak_local_max(img, **kw)
    mask = np.zeros(img.shape, bool)
    mask[tuple(coords.T)] = True
    lab, n = ME.label(mask, return_num=True, connectivity=2)
    return lab, n

edtf = edt.astype(np.float32)
refs['peaks_edt_input'] = refs['edt_coins']
cases = []
def peak_case(name, img, lua_opts, **kw):
    lab, n = peaks(img, **kw)
    cases.append({'name': name, 'opts': lua_opts, 'n': int(n),
                  'want': save_png('peaks_%s.png' % name, lab.astype(np.uint16))})
peak_case('edt_md1', edtf, {'min_distance': 1}, min_distance=1)
peak_case('edt_md3', edtf, {'min_distance': 3}, min_distance=3)
peak_case('edt_md7', edtf, {'min_distance': 7, 'exclude_border': False}, min_distance=7, exclude_border=False)
peak_case('edt_md5_rel', edtf, {'min_distance': 5, 'threshold_rel': 0.3}, min_distance=5, threshold_rel=0.3)
smooth = cv2.GaussianBlur(camera, (0, 0), 2)
refs['peaks_smooth'] = save_png('smooth.png', smooth)
peak_case('u8_md2', smooth, {'min_distance': 2}, min_distance=2)
peak_case('u8_md4_abs', smooth, {'min_distance': 4, 'threshold': 100, 'exclude_border': 2},
          min_distance=4, threshold_abs=100, exclude_border=2)
sm16 = smooth.astype(np.uint16) * 200
refs['peaks_smooth16'] = save_png('smooth16.png', sm16)
peak_case('u16_md3', sm16, {'min_distance': 3}, min_distance=3)
refs['peaks'] = cases


with open(os.path.join(FIX, 'morph_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_morph_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/morph/')) + '\n')

#!/usr/bin/python3
"""Reference outputs for the energy family (random walker, Chan-Vese,
morphological snakes, inverse Gaussian gradient), computed by
scikit-image 0.19 (scipy 1.10) on crops of scikit-image's sample images.
Writes spec/fixtures/energy/* and spec/fixtures/energy_refs.lua. Run with
Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_energy_refs.py
"""
import os
import warnings

import cv2
import numpy as np
import skimage
from skimage import segmentation as S
from skimage.segmentation import morphsnakes as MS

from luatable import lua

assert skimage.__version__.startswith('0.19'), skimage.__version__
warnings.simplefilter('ignore')

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'energy')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def gray(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_UNCHANGED)


def save_png(name, a):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a, dtype):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(np.ascontiguousarray(a).astype(np.dtype(dtype).newbyteorder('<')).tobytes())
    return name


def fresh_curvop():
    """skimage cycles SIoIS / ISoSI through one module-level iterator; every
    lua-seg call starts as the first call of a fresh process."""
    MS._curvop = MS._fcycle([lambda u: MS.sup_inf(MS.inf_sup(u)),
                             lambda u: MS.inf_sup(MS.sup_inf(u))])


def ours_from_skimage_rw(markers, out):
    """skimage 0.19 renumbers the positive labels to 1..n and writes
    negative values on inactive pixels; lua-seg keeps the marker values
    and writes 0 there."""
    vals = np.unique(markers[markers > 0])
    res = np.zeros(out.shape, np.int32)
    pos = out > 0
    res[pos] = vals[out[pos] - 1]
    return res


refs = {}
camera = gray('camera.png')
coins = gray('coins.png')
astro = cv2.imread(os.path.join(DATA, 'astronaut.png'))[:, :, ::-1]

# ---------------- random walker ----------------
rw = {}
# the gallery's recipe on a real image: markers from two thresholds
c1 = coins[40:240, 20:220].copy()                                # 200 x 200 u8
m1 = np.zeros(c1.shape, np.int32)
m1[c1 < 60] = 1
m1[c1 > 170] = 2
rw['gray'] = {'image': save_png('rw_coins.png', c1), 'markers': save_png('rw_coins_markers.png', m1.astype(np.uint8)),
              'labels': save_png('rw_coins_labels.png',
                                 S.random_walker(c1, m1, beta=130, mode='cg_j', tol=1e-3).astype(np.uint8))}
out = S.random_walker(c1, m1, beta=500, mode='cg', tol=1e-4)
rw['gray_cg'] = {'labels': save_png('rw_coins_labels_cg.png', out.astype(np.uint8)), 'beta': 500, 'tol': 1e-4}
# multichannel (channel_axis=-1): astronaut's face, markers from the gray level
a1 = astro[60:180, 150:310].copy()                               # 160 x 120 RGB
g1 = cv2.cvtColor(a1, cv2.COLOR_RGB2GRAY)
m2 = np.zeros(g1.shape, np.int32)
m2[g1 < 50] = 3
m2[g1 > 200] = 7
m2[(g1 > 120) & (g1 < 130)] = 5
out = S.random_walker(a1, m2, beta=130, channel_axis=-1)
rw['rgb'] = {'image': save_png('rw_astro.png', a1), 'markers': save_png('rw_astro_markers.png', m2.astype(np.uint8)),
             'labels': save_png('rw_astro_labels.png', ours_from_skimage_rw(m2, out).astype(np.uint8))}
# inactive pixels (negative markers), isolated seeds and unreachable pixels
c3 = coins[100:180, 100:220].copy()                              # 120 x 80
m3 = np.zeros(c3.shape, np.int32)
m3[c3 < 50] = 1
m3[c3 > 180] = 4
m3[:, 60] = -1                       # a wall: the right part has its own seeds
m3[5:9, 5:9] = -2                    # a block of inactive pixels
m3[0:3, 110:113] = -1                # a pocket, walled off from everything...
m3[1, 111] = 0                       # ...holding one unreachable pixel
m3[78:80, 0:2] = 9; m3[77, 0:3] = -1; m3[78:80, 2] = -1   # an isolated seed
out = S.random_walker(c3, m3.copy(), beta=130)
# markers + 16 as u8 PNG (the spec subtracts 16)
rw['inactive'] = {'image': save_png('rw_inactive.png', c3), 'markers': save_png('rw_inactive_markers.png', (m3 + 16).astype(np.uint8)),
                  'labels': save_png('rw_inactive_labels.png', ours_from_skimage_rw(m3, out).astype(np.uint8)),
                  'w': c3.shape[1], 'h': c3.shape[0]}
# full probabilities, three labels
c4 = coins[60:108, 60:108].copy()                                # 48 x 48
m4 = np.zeros(c4.shape, np.int32)
m4[c4 < 60] = 2
m4[c4 > 180] = 5
m4[30:34, 0:4] = 8
m4[0:3, 40:44] = 8
prob = S.random_walker(c4, m4, beta=130, return_full_prob=True)   # (3, h, w)
rw['prob'] = {'image': save_png('rw_prob.png', c4), 'markers': save_png('rw_prob_markers.png', m4.astype(np.uint8)),
              'prob': save_raw('rw_prob.raw', np.moveaxis(prob, 0, -1), 'f4'), 'k': prob.shape[0]}
refs['random_walker'] = rw

# ---------------- Chan-Vese ----------------
cv = {}
cam = camera[60:316, 120:376].copy()                             # 256 x 256 u8
mask, phi, en = S.chan_vese(cam, mu=0.25, lambda1=1, lambda2=1, tol=1e-3, max_num_iter=200,
                            dt=0.5, init_level_set='checkerboard', extended_output=True)
cv['checkerboard'] = {'image': save_png('cv_camera.png', cam), 'mask': save_png('cv_camera_mask.png', mask),
                      'iters': len(en), 'energies': [float(e) for e in en[:3]] + [float(en[-1])],
                      'phi_min': float(phi.min()), 'phi_max': float(phi.max())}
cz = coins[150:240, 150:270].copy()                              # 120 x 90
for init in ('disk', 'small disk'):
    mask, phi, en = S.chan_vese(cz, mu=0.1, lambda1=1, lambda2=1.5, tol=1e-4, max_num_iter=150,
                                dt=0.4, init_level_set=init, extended_output=True)
    cv[init.replace(' ', '_')] = {'mask': save_png('cv_coins_%s.png' % init.replace(' ', '_'), mask),
                                  'iters': len(en)}
cv['coins'] = save_png('cv_coins.png', cz)
refs['chan_vese'] = cv

# ---------------- morphological snakes ----------------
ms = {}
# morphological_chan_vese: the gallery's settings (35 iterations, smoothing
# 3, checkerboard) on a camera crop, as u8 and as float32
fresh_curvop()
u = MS.morphological_chan_vese(cam, 35, init_level_set='checkerboard', smoothing=3)
ms['mcv_u8'] = save_png('mcv_camera_u8.png', u)
camf = (camera[100:228, 200:328] / 255.0).astype(np.float32)   # 128 x 128 f32
fresh_curvop()
u = MS.morphological_chan_vese(camf, 35, init_level_set='checkerboard', smoothing=3)
ms['mcv_f32'] = {'image': save_raw('mcv_camera_f32.raw', camf, 'f4'), 'w': 128, 'h': 128,
                 'mask': save_png('mcv_camera_f32.png', u)}
# float64 img_as_float input (what the gallery passes): the figure the spec reports
fresh_curvop()
u = MS.morphological_chan_vese(skimage.img_as_float(cam), 35, init_level_set='checkerboard', smoothing=3)
ms['mcv_f64'] = save_png('mcv_camera_f64.png', u)
# disk, lambdas, odd smoothing (the operator phase alternates between iterations)
fresh_curvop()
u = MS.morphological_chan_vese(cz, 20, init_level_set='disk', smoothing=1, lambda1=1, lambda2=2)
ms['mcv_disk'] = save_png('mcv_coins_disk.png', u)
# a user Mask
init = np.zeros(cz.shape, np.int8)
init[20:70, 30:100] = 1
fresh_curvop()
u = MS.morphological_chan_vese(cz, 25, init_level_set=init, smoothing=2)
ms['mcv_user'] = {'init': save_png('mcv_init.png', init.astype(np.uint8)), 'mask': save_png('mcv_coins_user.png', u)}

# geodesic active contour: the gallery's recipe on a coins crop
co = coins[10:138, 60:188].copy()                                # 128 x 128 u8
gimage = MS.inverse_gaussian_gradient(skimage.img_as_float(co))  # float64
g32 = gimage.astype(np.float32)
ls = np.zeros(co.shape, np.int8)
ls[10:-10, 10:-10] = 1
fresh_curvop()
u = MS.morphological_geodesic_active_contour(g32, 230, ls, smoothing=1, balloon=-1, threshold=0.69)
fresh_curvop()
u64 = MS.morphological_geodesic_active_contour(gimage, 230, ls, smoothing=1, balloon=-1, threshold=0.69)
ms['gac'] = {'image': save_png('gac_coins.png', co), 'gimage': save_raw('gac_gimage.raw', g32, 'f4'),
             'w': co.shape[1], 'h': co.shape[0], 'init': save_png('gac_init.png', ls.astype(np.uint8)),
             'mask': save_png('gac_mask.png', u), 'mask_f64': save_png('gac_mask_f64.png', u64)}
# "auto" threshold (40th percentile), inflating balloon, disk start, smoothing 2
fresh_curvop()
u = MS.morphological_geodesic_active_contour(g32, 60, 'disk', smoothing=2, balloon=1.5, threshold='auto')
ms['gac_auto'] = save_png('gac_auto.png', u)
fresh_curvop()
u = MS.morphological_geodesic_active_contour(g32, 40, 'checkerboard', smoothing=1, balloon=0)
ms['gac_plain'] = save_png('gac_plain.png', u)
# inverse_gaussian_gradient with other parameters (float64, compared with a
# tolerance; the defaults are gac's gimage), on a 40 x 30 crop
cs = cz[20:50, 40:80]
ig = MS.inverse_gaussian_gradient(skimage.img_as_float(cs), alpha=50, sigma=2.5)
ms['igg'] = {'image': save_png('igg_coins.png', cs), 'alpha': 50, 'sigma': 2.5,
             'ref': save_raw('igg_coins.raw', ig.astype(np.float32), 'f4'), 'w': cs.shape[1], 'h': cs.shape[0]}
refs['snakes'] = ms

refs['dir'] = 'spec/fixtures/energy/'
with open(os.path.join(FIX, 'energy_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_energy_refs.py (scikit-image %s); do not edit\n' % skimage.__version__)
    f.write('return ' + lua(refs) + '\n')
print('ok')

#!/usr/bin/python3
"""Reference outputs for the superpixel family (img:slic, img:quickshift),
computed by scikit-image 0.19's skimage.segmentation.slic and quickshift on
crops of its sample images (astronaut, coffee, chelsea, camera). Writes
spec/fixtures/superpixel/* and spec/fixtures/superpixel_refs.lua. Labels are
stored as 16-bit PNGs. Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_superpixel_refs.py
"""
import os
import cv2
import numpy as np
from skimage import data, segmentation as S, color, morphology as M

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'superpixel')
os.makedirs(OUT, exist_ok=True)


def save_png(name, a):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype.kind in 'iu' and a.ndim == 2 and a.max() > 255:
        a = a.astype(np.uint16)
    elif a.dtype.kind in 'iu' and a.ndim == 2 and a.dtype != np.uint8:
        a = a.astype(np.uint16)
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), np.ascontiguousarray(b),
                       [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


refs = {}
astro = np.ascontiguousarray(data.astronaut()[30:190, 150:310])      # 160 x 160
coffee = np.ascontiguousarray(data.coffee()[100:260, 200:380])       # 180 x 160
chelsea = np.ascontiguousarray(data.chelsea()[60:200, 100:280])      # 180 x 140
camera = np.ascontiguousarray(data.camera()[100:230, 180:330])       # 150 x 130 gray
refs['inputs'] = {
    'astro': save_png('astro.png', astro), 'coffee': save_png('coffee.png', coffee),
    'chelsea': save_png('chelsea.png', chelsea), 'camera': save_png('camera.png', camera),
}
imgs = {'astro': astro, 'coffee': coffee, 'chelsea': chelsea, 'camera': camera}

# SLIC: lua options -> skimage keywords
slic = []


def slic_case(name, img, opts, **kw):
    lab = S.slic(imgs[img], start_label=1, channel_axis=None if imgs[img].ndim == 2 else -1, **kw)
    slic.append({'name': name, 'image': img, 'opts': opts, 'n': int(lab.max()),
                 'want': save_png('slic_%s.png' % name, lab)})


slic_case('astro_100', 'astro', {'n': 100}, n_segments=100)
slic_case('astro_300_c20', 'astro', {'n': 300, 'compactness': 20}, n_segments=300, compactness=20)
slic_case('coffee_200_s1', 'coffee', {'n': 200, 'sigma': 1}, n_segments=200, sigma=1)
slic_case('chelsea_150_zero', 'chelsea', {'n': 150, 'zero': True}, n_segments=150, slic_zero=True)
slic_case('chelsea_80_noconn', 'chelsea', {'n': 80, 'enforce_connectivity': False, 'iters': 5},
          n_segments=80, enforce_connectivity=False, max_num_iter=5)
slic_case('camera_120_c01', 'camera', {'n': 120, 'compactness': 0.1}, n_segments=120, compactness=0.1)
slic_case('astro_rgb_nolab', 'astro', {'n': 60, 'convert2lab': False, 'compactness': 0.2},
          n_segments=60, convert2lab=False, compactness=0.2)
slic_case('coffee_sizes', 'coffee', {'n': 100, 'min_size_factor': 0.8, 'max_size_factor': 1.5},
          n_segments=100, min_size_factor=0.8, max_size_factor=1.5)
# masked: skimage's random seeds; only counts and boundaries are compared
mask = M.remove_small_holes(M.remove_small_objects(color.rgb2gray(astro) > 0.45, 200), 200)
refs['mask'] = save_png('astro_mask.png', mask)
lab = S.slic(astro, n_segments=60, mask=mask, start_label=1)
refs['slic_mask'] = {'opts': {'n': 60}, 'n': int(lab.max()), 'want': save_png('slic_mask.png', lab)}
refs['slic'] = slic

# quick shift (labels from 1: skimage's + 1)
qs = []


def qs_case(name, img, opts, crop, **kw):
    lab = S.quickshift(imgs[img][:crop, :crop], **kw) + 1
    qs.append({'name': name, 'image': img, 'crop': crop, 'opts': opts, 'n': int(lab.max()),
               'want': save_png('qs_%s.png' % name, lab)})


qs_case('astro_default', 'astro', {}, 96)
qs_case('coffee_r05_k3', 'coffee', {'ratio': 0.5, 'kernel_size': 3, 'max_dist': 6, 'sigma': 1},
        120, ratio=0.5, kernel_size=3, max_dist=6, sigma=1)
qs_case('chelsea_k4', 'chelsea', {'kernel_size': 4, 'max_dist': 20}, 100, kernel_size=4, max_dist=20)
refs['quickshift'] = qs

with open(os.path.join(FIX, 'superpixel_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_superpixel_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/superpixel/')) + '\n')

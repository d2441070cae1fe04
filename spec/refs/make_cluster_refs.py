#!/usr/bin/python3
"""Reference compactness for the cluster family: OpenCV 4.6's cv2.kmeans
(KMEANS_PP_CENTERS, best of the same number of attempts) on crops of
scikit-image's sample images. k-means has many local optima, so the spec
does not compare labels: it checks that lua-seg's compactness (sum of
squared distances of the pixels to their centres) is within 1% of
OpenCV's, and that every label is the nearest centre. Writes
spec/fixtures/cluster/* and spec/fixtures/cluster_refs.lua. Run with
Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_cluster_refs.py
"""
import os

import cv2
import numpy as np

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'cluster')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def load(name):
    a = cv2.imread(os.path.join(DATA, name), cv2.IMREAD_UNCHANGED)
    return a[:, :, ::-1].copy() if a.ndim == 3 else a


def save_png(name, a):
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(np.ascontiguousarray(a).astype('<f4').tobytes())
    return name


astro = load('astronaut.png')[40:168, 100:228]                  # 128 x 128 RGB
coffee = load('coffee.png')[100:220, 150:310]                   # 160 x 120 RGB
camera = load('camera.png')[100:230, 150:300]                   # 150 x 130 u8
cam16 = camera.astype(np.uint16) * 257                          # u16
h, w = 48, 64
rgbf = load('chelsea.png')[60:60 + h, 120:120 + w].astype(np.float32) / 255
yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
feat = np.dstack([rgbf, xx[..., None] / w, yy[..., None] / h])  # 64 x 48, 5 channels f32

refs = {'inputs': {
    'astro': save_png('astro.png', astro), 'coffee': save_png('coffee.png', coffee),
    'camera': save_png('camera.png', camera), 'cam16': save_png('cam16.png', cam16),
    'feat': save_raw('feat.raw', feat), 'feat_w': w, 'feat_h': h, 'feat_c': 5,
}}
IMG = {'astro': astro, 'coffee': coffee, 'camera': camera, 'cam16': cam16, 'feat': feat}

cases = []
for name, k, attempts in [('astro', 4, 3), ('astro', 8, 3), ('coffee', 6, 3), ('camera', 3, 3),
                          ('cam16', 4, 3), ('feat', 5, 3), ('coffee', 12, 2), ('astro', 20, 2)]:
    img = IMG[name]
    data = img.reshape(img.shape[0] * img.shape[1], -1).astype(np.float32)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 0.0)
    cv2.setRNGSeed(1)
    comp, labels, centers = cv2.kmeans(data, k, None, crit, attempts, cv2.KMEANS_PP_CENTERS)
    cases.append({'input': name, 'k': k, 'attempts': attempts, 'iters': 100, 'eps': 0,
                  'compactness': float(comp)})
refs['kmeans'] = cases

with open(os.path.join(FIX, 'cluster_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_cluster_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/cluster/')) + '\n')

#!/usr/bin/python3
"""Reference outputs for the colour family (img:lab/hsv/hed and back),
computed by scikit-image 0.19's skimage.color on crops of its sample
images and on a synthetic colour cube. Writes spec/fixtures/colour/* and
spec/fixtures/colour_refs.lua. Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_colour_refs.py
"""
import os
import warnings
import cv2
import numpy as np
import skimage.color as C

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'colour')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def rgb(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_UNCHANGED)[:, :, ::-1]


def save_png(name, a):
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), np.ascontiguousarray(b),
                       [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(np.ascontiguousarray(a).astype('<f4').tobytes())
    return name


refs = {}
# u8 inputs: odd sizes; an 8^3 colour cube (every channel 3, 39, ..., 255)
astro = np.ascontiguousarray(rgb('astronaut.png')[200:225, 150:187])      # 37 x 25
ihc = np.ascontiguousarray(rgb('ihc.png')[300:325, 400:437])              # 37 x 25
lv = np.arange(8) * 36 + 3
cube = np.stack(np.meshgrid(lv, lv, lv, indexing='ij'), -1).reshape(16, 32, 3).astype(np.uint8)
u16 = (astro.astype(np.uint16) * 257 + np.arange(37, dtype=np.uint16)[None, :, None] * 3)
# f32: values below 0 and above 1 included (they pass through the formulas)
f32 = (astro[:20, :30].astype(np.float32) / 255.0 * 1.2 - 0.1).astype(np.float32)

refs['inputs'] = {
    'astro': save_png('astro.png', astro), 'ihc': save_png('ihc.png', ihc),
    'cube': save_png('cube.png', cube), 'u16': save_png('astro16.png', u16),
    'f32': save_raw('f32.raw', f32), 'f32_w': f32.shape[1], 'f32_h': f32.shape[0],
}

fwd = {'lab': C.rgb2lab, 'hsv': C.rgb2hsv, 'hed': C.rgb2hed}
inv = {'lab': C.lab2rgb, 'hsv': C.hsv2rgb, 'hed': C.hed2rgb}
forward = {}
for name, img in [('astro', astro), ('ihc', ihc), ('cube', cube), ('u16', u16), ('f32', f32)]:
    forward[name] = {}
    for sp, fn in fwd.items():
        forward[name][sp] = save_raw('%s_%s.raw' % (name, sp), fn(img))
refs['forward'] = forward

# inverses: from the f32 forward results of the cube (skimage computes them
# in float32 for float32 input), plus an out-of-gamut Lab ramp
inverse = {}
for sp, fn in inv.items():
    src = fwd[sp](cube).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        inverse[sp] = {'src': save_raw('inv_%s_src.raw' % sp, src),
                       'want': save_raw('inv_%s.raw' % sp, fn(src))}
L, a, b = np.meshgrid(np.linspace(0, 100, 8), np.linspace(-120, 120, 8), np.linspace(-120, 120, 8),
                      indexing='ij')
ramp = np.stack([L, a, b], -1).reshape(32, 16, 3).astype(np.float32)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    inverse['lab_gamut'] = {'src': save_raw('inv_labg_src.raw', ramp),
                            'want': save_raw('inv_labg.raw', C.lab2rgb(ramp))}
refs['inverse'] = inverse
refs['cube_w'], refs['cube_h'] = 32, 16
refs['ramp_w'], refs['ramp_h'] = 16, 32

with open(os.path.join(FIX, 'colour_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_colour_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/colour/')) + '\n')

#!/usr/bin/python3
"""Reference outputs for the intensity family: skimage 0.19's
exposure.rescale_intensity, OpenCV 4.6's equalizeHist and CLAHE, on crops
of scikit-image's sample images. Writes spec/fixtures/intensity/* and
spec/fixtures/intensity_refs.lua. Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_intensity_refs.py
"""
import os
import cv2
import numpy as np
import skimage.exposure as E

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'intensity')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)
cv2.setNumThreads(1)


def read(name):
    a = cv2.imread(os.path.join(DATA, name), cv2.IMREAD_UNCHANGED)
    return a[:, :, ::-1].copy() if a.ndim == 3 else a


def save(name, a):
    """PNG for u8/u16, raw little-endian f32 for floats (float64 results
    of skimage are stored as the float32 lua-seg returns)."""
    a = np.ascontiguousarray(a)
    if a.dtype in (np.float32, np.float64):
        with open(os.path.join(OUT, name + '.raw'), 'wb') as f:
            f.write(a.astype('<f4').tobytes())
        return name + '.raw'
    b = a[:, :, ::-1] if a.ndim == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name + '.png'), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name + '.png'


def desc(a, f):
    return {'file': f, 'w': a.shape[1], 'h': a.shape[0], 'c': a.shape[2] if a.ndim == 3 else 1}


refs = {}
cam = read('camera.png')
gray = cam[180:311, 190:347].copy()                               # 157 x 131 u8
low = (gray // 3 + 60).astype(np.uint8)                           # low contrast
rgb = read('astronaut.png')[100:147, 150:211].copy()              # 61 x 47 RGB
g16 = (gray[:61, :83].astype(np.uint16) * 200 + 17)               # 83 x 61 u16, not full range
gf = (read('coins.png')[100:123, 50:91].astype(np.float32) / 255.0 - 0.3)  # 41 x 23 f32
sq = cam[200:328, 200:328].copy()                                 # 128 x 128: divides by 8
small = gray[40:70, 60:100].copy()                                # 40 x 30 u8
tiny = np.array([[10, 200, 30, 40, 90], [7, 7, 250, 1, 0], [128, 64, 32, 16, 8]], np.uint8)
inputs = {'small': small, 'gray': gray, 'low': low, 'rgb': rgb, 'g16': g16, 'gf': gf, 'sq': sq, 'tiny': tiny}
refs['inputs'] = {k: desc(a, save('in_' + k, a)) for k, a in inputs.items()}

# ---- rescale_intensity
cases = []
def rescale(name, key, lua_opts, **kw):
    out = E.rescale_intensity(inputs[key], **kw)
    dt = {np.dtype(np.uint8): 'u8', np.dtype(np.uint16): 'u16'}.get(out.dtype, 'f32')
    cases.append({'name': name, 'input': key, 'opts': lua_opts, 'dtype': dt,
                  'want': save('rescale_' + name, out)})
rescale('gray_default', 'low', {})
rescale('gray_in', 'gray', {'in_range': [50, 180]}, in_range=(50, 180))
rescale('gray_in_out', 'small', {'in_range': [50, 180], 'out_range': [0, 1]},
        in_range=(50, 180), out_range=(0, 1))
rescale('gray_out_f', 'small', {'out_range': [-2.5, 7]}, out_range=(-2.5, 7))
rescale('gray_out_u16', 'low', {'out_range': 'u16'}, out_range='uint16')
rescale('gray_inverted', 'small', {'out_range': [255, 0]}, out_range=(255, 0))
rescale('rgb_default', 'rgb', {'in_range': [20, 230]}, in_range=(20, 230))
rescale('g16_default', 'g16', {})
rescale('g16_dtype', 'g16', {'in_range': 'dtype', 'out_range': 'u8'}, in_range='dtype', out_range='uint8')
rescale('gf_default', 'gf', {})
rescale('gf_dtype', 'gf', {'in_range': 'dtype'}, in_range='dtype')
rescale('gf_pair', 'gf', {'in_range': [0, 0.5], 'out_range': [10, 20]}, in_range=(0, 0.5), out_range=(10, 20))
rescale('gf_u8', 'gf', {'out_range': 'u8'}, out_range='uint8')
rescale('gf_flat', 'gf', {'in_range': [0.25, 0.25]}, in_range=(0.25, 0.25))
rescale('gray_flat', 'gray', {'in_range': [100, 100]}, in_range=(100, 100))
refs['rescale'] = cases

# ---- equalizeHist (u8; RGB per channel)
refs['equalize'] = {
    'gray': save('eq_gray', cv2.equalizeHist(gray)),
    'low': save('eq_low', cv2.equalizeHist(low)),
    'sq': save('eq_sq', cv2.equalizeHist(sq)),
    'tiny': save('eq_tiny', cv2.equalizeHist(tiny)),
    'rgb': save('eq_rgb', cv2.merge([cv2.equalizeHist(c) for c in cv2.split(rgb)])),
}

# ---- CLAHE
cl = []
def clahe(name, key, lua_opts, clip, tiles):
    c = cv2.createCLAHE(clipLimit=clip, tileGridSize=tiles)
    a = inputs[key]
    if a.ndim == 3:
        out = cv2.merge([c.apply(np.ascontiguousarray(ch)) for ch in cv2.split(a)])
    else:
        out = c.apply(a)
    cl.append({'name': name, 'input': key, 'opts': lua_opts, 'want': save('clahe_' + name, out)})
clahe('gray_default', 'gray', {}, 40.0, (8, 8))
clahe('gray_clip2', 'gray', {'clip': 2}, 2.0, (8, 8))
clahe('gray_3x5', 'gray', {'clip': 4, 'tiles': [3, 5]}, 4.0, (3, 5))
clahe('gray_noclip', 'gray', {'clip': 0, 'tiles': 4}, 0.0, (4, 4))
clahe('low_clip1', 'low', {'clip': 1, 'tiles': 6}, 1.0, (6, 6))
clahe('sq_clip2', 'sq', {'clip': 2}, 2.0, (8, 8))
clahe('sq_16x4', 'sq', {'clip': 3.5, 'tiles': [16, 4]}, 3.5, (16, 4))
clahe('tiny_8', 'tiny', {'clip': 2}, 2.0, (8, 8))
clahe('tiny_2x1', 'tiny', {'clip': 40, 'tiles': [2, 1]}, 40.0, (2, 1))
clahe('rgb_clip2', 'rgb', {'clip': 2, 'tiles': 4}, 2.0, (4, 4))
clahe('g16_clip3', 'g16', {'clip': 3, 'tiles': 4}, 3.0, (4, 4))
clahe('g16_default', 'g16', {}, 40.0, (8, 8))
refs['clahe'] = cl

with open(os.path.join(FIX, 'intensity_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_intensity_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/intensity/')) + '\n')

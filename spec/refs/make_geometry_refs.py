#!/usr/bin/python3
"""Reference outputs for the geometry family (flip, rotate90, transpose,
pad, paste, hstack, vstack, montage), computed by OpenCV 4.6, numpy 1.24
and scikit-image 0.19 on small odd-sized crops of scikit-image's sample
images. Writes spec/fixtures/geometry/* and spec/fixtures/geometry_refs.lua.
Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_geometry_refs.py
"""
import os
import cv2
import numpy as np
import skimage.measure as ME
import skimage.util as U

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'geometry')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def read(name):
    a = cv2.imread(os.path.join(DATA, name), cv2.IMREAD_UNCHANGED)
    return a[:, :, ::-1].copy() if a.ndim == 3 else a


def save(name, a):
    """PNG for u8/u16 (RGB order on disk as PNG wants), raw little-endian
    f32 otherwise; returns the file name."""
    a = np.ascontiguousarray(a)
    if a.dtype == np.float32:
        with open(os.path.join(OUT, name + '.raw'), 'wb') as f:
            f.write(a.astype('<f4').tobytes())
        return name + '.raw'
    if a.dtype == bool:
        a = a.astype(np.uint8)
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] in (3, 4) else a
    if a.ndim == 3 and a.shape[2] == 4:
        b = cv2.cvtColor(a, cv2.COLOR_RGBA2BGRA)
    assert cv2.imwrite(os.path.join(OUT, name + '.png'), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name + '.png'


def desc(a, f):
    return {'file': f, 'w': a.shape[1], 'h': a.shape[0],
            'c': a.shape[2] if a.ndim == 3 else 1}


refs = {}
# ---- inputs: odd sizes so nothing relies on nice widths
gray = read('camera.png')[200:247, 250:311].copy()                # 61 x 47 u8
rgb = read('astronaut.png')[120:157, 180:233].copy()              # 53 x 37 RGB
g16 = (read('camera.png')[300:331, 100:143].astype(np.uint16) * 257 + 5)  # 43 x 31 u16
gf = (read('coins.png')[100:123, 50:91].astype(np.float32) / 255.0 - 0.3)  # 41 x 23 f32
mask = read('coins.png')[40:81, 10:69] > 110                      # 59 x 41 Mask
lab = ME.label(mask, connectivity=2).astype(np.uint16)            # as m:label()
tiny = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)                 # 3 x 2
inputs = {'gray': gray, 'rgb': rgb, 'g16': g16, 'gf': gf, 'mask': mask.astype(np.uint8),
          'tiny': tiny}
refs['inputs'] = {k: desc(a, save('in_' + k, a)) for k, a in inputs.items()}
refs['inputs']['labels'] = desc(lab, save('in_labels', lab))

# ---- flips, quarter turns, transpose: every input, and the labels
turns = {}
for k, a in list(inputs.items()) + [('labels', lab)]:
    if k == 'tiny':
        continue
    t = {}
    for axis, code in (('x', 1), ('y', 0), ('both', -1)):
        t['flip_' + axis] = save('%s_flip_%s' % (k, axis), cv2.flip(a, code))
    for q in (1, 2, 3, -1, 5):
        t['rot_%d' % q] = save('%s_rot_%d' % (k, q), np.rot90(a, q))
    t['transpose'] = save('%s_transpose' % k, np.swapaxes(a, 0, 1))
    turns[k] = t
refs['turns'] = turns

# ---- pad: every np.pad mode, asymmetric widths, and pads wider than the image
sides = {'left': 3, 'right': 10, 'top': 5, 'bottom': 0}
npw = ((5, 0), (3, 10))
pads = []
def pad_case(name, key, a, width, npwidth, mode, value=None):
    kw = {}
    if mode == 'constant' and value is not None:
        kw['constant_values'] = 0
        chans = a.shape[2] if a.ndim == 3 else 1
        vals = value if isinstance(value, list) else [value] * chans
        want = np.pad(a, npwidth + (((0, 0),) if a.ndim == 3 else ()), mode='constant')
        # per-channel constants: np.pad takes one per axis, so fill by hand
        m = np.ones(a.shape[:2], bool)
        m = np.pad(m, npwidth, mode='constant') == 0
        if a.ndim == 3:
            for c in range(chans):
                want[..., c][m] = vals[c]
        else:
            want[m] = vals[0]
    else:
        want = np.pad(a, npwidth + (((0, 0),) if a.ndim == 3 else ()), mode=mode)
    opts = {'mode': mode}
    if value is not None:
        opts['value'] = value
    pads.append({'name': name, 'input': key, 'width': width, 'opts': opts,
                 'want': save('pad_' + name, want)})

for mode in ('constant', 'edge', 'reflect', 'symmetric', 'wrap'):
    pad_case('gray_' + mode, 'gray', gray, sides, npw, mode)
    pad_case('tiny_' + mode, 'tiny', tiny, {'left': 7, 'right': 4, 'top': 5, 'bottom': 9},
             ((5, 9), (7, 4)), mode)
pad_case('gray_value', 'gray', gray, 4, ((4, 4), (4, 4)), 'constant', 200)
pad_case('rgb_value', 'rgb', rgb, {'left': 2, 'top': 6}, ((6, 0), (2, 0)), 'constant', [10, 20, 30])
pad_case('rgb_reflect', 'rgb', rgb, 6, ((6, 6), (6, 6)), 'reflect')
pad_case('g16_symmetric', 'g16', g16, 9, ((9, 9), (9, 9)), 'symmetric')
pad_case('gf_wrap', 'gf', gf, {'right': 50, 'bottom': 30}, ((0, 30), (0, 50)), 'wrap')
pad_case('mask_edge', 'mask', mask.astype(np.uint8), 3, ((3, 3), (3, 3)), 'edge')
refs['pads'] = pads
# cv2.copyMakeBorder agrees with np.pad where the pad is narrower than the image
assert (cv2.copyMakeBorder(gray, 5, 0, 3, 10, cv2.BORDER_REFLECT_101) ==
        np.pad(gray, npw, mode='reflect')).all()
assert (cv2.copyMakeBorder(gray, 5, 0, 3, 10, cv2.BORDER_REFLECT) ==
        np.pad(gray, npw, mode='symmetric')).all()

# ---- paste: numpy slice assignment, clipped; widened sources
def paste(dst, src, x, y):
    out = dst.copy()
    h, w = src.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, dst.shape[1]), min(y + h, dst.shape[0])
    if x0 < x1 and y0 < y1:
        out[y0:y1, x0:x1] = src[y0 - y:y1 - y, x0 - x:x1 - x]
    return out
small = gray[10:30, 5:40]                    # 35 x 20
refs['paste'] = {
    'inside': save('paste_inside', paste(gray, small, 13, 9)),
    'clipped': save('paste_clipped', paste(gray, small, -7, 35)),
    'corner': save('paste_corner', paste(gray, small, 50, -12)),
    'gray_into_rgb': save('paste_gray_rgb', paste(rgb, cv2.cvtColor(small, cv2.COLOR_GRAY2RGB), 4, 3)),
    'mask_into_gray': save('paste_mask_gray', paste(gray, mask[:20, :30].astype(np.uint8) * 255, 20, 20)),
    'u8_into_u16': save('paste_u8_u16', paste(g16, small.astype(np.uint16) * 257, -3, -4)),
}

# ---- stacks: cv2.hconcat / vconcat, promoted inputs
flipped = cv2.flip(gray, 1)
refs['stack'] = {
    'h_gray': save('hstack_gray', cv2.hconcat([gray, flipped, gray])),
    'v_gray': save('vstack_gray', cv2.vconcat([gray, flipped])),
    # gray promoted to RGB (replicated) beside an RGB image of the same height
    'h_gray_rgb': save('hstack_gray_rgb', cv2.hconcat([cv2.cvtColor(gray[:37], cv2.COLOR_GRAY2RGB),
                                                       rgb])),
    # a Mask beside its image: 0/255
    'h_gray_mask': save('hstack_gray_mask', cv2.hconcat([gray[:41, :59], mask.astype(np.uint8) * 255])),
    # u8 beside u16: skimage's img_as_uint (x 257)
    'v_u8_u16': save('vstack_u8_u16', cv2.vconcat([gray[:31, :43].astype(np.uint16) * 257, g16])),
}

# ---- montage: skimage.util.montage
tiles = np.stack([gray[:20, i * 8:i * 8 + 25] for i in range(5)])    # 5 of 25 x 20
rgbt = np.stack([rgb[i * 5:i * 5 + 15, :21] for i in range(3)])        # 3 of 21 x 15
refs['montage'] = {
    'default': save('montage_default', U.montage(tiles)),
    'grid': save('montage_grid', U.montage(tiles, grid_shape=(2, 3), padding_width=4, fill=0)),
    'rgb': save('montage_rgb', U.montage(rgbt, padding_width=2, channel_axis=-1)),
    'rgb_fill': save('montage_rgb_fill', U.montage(rgbt, grid_shape=(1, 3), fill=(255, 0, 128),
                                                   padding_width=1, channel_axis=-1)),
    'mean': float(tiles.mean()),
}

with open(os.path.join(FIX, 'geometry_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_geometry_refs.py: do not edit\n')
    f.write('return ' + lua(dict(refs, dir='spec/fixtures/geometry/')) + '\n')

#!/usr/bin/python3
"""Reference outputs of OpenCV for the core operators (conversions, resize,
arithmetic, comparisons, statistics), computed on crops of scikit-image's
sample photographs. Writes spec/fixtures/core/*.png|*.raw and
spec/fixtures/core_refs.lua. Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_core_refs.py
"""
import os
import cv2
import numpy as np

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'core')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def rgb(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_COLOR)[:, :, ::-1].copy()


def save_png(name, a):
    """u8/u16 arrays, RGB order on our side."""
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] >= 3 else a
    if a.ndim == 3 and a.shape[2] == 4:
        b = a[:, :, [2, 1, 0, 3]]
    cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_raw(name, a):
    a = np.ascontiguousarray(a)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(a.astype(a.dtype.newbyteorder('<')).tobytes())
    return name


# Inputs: odd-sized crops so no kernel can rely on nice widths.
astro = rgb('astronaut.png')[100:197, 150:271]          # 121 x 97 RGB
camera = cv2.imread(os.path.join(DATA, 'camera.png'), 0)[200:331, 100:257]  # 157 x 131
coins = cv2.imread(os.path.join(DATA, 'coins.png'), 0)   # 384 x 303
astro16 = astro.astype(np.uint16) * 257 + 3
other = astro[::-1, ::-1].copy()

refs = {}
refs['inputs'] = {
    'astro': save_png('astro.png', astro),
    'camera': save_png('camera.png', camera),
    'astro16': save_png('astro16.png', astro16),
}

# gray (BT.601 as cv2.COLOR_RGB2GRAY)
refs['gray_u8'] = save_png('gray_u8.png', cv2.cvtColor(astro, cv2.COLOR_RGB2GRAY))
refs['gray_u16'] = save_png('gray_u16.png', cv2.cvtColor(astro16, cv2.COLOR_RGB2GRAY))
refs['gray_f32'] = save_raw('gray_f32.raw', cv2.cvtColor(astro[:40, :50].astype(np.float32) / 255, cv2.COLOR_RGB2GRAY))
rgba = np.dstack([astro, camera[:97, :121]])
refs['gray_rgba'] = save_png('gray_rgba.png', cv2.cvtColor(rgba, cv2.COLOR_RGBA2GRAY))
refs['rgba_input'] = save_png('rgba.png', rgba)

# resize
rs = []
for method, flag in [('nearest', cv2.INTER_NEAREST), ('bilinear', cv2.INTER_LINEAR), ('area', cv2.INTER_AREA)]:
    for (w, h) in [(61, 49), (40, 31), (190, 150), (242, 194)]:
        name = 'resize_%s_%dx%d.png' % (method, w, h)
        save_png(name, cv2.resize(astro, (w, h), interpolation=flag))
        rs.append((method, w, h, name))
    name = 'resize_%s_gray_%dx%d.png' % (method, 100, 70)
    save_png(name, cv2.resize(camera, (100, 70), interpolation=flag))
    rs.append((method, 100, 70, name, 'camera'))
refs['resize'] = rs
refs['area2_u16'] = save_png('area2_u16.png', cv2.resize(astro16[:96, :120], (60, 48), interpolation=cv2.INTER_AREA))
refs['area2_f32'] = save_raw('area2_f32.raw', cv2.resize(astro[:96, :120].astype(np.float32), (40, 32), interpolation=cv2.INTER_AREA))
refs['linear_f32'] = save_raw('linear_f32.raw', cv2.resize(camera.astype(np.float32), (60, 45), interpolation=cv2.INTER_LINEAR))

# arithmetic, u8 saturating (cv2.add etc.), against a flipped copy
refs['other'] = save_png('other.png', other)
refs['add'] = save_png('add.png', cv2.add(astro, other))
refs['sub'] = save_png('sub.png', cv2.subtract(astro, other))
refs['mul'] = save_png('mul.png', cv2.multiply(astro, other))
refs['div'] = save_png('div.png', cv2.divide(astro, other))
refs['add_s'] = save_png('add_s.png', cv2.add(astro, np.full(astro.shape, 40, np.uint8)))
refs['sub_s'] = save_png('sub_s.png', cv2.subtract(astro, np.full(astro.shape, 40, np.uint8)))
refs['mul_s'] = save_png('mul_s.png', cv2.multiply(astro, np.ones(astro.shape, np.float64), scale=1.7, dtype=cv2.CV_8U))
refs['div_s'] = save_png('div_s.png', cv2.multiply(astro, np.ones(astro.shape, np.float64), scale=1 / 3.0, dtype=cv2.CV_8U))
refs['other16'] = save_png('other16.png', astro16[::-1, ::-1].copy())
refs['add16'] = save_png('add16.png', cv2.add(astro16, astro16[::-1, ::-1].copy()))
refs['sub16'] = save_png('sub16.png', cv2.subtract(astro16, astro16[::-1, ::-1].copy()))

# comparisons -> 0/1 masks
g = cv2.cvtColor(astro, cv2.COLOR_RGB2GRAY)
refs['gt127'] = save_png('gt127.png', (cv2.compare(g, 127, cv2.CMP_GT) // 255).astype(np.uint8))
refs['le80'] = save_png('le80.png', (cv2.compare(g, 80, cv2.CMP_LE) // 255).astype(np.uint8))
refs['inrange'] = save_png('inrange.png', (cv2.inRange(astro, (50, 20, 10), (200, 160, 150)) // 255).astype(np.uint8))

# statistics
hist = cv2.calcHist([camera], [0], None, [256], [0, 256]).ravel().astype(int).tolist()
hist32 = cv2.calcHist([camera], [0], None, [32], [0, 256]).ravel().astype(int).tolist()
mean, sd = cv2.meanStdDev(astro)
mn, mx, _, _ = cv2.minMaxLoc(camera)

# dtype conversion: u8 -> f32 scaled and back, saturating
f = astro[:40, :50].astype(np.float32) * np.float32(1.0 / 255)
refs['to_f32'] = save_raw('to_f32.raw', f)
refs['to_u8_sat'] = save_png('to_u8_sat.png', cv2.multiply(astro, np.ones(astro.shape, np.float64), scale=2.5, dtype=cv2.CV_8U))


refs['hist256'] = hist
refs['hist32'] = hist32
refs['mean'] = [float(x) for x in mean.ravel()]
refs['std'] = [float(x) for x in sd.ravel()]
refs['camera_min'] = int(mn)
refs['camera_max'] = int(mx)
refs['sizes'] = {'astro': [121, 97], 'camera': [157, 131]}
with open(os.path.join(FIX, 'core_refs.lua'), 'w') as fh:
    fh.write('-- written by spec/refs/make_core_refs.py (OpenCV %s); do not edit\nreturn ' % cv2.__version__)
    fh.write(lua(refs) + '\n')

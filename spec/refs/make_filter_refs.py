#!/usr/bin/python3
"""Reference outputs for the filter and edge family, from OpenCV 4.6,
scikit-image 0.19 and scipy 1.10, on crops of scikit-image's sample
photographs. Writes spec/fixtures/filter/* and spec/fixtures/filter_refs.lua.
Run with Debian's /usr/bin/python3:
    /usr/bin/python3 spec/refs/make_filter_refs.py
"""
import os
import cv2
import numpy as np
import scipy.ndimage as ndi
import skimage.filters as F

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'filter')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.remove(os.path.join(OUT, f))


def gray(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_GRAYSCALE)


def rgb(name):
    return cv2.imread(os.path.join(DATA, name), cv2.IMREAD_COLOR)[:, :, ::-1].copy()


def png(name, a):
    """u8/u16, RGB order on our side."""
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(OUT, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def raw(name, a):
    a = np.ascontiguousarray(a, dtype='<f4')
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(a.tobytes())
    return name


def shape(a):
    return (a.shape[1], a.shape[0], 1 if a.ndim == 2 else a.shape[2])


# Inputs: odd sizes so no kernel can lean on nice widths.
cam = gray('camera.png')[200:331, 100:257]               # 157 x 131 u8
cam16 = cam.astype(np.uint16) * 257 + 3                  # u16, full range
camf = (cam.astype(np.float64) / 255).astype(np.float32)
astro = rgb('astronaut.png')[100:197, 150:271]           # 121 x 97 RGB
small = cam[40:101, 30:97]                               # 67 x 61 for f32 outputs
smallf = (small.astype(np.float64) / 255).astype(np.float32)
coins = gray('coins.png')                                # 384 x 303
tiny = cam[:7, :5].copy()                                # smaller than most kernels

R = {}
R['inputs'] = {
    'cam': png('cam.png', cam), 'cam16': png('cam16.png', cam16),
    'camf': raw('camf.raw', camf), 'camf_shape': shape(camf),
    'astro': png('astro.png', astro), 'small': png('small.png', small),
    'smallf': raw('smallf.raw', smallf), 'small_shape': shape(small),
    'coins': png('coins.png', coins), 'tiny': png('tiny.png', tiny),
}

# ---------------------------------------------------------------- Gaussian
g = []
for s in (0.8, 2, 3.3):
    g.append({'input': 'cam', 'sigma': s, 'out': png('gauss_cam_%g.png' % s, cv2.GaussianBlur(cam, (0, 0), s))})
g.append({'input': 'astro', 'sigma': 1.5, 'out': png('gauss_astro.png', cv2.GaussianBlur(astro, (0, 0), 1.5))})
g.append({'input': 'tiny', 'sigma': 2, 'out': png('gauss_tiny.png', cv2.GaussianBlur(tiny, (0, 0), 2))})
g.append({'input': 'cam16', 'sigma': 2, 'out': png('gauss_cam16.png', cv2.GaussianBlur(cam16, (0, 0), 2))})
for b, flag in (('reflect', cv2.BORDER_REFLECT), ('replicate', cv2.BORDER_REPLICATE)):
    g.append({'input': 'cam', 'sigma': 2.5, 'border': b,
              'out': png('gauss_cam_%s.png' % b, cv2.GaussianBlur(cam, (0, 0), 2.5, borderType=flag))})
R['gaussian'] = g
R['gaussian_f32'] = {'input': 'smallf', 'sigma': 2,
                     'out': raw('gauss_smallf.raw', cv2.GaussianBlur(smallf, (0, 0), 2))}

# ---------------------------------------------------------------- box
bx = []
for r in (1, 3, 9):
    bx.append({'input': 'cam', 'r': r, 'out': png('box_cam_%d.png' % r, cv2.blur(cam, (2 * r + 1, 2 * r + 1)))})
bx.append({'input': 'astro', 'r': 2, 'out': png('box_astro.png', cv2.blur(astro, (5, 5)))})
bx.append({'input': 'tiny', 'r': 4, 'out': png('box_tiny.png', cv2.blur(tiny, (9, 9)))})
bx.append({'input': 'cam16', 'r': 3, 'out': png('box_cam16.png', cv2.blur(cam16, (7, 7)))})
R['box'] = bx
R['box_f32'] = {'input': 'smallf', 'r': 3, 'out': raw('box_smallf.raw', cv2.blur(smallf, (7, 7)))}

# ---------------------------------------------------------------- median
md = []
for r in (1, 2, 3, 7):
    md.append({'input': 'cam', 'r': r, 'out': png('median_cam_%d.png' % r, cv2.medianBlur(cam, 2 * r + 1))})
for r in (2, 4):
    md.append({'input': 'astro', 'r': r, 'out': png('median_astro_%d.png' % r, cv2.medianBlur(astro, 2 * r + 1))})
md.append({'input': 'tiny', 'r': 5, 'out': png('median_tiny.png', cv2.medianBlur(tiny, 11))})
for r in (1, 3):
    md.append({'input': 'cam16', 'r': r,
               'out': png('median_cam16_%d.png' % r, ndi.median_filter(cam16, size=2 * r + 1, mode='nearest'))})
R['median'] = md
R['median_f32'] = [{'input': 'smallf', 'r': r,
                    'out': raw('median_smallf_%d.raw' % r, ndi.median_filter(smallf, size=2 * r + 1, mode='nearest'))}
                   for r in (2, 4)]

# ---------------------------------------------------------------- bilateral
R['bilateral'] = [
    {'input': 'cam', 'd': 9, 'sc': 50, 'ss': 5, 'out': png('bil_cam.png', cv2.bilateralFilter(cam, 9, 50, 5))},
    {'input': 'astro', 'd': 7, 'sc': 40, 'ss': 4, 'out': png('bil_astro.png', cv2.bilateralFilter(astro, 7, 40, 4))},
    {'input': 'cam', 'd': 0, 'sc': 30, 'ss': 2, 'out': png('bil_cam_d0.png', cv2.bilateralFilter(cam, 0, 30, 2))},
]
R['bilateral_f32'] = {'input': 'smallf', 'd': 5, 'sc': 0.2, 'ss': 3,
                      'out': raw('bil_smallf.raw', cv2.bilateralFilter(smallf, 5, 0.2, 3))}

# ---------------------------------------------------------------- gradients (skimage)
ed = []
for op, fn in (('sobel', F.sobel), ('scharr', F.scharr), ('prewitt', F.prewitt)):
    for axis, ax in (('x', 1), ('y', 0), ('magnitude', None)):
        r = fn(small, axis=ax) if ax is not None else fn(small)
        ed.append({'op': op, 'axis': axis, 'input': 'small', 'out': raw('%s_%s.raw' % (op, axis), r)})
ed.append({'op': 'sobel', 'axis': 'magnitude', 'input': 'smallf',
           'out': raw('sobel_f32.raw', F.sobel(smallf))})
small16 = small.astype(np.uint16) * 257 + 3
R['inputs']['small16'] = png('small16.png', small16)
ed.append({'op': 'sobel', 'axis': 'magnitude', 'input': 'small16',
           'out': raw('sobel_u16.raw', F.sobel(small16))})
R['edges'] = ed

# ---------------------------------------------------------------- Laplacian, LoG, DoG
smalld = small.astype(np.float64)
R['laplacian'] = [{'input': 'small', 'ksize': k,
                   'out': raw('lap_%d.raw' % k, cv2.Laplacian(small, cv2.CV_32F, ksize=k))} for k in (1, 3, 5, 7)]
R['laplacian'].append({'input': 'smallf', 'ksize': 3,
                       'out': raw('lap_f32.raw', cv2.Laplacian(smallf, cv2.CV_32F, ksize=3))})
R['log'] = [{'input': 'small', 'sigma': s,
             'out': raw('log_%g.raw' % s, ndi.gaussian_laplace(smalld, s, mode='reflect', truncate=4.0))}
            for s in (1.5, 3)]
R['log'].append({'input': 'smallf', 'sigma': 2,
                 'out': raw('log_f32.raw', ndi.gaussian_laplace(smallf.astype(np.float64), 2, mode='reflect'))})
R['dog'] = [
    {'input': 'small', 's1': 1, 's2': None, 'out': raw('dog_1.raw', F.difference_of_gaussians(small, 1))},
    {'input': 'small', 's1': 2, 's2': 5, 'out': raw('dog_2_5.raw', F.difference_of_gaussians(small, 2, 5))},
    {'input': 'smallf', 's1': 1.5, 's2': 3, 'out': raw('dog_f32.raw', F.difference_of_gaussians(smallf, 1.5, 3))},
]

# ---------------------------------------------------------------- Canny
def canny(img, sigma, low, high):
    s = cv2.GaussianBlur(img, (0, 0), sigma) if sigma > 0 else img
    return (cv2.Canny(s, low, high, L2gradient=True) > 0).astype(np.uint8) * 255


R['canny'] = [
    {'input': 'cam', 'sigma': 1, 'low': 50, 'high': 150, 'out': png('canny_cam.png', canny(cam, 1, 50, 150))},
    {'input': 'cam', 'sigma': 2, 'low': 20, 'high': 60, 'out': png('canny_cam_2.png', canny(cam, 2, 20, 60))},
    {'input': 'coins', 'sigma': 1.4, 'low': 30, 'high': 90, 'out': png('canny_coins.png', canny(coins, 1.4, 30, 90))},
    {'input': 'coins', 'sigma': 0, 'low': 100, 'high': 200, 'out': png('canny_coins_raw.png', canny(coins, 0, 100, 200))},
    {'input': 'tiny', 'sigma': 0, 'low': 10, 'high': 30, 'out': png('canny_tiny.png', canny(tiny, 0, 10, 30))},
]


# ---------------------------------------------------------------- Lua table
with open(os.path.join(FIX, 'filter_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_filter_refs.py (OpenCV %s, scikit-image, scipy)\n' % cv2.__version__)
    f.write('return ' + lua(R) + '\n')
total = sum(os.path.getsize(os.path.join(OUT, x)) for x in os.listdir(OUT))
print('fixtures: %d files, %.0f KB' % (len(os.listdir(OUT)), total / 1024))

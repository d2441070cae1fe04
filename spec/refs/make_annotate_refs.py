#!/usr/bin/python3
"""Reference outputs for the annotate and table families, on crops of
scikit-image's sample images:

- drawing: skimage 0.19's draw.line and draw.rectangle, OpenCV 4.6's
  cv2.rectangle and cv2.circle (thickness 1 and filled, LINE_8) and
  Pillow's ImageDraw.rectangle(width=) replayed on the same crops as the
  spec draws them (the operation lists are in the refs file); cv2's thick
  lines and circles for a loose overlap check; text rendered with NumPy
  from the font table in src/ops/annotate/font5x7.c.
- tables: skimage.measure.regionprops_table on a coins labelling, written
  with pandas' to_csv (columns renamed to lua-seg's names).

Writes spec/fixtures/annotate/*, spec/fixtures/annotate_refs.lua,
spec/fixtures/table/* and spec/fixtures/table_refs.lua. Run with Debian's
/usr/bin/python3:
    /usr/bin/python3 spec/refs/make_annotate_refs.py
"""
import os
import re

import cv2
import numpy as np
import pandas as pd
import skimage
import skimage.draw as D
import skimage.measure as M
from PIL import Image, ImageDraw

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'annotate')
TOUT = os.path.join(FIX, 'table')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)
os.makedirs(TOUT, exist_ok=True)
rng = np.random.default_rng(8)


def save_png(name, a, out=OUT):
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    b = a[:, :, ::-1] if a.ndim == 3 and a.shape[2] == 3 else a
    assert cv2.imwrite(os.path.join(out, name), b, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


camera = cv2.imread(os.path.join(DATA, 'camera.png'), 0)[60:190, 200:371].copy()   # 171 x 130
astro = cv2.imread(os.path.join(DATA, 'astronaut.png'))[30:140, 180:333, ::-1].copy()  # 153 x 110
H, W = camera.shape
AH, AW = astro.shape[:2]
refs = {'inputs': {'camera': save_png('camera.png', camera), 'astro': save_png('astro.png', astro)}}


# ---------- operations, replayed by the spec ----------

def segments(w, h, n):
    out = []
    for _ in range(n):
        x0, x1 = rng.integers(-40, w + 40, 2)
        y0, y1 = rng.integers(-40, h + 40, 2)
        out.append([int(x0), int(y0), int(x1), int(y1)])
    # axis-aligned, diagonal, ties (dx = 2 dy) in both directions, points,
    # endpoints far outside (clipped analytically by the spec's side)
    out += [[5, 7, 120, 7], [9, 3, 9, 100], [0, 0, 129, 129], [20, 10, 60, 30],
            [60, 30, 20, 10], [33, 44, 33, 44], [-100000, 5, 100000, 60],
            [-3, -70000, 40, 90000], [w - 1, 0, 0, h - 1], [-500, 300, 400, -600]]
    return out


def color_gray(i):
    return int((37 * i + 11) % 256)


def color_rgb(i):
    return [int((53 * i + 7) % 256), int((91 * i + 100) % 256), int((29 * i + 200) % 256)]


def put_line(img, x0, y0, x1, y1, c):
    rr, cc = D.line(y0, x0, y1, x1)
    k = (rr >= 0) & (rr < img.shape[0]) & (cc >= 0) & (cc < img.shape[1])
    img[rr[k], cc[k]] = c


# lines on camera (gray) and astronaut (RGB)
ops = []
img = camera.copy()
for i, (x0, y0, x1, y1) in enumerate(segments(W, H, 40)):
    c = color_gray(i)
    put_line(img, x0, y0, x1, y1, c)
    ops.append({'x0': x0, 'y0': y0, 'x1': x1, 'y1': y1, 'color': c})
refs['lines_gray'] = {'ops': ops, 'want': save_png('lines_gray.png', img)}
ops = []
img = astro.copy()
for i, (x0, y0, x1, y1) in enumerate(segments(AW, AH, 30)):
    c = color_rgb(i)
    put_line(img, x0, y0, x1, y1, c)
    ops.append({'x0': x0, 'y0': y0, 'x1': x1, 'y1': y1, 'color': c})
refs['lines_rgb'] = {'ops': ops, 'want': save_png('lines_rgb.png', img)}


def rects(w, h, n):
    out = []
    for _ in range(n):
        x, y = rng.integers(-30, w, 1)[0], rng.integers(-30, h, 1)[0]
        rw, rh = rng.integers(1, 70, 2)
        out.append([int(x), int(y), int(rw), int(rh)])
    # the whole image first (filled, it would hide what came before)
    return [[0, 0, w, h], [10, 10, 1, 30], [12, 50, 40, 1], [-5, -5, 3, 3]] + out


def rect_ops(base, color, n):
    img = base.copy()
    ops = []
    h, w = img.shape[:2]
    for i, (x, y, rw, rh) in enumerate(rects(w, h, n)):
        c = color(i)
        kind = i % 3
        t = int(rng.integers(2, 7))
        if kind == 2 and 2 * t > min(rw, rh):
            kind = 1      # Pillow then draws outside the rectangle (lua-seg fills it)
        if kind == 0:     # filled: skimage.draw.rectangle
            rr, cc = D.rectangle(start=(y, x), extent=(rh, rw), shape=img.shape[:2])
            img[rr, cc] = c
            ops.append({'x': x, 'y': y, 'w': rw, 'h': rh, 'color': c, 'fill': True})
        elif kind == 1:   # outline: cv2.rectangle thickness 1
            cv2.rectangle(img, (x, y), (x + rw - 1, y + rh - 1),
                          tuple(c) if isinstance(c, list) else c, 1, cv2.LINE_8)
            ops.append({'x': x, 'y': y, 'w': rw, 'h': rh, 'color': c})
        else:             # inner outline of width t: Pillow
            pim = Image.fromarray(img)
            ImageDraw.Draw(pim).rectangle([x, y, x + rw - 1, y + rh - 1],
                                          outline=tuple(c) if isinstance(c, list) else c, width=t)
            img = np.array(pim)
            ops.append({'x': x, 'y': y, 'w': rw, 'h': rh, 'color': c, 'thickness': t})
    return ops, img


ops, img = rect_ops(camera, color_gray, 30)
refs['rects_gray'] = {'ops': ops, 'want': save_png('rects_gray.png', img)}
ops, img = rect_ops(astro, color_rgb, 21)
refs['rects_rgb'] = {'ops': ops, 'want': save_png('rects_rgb.png', img)}


def circle_ops(base, color, n):
    img = base.copy()
    ops = []
    h, w = img.shape[:2]
    cs = [[int(rng.integers(-20, w + 20)), int(rng.integers(-20, h + 20)), int(rng.integers(0, 60))]
          for _ in range(n)]
    cs += [[w // 2, h // 2, 0], [w // 2, -3000, 3050], [-4000, h // 2, 4060], [3, 3, 1], [40, 40, 2]]
    for i, (cx, cy, r) in enumerate(cs):
        c = color(i)
        fill = i % 2 == 1
        cv2.circle(img, (cx, cy), r, tuple(c) if isinstance(c, list) else c, -1 if fill else 1,
                   cv2.LINE_8)
        ops.append({'cx': cx, 'cy': cy, 'r': r, 'color': c, 'fill': fill})
    return ops, img


ops, img = circle_ops(camera, color_gray, 30)
refs['circles_gray'] = {'ops': ops, 'want': save_png('circles_gray.png', img)}
ops, img = circle_ops(astro, color_rgb, 20)
refs['circles_rgb'] = {'ops': ops, 'want': save_png('circles_rgb.png', img)}

# thick lines and circles: cv2's (LINE_8), for an overlap figure only
thick = []
for t in (2, 3, 5, 8):
    for k in range(4):
        x0, y0, x1, y1 = [int(v) for v in rng.integers(10, 120, 4)]
        m = np.zeros((H, W), np.uint8)
        cv2.line(m, (x0, y0), (x1, y1), 255, t, cv2.LINE_8)
        thick.append({'kind': 'line', 'x0': x0, 'y0': y0, 'x1': x1, 'y1': y1, 't': t,
                      'want': save_png('thick_line_%d_%d.png' % (t, k), m)})
    for k, r in enumerate((9, 30)):
        m = np.zeros((H, W), np.uint8)
        cv2.circle(m, (80, 60), r, 255, t, cv2.LINE_8)
        thick.append({'kind': 'circle', 'cx': 80, 'cy': 60, 'r': r, 't': t,
                      'want': save_png('thick_circle_%d_%d.png' % (t, k), m)})
refs['thick'] = thick

# ---------- text, from the committed font table ----------
src = open(os.path.join(ROOT, 'src', 'ops', 'annotate', 'font5x7.c')).read()
vals = [int(v, 16) for v in re.findall(r'0x([0-9a-f]{2}),', src)]
assert len(vals) == 95 * 7
FONT = np.array(vals, np.uint8).reshape(95, 7)


def glyphs(s):
    b = s.encode('utf-8')
    i, out = 0, []
    while i < len(b):
        ch = b[i]
        i += 1
        if ch == 10:
            out.append(None)
        elif 32 <= ch <= 126:
            out.append(ch - 32)
        else:
            if ch >= 0xC0:
                while i < len(b) and (b[i] & 0xC0) == 0x80:
                    i += 1
            out.append(ord('?') - 32)
    return out


def text(img, x, y, s, c, scale=1, bg=None):
    cx, cy = x, y
    h, w = img.shape[:2]
    for g in glyphs(s):
        if g is None:
            cx, cy = x, cy + 8 * scale
            continue
        cell = np.zeros((8, 6), bool)
        for r in range(7):
            for col in range(5):
                cell[r, col] = bool(FONT[g, r] & (0x10 >> col))
        cell = np.kron(cell, np.ones((scale, scale), bool))
        for (yy, xx), on in np.ndenumerate(cell):
            px, py = cx + xx, cy + yy
            if 0 <= px < w and 0 <= py < h:
                if on:
                    img[py, px] = c
                elif bg is not None:
                    img[py, px] = bg
        cx += 6 * scale


TEXTS = [
    {'x': 3, 'y': 2, 's': 'Hello, seg! 0123456789', 'color': 255},
    {'x': -4, 'y': 14, 's': 'clip {left} |~`^_', 'color': 0, 'scale': 2, 'background': 200},
    {'x': 100, 'y': 120, 's': 'ABC\nabc\ndef', 'color': 250, 'scale': 3},
    {'x': 5, 'y': 60, 's': 'n\u00e9\u20ac\x01\x7f?', 'color': 30, 'background': 220},
    {'x': 10, 'y': 80, 's': ''.join(chr(c) for c in range(32, 127)), 'color': 240},
    {'x': 10, 'y': 90, 's': ' !"#$%&\'()*+,-./:;<=>?@[\\]', 'color': 10, 'scale': 2},
]
img = camera.copy()
for t in TEXTS:
    text(img, t['x'], t['y'], t['s'], t['color'], t.get('scale', 1), t.get('background'))
# the strings travel as byte lists (the Lua writer does not escape control characters)
refs['text'] = {'ops': [dict((k, v) for k, v in t.items() if k != 's') | {'bytes': list(t['s'].encode('utf-8'))}
                        for t in TEXTS],
                'want': save_png('text_gray.png', img)}

with open(os.path.join(FIX, 'annotate_refs.lua'), 'w') as fh:
    fh.write('-- written by spec/refs/make_annotate_refs.py (scikit-image %s, OpenCV %s, Pillow %s)\n'
             % (skimage.__version__, cv2.__version__, Image.__version__))
    fh.write('return ' + lua(dict(refs, dir='spec/fixtures/annotate/')) + '\n')

# ---------- regionprops_table ----------
coins = cv2.imread(os.path.join(DATA, 'coins.png'), 0)[20:220, 10:300].copy()
lab = M.label(coins > 110, connectivity=2)
lab = M.label(lab > 0, connectivity=2)
assert lab.max() < 65536
save_png('coins.png', coins, TOUT)
save_png('coins_labels.png', lab.astype(np.uint16), TOUT)
PROPS = ['label', 'area', 'centroid', 'bbox', 'perimeter', 'orientation',
         'major_axis_length', 'minor_axis_length', 'eccentricity', 'solidity',
         'extent', 'euler_number', 'equivalent_diameter', 'moments_hu',
         'moments_normalized', 'intensity_mean', 'intensity_min', 'intensity_max',
         'centroid_weighted']
t = M.regionprops_table(lab, intensity_image=coins, properties=PROPS)
df = pd.DataFrame(t)
ren = {'centroid-0': 'centroid_y', 'centroid-1': 'centroid_x',
       'bbox-0': 'bbox_y', 'bbox-1': 'bbox_x',
       'intensity_mean': 'mean_intensity', 'intensity_min': 'min_intensity',
       'intensity_max': 'max_intensity',
       'centroid_weighted-0': 'weighted_centroid_y', 'centroid_weighted-1': 'weighted_centroid_x'}
df['bbox_w'] = df['bbox-3'] - df['bbox-1']
df['bbox_h'] = df['bbox-2'] - df['bbox-0']
df = df.drop(columns=['bbox-2', 'bbox-3']).rename(columns=ren)
df = df.rename(columns=lambda c: c.replace('-', '_'))
LUA_PROPS = ['label', 'area', 'centroid', 'bbox', 'perimeter', 'orientation',
             'major_axis_length', 'minor_axis_length', 'eccentricity', 'solidity',
             'extent', 'euler_number', 'equivalent_diameter', 'moments_hu',
             'moments_normalized', 'mean_intensity', 'min_intensity', 'max_intensity',
             'weighted_centroid']
cols = ['label', 'area', 'centroid_x', 'centroid_y', 'bbox_x', 'bbox_y', 'bbox_w', 'bbox_h',
        'perimeter', 'orientation', 'major_axis_length', 'minor_axis_length', 'eccentricity',
        'solidity', 'extent', 'euler_number', 'equivalent_diameter'] + \
       ['moments_hu_%d' % i for i in range(7)] + \
       ['moments_normalized_%d_%d' % (i, j) for i in range(4) for j in range(4)] + \
       ['mean_intensity', 'min_intensity', 'max_intensity', 'weighted_centroid_x',
        'weighted_centroid_y']
df[cols].to_csv(os.path.join(TOUT, 'coins_regionprops.csv'), index=False)
# the default columns, written by pandas with its own float format
d = M.regionprops_table(lab, properties=['label', 'area', 'centroid', 'bbox'])
dd = pd.DataFrame({'label': d['label'], 'area': d['area'], 'centroid_x': d['centroid-1'],
                   'centroid_y': d['centroid-0'], 'bbox_x': d['bbox-1'], 'bbox_y': d['bbox-0'],
                   'bbox_w': d['bbox-3'] - d['bbox-1'], 'bbox_h': d['bbox-2'] - d['bbox-0']})
dd.to_csv(os.path.join(TOUT, 'coins_default.csv'), index=False)
tref = {'dir': 'spec/fixtures/table/', 'image': 'coins.png', 'labels': 'coins_labels.png',
        'n': int(lab.max()), 'props': LUA_PROPS, 'columns': cols,
        'csv': 'coins_regionprops.csv', 'default_csv': 'coins_default.csv'}
with open(os.path.join(FIX, 'table_refs.lua'), 'w') as fh:
    fh.write('-- written by spec/refs/make_annotate_refs.py (scikit-image %s, pandas %s)\n'
             % (skimage.__version__, pd.__version__))
    fh.write('return ' + lua(tref) + '\n')
print('ok', H, W, AH, AW, int(lab.max()))

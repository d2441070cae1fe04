#!/usr/bin/python3
"""Reference values of scikit-image (and NumPy, where scikit-image has no
such function) for the metrics and pictures families, on real
segmentations of scikit-image's sample photographs:

  - masks: Otsu and Li thresholds of coins and of a camera crop;
  - label maps: skimage.measure.label of those masks, Felzenszwalb and
    SLIC over-segmentations of coins (regions that touch each other);
  - class maps: 3-class multi-Otsu of coins and of its Gaussian blur.

Writes spec/fixtures/metrics/*.png (masks as 0/255 u8, label and class
maps as 16-bit PNG) and spec/fixtures/metrics_refs.lua. Run with Debian's
/usr/bin/python3:
    /usr/bin/python3 spec/refs/make_metrics_refs.py
"""
import os
import cv2
import numpy as np
import skimage
from skimage import filters, measure, segmentation, metrics

from luatable import lua

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
OUT = os.path.join(FIX, 'metrics')
DATA = '/usr/lib/python3/dist-packages/skimage/data'
os.makedirs(OUT, exist_ok=True)


def save(name, a):
    if a.ndim == 3:
        a = a[:, :, ::-1]
    assert cv2.imwrite(os.path.join(OUT, name), a, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return name


def save_mask(name, m):
    return save(name, (m.astype(np.uint8) * 255))


def save_labels(name, lab):
    assert lab.min() >= 0 and lab.max() < 65536
    return save(name, lab.astype(np.uint16))


coins = cv2.imread(os.path.join(DATA, 'coins.png'), 0)          # 384 x 303
camera = cv2.imread(os.path.join(DATA, 'camera.png'), 0)[150:350, 180:420]  # 240 x 200
refs = {'skimage': skimage.__version__, 'dir': 'spec/fixtures/metrics/'}
refs['inputs'] = {'coins': save('coins.png', coins), 'camera': save('camera.png', camera)}

# ---- masks and their label maps
masks = {}
for name, im in [('coins', coins), ('camera', camera)]:
    for meth, fn in [('otsu', filters.threshold_otsu), ('li', filters.threshold_li)]:
        m = im > fn(im)
        masks[name + '_' + meth] = m
        save_mask('%s_%s.png' % (name, meth), m)
        save_labels('%s_%s_lab.png' % (name, meth), measure.label(m, connectivity=2))

fz = segmentation.felzenszwalb(coins, scale=100, sigma=0.8, min_size=30)
sl = segmentation.slic(coins, n_segments=120, compactness=0.1, channel_axis=None,
                       start_label=1)
refs['felzenszwalb'] = save_labels('coins_fz.png', fz)
refs['slic'] = save_labels('coins_slic.png', sl)

mask_refs = []
for name in ['coins', 'camera']:
    p, t = masks[name + '_otsu'], masks[name + '_li']
    tp = int(np.sum(p & t)); fp = int(np.sum(p & ~t)); fn = int(np.sum(~p & t))
    mask_refs.append({
        'pred': '%s_otsu.png' % name, 'truth': '%s_li.png' % name,
        'iou': tp / (tp + fp + fn), 'dice': 2 * tp / (2 * tp + fp + fn),
        'precision': tp / (tp + fp), 'recall': tp / (tp + fn),
        'hausdorff': metrics.hausdorff_distance(p, t),
    })
refs['masks'] = mask_refs

# Hausdorff between single objects and between sparse point sets
hd = []
lab = measure.label(masks['coins_otsu'], connectivity=2)
big = np.argsort(np.bincount(lab.ravel())[1:])[::-1][:4] + 1
pairs = [(big[0], big[1]), (big[2], big[3]), (big[0], big[3])]
for i, (a, b) in enumerate(pairs):
    ma, mb = lab == a, lab == b
    hd.append({'a': save_mask('coin_%d.png' % a, ma), 'b': save_mask('coin_%d.png' % b, mb),
               'distance': metrics.hausdorff_distance(ma, mb)})
rng = np.random.default_rng(7)
for i in range(3):
    pa = rng.random((97, 131)) < 0.002 * (i + 1)
    pb = rng.random((97, 131)) < 0.004
    hd.append({'a': save_mask('points_a%d.png' % i, pa), 'b': save_mask('points_b%d.png' % i, pb),
               'distance': metrics.hausdorff_distance(pa, pb)})
refs['hausdorff'] = hd

# ---- label maps: adapted Rand error and variation of information
lab_refs = []
lab_pairs = [('coins_li_lab.png', 'coins_otsu_lab.png'),
             ('camera_li_lab.png', 'camera_otsu_lab.png'),
             ('coins_slic.png', 'coins_fz.png'),
             ('coins_fz.png', 'coins_otsu_lab.png')]
def load16(name):
    return cv2.imread(os.path.join(OUT, name), cv2.IMREAD_UNCHANGED).astype(np.int64)
for a, b in lab_pairs:
    la, lb = load16(a), load16(b)
    are = metrics.adapted_rand_error(la, lb)
    are_noign = metrics.adapted_rand_error(la, lb, ignore_labels=())
    vi = metrics.variation_of_information(la, lb)
    vi_ign = metrics.variation_of_information(la, lb, ignore_labels=(0,))
    lab_refs.append({'a': a, 'b': b, 'adapted_rand': list(are),
                     'adapted_rand_noignore': list(are_noign),
                     'vi': list(vi), 'vi_ignore0': list(vi_ign)})
refs['labels'] = lab_refs

# ---- class maps: confusion matrix (rows = truth, as sklearn), IoU, accuracy
k = 3
t3 = filters.threshold_multiotsu(coins, classes=k)
truth = np.digitize(coins, t3)
blur = (filters.gaussian(coins, 2, preserve_range=True)).astype(np.uint8)
pred = np.digitize(blur, filters.threshold_multiotsu(blur, classes=k))
cm = np.bincount(truth.ravel() * k + pred.ravel(), minlength=k * k).reshape(k, k)
inter = np.diag(cm).astype(float)
union = cm.sum(0) + cm.sum(1) - np.diag(cm)
iou = inter / union
dice = 2 * inter / (cm.sum(0) + cm.sum(1))
refs['classes'] = {
    'k': k, 'truth': save_labels('classes_truth.png', truth),
    'pred': save_labels('classes_pred.png', pred),
    'confusion': [list(map(int, r)) for r in cm], 'iou': list(iou), 'dice': list(dice),
    'mean_iou': float(np.nanmean(iou)), 'accuracy': float(np.mean(truth == pred)),
}

# ---- pictures: mark_boundaries (mode 'outer', yellow) on u8 RGB and gray
astro = cv2.imread(os.path.join(DATA, 'astronaut.png'))[:, :, ::-1][60:220, 140:340].copy()
astro_lab = segmentation.slic(astro, n_segments=60, compactness=10,
                              start_label=1).astype(np.int32)
refs['draw'] = {'rgb': save('astro.png', astro), 'rgb_labels': save_labels('astro_slic.png', astro_lab)}
mb = segmentation.mark_boundaries(astro, astro_lab)
refs['draw']['mark_rgb'] = save('astro_marked.png', np.round(mb * 255).astype(np.uint8))
mb = segmentation.mark_boundaries(astro, astro_lab, color=(1, 0, 0.5))
refs['draw']['mark_rgb_color'] = save('astro_marked_color.png', np.round(mb * 255).astype(np.uint8))
# coins pictures on a crop, to keep the fixtures small
cy, cx = slice(60, 220), slice(40, 260)
# int32 label maps (as seg.Labels): with int64 ones scipy's grey_erosion
# wraps find_boundaries' iinfo(int64).max stand-in for background and mode
# 'outer' marks every object pixel next to background.
cc, cfz = coins[cy, cx].copy(), fz[cy, cx].astype(np.int32)
clab = measure.label(masks['coins_otsu'], connectivity=2)[cy, cx].astype(np.int32)
cm_ = masks['coins_otsu'][cy, cx]
refs['draw'].update({'gray': save('coins_crop.png', cc),
                     'gray_labels': save_labels('coins_crop_fz.png', cfz),
                     'gray_labels_bg': save_labels('coins_crop_lab.png', clab),
                     'gray_mask': save_mask('coins_crop_otsu.png', cm_)})
mb = segmentation.mark_boundaries(cc, cfz)
refs['draw']['mark_gray'] = save('coins_marked.png', np.round(mb * 255).astype(np.uint8))
mb = segmentation.mark_boundaries(cc, clab)
refs['draw']['mark_gray_bg'] = save('coins_marked_bg.png', np.round(mb * 255).astype(np.uint8))

# overlay of a mask: out = round(img (1 - alpha) + colour alpha) on the mask
rgb = np.dstack([cc] * 3).astype(np.float64)
for name, alpha, colour in [('overlay_mask', 0.5, (255, 0, 0)),
                            ('overlay_mask_03', 0.3, (0, 128, 255))]:
    ov = rgb.copy()
    ov[cm_] = rgb[cm_] * (1 - alpha) + np.array(colour, float) * alpha
    refs['draw'][name] = save(name + '.png', np.floor(ov + 0.5).astype(np.uint8))
    refs['draw'][name + '_params'] = {'alpha': alpha, 'color': list(colour)}

with open(os.path.join(FIX, 'metrics_refs.lua'), 'w') as f:
    f.write('-- written by spec/refs/make_metrics_refs.py: do not edit\nreturn ' + lua(refs) + '\n')
print('fixtures:', sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT)), 'bytes')

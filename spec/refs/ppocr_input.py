#!/usr/bin/python3
"""Input of the PP-OCRv4 detector reference (build/models/ppocr_ref/).

    /usr/bin/python3 spec/refs/ppocr_input.py [OUTDIR] [IMAGE] [SIZE]
        OUTDIR default build/models/ppocr_ref, IMAGE default scikit-image's
        data/page.png (a grayscale scan of a book page, 384x191), SIZE 960

Writes OUTDIR/page_960.png (the resized 8-bit image, so that another engine
can start from the very same pixels) and OUTDIR/x.f32 (1x3xSIZExSIZE,
little-endian float32, the detector's input 'x'); `make models-ref` then runs
onnxruntime on x.f32.

  --show OUTDIR    instead: prints statistics of ORT's probability map
                   OUTDIR/sigmoid_0.tmp_0.f32 and writes OUTDIR/prob.png
                   (map x 255) to look at.

The recipe (PaddleOCR's DB detector: DecodeImage BGR, DetResizeForTest,
NormalizeImage, ToCHWImage), step by step:
  1. g = the image as 8-bit gray (cv2.IMREAD_GRAYSCALE; page.png is gray).
  2. g = cv2.resize(g, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR), u8.
     (PaddleOCR would keep the aspect ratio with sides rounded to multiples
     of 32; a square SIZE is used here so that the input is the benchmark's
     1x3x960x960. The page is stretched, the text is still found.)
  3. three equal channels. PaddleOCR reads BGR and applies ImageNet's RGB
     mean/std in that order, so channel 0 (B) gets 0.485/0.229; with a gray
     image all channels start equal, so the order question does not arise.
  4. in float32: x[c] = (g * float32(1/255) - mean[c]) / std[c],
     mean = (0.485, 0.456, 0.406), std = (0.229, 0.224, 0.225)
     (numpy float32 arithmetic, as NormalizeImage does).
  5. layout 1x3xHxW (CHW, batch 1), little-endian float32.
Output 'sigmoid_0.tmp_0': 1x1xHxW text probability map in [0, 1]; PaddleOCR
binarises it at 0.3 (det_db_thresh) and keeps boxes scoring >= 0.6.
"""
import os
import sys

import cv2
import numpy as np

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
PAGE = '/usr/lib/python3/dist-packages/skimage/data/page.png'


def make(out, image, size):
    os.makedirs(out, exist_ok=True)
    g = cv2.imread(image, cv2.IMREAD_GRAYSCALE)
    if g is None:
        sys.exit('%s: cannot read' % image)
    g = cv2.resize(g, (size, size), interpolation=cv2.INTER_LINEAR)
    cv2.imwrite(os.path.join(out, 'page_%d.png' % size), g)
    hwc = np.repeat(g[:, :, None], 3, axis=2)
    x = (hwc.astype(np.float32) * np.float32(1.0 / 255.0) - MEAN) / STD
    assert x.dtype == np.float32
    x = np.ascontiguousarray(x.transpose(2, 0, 1)[None])
    x.astype('<f4').tofile(os.path.join(out, 'x.f32'))
    print('wrote %s/x.f32 %s from %s' % (out, 'x'.join(map(str, x.shape)), image))


def show(out):
    p = np.fromfile(os.path.join(out, 'sigmoid_0.tmp_0.f32'), '<f4')
    n = int(round(np.sqrt(p.size)))
    p = p.reshape(n, -1)
    cv2.imwrite(os.path.join(out, 'prob.png'), np.round(p * 255).astype(np.uint8))
    print('prob map %dx%d: min %.4g max %.4g mean %.4g, > 0.3: %.2f%%' % (
        p.shape[0], p.shape[1], p.min(), p.max(), p.mean(), 100 * (p > 0.3).mean()))


if __name__ == '__main__':
    a = sys.argv[1:]
    if a and a[0] == '--show':
        show(a[1] if len(a) > 1 else 'build/models/ppocr_ref')
    else:
        make(a[0] if a else 'build/models/ppocr_ref', a[1] if len(a) > 1 else PAGE,
             int(a[2]) if len(a) > 2 else 960)

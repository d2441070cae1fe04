/* superpixel.h — superpixel segmentations: SLIC (slic.c) and quick shift
** (quickshift.c), following scikit-image 0.19's skimage.segmentation.slic
** and skimage.segmentation.quickshift. Kernels only: no Lua. */
#ifndef SEG_SUPERPIXEL_H
#define SEG_SUPERPIXEL_H

#include "core/segk.h"

#define SEG_SLIC_MAXC 16          /* most feature channels SLIC takes */

typedef struct SegSlicOpts {
  int n_segments;                 /* >= 1: approximate number of superpixels */
  double compactness;             /* > 0: weight of space against colour */
  int max_iter;                   /* >= 0: k-means iterations (all are run, as skimage) */
  double sigma;                   /* >= 0: gaussian pre-smoothing (after Lab), 0 = none */
  int convert2lab;                /* -1: when the image has 3 channels; 0: never; 1: yes (3 channels) */
  int slic_zero;                  /* SLICO: colour distances normalised per cluster */
  int enforce_connectivity;
  double min_size_factor, max_size_factor;
} SegSlicOpts;

/* skimage.segmentation.slic(img, n_segments, compactness, max_num_iter,
** sigma, convert2lab, enforce_connectivity, min_size_factor,
** max_size_factor, slic_zero, start_label=1, mask): src u8/u16/f32 with 1
** to SEG_SLIC_MAXC channels, rescaled to 0..1 as img_as_float and
** skimage's min/max normalisation; mask NULL or a u8 0/1 buffer of src's
** size (pixels outside get label 0); labels an i32 buffer of src's size.
** Returns the largest label (labels are 1..n, 0 outside the mask) or
** -SEG_ENOMEM. Computed in float32 (skimage: float64 for u8/u16 input):
** see docs/superpixel.md for the measured agreement. Row-parallel on up to
** 'threads' threads; the result does not depend on the thread count
** (cluster sums are accumulated in 64-bit fixed point). 'scratch' holds
** seg_slic_scratch(src, o) bytes (the caller's: warm pooled pages). */
int seg_slic (const SegBuf *src, const SegBuf *mask, SegBuf *labels, const SegSlicOpts *o,
              void *scratch, int threads);
size_t seg_slic_scratch (const SegBuf *src, const SegSlicOpts *o);

/* skimage's regular_grid for a (1, h, w) volume: the start and step of the
** grid rows (y) and columns (x) holding about n points. */
void seg_regular_grid2 (int h, int w, int64_t n, int *y0, int *sy, int *x0, int *sx);

typedef struct SegQuickshiftOpts {
  double ratio;                   /* colour weight against space, 0..1 (skimage: ratio) */
  double kernel_size;             /* >= 1: sigma of the density kernel */
  double max_dist;                /* cut-off of links between points */
  double sigma;                   /* >= 0: gaussian pre-smoothing */
  int convert2lab;                /* as SegSlicOpts */
  uint64_t seed;                  /* tie-breaking noise of the densities */
} SegQuickshiftOpts;

/* skimage.segmentation.quickshift(img, ratio, kernel_size, max_dist,
** sigma=, convert2lab=, random_seed=): src u8/u16/f32 1..SEG_SLIC_MAXC
** channels; labels i32 of src's size, 1..n in the raster order of each
** tree's root (skimage: 0..n-1 in the same order). Returns n or
** -SEG_ENOMEM. The tie-breaking noise (1e-5 scale, as skimage) comes from
** our own generator seeded by 'seed', not numpy's. */
int seg_quickshift (const SegBuf *src, SegBuf *labels, const SegQuickshiftOpts *o, int threads);

/* Features shared by both: src rescaled to 0..1 (img_as_float, then
** (v - min) / (max - min) when 'normalise'), converted to Lab when 'lab',
** smoothed by a gaussian of 'sigma' (scipy, mode reflect, truncate 4),
** multiplied by 'scale', written planar: plane c at f + c * w * h. 'tmp'
** holds 2 * w * h * C floats. Returns SEG_OK or SEG_ENOMEM. */
int seg_superpixel_features (const SegBuf *src, int lab, int normalise, double sigma,
                             double scale, float *f, float *tmp, int threads);

#endif

/* morph.h — grayscale and binary morphology (kernel layer, no Lua).
**
** A structuring element is a u8 1-channel SegBuf (non-zero = in the
** element) whose anchor is its centre (w/2, h/2), as OpenCV's default.
** Erosion and dilation follow OpenCV's convention, without reflecting the
** element:  dilate(x, y) = max { src(x + i - ax, y + j - ay) : se(i, j) }
**           erode(x, y)  = min { ... the same window ... }
** Pixels outside the image are ignored (OpenCV's default border for
** erode/dilate, scikit-image's for symmetric elements).
**
** Usage:
**   size_t n = seg_morph_scratch(&src, &se, threads);   (bytes)
**   seg_morph(&src, &dst, &tmp, &se, SEG_MORPH_OPEN, threads, scratch);
** 'tmp' (same shape as src) is needed by SEG_MORPH_GRADIENT only; else NULL. */
#ifndef SEG_MORPH_H
#define SEG_MORPH_H

#include "core/segk.h"

enum {
  SEG_MORPH_ERODE, SEG_MORPH_DILATE, SEG_MORPH_OPEN, SEG_MORPH_CLOSE,
  SEG_MORPH_GRADIENT, SEG_MORPH_TOPHAT, SEG_MORPH_BLACKHAT
};

/* Or'ed into op for a 0/1 mask: outside pixels then count as 1, not
** 255, for erosion (the result stays 0/1, as skimage's binary_erosion). */
#define SEG_MORPH_BINARY 0x100

/* Largest element side accepted by seg_morph_scratch. */
#define SEG_MORPH_MAX_SE 2049

/* Bytes of scratch seg_morph needs for this source and element on
** 'threads' threads; 0 when the element is empty or too large. */
size_t seg_morph_scratch (const SegBuf *src, const SegBuf *se, int threads);

/* dst = op(src) for u8, u16 and f32 buffers of any channel count (each
** channel on its own). src, dst and tmp have the same shape; tmp may not
** alias src, dst may (in place) except for tophat and blackhat, which
** subtract from src after the opening or closing. Gradient = dilate -
** erode, tophat = src - open, blackhat = close - src (never negative for
** integer types). */
void seg_morph (const SegBuf *src, SegBuf *dst, SegBuf *tmp, const SegBuf *se,
                int op, int threads, void *scratch);

/* Fills se ((2r+1) x (2r+1), u8) with skimage.morphology.disk(r):
** x*x + y*y <= r*r. */
void seg_se_disk (SegBuf *se, int r);
/* (2r+1) x (2r+1) cross: the centre row and column. */
void seg_se_cross (SegBuf *se, int r);

/* ---------- binary mask operations (u8 0/1) ---------- */

/* fill_holes and remove_small work on the connected components: they live
** in the label family (ops/label/label.h). */

/* ---------- morphological reconstruction ---------- */

enum { SEG_RECON_DILATION, SEG_RECON_EROSION };
/* skimage.morphology.reconstruction with the default 3x3 footprint:
** dst = reconstruction of 'seed' under (dilation) or over (erosion)
** 'mask'. One channel, same dtype (u8, u16, f32). The caller has checked
** seed <= mask (dilation) or seed >= mask (erosion) with
** seg_recon_check. Vincent's hybrid algorithm (1993). Returns SEG_OK, or SEG_ENOMEM
** when out of memory for the FIFO. */
int seg_reconstruct (const SegBuf *seed, const SegBuf *mask, SegBuf *dst, int method);
/* 1 when seed <= mask everywhere (dilation) or seed >= mask (erosion). */
int seg_recon_check (const SegBuf *seed, const SegBuf *mask, int method);

/* ---------- peaks ---------- */

typedef struct SegPeakOpts {
  int min_distance;      /* >= 1 */
  int exclude_border;    /* rows/columns at each side left out */
  double threshold;      /* peaks are > threshold (absolute, already
                         ** combined with the relative one by the caller) */
} SegPeakOpts;
/* skimage.feature.peak_local_max(img, min_distance, threshold_abs,
** exclude_border) as a mask: dst (u8, 0/1) marks the peaks. 1 channel,
** u8/u16/f32. 'se' is a (2 min_distance + 1)^2 rectangle, 'maxf' a buffer of
** src's shape and dtype, 'scratch' holds seg_peaks_scratch bytes. Ties are
** ordered as numpy 1.24's argsort (introsort). Returns the number of
** peaks, or -1 when out of memory (the candidate lists are allocated here
** and freed on every path). */
size_t seg_peaks_scratch (const SegBuf *src, const SegBuf *se, int threads);
int64_t seg_peaks (const SegBuf *src, const SegPeakOpts *o, const SegBuf *se, SegBuf *dst,
                   SegBuf *maxf, int threads, void *scratch);

#endif

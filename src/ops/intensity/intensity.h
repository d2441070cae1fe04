/* intensity.h — tone mappings: linear rescaling (skimage's
** rescale_intensity), global histogram equalisation (cv2.equalizeHist)
** and CLAHE (cv2.createCLAHE().apply), reproduced to the bit. */
#ifndef SEG_INTENSITY_H
#define SEG_INTENSITY_H

#include "core/segk.h"

/* ---------- rescale.c ---------- */

/* Smallest and largest element of src (NaNs skipped; both NaN when src
** has no other value). */
void seg_minmax (const SegBuf *src, double *lo, double *hi, int threads);

/* dst = skimage.exposure.rescale_intensity with the ranges resolved:
** v clipped to [imin, imax], then ((v - imin) / (imax - imin)) *
** (omax - omin) + omin, or clip(v, omin, omax) when imin == imax. The
** arithmetic is numpy's: float64 for u8/u16 input, float32 (with each
** scalar rounded to float32) for f32 input; the result is cast to dst's
** dtype as numpy's astype (truncation for u8/u16, and saturation). Same
** size and channels; u8, u16 or f32 on both sides. 'scratch' holds
** SEG_RESCALE_SCRATCH bytes (the table for integer inputs). */
#define SEG_RESCALE_SCRATCH ((size_t)65536 * 4)
void seg_rescale_intensity (const SegBuf *src, SegBuf *dst, double imin, double imax,
                            double omin, double omax, int threads, void *scratch);

/* ---------- equalize.c ---------- */

/* Bytes of scratch seg_equalize_hist needs. */
size_t seg_equalize_scratch (const SegBuf *src, int threads);
/* cv2.equalizeHist on every channel of a u8 image (65536 bins and the
** same formula for u16): lut[v] = round(cdf'(v) * (max / (n - h[first])))
** where cdf' counts from the first occupied bin. */
void seg_equalize_hist (const SegBuf *src, SegBuf *dst, int threads, void *scratch);

/* ---------- clahe.c ---------- */

typedef struct SegClahe {
  int tiles_x, tiles_y;
  double clip;       /* OpenCV's clipLimit; <= 0 turns clipping off */
} SegClahe;

/* Bytes of scratch seg_clahe needs (0 when it would not fit size_t). */
size_t seg_clahe_scratch (const SegBuf *src, const SegClahe *o, int threads);
/* cv2.createCLAHE(clip, (tiles_x, tiles_y)).apply on every channel of a
** u8 or u16 image, bit-exact with OpenCV 4.6 (modules/imgproc/src/clahe.cpp). */
void seg_clahe (const SegBuf *src, SegBuf *dst, const SegClahe *o, int threads, void *scratch);

#endif

/* extrema.h — regional extrema and h-extrema, as scikit-image 0.19's
** skimage.morphology.local_maxima / local_minima / h_maxima / h_minima. */
#ifndef SEG_EXTREMA_H
#define SEG_EXTREMA_H

#include "core/segk.h"

/* Bytes of caller scratch for seg_local_extrema on im (a padded copy of
** the image and a flag byte per padded pixel). */
size_t seg_extrema_scratch (const SegBuf *im);

/* Marks in dst (u8 0/1, same size) the plateaus of im (1 channel, any
** dtype) strictly above (maxima = 1) or below (maxima = 0) all their
** neighbours (conn 4 or 8), borders allowed: skimage's _local_maxima run
** step for step on the image padded with its minimum (maximum), NaN
** included. Returns SEG_OK or SEG_ENOMEM (the flood queue). */
int seg_local_extrema (const SegBuf *im, SegBuf *dst, int conn, int maxima, void *scratch);

/* Bytes of caller scratch for seg_hextrema (seed and reconstruction). */
size_t seg_hextrema_scratch (const SegBuf *im);

/* skimage's h_maxima(im, h) (maxima = 1) or h_minima, 3x3 footprint, into
** dst (u8 0/1). im: u8, u16 (h a whole number) or f32 (no NaN); h > 0.
** f32 follows skimage's float32 arithmetic: seed = (x - h) - 2e-6 |x|
** rounded to f32 at each step, residue compared in f64. Returns SEG_OK,
** SEG_ENOMEM, or SEG_EINVAL for an image it does not take. */
int seg_hextrema (const SegBuf *im, double h, int maxima, SegBuf *dst, void *scratch);

#endif

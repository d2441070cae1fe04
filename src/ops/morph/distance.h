/* distance.h — distance transforms of binary masks (kernel layer, no Lua).
** Every transform gives, for each non-zero pixel, the distance to the
** nearest zero pixel (0 on zero pixels), as scipy.ndimage's
** distance_transform_edt / distance_transform_cdt. A mask without any zero
** pixel gives +inf everywhere. */
#ifndef SEG_DISTANCE_H
#define SEG_DISTANCE_H

#include "core/segk.h"

enum { SEG_DIST_EUCLIDEAN, SEG_DIST_CITYBLOCK, SEG_DIST_CHESSBOARD };

/* Bytes of scratch seg_distance needs. */
size_t seg_distance_scratch (int w, int h, int metric, int indices, int threads);

/* src: u8 1-channel mask (non-zero = foreground); dst: f32 1-channel.
** 'idx', when not NULL (Euclidean only), is an i32 2-channel buffer that
** receives the (x, y) of a nearest zero pixel (-1, -1 when there is none).
** Euclidean: exact, Felzenszwalb & Huttenlocher's linear-time lower
** envelope of parabolas (2012), rows in parallel, columns vectorized.
** Cityblock and chessboard: exact, separable scans. */
void seg_distance (const SegBuf *src, SegBuf *dst, SegBuf *idx, int metric,
                   int threads, void *scratch);

#endif

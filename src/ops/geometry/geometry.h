/* geometry.h — pixel rearrangements: flips, quarter turns, transpose,
** padding, blits and the visual promotions that stacking and montages use.
** Any dtype and channel count: the moving kernels copy whole pixels of
** c * dtype-size bytes and never look at their values. */
#ifndef SEG_GEOMETRY_H
#define SEG_GEOMETRY_H

#include "core/segk.h"

/* ---------- flip.c ---------- */

/* dst (same size as src, not aliasing it) = src mirrored left-right when
** fx, top-bottom when fy (cv2.flip codes 1, 0, -1). */
void seg_flip (const SegBuf *src, SegBuf *dst, int fx, int fy, int threads);

/* Transposes and quarter turns; dst is src->h wide and src->w high and
** does not alias src. Output pixel (x, y) is input pixel
** (fx ? w-1-y : y, fy ? h-1-x : x):
**   TRANSPOSE  fx = 0, fy = 0   (np.transpose, cv2.transpose)
**   CCW        fx = 1, fy = 0   (np.rot90(a, 1), cv2 ROTATE_90_COUNTERCLOCKWISE)
**   CW         fx = 0, fy = 1   (np.rot90(a, -1), cv2 ROTATE_90_CLOCKWISE)
**   ANTI       fx = 1, fy = 1   (transpose about the other diagonal)
** Copies run over cache tiles so reads and writes both stay in L1. */
enum { SEG_TURN_TRANSPOSE = 0, SEG_TURN_CCW = 1, SEG_TURN_CW = 2, SEG_TURN_ANTI = 3 };
void seg_turn (const SegBuf *src, SegBuf *dst, int how, int threads);

/* ---------- pad.c ---------- */

enum { SEG_PAD_CONSTANT, SEG_PAD_EDGE, SEG_PAD_REFLECT, SEG_PAD_SYMMETRIC, SEG_PAD_WRAP };

/* Fills map[0 .. before+n+after) with the source index (0..n-1) that
** np.pad(mode) puts at each output position along one axis of length
** n >= 1, or -1 where the constant goes. Follows numpy 1.24's iterative
** algorithm exactly, so pads wider than the axis agree with numpy too
** (they differ from OpenCV's borderInterpolate there). */
void seg_pad_map (int32_t *map, int n, int before, int after, int mode);

/* dst (w = xmap length, h = ymap length) from src through the two maps of
** seg_pad_map: dst(x, y) = src(xmap[x], ymap[y]), or the pixel 'value'
** (c * dtype-size bytes) where either is -1. 'left' is the column from
** which xmap runs through 0..src->w-1 in order (copied as one block). */
void seg_pad (const SegBuf *src, SegBuf *dst, const int32_t *xmap, const int32_t *ymap,
              int left, const void *value, int threads);

/* ---------- compose.c ---------- */

/* Copies src into dst with its top-left corner at (x, y), clipped to dst;
** same channels and dtype. */
void seg_blit (const SegBuf *src, SegBuf *dst, int x, int y);
/* Sets every pixel of dst to 'pixel' (c * dtype-size bytes). */
void seg_fill (SegBuf *dst, const void *pixel, int threads);
/* dst = src converted for display, widening only: dtype u8 -> u16 (x 257,
** as skimage's img_as_uint), u8/u16 -> f32 (/ 255, / 65535); a Mask
** (mask set) maps 0/1 to 0 and the dtype's white (255, 65535, 1.0);
** channels 1 -> 3 (replicated), 1 -> 4 and 3 -> 4 (alpha = white),
** 2 -> 4 (gray replicated, alpha kept); same channels copy. The caller
** checks the pair is one of these; i32 only copies. */
void seg_promote (const SegBuf *src, int mask, SegBuf *dst, int threads);
/* Per-channel sums (double) of every pixel of src, added into sum[c]. */
void seg_channel_sums (const SegBuf *src, double *sum);

#endif

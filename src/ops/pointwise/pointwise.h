/* pointwise.h — element-wise arithmetic, comparisons and mask algebra. */
#ifndef SEG_POINTWISE_H
#define SEG_POINTWISE_H

#include "core/segk.h"

/* ---------- pointwise.c: arithmetic, comparisons, mask algebra ---------- */
enum { SEG_OP_ADD, SEG_OP_SUB, SEG_OP_MUL, SEG_OP_DIV };
/* dst = a op b, element-wise, saturating for integer types (rounded to
** nearest for * and /, division by zero gives 0 as OpenCV's divide).
** a, b, dst: same shape and dtype. */
void seg_arith (const SegBuf *a, const SegBuf *b, SegBuf *dst, int op, int threads);
/* dst = a op s (or s op a when 'scalar_left'), one scalar per channel. */
void seg_arith_scalar (const SegBuf *a, const double *s, SegBuf *dst, int op,
                       int scalar_left, int threads);
enum { SEG_CMP_GT, SEG_CMP_GE, SEG_CMP_LT, SEG_CMP_LE, SEG_CMP_EQ, SEG_CMP_NE };
/* mask = 1 where every channel of a compares true with s (per channel). */
void seg_compare_scalar (const SegBuf *a, const double *s, SegBuf *mask, int cmp, int threads);
void seg_compare (const SegBuf *a, const SegBuf *b, SegBuf *mask, int cmp, int threads);
/* mask = 1 where lo[c] <= a[c] <= hi[c] for every channel (cv2.inRange). */
void seg_inrange (const SegBuf *a, const double *lo, const double *hi, SegBuf *mask, int threads);
enum { SEG_MASK_AND, SEG_MASK_OR, SEG_MASK_XOR };
void seg_mask_binop (const SegBuf *a, const SegBuf *b, SegBuf *dst, int op, int threads);
void seg_mask_not (const SegBuf *a, SegBuf *dst, int threads);

#endif

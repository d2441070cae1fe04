/* flood.c — scanline flood fill under per-channel bounds (the flood of
** skimage.segmentation.flood, and the flood of ITK's connected filters). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ops/region/region.h"

/* A run of row y, columns [x0, x1], still to be scanned for pixels that
** pass and are not yet filled; it was pushed from the filled run [p0, p1]
** of row y - dy (Heckbert's "Seed fill" in Graphics Gems: a run found in
** row y scans onwards, row y + dy, in full, and back, row y - dy, only
** beyond the ends of its parent run, which is filled already). */
typedef struct Span { int y, x0, x1, dy, p0, p1; } Span;
typedef struct Stack { Span *s; size_t n, cap; } Stack;

static int push (Stack *st, int y, int x0, int x1, int dy, int p0, int p1) {
  if (st->n == st->cap) {
    size_t cap = st->cap ? 2 * st->cap : 256;
    Span *p = realloc(st->s, cap * sizeof *p);
    if (!p) return -1;
    st->s = p;
    st->cap = cap;
  }
  st->s[st->n++] = (Span){y, x0, x1, dy, p0, p1};
  return 0;
}

static double dtype_min (SegDtype t) {
  switch (t) {
    case SEG_U8: case SEG_U16: return 0;
    case SEG_I32: return INT32_MIN;
    default: return -FLT_MAX;
  }
}

static double dtype_max (SegDtype t) {
  switch (t) {
    case SEG_U8: return 255;
    case SEG_U16: return 65535;
    case SEG_I32: return INT32_MAX;
    default: return FLT_MAX;
  }
}

/* A double in the dtype's range as the dtype: Cython's conversion of a
** Python float to a C integer truncates; float64 -> float32 rounds. */
static double to_dtype (SegDtype t, double v) {
  return t == SEG_F32 ? (double)(float)v : trunc(v);
}

void seg_flood_bounds (const SegBuf *src, int x, int y, double tol, SegFloodBounds *b) {
  const uint8_t *row = seg_row(src, y);
  double mn = dtype_min(src->dtype), mx = dtype_max(src->dtype);
  for (int c = 0; c < src->c && c < SEG_FLOOD_MAXC; c++) {
    double s = seg_elem(src->dtype, row, (size_t)x * (size_t)src->c + (size_t)c);
    if (tol < 0) { b->lo[c] = b->hi[c] = s; continue; }
    double lo = s - tol, hi = s + tol;
    /* Python's max(min, lo) / min(max, hi): a NaN (from a NaN seed)
    ** loses both comparisons, so the bound becomes the dtype's limit */
    b->lo[c] = to_dtype(src->dtype, lo > mn ? lo : mn);
    b->hi[c] = to_dtype(src->dtype, hi < mx ? hi : mx);
  }
}

/* One fill per dtype: PASS(x) tests pixel x of row s against the bounds
** (one channel: lo0/hi0; several: every channel). */
#define FLOOD_FN(NAME, T, ROW)                                                   \
static int NAME (const SegBuf *src, const SegFloodBounds *b, const int *xy,     \
                 int nseeds, int force, int conn, SegBuf *dst) {                \
  const int w = src->w, h = src->h, nc = src->c, e = conn == 8;                 \
  T lo[SEG_FLOOD_MAXC], hi[SEG_FLOOD_MAXC];                                     \
  for (int c = 0; c < nc; c++) { lo[c] = (T)b->lo[c]; hi[c] = (T)b->hi[c]; }    \
  const T lo0 = lo[0], hi0 = hi[0];                                             \
  (void)lo0; (void)hi0;                                                         \
  Stack st = {NULL, 0, 0};                                                      \
  int fail = 0;                                                                 \
  for (int k = 0; k < nseeds && !fail; k++) {                                   \
    int sx = xy[2 * k], sy = xy[2 * k + 1];                                     \
    const T *s = ROW(src, sy);                                                  \
    uint8_t *d = seg_row_u8(dst, sy);                                           \
    if (d[sx]) continue;                                                        \
    if (!force && !PASS(sx)) continue;                                          \
    int l = sx, r = sx;                                                         \
    while (l > 0 && !d[l - 1] && PASS(l - 1)) l--;                              \
    while (r < w - 1 && !d[r + 1] && PASS(r + 1)) r++;                          \
    memset(d + l, 1, (size_t)(r - l + 1));                                      \
    int a = l - e < 0 ? 0 : l - e, z = r + e >= w ? w - 1 : r + e;              \
    if (sy > 0 && push(&st, sy - 1, a, z, -1, l, r)) fail = 1;                  \
    if (sy < h - 1 && push(&st, sy + 1, a, z, 1, l, r)) fail = 1;               \
    while (st.n && !fail) {                                                     \
      Span sp = st.s[--st.n];                                                   \
      s = ROW(src, sp.y);                                                       \
      d = seg_row_u8(dst, sp.y);                                                \
      for (int x = sp.x0; x <= sp.x1; x++) {                                    \
        if (d[x] || !PASS(x)) continue;                                         \
        l = x; r = x;                                                           \
        while (l > 0 && !d[l - 1] && PASS(l - 1)) l--;                          \
        while (r < w - 1 && !d[r + 1] && PASS(r + 1)) r++;                      \
        memset(d + l, 1, (size_t)(r - l + 1));                                  \
        a = l - e < 0 ? 0 : l - e; z = r + e >= w ? w - 1 : r + e;              \
        int ny = sp.y + sp.dy, by = sp.y - sp.dy;                               \
        if (ny >= 0 && ny < h && push(&st, ny, a, z, sp.dy, l, r)) { fail = 1; break; } \
        if (by >= 0 && by < h) {                                                \
          if (a < sp.p0 && push(&st, by, a, sp.p0 - 1 < z ? sp.p0 - 1 : z, -sp.dy, l, r)) \
            { fail = 1; break; }                                                \
          if (z > sp.p1 && push(&st, by, sp.p1 + 1 > a ? sp.p1 + 1 : a, z, -sp.dy, l, r)) \
            { fail = 1; break; }                                                \
        }                                                                       \
        x = r + 1;   /* r + 1 failed, is filled or is outside */                \
      }                                                                         \
    }                                                                           \
  }                                                                             \
  free(st.s);                                                                   \
  return fail ? SEG_ENOMEM : SEG_OK;                                            \
}

static inline int pass_n_u8 (const uint8_t *p, const uint8_t *lo, const uint8_t *hi, int nc) {
  int ok = 1;
  for (int c = 0; c < nc; c++) ok &= lo[c] <= p[c] && p[c] <= hi[c];
  return ok;
}
static inline int pass_n_u16 (const uint16_t *p, const uint16_t *lo, const uint16_t *hi, int nc) {
  int ok = 1;
  for (int c = 0; c < nc; c++) ok &= lo[c] <= p[c] && p[c] <= hi[c];
  return ok;
}
static inline int pass_n_i32 (const int32_t *p, const int32_t *lo, const int32_t *hi, int nc) {
  int ok = 1;
  for (int c = 0; c < nc; c++) ok &= lo[c] <= p[c] && p[c] <= hi[c];
  return ok;
}
static inline int pass_n_f32 (const float *p, const float *lo, const float *hi, int nc) {
  int ok = 1;
  for (int c = 0; c < nc; c++) ok &= lo[c] <= p[c] && p[c] <= hi[c];
  return ok;
}

/* One channel: a branch-light range test; NaN fails both comparisons. */
#define PASS(x) (lo0 <= s[x] && s[x] <= hi0)
FLOOD_FN(fill1_u8, uint8_t, seg_row_u8)
FLOOD_FN(fill1_u16, uint16_t, seg_row_u16)
FLOOD_FN(fill1_i32, int32_t, seg_row_i32)
FLOOD_FN(fill1_f32, float, seg_row_f32)
#undef PASS
#define PASS(x) PASSN(s + (size_t)(x) * (size_t)nc, lo, hi, nc)
#define PASSN pass_n_u8
FLOOD_FN(filln_u8, uint8_t, seg_row_u8)
#undef PASSN
#define PASSN pass_n_u16
FLOOD_FN(filln_u16, uint16_t, seg_row_u16)
#undef PASSN
#define PASSN pass_n_i32
FLOOD_FN(filln_i32, int32_t, seg_row_i32)
#undef PASSN
#define PASSN pass_n_f32
FLOOD_FN(filln_f32, float, seg_row_f32)
#undef PASSN
#undef PASS
/* Three u8 channels (RGB), the common colour case, unrolled. */
#define PASS(x) (lo[0] <= s[3 * (x)] && s[3 * (x)] <= hi[0] && lo[1] <= s[3 * (x) + 1] && \
                 s[3 * (x) + 1] <= hi[1] && lo[2] <= s[3 * (x) + 2] && s[3 * (x) + 2] <= hi[2])
FLOOD_FN(fill3_u8, uint8_t, seg_row_u8)
#undef PASS

int seg_flood_fill (const SegBuf *src, const SegFloodBounds *b, const int *xy, int nseeds,
                    int force, int conn, SegBuf *dst) {
  seg_assert(seg_buf_samesize(src, dst) && src->c >= 1 && src->c <= SEG_FLOOD_MAXC);
  seg_assert(conn == 4 || conn == 8);
  int one = src->c == 1;
  switch (src->dtype) {
    case SEG_U8: return (one ? fill1_u8 : src->c == 3 ? fill3_u8 : filln_u8)(src, b, xy, nseeds, force, conn, dst);
    case SEG_U16: return (one ? fill1_u16 : filln_u16)(src, b, xy, nseeds, force, conn, dst);
    case SEG_I32: return (one ? fill1_i32 : filln_i32)(src, b, xy, nseeds, force, conn, dst);
    default: return (one ? fill1_f32 : filln_f32)(src, b, xy, nseeds, force, conn, dst);
  }
}

/* extrema.c — local maxima/minima (skimage.morphology._extrema_cy) and
** h-maxima/h-minima (skimage.morphology.extrema) on grayscale
** reconstruction (reconstruct.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "extrema.h"
#include "morph.h"

/* DEAD: on a plateau already found not to be a maximum. */
enum { NOT_MAX = 0, QUEUED = 1, CANDIDATE = 2, BORDER = 3, DEAD = 4 };

size_t seg_extrema_scratch (const SegBuf *im) {
  size_t n = (size_t)(im->w + 2) * (size_t)(im->h + 2);
  return n * (seg_dtype_size(im->dtype) + 1) + 64;
}

typedef struct { int32_t *a; size_t n, cap; } Queue;

static int qpush (Queue *q, int32_t v) {
  if (q->n == q->cap) {
    size_t nc = q->cap ? q->cap * 2 : 1024;
    int32_t *a = realloc(q->a, nc * sizeof *a);
    if (!a) return -1;
    q->a = a; q->cap = nc;
  }
  q->a[q->n++] = v;
  return 0;
}

/* GT(a, b): a lies strictly beyond b in the direction of the extremum
** (a > b for maxima). For minima skimage inverts the image (-x, or
** dtype max - x) and looks for maxima; comparing the other way round is
** the same thing, NaN included (every comparison with NaN is false).
** The padding is the inverted image's minimum (np.min, NaN when any
** pixel is NaN): the original's maximum. */
#define EXTREMA(T, NAME, GT) \
static int NAME (const SegBuf *im, SegBuf *dst, int conn, void *scratch) { \
  const int w = im->w, h = im->h; \
  const size_t P = (size_t)w + 2; \
  const size_t N = (size_t)P * (size_t)(h + 2); \
  T *img = (T *)scratch; \
  uint8_t *fl = (uint8_t *)scratch + ((N * sizeof(T) + 63) & ~(size_t)63); \
  T pad = ((const T *)seg_row(im, 0))[0]; \
  int nan = 0; \
  for (int y = 0; y < h; y++) { \
    const T *s = (const T *)seg_row(im, y); \
    for (int x = 0; x < w; x++) { \
      if (s[x] != s[x]) nan = 1; \
      else if (GT(pad, s[x])) pad = s[x]; \
    } \
  } \
  if (nan) memcpy(&pad, &(float){NAN}, sizeof pad); \
  for (size_t x = 0; x < P; x++) { img[x] = pad; img[N - P + x] = pad; } \
  memset(fl, NOT_MAX, N); \
  memset(fl, BORDER, P); \
  memset(fl + N - P, BORDER, P); \
  for (int y = 0; y < h; y++) { \
    T *r = img + (size_t)(y + 1) * P; \
    r[0] = pad; r[P - 1] = pad; \
    memcpy(r + 1, seg_row(im, y), (size_t)w * sizeof(T)); \
    fl[(size_t)(y + 1) * P] = BORDER; fl[(size_t)(y + 1) * P + P - 1] = BORDER; \
  } \
  /* _mark_candidates_in_last_dimension, over the raveled padded image */ \
  for (size_t i = 1; i < N;) { \
    if (GT(img[i], img[i - 1]) && fl[i] != BORDER) { \
      size_t j = i + 1; \
      while (img[i] == img[j] && fl[j] != BORDER) j++; \
      if (GT(img[i], img[j])) memset(fl + i, CANDIDATE, j - i); \
      i = j; \
    } else i++; \
  } \
  const ptrdiff_t Q = (ptrdiff_t)P; \
  const ptrdiff_t off8[8] = {-Q, -1, 1, Q, -Q - 1, -Q + 1, Q - 1, Q + 1}; \
  const int nn = conn == 4 ? 4 : 8; \
  Queue q = {NULL, 0, 0}; \
  for (size_t i = 0; i < N; i++) { \
    if (fl[i] != CANDIDATE) continue; \
    const T height = img[i]; \
    /* _fill_plateau, stopped as soon as the plateau is known not to be a \
    ** maximum (a strictly higher neighbour, an equal border pixel, or a \
    ** pixel of it already marked DEAD); what it reached is marked DEAD, \
    ** so that a later candidate's flood on the same plateau stops when it \
    ** meets them. skimage floods the whole plateau and marks it NOT_MAX: \
    ** the pixels left unvisited here are never QUEUED either (each flood \
    ** from them stops in the same way), so the result is the same, and \
    ** every pixel is still flooded at most once. */ \
    int ismax = 1; \
    for (int d = 0; d < nn; d++) ismax &= !GT(img[i + off8[d]], height); \
    if (!ismax) { fl[i] = DEAD; continue; } \
    q.n = 0; \
    if (qpush(&q, (int32_t)i) != 0) { free(q.a); return SEG_ENOMEM; } \
    fl[i] = QUEUED; \
    for (size_t k = 0; k < q.n && ismax; k++) { \
      size_t c = (size_t)q.a[k]; \
      for (int d = 0; d < nn; d++) { \
        size_t nb = c + off8[d]; \
        if (img[nb] == height) { \
          uint8_t f = fl[nb]; \
          if (f == BORDER || f == DEAD) { ismax = 0; break; } \
          if (f != QUEUED) { \
            if (qpush(&q, (int32_t)nb) != 0) { free(q.a); return SEG_ENOMEM; } \
            fl[nb] = QUEUED; \
          } \
        } else if (GT(img[nb], height)) { ismax = 0; break; } \
      } \
    } \
    if (!ismax) for (size_t k = 0; k < q.n; k++) fl[q.a[k]] = DEAD; \
  } \
  free(q.a); \
  for (int y = 0; y < h; y++) { \
    const uint8_t *f = fl + (size_t)(y + 1) * P + 1; \
    uint8_t *d = seg_row_u8(dst, y); \
    for (int x = 0; x < w; x++) d[x] = f[x] == QUEUED; \
  } \
  return SEG_OK; \
}

#define GTMAX(a, b) ((a) > (b))
#define GTMIN(a, b) ((a) < (b))
EXTREMA(uint8_t, lmax_u8, GTMAX)
EXTREMA(uint8_t, lmin_u8, GTMIN)
EXTREMA(uint16_t, lmax_u16, GTMAX)
EXTREMA(uint16_t, lmin_u16, GTMIN)
EXTREMA(int32_t, lmax_i32, GTMAX)
EXTREMA(int32_t, lmin_i32, GTMIN)
EXTREMA(float, lmax_f32, GTMAX)
EXTREMA(float, lmin_f32, GTMIN)

int seg_local_extrema (const SegBuf *im, SegBuf *dst, int conn, int maxima, void *scratch) {
  seg_assert(im->c == 1 && dst->c == 1 && dst->dtype == SEG_U8 && seg_buf_samesize(im, dst));
  seg_assert((size_t)(im->w + 2) * (size_t)(im->h + 2) < ((size_t)1 << 31));
  switch (im->dtype) {
    case SEG_U8: return (maxima ? lmax_u8 : lmin_u8)(im, dst, conn, scratch);
    case SEG_U16: return (maxima ? lmax_u16 : lmin_u16)(im, dst, conn, scratch);
    case SEG_I32: return (maxima ? lmax_i32 : lmin_i32)(im, dst, conn, scratch);
    default: return (maxima ? lmax_f32 : lmin_f32)(im, dst, conn, scratch);
  }
}

/* ---------- h-maxima / h-minima ---------- */

size_t seg_hextrema_scratch (const SegBuf *im) {
  size_t n = (size_t)im->w * (size_t)im->h * seg_dtype_size(im->dtype);
  return 2 * ((n + 63) & ~(size_t)63);
}

/* Integer images: skimage's _subtract_constant_clip / _add_constant_clip
** for the seed, residue image - reconstruction (or the reverse) >= h. */
#define HINT(T, NAME, TMAX) \
static void NAME (const SegBuf *im, T hv, int maxima, T *seed) { \
  const int w = im->w, h = im->h; \
  for (int y = 0; y < h; y++) { \
    const T *s = (const T *)seg_row(im, y); \
    T *d = seed + (size_t)y * w; \
    if (maxima) for (int x = 0; x < w; x++) d[x] = (T)(s[x] >= hv ? s[x] - hv : 0); \
    else for (int x = 0; x < w; x++) d[x] = (T)(s[x] > TMAX - hv ? TMAX : s[x] + hv); \
  } \
}

HINT(uint8_t, hseed_u8, 255)
HINT(uint16_t, hseed_u16, 65535)

int seg_hextrema (const SegBuf *im, double hv, int maxima, SegBuf *dst, void *scratch) {
  seg_assert(im->c == 1 && dst->c == 1 && dst->dtype == SEG_U8 && seg_buf_samesize(im, dst));
  const int w = im->w, h = im->h;
  const SegDtype dt = im->dtype;
  if (dt == SEG_I32 || !(hv > 0)) return SEG_EINVAL;
  double mn = INFINITY, mx = -INFINITY;
  for (int y = 0; y < h; y++) {
    const void *s = seg_row(im, y);
    for (int x = 0; x < w; x++) {
      double v = seg_elem(dt, s, (size_t)x);
      if (v != v) return SEG_EINVAL;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
  }
  /* np.ptp in the image's dtype (f32: max - min rounded to f32) */
  double ptp = dt == SEG_F32 ? (double)((float)mx - (float)mn) : mx - mn;
  if (hv > ptp) {
    for (int y = 0; y < h; y++) memset(seg_row(dst, y), 0, (size_t)w);
    return SEG_OK;
  }
  if (dt != SEG_F32 && hv != floor(hv)) return SEG_EINVAL;
  size_t bytes = (size_t)w * (size_t)h * seg_dtype_size(dt);
  uint8_t *sp = scratch, *rp = sp + ((bytes + 63) & ~(size_t)63);
  SegBuf seed = {w, h, 1, dt, (size_t)w * seg_dtype_size(dt), sp};
  SegBuf rec = seed;
  rec.data = rp;
  if (dt == SEG_U8) hseed_u8(im, (uint8_t)hv, maxima, (uint8_t *)sp);
  else if (dt == SEG_U16) hseed_u16(im, (uint16_t)hv, maxima, (uint16_t *)sp);
  else {
    /* float32 arithmetic as numpy does it: h cast to f32, resolution
    ** 2 * finfo(float32).resolution * |x| in f32, left to right. */
    const float hf = (float)hv, r2 = 2.0f * 1e-6f;
    for (int y = 0; y < h; y++) {
      const float *s = seg_row_f32(im, y);
      float *d = (float *)sp + (size_t)y * w;
      if (maxima) for (int x = 0; x < w; x++) { float t = s[x] - hf; d[x] = t - r2 * fabsf(s[x]); }
      else for (int x = 0; x < w; x++) { float t = s[x] + hf; d[x] = t + r2 * fabsf(s[x]); }
    }
  }
  int rc = seg_reconstruct(&seed, im, &rec, maxima ? SEG_RECON_DILATION : SEG_RECON_EROSION);
  if (rc != SEG_OK) return rc;
  for (int y = 0; y < h; y++) {
    const void *s = seg_row(im, y), *r = seg_row(&rec, y);
    uint8_t *d = seg_row_u8(dst, y);
    for (int x = 0; x < w; x++) {
      double a = seg_elem(dt, s, (size_t)x), b = seg_elem(dt, r, (size_t)x);
      d[x] = (maxima ? a - b : b - a) >= hv;
    }
  }
  return SEG_OK;
}

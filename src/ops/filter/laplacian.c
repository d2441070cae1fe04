/* laplacian.c — second-derivative filters: cv2.Laplacian, scipy's
** gaussian_laplace (LoG) and skimage's difference_of_gaussians (DoG). */
#include <stdlib.h>
#include "filter_internal.h"

/* OpenCV's getSobelKernels for one direction: derivative 'order' with an
** aperture of 'ksize' (binomial smoothing for order 0). */
static void sobel_kernel (int ksize, int order, float *k) {
  int v[16] = {0};
  if (ksize == 1) v[0] = 1;
  else if (ksize == 3) {
    static const int t[3][3] = {{1, 2, 1}, {-1, 0, 1}, {1, -2, 1}};
    for (int i = 0; i < 3; i++) v[i] = t[order][i];
  } else {
    v[0] = 1;
    for (int i = 0; i < ksize - order - 1; i++) {
      int old = v[0];
      for (int j = 1; j <= ksize; j++) { int nv = v[j] + v[j - 1]; v[j - 1] = old; old = nv; }
    }
    for (int i = 0; i < order; i++) {
      int old = -v[0];
      for (int j = 1; j <= ksize; j++) { int nv = v[j - 1] - v[j]; v[j - 1] = old; old = nv; }
    }
  }
  for (int i = 0; i < ksize; i++) k[i] = (float)v[i];
}

/* Integer images, ksize 1 and 3: one pass over three source rows with
** integer sums (exact, so equal to any float evaluation order). Borders
** reflect-101; only the first and last pixel of a row need the index map. */
typedef struct LapJob { const SegBuf *s; SegBuf *d; int ksize; } LapJob;

#define DEF_LAP(T, NAME)                                                               \
  SEG_CLONES static void NAME (const T *restrict u, const T *restrict m,                \
                               const T *restrict b, float *restrict d, int c, int lo,   \
                               int hi, int k3) {                                        \
    if (k3)                                                                             \
      for (int x = lo; x < hi; x++)                                                     \
        d[x] = (float)(2 * ((int32_t)u[x - c] + u[x + c] + b[x - c] + b[x + c]) -       \
                       8 * (int32_t)m[x]);                                              \
    else                                                                                \
      for (int x = lo; x < hi; x++)                                                     \
        d[x] = (float)((int32_t)u[x] + b[x] + m[x - c] + m[x + c] - 4 * (int32_t)m[x]); \
  }
DEF_LAP(uint8_t, lap_u8)
DEF_LAP(uint16_t, lap_u16)

static inline int32_t lap_at (const SegBuf *s, const uint8_t *row, int i) {
  return s->dtype == SEG_U8 ? row[i] : ((const uint16_t *)row)[i];
}

static void lap_band (void *arg, int y0, int y1) {
  const LapJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, c = s->c, n = w * c, k3 = j->ksize == 3;
  for (int y = y0; y < y1; y++) {
    const uint8_t *u = seg_row(s, seg_border_index(y - 1, s->h, SEG_BORDER_REFLECT101));
    const uint8_t *m = seg_row(s, y);
    const uint8_t *b = seg_row(s, seg_border_index(y + 1, s->h, SEG_BORDER_REFLECT101));
    float *d = seg_row_f32(j->d, y);
    if (w > 2) {
      if (s->dtype == SEG_U8) lap_u8(u, m, b, d, c, c, n - c, k3);
      else lap_u16((const uint16_t *)u, (const uint16_t *)m, (const uint16_t *)b, d, c, c, n - c, k3);
    }
    for (int x = 0; x < w; x += x == 0 && w > 1 ? w - 1 : w) {   /* pixels 0 and w-1 */
      int l = seg_border_index(x - 1, w, SEG_BORDER_REFLECT101) * c;
      int r = seg_border_index(x + 1, w, SEG_BORDER_REFLECT101) * c;
      for (int ch = 0; ch < c; ch++) {
        int i = x * c + ch;
        int32_t v;
        if (k3)
          v = 2 * (lap_at(s, u, l + ch) + lap_at(s, u, r + ch) + lap_at(s, b, l + ch) +
                   lap_at(s, b, r + ch)) - 8 * lap_at(s, m, i);
        else
          v = lap_at(s, u, i) + lap_at(s, b, i) + lap_at(s, m, l + ch) + lap_at(s, m, r + ch) -
              4 * lap_at(s, m, i);
        d[i] = (float)v;
      }
    }
  }
}

int seg_laplacian (const SegBuf *src, SegBuf *dst, int ksize, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == SEG_F32);
  const int b = SEG_BORDER_REFLECT101;
  if (ksize <= 3 && (src->dtype == SEG_U8 || src->dtype == SEG_U16)) {
    LapJob j = {src, dst, ksize};
    seg_parallel_for(threads, src->h, 64, lap_band, &j);
    return 0;
  }
  if (ksize == 1) {
    static const float d2[3] = {1, -2, 1}, id[3] = {0, 1, 0};
    int rc = seg_sepfilter(src, dst, d2, 3, id, 3, b, 1.0f, 0, threads);
    return rc ? rc : seg_sepfilter(src, dst, id, 3, d2, 3, b, 1.0f, 1, threads);
  }
  if (ksize == 3) {   /* [[2,0,2],[0,-8,0],[2,0,2]] */
    static const float c[3] = {1, 0, 1}, id[3] = {0, 1, 0};
    int rc = seg_sepfilter(src, dst, c, 3, c, 3, b, 2.0f, 0, threads);
    return rc ? rc : seg_sepfilter(src, dst, id, 3, id, 3, b, -8.0f, 1, threads);
  }
  float d2[16], sm[16];
  sobel_kernel(ksize, 2, d2);
  sobel_kernel(ksize, 0, sm);
  int rc = seg_sepfilter(src, dst, d2, ksize, sm, ksize, b, 1.0f, 0, threads);
  return rc ? rc : seg_sepfilter(src, dst, sm, ksize, d2, ksize, b, 1.0f, 1, threads);
}

int seg_log (const SegBuf *src, SegBuf *dst, double sigma, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == SEG_F32);
  float *k0 = malloc(sizeof(float) * MAXK * 2);
  if (!k0) return SEG_ENOMEM;
  float *k2 = k0 + MAXK;
  int r = seg_scipy_kernel(sigma, 4.0, 0, k0, MAXK), rc = SEG_ENOMEM;
  if (r >= 0 && seg_scipy_kernel(sigma, 4.0, 2, k2, MAXK) == r) {
    int n = 2 * r + 1;
    rc = seg_sepfilter(src, dst, k2, n, k0, n, SEG_BORDER_REFLECT, 1.0f, 0, threads);
    if (rc == 0) rc = seg_sepfilter(src, dst, k0, n, k2, n, SEG_BORDER_REFLECT, 1.0f, 1, threads);
  }
  free(k0);
  return rc;
}

int seg_dog (const SegBuf *src, SegBuf *dst, double s1, double s2, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == SEG_F32);
  double scale = src->dtype == SEG_U8 ? 1.0 / 255 : src->dtype == SEG_U16 ? 1.0 / 65535 : 1.0;
  float *k1 = malloc(sizeof(float) * MAXK * 2);
  if (!k1) return SEG_ENOMEM;
  float *k2 = k1 + MAXK;
  int r1 = seg_scipy_kernel(s1, 4.0, 0, k1, MAXK), r2 = seg_scipy_kernel(s2, 4.0, 0, k2, MAXK), rc = SEG_ENOMEM;
  if (r1 >= 0 && r2 >= 0) {
    rc = seg_sepfilter(src, dst, k1, 2 * r1 + 1, k1, 2 * r1 + 1, SEG_BORDER_REPLICATE,
                       (float)scale, 0, threads);
    if (rc == 0)
      rc = seg_sepfilter(src, dst, k2, 2 * r2 + 1, k2, 2 * r2 + 1, SEG_BORDER_REPLICATE,
                         (float)-scale, 1, threads);
  }
  free(k1);
  return rc;
}

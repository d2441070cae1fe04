/* gaussian.c — Gaussian smoothing: OpenCV's GaussianBlur (bit-exact fixed
** point for u8 and u16, float for f32) and scipy's gaussian_filter. */
#include <math.h>
#include <stdlib.h>
#include "filter_internal.h"

/* ---------------------------------------------------------------- Gaussian kernels */

int seg_gaussian_ksize (double sigma, SegDtype t) {
  double v = sigma * (t == SEG_U8 ? 3 : 4) * 2 + 1;
  if (v > 1e6) v = 1e6;
  return (int)nearbyint(v) | 1;
}

/* OpenCV's getGaussianKernelBitExact: x runs over 2*(i - (n-1)/2) so the
** exponent is taken on integers; the centre is exp(0) = 1. */
static void gauss_kernel_cv (double *k, int n, double sigma) {
  double scale2 = -0.125 / (sigma * sigma), sum = 0;
  int n2 = n / 2;
  for (int i = 0; i < n2; i++) {
    double x = 2.0 * i - (n - 1);
    k[i] = exp(x * x * scale2);
    sum += k[i];
  }
  sum = sum * 2 + 1;
  double mul = 1 / sum;
  for (int i = 0; i < n2; i++) { k[i] *= mul; k[n - 1 - i] = k[i]; }
  k[n2] = mul;
}

/* Fixed point with error diffusion from the tails inwards; the centre takes
** what is left so the kernel sums to exactly 1 << bits (OpenCV's
** getGaussianKernelFixedPoint_ED). */
static void gauss_fixed (const double *k, int n, int bits, uint32_t *out) {
  double m = (double)((int64_t)1 << bits), err = 0;
  int64_t sum = 0;
  for (int i = 0; i < n / 2; i++) {
    double adj = k[i] * m + err;
    double v = nearbyint(adj);
    err = adj - v;
    out[i] = out[n - 1 - i] = (uint32_t)v;
    sum += (int64_t)v;
  }
  out[n / 2] = (uint32_t)(((int64_t)1 << bits) - 2 * sum);
}

/* ---------- u8: 8 fraction bits; rows hold u16 sums (<= 255*256) ---------- */

static inline void hacc2_u8 (uint16_t *restrict o, const uint8_t *restrict a,
                             const uint8_t *restrict b, uint16_t k, const uint8_t *restrict c,
                             const uint8_t *restrict e, uint16_t l, int n) {
  for (int x = 0; x < n; x++)
    o[x] = (uint16_t)(o[x] + k * (uint16_t)(a[x] + b[x]) + l * (uint16_t)(c[x] + e[x]));
}

SEG_CLONES static void gh_u8 (const uint8_t *restrict e, uint16_t *restrict o,
                              const uint16_t *restrict k, int r, int c, int n) {
  const uint8_t *m = e + r * c;
  uint16_t kc = k[r];
  for (int x = 0; x < n; x++) o[x] = (uint16_t)(kc * m[x]);
  int i = 0;
  for (; i + 1 < r; i += 2)
    hacc2_u8(o, e + i * c, e + (2 * r - i) * c, k[i], e + (i + 1) * c, e + (2 * r - i - 1) * c,
             k[i + 1], n);
  if (i < r) hacc2_u8(o, e + i * c, e + (2 * r - i) * c, k[i], e, e, 0, n);
}

/* acc += k * (a + b), widened; separate so 'restrict' holds for GCC */
static inline void macc_u16 (uint32_t *restrict acc, const uint16_t *restrict a,
                             const uint16_t *restrict b, uint32_t k, int m) {
  for (int x = 0; x < m; x++) acc[x] += k * ((uint32_t)a[x] + b[x]);
}

static inline void macc2_u16 (uint32_t *restrict acc, const uint16_t *restrict a,
                              const uint16_t *restrict b, uint32_t k, const uint16_t *restrict c,
                              const uint16_t *restrict e, uint32_t l, int m) {
  for (int x = 0; x < m; x++) acc[x] += k * ((uint32_t)a[x] + b[x]) + l * ((uint32_t)c[x] + e[x]);
}

SEG_CLONES static void gv_u8 (const uint16_t *const *rows, uint8_t *restrict d,
                              const uint16_t *restrict k, int r, int n, uint32_t *restrict acc) {
  for (int x0 = 0; x0 < n; x0 += XBLOCK) {
    int m = n - x0 < XBLOCK ? n - x0 : XBLOCK;
    const uint16_t *restrict c0 = rows[r] + x0;
    uint32_t kc = k[r];
    for (int x = 0; x < m; x++) acc[x] = kc * c0[x];
    int i = 0;
    for (; i + 1 < r; i += 2)
      macc2_u16(acc, rows[i] + x0, rows[2 * r - i] + x0, k[i],
                rows[i + 1] + x0, rows[2 * r - i - 1] + x0, k[i + 1], m);
    if (i < r) macc_u16(acc, rows[i] + x0, rows[2 * r - i] + x0, k[i], m);
    for (int x = 0; x < m; x++) d[x0 + x] = (uint8_t)((acc[x] + 32768u) >> 16);
  }
}

static void gauss_h_u8 (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  (void)tmp;
  gh_u8(ext, out, p->k, p->rx, p->src->c, p->src->w * p->src->c);
}
static void gauss_v_u8 (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  gv_u8((const uint16_t *const *)rows, d, (const uint16_t *)p->k + 2 * p->rx + 1, p->ry,
        p->src->w * p->src->c, tmp);
}

/* ---------- u16: 16 fraction bits; rows hold u32, the vertical sum u64 ---------- */

SEG_CLONES static void gh_u16 (const uint16_t *restrict e, uint32_t *restrict o,
                               const uint32_t *restrict k, int r, int c, int n) {
  const uint16_t *m = e + r * c;
  uint32_t kc = k[r];
  for (int x = 0; x < n; x++) o[x] = kc * m[x];
  for (int i = 0; i < r; i++) {
    const uint16_t *a = e + i * c, *b = e + (2 * r - i) * c;
    uint32_t ki = k[i];
    for (int x = 0; x < n; x++) o[x] += ki * ((uint32_t)a[x] + b[x]);
  }
}

static inline void macc_u32 (uint64_t *restrict acc, const uint32_t *restrict a,
                             const uint32_t *restrict b, uint64_t k, int m) {
  for (int x = 0; x < m; x++) acc[x] += k * ((uint64_t)a[x] + b[x]);
}

SEG_CLONES static void gv_u16 (const uint32_t *const *rows, uint16_t *restrict d,
                               const uint32_t *restrict k, int r, int n, uint64_t *restrict acc) {
  for (int x0 = 0; x0 < n; x0 += XBLOCK) {
    int m = n - x0 < XBLOCK ? n - x0 : XBLOCK;
    const uint32_t *restrict c0 = rows[r] + x0;
    uint64_t kc = k[r];
    for (int x = 0; x < m; x++) acc[x] = kc * c0[x];
    for (int i = 0; i < r; i++) macc_u32(acc, rows[i] + x0, rows[2 * r - i] + x0, k[i], m);
    for (int x = 0; x < m; x++) d[x0 + x] = (uint16_t)((acc[x] + ((uint64_t)1 << 31)) >> 32);
  }
}

static void gauss_h_u16 (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  (void)tmp;
  gh_u16((const uint16_t *)ext, out, p->k, p->rx, p->src->c, p->src->w * p->src->c);
}
static void gauss_v_u16 (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  gv_u16((const uint32_t *const *)rows, (uint16_t *)d, (const uint32_t *)p->k + 2 * p->rx + 1,
         p->ry, p->src->w * p->src->c, tmp);
}

/* f32 -> f32 Gaussian as OpenCV: float kernel from the bit-exact doubles. */
static void gauss_v_f32 (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  seg_sep_v(p, rows, d, tmp);
}

int seg_gaussian (const SegBuf *src, SegBuf *dst, double sigma, int border, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == src->dtype);
  int n = seg_gaussian_ksize(sigma, src->dtype);
  /* OpenCV shrinks the kernel to 1 along a dimension of length 1 */
  int nx = src->w == 1 ? 1 : n, ny = src->h == 1 ? 1 : n;
  double *kd = malloc(sizeof(double) * (size_t)n);
  uint32_t *k32 = malloc(sizeof(uint32_t) * (size_t)(2 * n));
  uint16_t *k16 = malloc(sizeof(uint16_t) * (size_t)(2 * n));
  float *kf = malloc(sizeof(float) * (size_t)(2 * n));
  int rc = SEG_ENOMEM;
  if (!kd || !k32 || !k16 || !kf) goto done;
  RowPass p = {0};
  p.src = src; p.dst = dst; p.rx = nx / 2; p.ry = ny / 2; p.border = border;
  size_t row = (size_t)src->w * (size_t)src->c;
  for (int pass = 0; pass < 2; pass++) {
    int m = pass ? ny : nx;
    if (m == 1) { kd[0] = 1; }
    else gauss_kernel_cv(kd, m, sigma);
    if (src->dtype == SEG_U8) {
      gauss_fixed(kd, m, 8, k32 + pass * nx);
      for (int i = 0; i < m; i++) k16[pass * nx + i] = (uint16_t)k32[pass * nx + i];
    } else if (src->dtype == SEG_U16) {
      gauss_fixed(kd, m, 16, k32 + pass * nx);
    }
    for (int i = 0; i < m; i++) kf[pass * nx + i] = (float)kd[i];
  }
  if (src->dtype == SEG_U8) {
    p.hbytes = row * 2; p.tbytes = XBLOCK * 4;
    p.h = gauss_h_u8; p.v = gauss_v_u8; p.k = k16;
    rc = seg_rowpass_run(&p, threads);
  } else if (src->dtype == SEG_U16) {
    p.hbytes = row * 4; p.tbytes = XBLOCK * 8;
    p.h = gauss_h_u16; p.v = gauss_v_u16; p.k = k32;
    rc = seg_rowpass_run(&p, threads);
  } else if (src->dtype == SEG_F32) {
    SepK k = {kf, kf + nx, nx, ny, 1.0f, 0};
    p.hbytes = row * 4;
    p.tbytes = (XBLOCK + (size_t)(src->w + 2 * p.rx) * (size_t)src->c) * sizeof(float);
    p.h = seg_sep_h; p.v = gauss_v_f32; p.k = &k;
    rc = seg_rowpass_run(&p, threads);
  }
done:
  free(kd); free(k32); free(k16); free(kf);
  return rc;
}

/* scipy's _gaussian_kernel1d(sigma, order 0 or 2, radius), in double then
** rounded to float. Returns the radius. */
int seg_scipy_kernel (double sigma, double truncate, int order, float *k, int cap) {
  int r = (int)(truncate * sigma + 0.5);
  if (2 * r + 1 > cap) r = (cap - 1) / 2;
  double s2 = sigma * sigma, sum = 0;
  double *phi = malloc(sizeof(double) * (size_t)(2 * r + 1));
  if (!phi) return -1;
  for (int i = -r; i <= r; i++) sum += phi[i + r] = exp(-0.5 / s2 * (double)i * i);
  for (int i = -r; i <= r; i++) {
    double v = phi[i + r] / sum;
    if (order == 2) v *= (double)i * i / (s2 * s2) - 1 / s2;
    k[i + r] = (float)v;
  }
  free(phi);
  return r;
}

int seg_gaussian_scipy (const SegBuf *src, SegBuf *dst, double sigma, double truncate,
                        int border, double scale, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == SEG_F32);
  float *k = malloc(sizeof(float) * MAXK);
  if (!k) return SEG_ENOMEM;
  int r = seg_scipy_kernel(sigma, truncate, 0, k, MAXK), rc = SEG_ENOMEM;
  if (r >= 0) rc = seg_sepfilter(src, dst, k, 2 * r + 1, k, 2 * r + 1, border, (float)scale, 0, threads);
  free(k);
  return rc;
}

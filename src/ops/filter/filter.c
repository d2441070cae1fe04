/* filter.c — separable linear filters (Gaussian, generic correlation,
** Laplacian, LoG, DoG), box, median and bilateral filters.
**
** The separable filters share one row driver: each thread takes a band of
** output rows and keeps a ring of the 2r+1 horizontally filtered source rows
** that the vertical pass needs, so every source row is filtered once per band
** and the vertical pass reads a few L1/L2-resident rows (no full-size
** intermediate image). Borders are built once per source row in an extended
** row, so the inner loops have no bounds logic and vectorize. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "filter.h"

#define ALIGN64(n) (((n) + 63) & ~(size_t)63)
#define XBLOCK 512          /* elements per block of the vertical passes */

/* ---------------------------------------------------------------- driver */

typedef struct RowPass RowPass;
typedef void (*HFn) (const RowPass *p, const uint8_t *ext, void *out, void *tmp);
typedef void (*VFn) (const RowPass *p, const void *const *rows, uint8_t *drow, void *tmp);

struct RowPass {
  const SegBuf *src; SegBuf *dst;
  int rx, ry, border;
  size_t hbytes;         /* one ring row */
  size_t tbytes;         /* per-thread scratch for h/v */
  HFn h; VFn v;
  const void *k;         /* operator's coefficients */
  int fail;              /* a band could not get its scratch memory */
};

static void make_ext (const SegBuf *s, int y, int rx, int border, uint8_t *ext) {
  size_t px = (size_t)s->c * seg_dtype_size(s->dtype);
  const uint8_t *row = seg_row(s, y);
  memcpy(ext + (size_t)rx * px, row, (size_t)s->w * px);
  for (int i = 1; i <= rx; i++) {
    memcpy(ext + (size_t)(rx - i) * px, row + (size_t)seg_border_index(-i, s->w, border) * px, px);
    memcpy(ext + (size_t)(rx + s->w - 1 + i) * px,
           row + (size_t)seg_border_index(s->w - 1 + i, s->w, border) * px, px);
  }
}

static void rowpass_band (void *arg, int y0, int y1) {
  RowPass *p = arg;
  const SegBuf *s = p->src;
  int n = 2 * p->ry + 1;
  size_t px = (size_t)s->c * seg_dtype_size(s->dtype);
  size_t extb = ALIGN64((size_t)(s->w + 2 * p->rx) * px + 64), hb = ALIGN64(p->hbytes);
  size_t slots = (size_t)(s->h < n ? s->h : n);
  uint8_t *mem = malloc(slots * hb + extb + ALIGN64(p->tbytes) + (size_t)n * sizeof(void *) + 64);
  if (!mem) { __atomic_store_n(&p->fail, 1, __ATOMIC_RELAXED); return; }
  uint8_t *base = (uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  uint8_t *ring = base, *ext = ring + slots * hb, *tmp = ext + extb;
  const void **rows = (const void **)(tmp + ALIGN64(p->tbytes));
  if (s->h < n) {
    /* kernel taller than the image: the window's rows are border copies of
    ** the h source rows, each filtered once into its own slot, so the work
    ** follows the image, not the kernel's height */
    for (int sy = 0; sy < s->h; sy++) {
      make_ext(s, sy, p->rx, p->border, ext);
      p->h(p, ext, ring + (size_t)sy * hb, tmp);
    }
    for (int y = y0; y < y1; y++) {
      for (int j = 0; j < n; j++)
        rows[j] = ring + (size_t)seg_border_index(y - p->ry + j, s->h, p->border) * hb;
      p->v(p, rows, seg_row(p->dst, y), tmp);
    }
    free(mem);
    return;
  }
  int vbase = y0 - p->ry;
  for (int v = vbase; v < y1 + p->ry; v++) {
    make_ext(s, seg_border_index(v, s->h, p->border), p->rx, p->border, ext);
    p->h(p, ext, ring + (size_t)((v - vbase) % n) * hb, tmp);
    int y = v - p->ry;
    if (y < y0) continue;
    for (int j = 0; j < n; j++) rows[j] = ring + (size_t)((y - p->ry + j - vbase) % n) * hb;
    p->v(p, rows, seg_row(p->dst, y), tmp);
  }
  free(mem);
}

static int rowpass_run (RowPass *p, int threads) {
  p->fail = 0;
  int grain = 4 * (2 * p->ry + 1);      /* a band re-filters 2r rows: keep it long */
  seg_parallel_for(threads, p->src->h, grain < 16 ? 16 : grain, rowpass_band, p);
  return p->fail ? SEG_ENOMEM : 0;
}

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

/* ---------------------------------------------------------------- float separable engine */

typedef struct SepK { const float *kx, *ky; int nx, ny; float gain; int acc; } SepK;

SEG_CLONES static void to_float_u8 (const uint8_t *restrict s, float *restrict d, int n) {
  for (int i = 0; i < n; i++) d[i] = s[i];
}
SEG_CLONES static void to_float_u16 (const uint16_t *restrict s, float *restrict d, int n) {
  for (int i = 0; i < n; i++) d[i] = s[i];
}
static void to_float_i32 (const int32_t *restrict s, float *restrict d, int n) {
  for (int i = 0; i < n; i++) d[i] = (float)s[i];
}

/* Row as floats: a copy for f32, a conversion otherwise (into tmp). */
static const float *row_float (SegDtype t, const uint8_t *ext, int n, float *tmp) {
  switch (t) {
    case SEG_U8: to_float_u8(ext, tmp, n); return tmp;
    case SEG_U16: to_float_u16((const uint16_t *)ext, tmp, n); return tmp;
    case SEG_I32: to_float_i32((const int32_t *)ext, tmp, n); return tmp;
    default: return (const float *)ext;
  }
}

SEG_CLONES static void sh_f32 (const float *restrict e, float *restrict o,
                               const float *restrict k, int nk, int c, int n) {
  float k0 = k[0];
  for (int x = 0; x < n; x++) o[x] = k0 * e[x];
  for (int i = 1; i < nk; i++) {
    const float *restrict a = e + i * c;
    float ki = k[i];
    if (ki == 0) continue;
    for (int x = 0; x < n; x++) o[x] += ki * a[x];
  }
}

static inline void macc_f32 (float *restrict acc, const float *restrict a, float k, int m) {
  for (int x = 0; x < m; x++) acc[x] += k * a[x];
}

SEG_CLONES static void sv_f32 (const float *const *rows, float *restrict d,
                               const float *restrict k, int nk, int n, float gain, int accum,
                               float *restrict acc) {
  for (int x0 = 0; x0 < n; x0 += XBLOCK) {
    int m = n - x0 < XBLOCK ? n - x0 : XBLOCK;
    const float *restrict r0 = rows[0] + x0;
    float k0 = k[0];
    for (int x = 0; x < m; x++) acc[x] = k0 * r0[x];
    for (int j = 1; j < nk; j++)
      if (k[j] != 0) macc_f32(acc, rows[j] + x0, k[j], m);
    float *restrict o = d + x0;
    if (accum) for (int x = 0; x < m; x++) o[x] += gain * acc[x];
    else for (int x = 0; x < m; x++) o[x] = gain * acc[x];
  }
}

static void sep_h (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  const SepK *k = p->k;
  int c = p->src->c, n = (p->src->w + 2 * p->rx) * c;
  const float *e = row_float(p->src->dtype, ext, n, (float *)tmp + XBLOCK);
  sh_f32(e, out, k->kx, k->nx, c, p->src->w * c);
}
static void sep_v (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  const SepK *k = p->k;
  sv_f32((const float *const *)rows, (float *)d, k->ky, k->ny, p->src->w * p->src->c,
         k->gain, k->acc, tmp);
}

int seg_sepfilter (const SegBuf *src, SegBuf *dst, const float *kx, int nx,
                   const float *ky, int ny, int border, float gain, int acc, int threads) {
  SepK k = {kx, ky, nx, ny, gain, acc};
  RowPass p = {0};
  p.src = src; p.dst = dst; p.rx = nx / 2; p.ry = ny / 2; p.border = border;
  p.hbytes = (size_t)src->w * (size_t)src->c * sizeof(float);
  p.tbytes = (XBLOCK + (size_t)(src->w + 2 * p.rx) * (size_t)src->c) * sizeof(float);
  p.h = sep_h; p.v = sep_v; p.k = &k;
  return rowpass_run(&p, threads);
}

/* f32 -> f32 Gaussian as OpenCV: float kernel from the bit-exact doubles. */
static void gauss_v_f32 (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  sep_v(p, rows, d, tmp);
}

int seg_gaussian (const SegBuf *src, SegBuf *dst, double sigma, int border, int threads) {
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
    rc = rowpass_run(&p, threads);
  } else if (src->dtype == SEG_U16) {
    p.hbytes = row * 4; p.tbytes = XBLOCK * 8;
    p.h = gauss_h_u16; p.v = gauss_v_u16; p.k = k32;
    rc = rowpass_run(&p, threads);
  } else if (src->dtype == SEG_F32) {
    SepK k = {kf, kf + nx, nx, ny, 1.0f, 0};
    p.hbytes = row * 4;
    p.tbytes = (XBLOCK + (size_t)(src->w + 2 * p.rx) * (size_t)src->c) * sizeof(float);
    p.h = sep_h; p.v = gauss_v_f32; p.k = &k;
    rc = rowpass_run(&p, threads);
  }
done:
  free(kd); free(k32); free(k16); free(kf);
  return rc;
}

/* scipy's _gaussian_kernel1d(sigma, order 0 or 2, radius), in double then
** rounded to float. Returns the radius. */
static int scipy_kernel (double sigma, double truncate, int order, float *k, int cap) {
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

#define MAXK 4097

int seg_gaussian_scipy (const SegBuf *src, SegBuf *dst, double sigma, double truncate,
                        int border, double scale, int threads) {
  float *k = malloc(sizeof(float) * MAXK);
  if (!k) return SEG_ENOMEM;
  int r = scipy_kernel(sigma, truncate, 0, k, MAXK), rc = SEG_ENOMEM;
  if (r >= 0) rc = seg_sepfilter(src, dst, k, 2 * r + 1, k, 2 * r + 1, border, (float)scale, 0, threads);
  free(k);
  return rc;
}

int seg_log (const SegBuf *src, SegBuf *dst, double sigma, int threads) {
  float *k0 = malloc(sizeof(float) * MAXK * 2);
  if (!k0) return SEG_ENOMEM;
  float *k2 = k0 + MAXK;
  int r = scipy_kernel(sigma, 4.0, 0, k0, MAXK), rc = SEG_ENOMEM;
  if (r >= 0 && scipy_kernel(sigma, 4.0, 2, k2, MAXK) == r) {
    int n = 2 * r + 1;
    rc = seg_sepfilter(src, dst, k2, n, k0, n, SEG_BORDER_REFLECT, 1.0f, 0, threads);
    if (rc == 0) rc = seg_sepfilter(src, dst, k0, n, k2, n, SEG_BORDER_REFLECT, 1.0f, 1, threads);
  }
  free(k0);
  return rc;
}

int seg_dog (const SegBuf *src, SegBuf *dst, double s1, double s2, int threads) {
  double scale = src->dtype == SEG_U8 ? 1.0 / 255 : src->dtype == SEG_U16 ? 1.0 / 65535 : 1.0;
  float *k1 = malloc(sizeof(float) * MAXK * 2);
  if (!k1) return SEG_ENOMEM;
  float *k2 = k1 + MAXK;
  int r1 = scipy_kernel(s1, 4.0, 0, k1, MAXK), r2 = scipy_kernel(s2, 4.0, 0, k2, MAXK), rc = SEG_ENOMEM;
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

/* ---------------------------------------------------------------- box */

typedef struct BoxJob { const SegBuf *s; SegBuf *d; int r; int fail; } BoxJob;

/* Vertical running sums 'vs' over the window rows, extended by r pixels on
** each side (reflect-101), then a horizontal running sum per channel. */
SEG_CLONES static void vs_add_u8 (uint32_t *restrict vs, const uint8_t *restrict a,
                                  const uint8_t *restrict b, int n) {
  for (int i = 0; i < n; i++) vs[i] += (uint32_t)a[i] - b[i];
}
SEG_CLONES static void vs_add_u16 (uint32_t *restrict vs, const uint16_t *restrict a,
                                   const uint16_t *restrict b, int n) {
  for (int i = 0; i < n; i++) vs[i] += (uint32_t)a[i] - b[i];
}
SEG_CLONES static void vs_add_f32 (double *restrict vs, const float *restrict a,
                                   const float *restrict b, int n) {
  for (int i = 0; i < n; i++) vs[i] += (double)a[i] - (double)b[i];
}

/* Window sums along the row: one add and one subtract per element. The
** sums stay exact in u32 for every radius the binding accepts. */
static void box_slide (const uint32_t *restrict e, uint32_t *restrict hs, int w, int c, int win) {
  for (int ch = 0; ch < c; ch++) {
    uint32_t sum = 0;
    for (int i = 0; i < win; i++) sum += e[i * c + ch];
    const uint32_t *in = e + win * c + ch, *out = e + ch;
    uint32_t *o = hs + ch;
    for (int x = 0; x < w; x++) {
      o[x * c] = sum;
      sum += in[x * c] - out[x * c];
    }
  }
}

/* Rounded means; no ties since the area is odd. */
SEG_CLONES static void box_div_u8 (const uint32_t *restrict hs, uint8_t *restrict d, int n, double inv) {
  for (int i = 0; i < n; i++) d[i] = (uint8_t)(int)((double)hs[i] * inv + 0.5);
}
SEG_CLONES static void box_div_u16 (const uint32_t *restrict hs, uint16_t *restrict d, int n, double inv) {
  for (int i = 0; i < n; i++) d[i] = (uint16_t)(int)((double)hs[i] * inv + 0.5);
}

static void box_band (void *arg, int y0, int y1) {
  BoxJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, c = s->c, r = j->r, n = w * c, win = 2 * r + 1;
  int ext = (w + 2 * r) * c;
  size_t es = s->dtype == SEG_F32 ? sizeof(double) : sizeof(uint32_t);
  uint8_t *mem = calloc(2 * (size_t)n + (size_t)ext + (size_t)c, es);  /* +1 pixel: the last slide reads it */
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint32_t *vs = (uint32_t *)mem;
  double *vd = (double *)mem;
  uint32_t *e32 = vs + n, *hs = e32 + ext + c;
  double *ed = vd + n;
  /* initial window: virtual rows y0-r .. y0+r */
  for (int v = y0 - r; v <= y0 + r; v++) {
    int sy = seg_border_index(v, s->h, SEG_BORDER_REFLECT101);
    const uint8_t *row = seg_row(s, sy);
    for (int i = 0; i < n; i++) {
      if (s->dtype == SEG_U8) vs[i] += row[i];
      else if (s->dtype == SEG_U16) vs[i] += ((const uint16_t *)row)[i];
      else vd[i] += ((const float *)row)[i];
    }
  }
  uint64_t area = (uint64_t)win * (uint64_t)win;
  double inv = 1.0 / (double)area;
  for (int y = y0; y < y1; y++) {
    if (y > y0) {
      const uint8_t *a = seg_row(s, seg_border_index(y + r, s->h, SEG_BORDER_REFLECT101));
      const uint8_t *b = seg_row(s, seg_border_index(y - r - 1, s->h, SEG_BORDER_REFLECT101));
      if (s->dtype == SEG_U8) vs_add_u8(vs, a, b, n);
      else if (s->dtype == SEG_U16) vs_add_u16(vs, (const uint16_t *)a, (const uint16_t *)b, n);
      else vs_add_f32(vd, (const float *)a, (const float *)b, n);
    }
    /* extend horizontally (reflect-101), then slide along each channel */
    size_t vsz = s->dtype == SEG_F32 ? sizeof(double) : sizeof(uint32_t);
    uint8_t *eb = s->dtype == SEG_F32 ? (uint8_t *)ed : (uint8_t *)e32;
    const uint8_t *vb = s->dtype == SEG_F32 ? (const uint8_t *)vd : (const uint8_t *)vs;
    memcpy(eb + (size_t)r * c * vsz, vb, (size_t)n * vsz);
    for (int i = 1; i <= r; i++) {
      int lx = seg_border_index(-i, w, SEG_BORDER_REFLECT101);
      int rx = seg_border_index(w - 1 + i, w, SEG_BORDER_REFLECT101);
      memcpy(eb + (size_t)(r - i) * c * vsz, vb + (size_t)lx * c * vsz, (size_t)c * vsz);
      memcpy(eb + (size_t)(r + w - 1 + i) * c * vsz, vb + (size_t)rx * c * vsz, (size_t)c * vsz);
    }
    uint8_t *drow = seg_row(j->d, y);
    if (s->dtype == SEG_F32) {
      float *d = (float *)drow;
      for (int ch = 0; ch < c; ch++) {
        double sum = 0;
        for (int i = 0; i < win; i++) sum += ed[i * c + ch];
        for (int x = 0; x < w; x++) {
          d[x * c + ch] = (float)(sum * inv);
          sum += ed[(x + win) * c + ch] - ed[x * c + ch];
        }
      }
    } else {
      box_slide(e32, hs, w, c, win);
      if (s->dtype == SEG_U8) box_div_u8(hs, drow, n, inv);
      else box_div_u16(hs, (uint16_t *)drow, n, inv);
    }
  }
  free(mem);
}

/* u8: the vertical window sums fit u16 (255 * 255 < 65536) and live in a
** row extended by r pixels on each side (reflect-101), so the horizontal
** window is a sum of shifted rows, vectorized over the row: directly in u16
** while the window sum fits (win <= 16), else by doubling in u32 (sums of 1,
** 2, 4, ... pixels, combined by the bits of win). The mean is rounded in
** float: the sum is exact (< 2^24), the product is within 4e-5 of the true
** mean, and a mean of odd area is at least 1/(2 area) from a rounding
** boundary, so for area <= 4096 the result is the exactly rounded mean. */
#define BXB 1024            /* elements per block of the horizontal pass */

SEG_CLONES static void bx_vadd (uint16_t *restrict v, const uint8_t *restrict a,
                                const uint8_t *restrict b, int n) {
  for (int i = 0; i < n; i++) v[i] = (uint16_t)(v[i] + a[i] - b[i]);
}
SEG_CLONES static void bx_vinit (uint16_t *restrict v, const uint8_t *restrict a, int n) {
  for (int i = 0; i < n; i++) v[i] = (uint16_t)(v[i] + a[i]);
}
/* h[x] = sum of win elements of v c apart (win <= 16: fits u16) */
SEG_CLONES static void bx_h16 (const uint16_t *restrict v, uint16_t *restrict h, int c, int win, int m) {
  for (int x = 0; x < m; x++) h[x] = v[x];
  for (int i = 1; i < win; i++) {
    const uint16_t *restrict s = v + i * c;
    for (int x = 0; x < m; x++) h[x] = (uint16_t)(h[x] + s[x]);
  }
}
SEG_CLONES static void bx_div16 (const uint16_t *restrict h, uint8_t *restrict d, float inv, int m) {
  for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)h[x] * inv + 0.5f);
}
SEG_CLONES static void bx_acc (uint32_t *restrict h, const uint32_t *restrict t, int first, int m) {
  if (first) for (int x = 0; x < m; x++) h[x] = t[x];
  else for (int x = 0; x < m; x++) h[x] += t[x];
}
SEG_CLONES static void bx_double (uint32_t *restrict o, const uint32_t *restrict t, int sh, int m) {
  for (int x = 0; x < m; x++) o[x] = t[x] + t[x + sh];
}
static void bx_div32d (const uint32_t *restrict h, uint8_t *restrict d, double inv, int m) {
  for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((double)h[x] * inv + 0.5);
}

SEG_CLONES static void bx_dbl16 (uint16_t *restrict o, const uint16_t *restrict t, int sh, int m) {
  for (int x = 0; x < m; x++) o[x] = (uint16_t)(t[x] + t[x + sh]);
}
SEG_CLONES static void bx_dbl16w (uint32_t *restrict o, const uint16_t *restrict t, int sh, int m) {
  for (int x = 0; x < m; x++) o[x] = (uint32_t)t[x] + t[x + sh];
}
SEG_CLONES static void bx_acc16 (uint32_t *restrict h, const uint16_t *restrict t, int first, int m) {
  if (first) for (int x = 0; x < m; x++) h[x] = t[x];
  else for (int x = 0; x < m; x++) h[x] += t[x];
}
/* the last term fused with the rounding: d = (acc + t [+ t2]) / area */
SEG_CLONES static void bx_fin16 (const uint32_t *restrict h, const uint16_t *restrict t,
                                 const uint16_t *restrict t2, uint8_t *restrict d, float inv, int m) {
  if (t2) for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)(h[x] + t[x] + t2[x]) * inv + 0.5f);
  else for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)(h[x] + t[x]) * inv + 0.5f);
}
SEG_CLONES static void bx_fin32 (const uint32_t *restrict h, const uint32_t *restrict t,
                                 uint8_t *restrict d, float inv, int m) {
  for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)(h[x] + t[x]) * inv + 0.5f);
}

static void box_band_u8 (void *arg, int y0, int y1) {
  BoxJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, c = s->c, r = j->r, n = w * c, win = 2 * r + 1, rc = r * c;
  int ext = n + 2 * rc;
  size_t bl = (size_t)BXB + (size_t)(win - 1) * c;  /* block with its window */
  uint8_t *mem = calloc(1, ALIGN64(sizeof(uint16_t) * (size_t)ext) + 3 * ALIGN64(sizeof(uint32_t) * bl) +
                           3 * ALIGN64(sizeof(uint16_t) * bl));
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint16_t *E = (uint16_t *)mem, *vs = E + rc;
  uint32_t *t0 = (uint32_t *)(mem + ALIGN64(sizeof(uint16_t) * (size_t)ext));
  uint32_t *t1 = t0 + ALIGN64(sizeof(uint32_t) * bl) / 4, *acc = t1 + ALIGN64(sizeof(uint32_t) * bl) / 4;
  uint16_t *h16 = (uint16_t *)(acc + ALIGN64(sizeof(uint32_t) * bl) / 4);
  uint16_t *a16 = h16 + ALIGN64(sizeof(uint16_t) * bl) / 2, *b16 = a16 + ALIGN64(sizeof(uint16_t) * bl) / 2;
  for (int v = y0 - r; v <= y0 + r; v++)
    bx_vinit(vs, seg_row(s, seg_border_index(v, s->h, SEG_BORDER_REFLECT101)), n);
  int area = win * win;
  float invf = 1.0f / (float)area;
  double invd = 1.0 / (double)area;
  for (int y = y0; y < y1; y++) {
    if (y > y0)
      bx_vadd(vs, seg_row(s, seg_border_index(y + r, s->h, SEG_BORDER_REFLECT101)),
              seg_row(s, seg_border_index(y - r - 1, s->h, SEG_BORDER_REFLECT101)), n);
    for (int i = 1; i <= r; i++) {
      int lx = seg_border_index(-i, w, SEG_BORDER_REFLECT101);
      int rx = seg_border_index(w - 1 + i, w, SEG_BORDER_REFLECT101);
      memcpy(E + (r - i) * c, vs + lx * c, sizeof(uint16_t) * (size_t)c);
      memcpy(E + (r + w - 1 + i) * c, vs + rx * c, sizeof(uint16_t) * (size_t)c);
    }
    uint8_t *d = seg_row(j->d, y);
    for (int x0 = 0; x0 < n; x0 += BXB) {
      int m = n - x0 < BXB ? n - x0 : BXB;
      if (win <= 16) {
        bx_h16(E + x0, h16, c, win, m);
        bx_div16(h16, d + x0, invf, m);
        continue;
      }
      /* level 'len' holds sums of len pixels, valid for the first 'valid'
      ** elements; u16 while len * 255 * win fits. Terms are added by the
      ** bits of win, low first; the last (the top bit) is fused with the
      ** rounding when area <= 4096. win is odd: the first term is E. */
      int valid = m + (win - 1) * c, len = 1, off = 0, top = 1, fused = area <= 4096;
      while (top * 2 <= win) top *= 2;
      const uint16_t *t16 = E + x0;
      const uint32_t *t32 = NULL;
      uint16_t *n16 = a16;
      uint32_t *n32 = t0;
      bx_acc16(acc, t16, 1, m);
      off = 1;
      while (len < top) {
        valid -= len * c;
        if (!t32 && 2 * len * 255 * win <= 65535) {
          bx_dbl16(n16, t16, len * c, valid);
          t16 = n16; n16 = n16 == a16 ? b16 : a16;
        } else if (!t32) {
          if (2 * len == top && fused) {          /* the top term from two u16 halves */
            bx_fin16(acc, t16 + off * c, t16 + (off + len) * c, d + x0, invf, m);
            break;
          }
          bx_dbl16w(n32, t16, len * c, valid);
          t32 = n32; n32 = t1;
        } else {
          bx_double(n32, t32, len * c, valid);
          t32 = n32; n32 = n32 == t0 ? t1 : t0;
        }
        len *= 2;
        if (len == top && fused) {
          if (t32) bx_fin32(acc, t32 + off * c, d + x0, invf, m);
          else bx_fin16(acc, t16 + off * c, NULL, d + x0, invf, m);
          break;
        }
        if (win & len) {
          if (t32) bx_acc(acc, t32 + off * c, 0, m);
          else bx_acc16(acc, t16 + off * c, 0, m);
          off += len;
        }
      }
      if (!fused) bx_div32d(acc, d + x0, invd, m);
    }
  }
  free(mem);
}

int seg_box (const SegBuf *src, SegBuf *dst, int r, int threads) {
  /* integer sums rounded to nearest (no ties: the area is odd), which is
  ** what OpenCV's 16- and 32-bit sum paths produce */
  BoxJob j = {src, dst, r, 0};
  seg_parallel_for(threads, src->h, 16 + 2 * r,
                   src->dtype == SEG_U8 && r <= 127 ? box_band_u8 : box_band, &j);
  return j.fail ? SEG_ENOMEM : 0;
}

/* ---------------------------------------------------------------- median */

/* Knuth's merge-exchange sorting network (TAOCP 5.2.2, Algorithm M), pruned
** backwards to the comparators the middle output depends on. */
static int median_network (int n, uint8_t (*cmp)[2]) {
  uint8_t all[2048][2];
  int m = 0, t = 0;
  while ((1 << t) < n) t++;
  for (int p = 1 << (t - 1); p > 0; p >>= 1) {
    int q = 1 << (t - 1), r = 0, d = p;
    for (;;) {
      for (int i = 0; i < n - d; i++)
        if ((i & p) == r) { all[m][0] = (uint8_t)i; all[m][1] = (uint8_t)(i + d); m++; }
      if (q == p) break;
      d = q - p; q >>= 1; r = p;
    }
  }
  uint8_t need[64] = {0};
  need[n / 2] = 1;
  int keep = 0;
  uint8_t kept[2048];
  for (int i = m - 1; i >= 0; i--) {
    kept[i] = need[all[i][0]] || need[all[i][1]];
    if (kept[i]) { need[all[i][0]] = need[all[i][1]] = 1; keep++; }
  }
  int o = 0;
  for (int i = 0; i < m; i++)
    if (kept[i]) { cmp[o][0] = all[i][0]; cmp[o][1] = all[i][1]; o++; }
  return keep;
}

typedef struct MedNet { uint8_t cmp[2048][2]; int ncmp, k; } MedNet;

#define MNB 64   /* elements per network block */
#define DEF_NET(T, NAME)                                                              \
  SEG_CLONES static void NAME (const T *const *rows, T *restrict d, const MedNet *net, \
                               int r, int c, int n, T *restrict v) {                  \
    int k = net->k, win = 2 * r + 1;                                                  \
    for (int x0 = 0; x0 < n; x0 += MNB) {                                             \
      int m = n - x0 < MNB ? n - x0 : MNB;                                            \
      for (int dy = 0; dy < win; dy++)                                                \
        for (int dx = 0; dx < win; dx++) {                                            \
          const T *s = rows[dy] + x0 + dx * c;                                        \
          T *o = v + (dy * win + dx) * MNB;                                           \
          for (int x = 0; x < m; x++) o[x] = s[x];                                    \
          for (int x = m; x < MNB; x++) o[x] = s[0];                                  \
        }                                                                             \
      for (int q = 0; q < net->ncmp; q++) {                                           \
        T *restrict a = v + net->cmp[q][0] * MNB, *restrict b = v + net->cmp[q][1] * MNB; \
        for (int x = 0; x < MNB; x++) {                                               \
          T lo = a[x] < b[x] ? a[x] : b[x], hi = a[x] < b[x] ? b[x] : a[x];           \
          a[x] = lo; b[x] = hi;                                                       \
        }                                                                             \
      }                                                                               \
      const T *md = v + (k / 2) * MNB;                                                \
      for (int x = 0; x < m; x++) d[x0 + x] = md[x];                                  \
    }                                                                                 \
  }
DEF_NET(uint8_t, net_u8)
DEF_NET(uint16_t, net_u16)
DEF_NET(float, net_f32)

static void ext_h (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  (void)tmp;
  memcpy(out, ext, p->hbytes);
}
static void net_v (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  int c = p->src->c, n = p->src->w * c;
  switch (p->src->dtype) {
    case SEG_U8: net_u8((const uint8_t *const *)rows, d, p->k, p->rx, c, n, tmp); break;
    case SEG_U16: net_u16((const uint16_t *const *)rows, (uint16_t *)d, p->k, p->rx, c, n, tmp); break;
    default: net_f32((const float *const *)rows, (float *)d, p->k, p->rx, c, n, tmp);
  }
}

/* Perreault & Hebert 2007, "Median filtering in constant time": per-column
** histograms (16 coarse + 256 fine bins) slid down the rows, a kernel coarse
** histogram slid along the row, and kernel fine histograms updated lazily,
** only for the coarse bin that holds the median. Columns are processed in
** stripes so the column histograms stay in cache. */
#define PH_STRIPE 512
typedef struct PHJob { const SegBuf *s; SegBuf *d; int r; int fail; } PHJob;

SEG_CLONES static void add16 (uint16_t *restrict a, const uint16_t *restrict b,
                              const uint16_t *restrict c) {
  for (int i = 0; i < 16; i++) a[i] = (uint16_t)(a[i] + b[i] - c[i]);
}

static void ph_band (void *arg, int y0, int y1) {
  PHJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, h = s->h, c = s->c, r = j->r, win = 2 * r + 1;
  int half = (win * win) / 2;
  int ncol = PH_STRIPE + 2 * r;
  uint16_t *fine = malloc(sizeof(uint16_t) * (size_t)ncol * 272);
  if (!fine) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  for (int ch = 0; ch < c; ch++)
    for (int x0 = 0; x0 < w; x0 += PH_STRIPE) {
      int x1 = x0 + PH_STRIPE < w ? x0 + PH_STRIPE : w;
      int nc = x1 - x0 + 2 * r;       /* virtual columns x0-r .. x1+r-1 */
      memset(fine, 0, sizeof(uint16_t) * (size_t)nc * 272);
      /* layout per column: 256 fine bins then 16 coarse bins */
      for (int v = y0 - r; v <= y0 + r; v++) {
        const uint8_t *row = seg_row(s, seg_border_index(v, h, SEG_BORDER_REPLICATE));
        for (int u = 0; u < nc; u++) {
          int val = row[seg_border_index(x0 - r + u, w, SEG_BORDER_REPLICATE) * c + ch];
          uint16_t *hc = fine + (size_t)u * 272;
          hc[val]++; hc[256 + (val >> 4)]++;
        }
      }
      for (int y = y0; y < y1; y++) {
        if (y > y0) {
          const uint8_t *in = seg_row(s, seg_border_index(y + r, h, SEG_BORDER_REPLICATE));
          const uint8_t *out = seg_row(s, seg_border_index(y - r - 1, h, SEG_BORDER_REPLICATE));
          for (int u = 0; u < nc; u++) {
            int sx = seg_border_index(x0 - r + u, w, SEG_BORDER_REPLICATE) * c + ch;
            uint16_t *hc = fine + (size_t)u * 272;
            int a = in[sx], b = out[sx];
            hc[a]++; hc[256 + (a >> 4)]++;
            hc[b]--; hc[256 + (b >> 4)]--;
          }
        }
        uint16_t kc[16] = {0}, kf[256];
        int luc[16];
        for (int b = 0; b < 16; b++) luc[b] = -0x40000000;
        for (int u = 0; u < win; u++)
          for (int b = 0; b < 16; b++) kc[b] = (uint16_t)(kc[b] + fine[(size_t)u * 272 + 256 + b]);
        uint8_t *d = seg_row(j->d, y);
        static const uint16_t zero16[16] = {0};
        for (int x = x0; x < x1; x++) {
          int u = x - x0;      /* window = virtual columns u .. u+2r */
          if (x > x0) add16(kc, fine + (size_t)(u + 2 * r) * 272 + 256, fine + (size_t)(u - 1) * 272 + 256);
          int b = 0, cum = 0;
          while (cum + kc[b] <= half) { cum += kc[b]; b++; }
          uint16_t *f = kf + b * 16;
          if (u - luc[b] >= win) {
            memset(f, 0, sizeof(uint16_t) * 16);
            for (int q = u; q <= u + 2 * r; q++) add16(f, fine + (size_t)q * 272 + b * 16, zero16);
          } else {
            for (int q = luc[b] + 1; q <= u; q++)
              add16(f, fine + (size_t)(q + 2 * r) * 272 + b * 16, fine + (size_t)(q - 1) * 272 + b * 16);
          }
          luc[b] = u;
          int i = 0;
          while (cum + f[i] <= half) { cum += f[i]; i++; }
          d[x * c + ch] = (uint8_t)(b * 16 + i);
        }
      }
    }
  free(fine);
}

/* Sorted-window median for u16/f32 (keys are order-preserving u32): each
** column keeps its 2r+1 values sorted as the rows slide (one removal, one
** insertion), and the window's sorted list is updated along the row by one
** merge pass that drops the leaving column and merges the entering one. */
typedef struct SWJob { const SegBuf *s; SegBuf *d; int r; int fail; } SWJob;

static inline uint32_t key_of (const SegBuf *s, const uint8_t *row, int i) {
  if (s->dtype == SEG_U16) return ((const uint16_t *)row)[i];
  uint32_t u;
  memcpy(&u, (const float *)row + i, 4);
  return u & 0x80000000u ? ~u : u | 0x80000000u;
}
static inline void put_key (SegBuf *d, uint8_t *row, int i, uint32_t k) {
  if (d->dtype == SEG_U16) { ((uint16_t *)row)[i] = (uint16_t)k; return; }
  uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
  memcpy((float *)row + i, &u, 4);
}

static void col_remove_insert (uint32_t *col, int m, uint32_t out, uint32_t in) {
  int i = 0;
  while (col[i] != out) i++;           /* present: it was inserted earlier */
  memmove(col + i, col + i + 1, sizeof(uint32_t) * (size_t)(m - 1 - i));
  int j = m - 1;
  while (j > 0 && col[j - 1] > in) { col[j] = col[j - 1]; j--; }
  col[j] = in;
}

static void sw_band (void *arg, int y0, int y1) {
  SWJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, h = s->h, c = s->c, r = j->r, m = 2 * r + 1, k = m * m;
  int nc = w + 2 * r;
  uint32_t *mem = malloc(sizeof(uint32_t) * ((size_t)nc * (size_t)m + 2 * (size_t)k));
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint32_t *cols = mem, *win = cols + (size_t)nc * m, *nw = win + k;
  for (int ch = 0; ch < c; ch++) {
    for (int u = 0; u < nc; u++) {
      uint32_t *col = cols + (size_t)u * m;
      int sx = seg_border_index(u - r, w, SEG_BORDER_REPLICATE) * c + ch;
      for (int q = 0; q < m; q++) {
        uint32_t v = key_of(s, seg_row(s, seg_border_index(y0 - r + q, h, SEG_BORDER_REPLICATE)), sx);
        int t = q;
        while (t > 0 && col[t - 1] > v) { col[t] = col[t - 1]; t--; }
        col[t] = v;
      }
    }
    for (int y = y0; y < y1; y++) {
      if (y > y0) {
        const uint8_t *in = seg_row(s, seg_border_index(y + r, h, SEG_BORDER_REPLICATE));
        const uint8_t *out = seg_row(s, seg_border_index(y - r - 1, h, SEG_BORDER_REPLICATE));
        for (int u = 0; u < nc; u++) {
          int sx = seg_border_index(u - r, w, SEG_BORDER_REPLICATE) * c + ch;
          col_remove_insert(cols + (size_t)u * m, m, key_of(s, out, sx), key_of(s, in, sx));
        }
      }
      /* window at x = 0: merge columns 0 .. 2r */
      int n = 0;
      for (int u = 0; u < m; u++) {
        const uint32_t *col = cols + (size_t)u * m;
        int a = 0, b = 0, o = 0;
        while (a < n || b < m) {
          if (b >= m || (a < n && win[a] <= col[b])) nw[o++] = win[a++];
          else nw[o++] = col[b++];
        }
        n = o;
        uint32_t *t = win; win = nw; nw = t;
      }
      uint8_t *drow = seg_row(j->d, y);
      put_key(j->d, drow, ch, win[k / 2]);
      for (int x = 1; x < w; x++) {
        const uint32_t *out = cols + (size_t)(x - 1) * m, *in = cols + (size_t)(x + 2 * r) * m;
        int a = 0, po = 0, pi = 0, o = 0;
        while (a < k) {
          uint32_t v = win[a];
          if (po < m && v == out[po]) { po++; a++; continue; }
          if (pi < m && in[pi] < v) { nw[o++] = in[pi++]; continue; }
          nw[o++] = v; a++;
        }
        while (pi < m) nw[o++] = in[pi++];
        uint32_t *t = win; win = nw; nw = t;
        put_key(j->d, drow, x * c + ch, win[k / 2]);
      }
    }
  }
  free(mem);
}

/* ---------- u8 3x3 and 5x5: column sorts shared along the row ----------
** Each window column is sorted once per output row (vertically) and reused
** by the 2r+1 outputs that see it. 3x3: the median is med3 of the max of
** the lows, the median of the middles and the min of the highs. 5x5: sorted
** column pairs P[u] = merge(C[u], C[u+1]) and triples Q[u] = merge(P[u],
** C[u+2]) are also shared, so an output only selects rank 12 of
** Q[x-2] + P[x+1]: 9 + 13 + 25 + 23 comparators per pixel (vs 99 for the
** best plain 25-input network). The merges are Batcher's odd-even merge,
** pruned backwards to what the median needs; the composition was checked
** on every 0-1 input with sorted columns (the 0-1 principle). Exact. */
#define MB 512                 /* output elements per block */
#define MS (MB + 64)           /* rank plane stride: a block plus 4c, c <= 16 */
#define CE(a, b) do { uint8_t t_ = a < b ? a : b; b = a < b ? b : a; a = t_; } while (0)
#define LO(a, b) (a = a < b ? a : b)
#define HI(a, b) (b = a < b ? b : a)

SEG_CLONES static void m3_cols (const uint8_t *restrict a, const uint8_t *restrict b,
                                const uint8_t *restrict e, uint8_t *restrict C, int m) {
  for (int x = 0; x < m; x++) {
    uint8_t v0 = a[x], v1 = b[x], v2 = e[x];
    CE(v0, v1); CE(v1, v2); CE(v0, v1);
    C[x] = v0; C[MS + x] = v1; C[2 * MS + x] = v2;
  }
}

SEG_CLONES static void m3_out (const uint8_t *restrict C, uint8_t *restrict d, int c, int m) {
  const uint8_t *lo = C, *mi = C + MS, *hi = C + 2 * MS;
  for (int x = 0; x < m; x++) {
    uint8_t a = lo[x], b = lo[x + c], e = lo[x + 2 * c];
    uint8_t l = a < b ? b : a; l = l < e ? e : l;
    a = hi[x]; b = hi[x + c]; e = hi[x + 2 * c];
    uint8_t h = a < b ? a : b; h = h < e ? h : e;
    a = mi[x]; b = mi[x + c]; e = mi[x + 2 * c];
    CE(a, b); LO(b, e); HI(a, b);       /* b = med3 */
    a = l; e = h;
    CE(a, b); LO(b, e); HI(a, b);
    d[x] = b;
  }
}

SEG_CLONES static void m5_cols (const uint8_t *restrict r0, const uint8_t *restrict r1,
                                const uint8_t *restrict r2, const uint8_t *restrict r3,
                                const uint8_t *restrict r4, uint8_t *restrict C, int m) {
  for (int x = 0; x < m; x++) {
    uint8_t v0 = r0[x], v1 = r1[x], v2 = r2[x], v3 = r3[x], v4 = r4[x];
    CE(v0, v1); CE(v3, v4); CE(v2, v4); CE(v2, v3); CE(v0, v3); CE(v0, v2);
    CE(v1, v4); CE(v1, v3); CE(v1, v2);
    C[x] = v0; C[MS + x] = v1; C[2 * MS + x] = v2; C[3 * MS + x] = v3; C[4 * MS + x] = v4;
  }
}

/* P[u] = ranks of C[u] + C[u+c] */
SEG_CLONES static void m5_pairs (const uint8_t *restrict C, uint8_t *restrict P,
                                 int c, int m) {
  for (int x = 0; x < m; x++) {
    uint8_t v0 = C[x], v1 = C[MS + x], v2 = C[2 * MS + x], v3 = C[3 * MS + x], v4 = C[4 * MS + x];
    uint8_t v5 = C[x + c], v6 = C[MS + x + c], v7 = C[2 * MS + x + c], v8 = C[3 * MS + x + c],
            v9 = C[4 * MS + x + c];
    CE(v0, v5); CE(v4, v9); CE(v4, v5); CE(v2, v7); CE(v2, v4); CE(v7, v5);
    CE(v1, v6); CE(v3, v8); CE(v3, v6); CE(v1, v2); CE(v3, v4); CE(v6, v7);
    CE(v8, v5);
    P[x] = v0; P[MS + x] = v1; P[2 * MS + x] = v2; P[3 * MS + x] = v3; P[4 * MS + x] = v4;
    P[5 * MS + x] = v6; P[6 * MS + x] = v7; P[7 * MS + x] = v8; P[8 * MS + x] = v5; P[9 * MS + x] = v9;
  }
}

/* Q[u] = ranks 0..13 of P[u] + C[u+2c] (rank 14, the maximum, is never the median) */
SEG_CLONES static void m5_triples (const uint8_t *restrict P, const uint8_t *restrict C,
                                   uint8_t *restrict Q, int c, int m) {
  const uint8_t *C2 = C + 2 * c;
  for (int x = 0; x < m; x++) {
    uint8_t v0 = P[x], v1 = P[MS + x], v2 = P[2 * MS + x], v3 = P[3 * MS + x], v4 = P[4 * MS + x],
            v5 = P[5 * MS + x], v6 = P[6 * MS + x], v7 = P[7 * MS + x], v8 = P[8 * MS + x],
            v9 = P[9 * MS + x];
    uint8_t v10 = C2[x], v11 = C2[MS + x], v12 = C2[2 * MS + x], v13 = C2[3 * MS + x],
            v14 = C2[4 * MS + x];
    CE(v0, v10); CE(v8, v10); CE(v4, v14); CE(v4, v8); CE(v14, v10); CE(v2, v12);
    CE(v6, v12); CE(v2, v4); CE(v6, v8); CE(v12, v14); CE(v1, v11); CE(v9, v11);
    CE(v5, v9); CE(v3, v13); CE(v7, v13); CE(v3, v5); CE(v7, v9); CE(v13, v11);
    CE(v1, v2); CE(v3, v4); CE(v5, v6); CE(v7, v8); CE(v9, v12); CE(v13, v14);
    LO(v11, v10);
    Q[x] = v0; Q[MS + x] = v1; Q[2 * MS + x] = v2; Q[3 * MS + x] = v3; Q[4 * MS + x] = v4;
    Q[5 * MS + x] = v5; Q[6 * MS + x] = v6; Q[7 * MS + x] = v7; Q[8 * MS + x] = v8;
    Q[9 * MS + x] = v9; Q[10 * MS + x] = v12; Q[11 * MS + x] = v13; Q[12 * MS + x] = v14;
    Q[13 * MS + x] = v11;
  }
}

/* d[u] = rank 12 of Q[u] + P[u+3c] */
SEG_CLONES static void m5_out (const uint8_t *restrict Q, const uint8_t *restrict P,
                               uint8_t *restrict d, int c, int m) {
  const uint8_t *P3 = P + 3 * c;
  for (int x = 0; x < m; x++) {
    uint8_t v0 = Q[x], v1 = Q[MS + x], v2 = Q[2 * MS + x], v3 = Q[3 * MS + x], v4 = Q[4 * MS + x],
            v5 = Q[5 * MS + x], v6 = Q[6 * MS + x], v7 = Q[7 * MS + x], v8 = Q[8 * MS + x],
            v9 = Q[9 * MS + x], v10 = Q[10 * MS + x], v11 = Q[11 * MS + x], v12 = Q[12 * MS + x],
            v13 = Q[13 * MS + x];
    uint8_t v15 = P3[x], v16 = P3[MS + x], v17 = P3[2 * MS + x], v18 = P3[3 * MS + x],
            v19 = P3[4 * MS + x], v20 = P3[5 * MS + x], v21 = P3[6 * MS + x], v22 = P3[7 * MS + x],
            v23 = P3[8 * MS + x], v24 = P3[9 * MS + x];
    HI(v0, v15); LO(v8, v23); HI(v8, v15); HI(v4, v19); LO(v12, v19); LO(v12, v15);
    HI(v2, v17); LO(v10, v17); LO(v6, v21); HI(v6, v10); HI(v10, v12); HI(v1, v16);
    LO(v9, v24); HI(v9, v16); HI(v5, v20); LO(v13, v20); LO(v13, v16); HI(v3, v18);
    LO(v11, v18); LO(v7, v22); HI(v7, v11); LO(v11, v13); HI(v11, v12);
    d[x] = v12;
  }
}
#undef CE
#undef LO
#undef HI

typedef struct MedJob { const SegBuf *s; SegBuf *d; int r; int fail; } MedJob;

/* Copies the column ranks of the elements of a block that fall outside the
** row from the edge pixel's (replicated border). */
static void med_halo (uint8_t *C, int ranks, long b0, long lo, long hi, int len, int n, int c) {
  for (long u = 0; u < len; u++) {
    if (u == lo) u = hi;
    if (u >= len) break;
    long e = b0 + u, f = e < 0 ? ((e % c) + c) % c : n - c + e % c;
    for (int k = 0; k < ranks; k++) C[(size_t)k * MS + (size_t)u] = C[(size_t)k * MS + (size_t)(f - b0)];
  }
}

static void med_small_band (void *arg, int y0, int y1) {
  MedJob *j = arg;
  const SegBuf *s = j->s;
  int r = j->r, c = s->c, n = s->w * c, h = s->h;
  uint8_t *mem = malloc((size_t)MS * (r == 1 ? 3 : 5 + 10 + 14) + 64);
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint8_t *C = (uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  uint8_t *P = C + 5 * MS, *Q = P + 10 * MS;
  for (int y = y0; y < y1; y++) {
    const uint8_t *rw[5];
    for (int i = 0; i < 2 * r + 1; i++) rw[i] = seg_row(s, seg_border_index(y - r + i, h, SEG_BORDER_REPLICATE));
    uint8_t *d = seg_row(j->d, y);
    for (int x0 = 0; x0 < n; x0 += MB) {
      int m = n - x0 < MB ? n - x0 : MB;
      long b0 = (long)x0 - (long)r * c;
      int len = m + 2 * r * c;                         /* columns the block needs */
      long lo = b0 < 0 ? -b0 : 0, hi = b0 + len > n ? n - b0 : len;
      if (r == 1) {
        m3_cols(rw[0] + (b0 + lo), rw[1] + (b0 + lo), rw[2] + (b0 + lo), C + lo, (int)(hi - lo));
        if (lo > 0 || hi < len) med_halo(C, 3, b0, lo, hi, len, n, c);
        m3_out(C, d + x0, c, m);
      } else {
        m5_cols(rw[0] + (b0 + lo), rw[1] + (b0 + lo), rw[2] + (b0 + lo), rw[3] + (b0 + lo),
                rw[4] + (b0 + lo), C + lo, (int)(hi - lo));
        if (lo > 0 || hi < len) med_halo(C, 5, b0, lo, hi, len, n, c);
        m5_pairs(C, P, c, m + 3 * c);
        m5_triples(P, C, Q, c, m);
        m5_out(Q, P, d + x0, c, m);
      }
    }
  }
  free(mem);
}

int seg_median (const SegBuf *src, SegBuf *dst, int r, int threads) {
  if (r == 0) {
    for (int y = 0; y < src->h; y++) memcpy(seg_row(dst, y), seg_row(src, y), seg_buf_rowbytes(src));
    return 0;
  }
  if (r <= 2 && src->dtype == SEG_U8 && src->c <= 16) {
    MedJob j = {src, dst, r, 0};
    seg_parallel_for(threads, src->h, 16, med_small_band, &j);
    return j.fail ? SEG_ENOMEM : 0;
  }
  if (r <= 2) {
    MedNet *net = malloc(sizeof *net);
    if (!net) return SEG_ENOMEM;
    net->k = (2 * r + 1) * (2 * r + 1);
    net->ncmp = median_network(net->k, net->cmp);
    RowPass p = {0};
    p.src = src; p.dst = dst; p.rx = r; p.ry = r; p.border = SEG_BORDER_REPLICATE;
    p.hbytes = (size_t)(src->w + 2 * r) * (size_t)src->c * seg_dtype_size(src->dtype);
    p.tbytes = (size_t)net->k * MNB * 4;
    p.h = ext_h; p.v = net_v; p.k = net;
    int rc = rowpass_run(&p, threads);
    free(net);
    return rc;
  }
  if (src->dtype == SEG_U8) {
    PHJob j = {src, dst, r, 0};
    seg_parallel_for(threads, src->h, 32, ph_band, &j);
    return j.fail ? SEG_ENOMEM : 0;
  }
  SWJob j = {src, dst, r, 0};
  seg_parallel_for(threads, src->h, 16, sw_band, &j);
  return j.fail ? SEG_ENOMEM : 0;
}

/* ---------------------------------------------------------------- bilateral */

typedef struct Bil {
  int radius, maxk, cn, u8;
  float *space_w; int *space_dy, *space_dx;
  float *color_w;      /* u8: exp(-i^2/2sc^2) for i < 256*cn; else the LUT */
  float scale_index;   /* float path: LUT bins per unit of L1 colour distance */
  int nbins;
  float *space_l2, gcl;  /* u8: log2 of space_w; gc * log2(e) */
} Bil;

static void bil_h (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  (void)tmp;
  int n = (p->src->w + 2 * p->rx) * p->src->c;
  const float *f = row_float(p->src->dtype, ext, n, out);
  if (f != out) memcpy(out, f, sizeof(float) * (size_t)n);
}

/* u8: the weight of a neighbour, space_w * exp(t^2 gc) with t the (L1)
** colour distance, is computed as one 2^y, y = t^2 gc log2(e) + log2
** space_w, by a degree-6 polynomial (relative error ~1e-7, the table's own
** float rounding) instead of a table gather; this vectorizes. Accumulation
** order over the neighbours is OpenCV's. */
#define BIL_XB 128         /* pixels per block: the sums stay in L1 */

static inline float bil_exp2 (float y) {
  y = y >= -126.f ? y : -126.f;                 /* also NaN: the shift below needs k >= -126 */
  float k = (y + 12582912.f) - 12582912.f;      /* round to nearest, |y| < 2^22 */
  float f = y - k;                              /* |f| <= 1/2; Cephes exp2f */
  float p = 1.f + f * (6.931472028550421E-1f + f * (2.402264791363012E-1f + f * (5.550332471162809E-2f +
            f * (9.618437357674640E-3f + f * (1.339887440266574E-3f + f * 1.535336188319500E-4f)))));
  int32_t e = ((int32_t)k + 127) << 23;
  float s;
  memcpy(&s, &e, sizeof s);
  return p * s;
}

SEG_CLONES static void bil_u8_g (const float *restrict sr, const float *restrict c0, float gcl,
                                 float ls, float *restrict sum, float *restrict wsum, int m) {
  for (int x = 0; x < m; x++) {
    float t = sr[x] - c0[x];
    float wt = bil_exp2(t * t * gcl + ls);
    sum[x] += sr[x] * wt; wsum[x] += wt;
  }
}

SEG_CLONES static void bil_u8_c (const float *restrict sr, const float *restrict c0, float gcl,
                                 float ls, float *restrict sum, float *restrict wsum, int m) {
  for (int x = 0; x < m; x++) {
    const float *q = sr + 3 * x, *q0 = c0 + 3 * x;
    float t = fabsf(q[0] - q0[0]) + fabsf(q[1] - q0[1]) + fabsf(q[2] - q0[2]);
    float wt = bil_exp2(t * t * gcl + ls);
    sum[3 * x] += q[0] * wt; sum[3 * x + 1] += q[1] * wt; sum[3 * x + 2] += q[2] * wt;
    wsum[x] += wt;
  }
}

/* sum / wsum (gray), sum * (1 / wsum) (colour), as OpenCV; rounded to
** nearest even as lrintf, by the 1.5 * 2^23 trick (0 <= v <= 255). */
SEG_CLONES static void bil_out_u8 (const float *restrict sum, const float *restrict wsum,
                                   uint8_t *restrict o, int cn, int m) {
  if (cn == 1)
    for (int x = 0; x < m; x++) {
      float v = (sum[x] / wsum[x] + 12582912.f) - 12582912.f;
      o[x] = (uint8_t)(int)(v < 0.f ? 0.f : v > 255.f ? 255.f : v);
    }
  else
    for (int x = 0; x < m; x++) {
      float iw = 1.f / wsum[x];
      for (int ch = 0; ch < 3; ch++) {
        float v = (sum[3 * x + ch] * iw + 12582912.f) - 12582912.f;
        o[3 * x + ch] = (uint8_t)(int)(v < 0.f ? 0.f : v > 255.f ? 255.f : v);
      }
    }
}

static void bil_v_u8 (const RowPass *p, const void *const *rows, uint8_t *d) {
  const Bil *b = p->k;
  int w = p->src->w, cn = b->cn, R = b->radius;
  float sum[BIL_XB * 3], wsum[BIL_XB];
  for (int x0 = 0; x0 < w; x0 += BIL_XB) {
    int m = w - x0 < BIL_XB ? w - x0 : BIL_XB;
    memset(sum, 0, sizeof sum); memset(wsum, 0, sizeof wsum);
    const float *c0 = (const float *)rows[R] + (R + x0) * cn;
    for (int k = 0; k < b->maxk; k++) {
      const float *sr = (const float *)rows[R + b->space_dy[k]] + (R + x0 + b->space_dx[k]) * cn;
      if (cn == 1) bil_u8_g(sr, c0, b->gcl, b->space_l2[k], sum, wsum, m);
      else bil_u8_c(sr, c0, b->gcl, b->space_l2[k], sum, wsum, m);
    }
    bil_out_u8(sum, wsum, d + (size_t)x0 * cn, cn, m);
  }
}

/* The colour weight of a summed absolute difference: a table entry for u8,
** linearly interpolated between entries for float (as OpenCV's
** bilateralFilter_32f), NaN taken as 0. */
static inline float bil_color_weight (const Bil *b, float diff) {
  if (b->u8) return b->color_w[(int)diff];
  float alpha = diff * b->scale_index;
  if (!(alpha >= 0.f)) alpha = 0.f;
  if (alpha > (float)b->nbins) alpha = (float)b->nbins;
  int idx = (int)alpha;
  alpha -= (float)idx;
  return b->color_w[idx] + alpha * (b->color_w[idx + 1] - b->color_w[idx]);
}

static void bil_v (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  const Bil *b = p->k;
  if (b->u8) { bil_v_u8(p, rows, d); return; }
  int w = p->src->w, cn = b->cn, R = b->radius;
  float *sum = tmp, *wsum = sum + (size_t)w * cn;
  memset(sum, 0, sizeof(float) * (size_t)w * (size_t)(cn + 1));
  const float *c0 = (const float *)rows[R] + R * cn;
  for (int k = 0; k < b->maxk; k++) {
    const float *sr = (const float *)rows[R + b->space_dy[k]] + (R + b->space_dx[k]) * cn;
    float sw = b->space_w[k];
    if (cn == 1) {
      for (int x = 0; x < w; x++) {
        float diff = fabsf(sr[x] - c0[x]), wt;
        wt = sw * bil_color_weight(b, diff);
        sum[x] += sr[x] * wt; wsum[x] += wt;
      }
    } else {
      for (int x = 0; x < w; x++) {
        const float *q = sr + 3 * x, *q0 = c0 + 3 * x;
        float diff = fabsf(q[0] - q0[0]) + fabsf(q[1] - q0[1]) + fabsf(q[2] - q0[2]), wt;
        wt = sw * bil_color_weight(b, diff);
        sum[3 * x] += q[0] * wt; sum[3 * x + 1] += q[1] * wt; sum[3 * x + 2] += q[2] * wt;
        wsum[x] += wt;
      }
    }
  }
  for (int x = 0; x < w; x++)
    for (int ch = 0; ch < cn; ch++) {
      float v = cn == 1 ? sum[x] / wsum[x] : sum[x * 3 + ch] * (1.f / wsum[x]);
      int i = x * cn + ch;
      switch (p->src->dtype) {
        case SEG_U8: { int q = (int)lrintf(v); d[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q); break; }
        case SEG_U16: { long q = lrintf(v); ((uint16_t *)d)[i] = (uint16_t)(q < 0 ? 0 : q > 65535 ? 65535 : q); break; }
        default: ((float *)d)[i] = v;
      }
    }
}

int seg_bilateral (const SegBuf *src, SegBuf *dst, int dd, double sigma_color,
                   double sigma_space, int threads) {
  int cn = src->c;
  if (sigma_color <= 0) sigma_color = 1;
  if (sigma_space <= 0) sigma_space = 1;
  int radius = dd <= 0 ? (int)nearbyint(sigma_space * 1.5) : dd / 2;
  if (radius < 1) radius = 1;
  int d = 2 * radius + 1;
  double gc = -0.5 / (sigma_color * sigma_color), gs = -0.5 / (sigma_space * sigma_space);
  /* A sigma whose square underflows gives an infinite coefficient, and 0 *
  ** inf made every weight NaN (OpenCV then writes 0s). Bounded, the weights
  ** are what OpenCV computes for any sigma down to ~1e-154: 1 at distance 0,
  ** 0 beyond, so a tiny sigma gives the image back. -1e30 times the largest
  ** squared distance (255^2 * 9, 2 * 127^2) still fits a float. */
  if (!(gc >= -1e30)) gc = -1e30;
  if (!(gs >= -1e30)) gs = -1e30;
  Bil b = {0};
  b.radius = radius; b.cn = cn; b.u8 = src->dtype == SEG_U8;
  if (!b.u8) {
    /* OpenCV's float path: a table over the image's value range */
    double mn = 0, mx = 0;
    int first = 1;
    for (int y = 0; y < src->h; y++) {
      const uint8_t *row = seg_row(src, y);
      for (int i = 0; i < src->w * cn; i++) {
        double v = src->dtype == SEG_U16 ? ((const uint16_t *)row)[i] : ((const float *)row)[i];
        if (first || v < mn) mn = v;
        if (first || v > mx) mx = v;
        first = 0;
      }
    }
    if (fabs(mn - mx) < 1.1920929e-07) {
      for (int y = 0; y < src->h; y++) memcpy(seg_row(dst, y), seg_row(src, y), seg_buf_rowbytes(src));
      return 0;
    }
    b.nbins = (1 << 12) * cn;
    float len = (float)(mx - mn) * (float)cn;
    b.scale_index = (float)b.nbins / len;
  }
  size_t ncw = b.u8 ? (size_t)256 * cn : (size_t)b.nbins + 2;
  b.color_w = malloc(sizeof(float) * ncw);
  b.space_w = malloc(sizeof(float) * (size_t)d * d * 2);
  b.space_dy = malloc(sizeof(int) * (size_t)d * d * 2);
  if (!b.color_w || !b.space_w || !b.space_dy) {
    free(b.color_w); free(b.space_w); free(b.space_dy);
    return SEG_ENOMEM;
  }
  b.space_dx = b.space_dy + d * d;
  b.space_l2 = b.space_w + d * d;
  b.gcl = (float)(gc * 1.4426950408889634);
  if (b.u8)
    for (size_t i = 0; i < ncw; i++) b.color_w[i] = (float)exp((double)(i * i) * gc);
  else {
    float last = 1.f;
    for (size_t i = 0; i < ncw; i++) {
      if (last > 0.f) {
        double v = (double)i / b.scale_index;
        b.color_w[i] = last = (float)exp(v * v * gc);
      } else b.color_w[i] = 0.f;
    }
  }
  for (int i = -radius; i <= radius; i++)
    for (int j = -radius; j <= radius; j++) {
      double r = sqrt((double)i * i + (double)j * j);
      if (r > radius) continue;
      b.space_w[b.maxk] = (float)exp(r * r * gs);
      b.space_l2[b.maxk] = (float)(r * r * gs * 1.4426950408889634);
      b.space_dy[b.maxk] = i; b.space_dx[b.maxk] = j;
      b.maxk++;
    }
  RowPass p = {0};
  p.src = src; p.dst = dst; p.rx = radius; p.ry = radius; p.border = SEG_BORDER_REFLECT101;
  p.hbytes = (size_t)(src->w + 2 * radius) * (size_t)cn * sizeof(float);
  p.tbytes = (size_t)src->w * (size_t)(cn + 1) * sizeof(float);
  p.h = bil_h; p.v = bil_v; p.k = &b;
  int rc = rowpass_run(&p, threads);
  free(b.color_w); free(b.space_w); free(b.space_dy);
  return rc;
}

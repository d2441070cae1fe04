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

/* ---------- u8: 8 fraction bits; rows hold u16 sums (<= 255*256) ----------
**
** Both passes walk a row in strips whose sums stay in registers across
** every tap: each input vector is loaded once and no partial sum goes
** through memory (the accumulator row that was re-read and re-written per
** pair of taps cost more than the multiplies). Symmetric taps share a
** coefficient, so their values are added before the multiply. Every
** coefficient is >= 0 and each kernel sums to 256, so any partial sum is at
** most the full one and the exact sums below never overflow; their order
** changes no bit.
**
** All of it is u16 lanes with no shuffles, N to a vector, a strip being 2N
** pixels:
**
** h reads 2N u8 as N lanes v = e | o << 8 (e, o: the strip's even and odd
** pixels). It sums O = sum k (v >> 8) and A = sum k v mod 2^16, so
** A = E + (O << 8) mod 2^16 and E = A - (O << 8) exactly, E and O being at
** most 255 * 256: 8 operations per pair of taps, not 10 with a mask for E.
**
** v's full sum of one pixel, sum k a (a <= 255 * 256 an h sum), needs 24
** bits. Split a = 256 hi + lo: Hi = sum k hi and Lo = sum k lo fit 16 bits,
** and A = sum k a mod 2^16 = 256 Hi + Lo mod 2^16 gives Lo = A - (Hi << 8).
** The rounded (256 Hi + Lo + 32768) >> 16 is (Hi + (Lo >> 8) + 128) >> 8:
** the sum is 256 (Hi + (Lo >> 8) + 128) + (Lo & 255), and that last term,
** below 256, cannot reach the bits the shift keeps. Hi + (Lo >> 8) + 128
** <= 65408 as 256 Hi + Lo <= 255 * 256 * 256, so it fits a lane too.
**
** So the h rows are strip-ordered, not in pixel order: strip s fills u16
** slots 2Ns.. with its N even values then its N odd ones, v sums even and
** odd pixels in separate lanes, and its two bytes per lane,
** R_even | R_odd << 8, are the output in order (the ring is private to
** these two passes). Strip s starts at pixel 2Ns, the last one at n - 2N so
** that it ends at the row's end, overlapping its neighbour (same inputs,
** same bytes); rows shorter than a strip are in order and take scalar
** loops.
**
** GNU vectors of 32 bytes (N = 16) where there is AVX2. Without it gcc
** lowers them through the stack (the SSE2 baseline ran 3x slower than the
** old loops), so there the passes take 16-byte vectors (N = 8). Exact
** integers: both widths give the same bytes. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the u8 Gaussian reads byte pairs as u16 lanes");
typedef uint16_t U8V16 __attribute__((vector_size(32)));
typedef uint16_t U8V16u __attribute__((vector_size(32), aligned(1), may_alias));
typedef uint16_t U8V8 __attribute__((vector_size(16)));
typedef uint16_t U8V8u __attribute__((vector_size(16), aligned(1), may_alias));

static int gauss_u8_wide (void) {
#if defined(__AVX2__)
  return 1;
#else
  return SEG_HAVE_CLONES && seg_cpu_avx2();
#endif
}

/* Bytes of a ring row of n values: whole strips of 32 (so of 16); the
** ring driver makes it an odd number of cache lines (rowpass.c). */
static size_t gauss_u8_rowbytes (size_t n) {
  return 2 * ((n + 31) / 32 * 32);
}

/* rows shorter than a strip, in pixel order */
static inline void gh_u8_short (const uint8_t *restrict e, uint16_t *restrict o,
                                const uint16_t *restrict k, int r, int c, int n) {
  for (int x = 0; x < n; x++) {
    uint16_t s = (uint16_t)(k[r] * e[r * c + x]);
    for (int i = 0; i < r; i++) s = (uint16_t)(s + k[i] * (e[i * c + x] + e[(2 * r - i) * c + x]));
    o[x] = s;
  }
}
static inline void gv_u8_short (const uint16_t *const *rows, uint8_t *restrict d,
                                const uint16_t *restrict k, int r, int n) {
  for (int x = 0; x < n; x++) {
    uint32_t s = (uint32_t)k[r] * rows[r][x];
    for (int i = 0; i < r; i++) s += k[i] * ((uint32_t)rows[i][x] + rows[2 * r - i][x]);
    d[x] = (uint8_t)((s + 32768u) >> 16);
  }
}

/* The strips of h (VT: N u16 lanes, VTU its unaligned access); n >= 2N. */
#define GH_U8_STRIPS(VT, VTU, N) \
  for (int x0 = 0; x0 < n; x0 += 2 * (N), o += 2 * (N)) { \
    int x = x0 > n - 2 * (N) ? n - 2 * (N) : x0; \
    VT v = *(const VTU *)(e + r * c + x); \
    VT a = kc * v, so = kc * (v >> 8); \
    for (int i = 0; i < r; i++) { \
      VT p = *(const VTU *)(e + i * c + x), q = *(const VTU *)(e + (2 * r - i) * c + x); \
      uint16_t ki = k[i]; \
      a += ki * (p + q); \
      so += ki * ((p >> 8) + (q >> 8)); \
    } \
    *(VTU *)o = a - (so << 8); \
    *(VTU *)(o + (N)) = so; \
  }

/* The strips of v: slots x0.. hold the even then the odd values of the
** strip at pixel x; a: sum k a mod 2^16, h: Hi = sum k (a >> 8). */
#define GV_U8_STRIPS(VT, VTU, N) \
  for (int x0 = 0; x0 < n; x0 += 2 * (N)) { \
    int x = x0 > n - 2 * (N) ? n - 2 * (N) : x0; \
    VT ve = *(const VTU *)(rows[r] + x0), vo = *(const VTU *)(rows[r] + x0 + (N)); \
    VT ae = kc * ve, he = kc * (ve >> 8), ao = kc * vo, ho = kc * (vo >> 8); \
    for (int i = 0; i < r; i++) { \
      const uint16_t *p = rows[i] + x0, *q = rows[2 * r - i] + x0; \
      VT pe = *(const VTU *)p, po = *(const VTU *)(p + (N)); \
      VT qe = *(const VTU *)q, qo = *(const VTU *)(q + (N)); \
      uint16_t ki = k[i]; \
      ae += ki * (pe + qe); \
      he += ki * ((pe >> 8) + (qe >> 8)); \
      ao += ki * (po + qo); \
      ho += ki * ((po >> 8) + (qo >> 8)); \
    } \
    ae = (he + ((ae - (he << 8)) >> 8) + 128) >> 8; \
    ao = (ho + ((ao - (ho << 8)) >> 8) + 128) >> 8; \
    *(VTU *)(d + x) = ae | (ao << 8); \
  }

SEG_CLONES static void gh_u8_32 (const uint8_t *restrict e, uint16_t *restrict o,
                                 const uint16_t *restrict k, int r, int c, int n) {
  uint16_t kc = k[r];
  if (n < 32) gh_u8_short(e, o, k, r, c, n);
  else GH_U8_STRIPS(U8V16, U8V16u, 16)
}
SEG_CLONES static void gv_u8_32 (const uint16_t *const *rows, uint8_t *restrict d,
                                 const uint16_t *restrict k, int r, int n) {
  uint16_t kc = k[r];
  if (n < 32) gv_u8_short(rows, d, k, r, n);
  else GV_U8_STRIPS(U8V16, U8V16u, 16)
}
/* Only where there is no AVX2, so no clones: the baseline build it is. */
static void gh_u8_16 (const uint8_t *restrict e, uint16_t *restrict o,
                      const uint16_t *restrict k, int r, int c, int n) {
  uint16_t kc = k[r];
  if (n < 16) gh_u8_short(e, o, k, r, c, n);
  else GH_U8_STRIPS(U8V8, U8V8u, 8)
}
static void gv_u8_16 (const uint16_t *const *rows, uint8_t *restrict d,
                      const uint16_t *restrict k, int r, int n) {
  uint16_t kc = k[r];
  if (n < 16) gv_u8_short(rows, d, k, r, n);
  else GV_U8_STRIPS(U8V8, U8V8u, 8)
}

/* p->k of the u8 passes: both kernels, and the width gh and gv must share */
typedef struct GaussU8 { const uint16_t *k; int wide; } GaussU8;

static void gauss_h_u8 (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  (void)tmp;
  const GaussU8 *g = p->k;
  (g->wide ? gh_u8_32 : gh_u8_16)(ext, out, g->k, p->rx, p->src->c, p->src->w * p->src->c);
}
static void gauss_v_u8 (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  (void)tmp;
  const GaussU8 *g = p->k;
  (g->wide ? gv_u8_32 : gv_u8_16)((const uint16_t *const *)rows, d, g->k + 2 * p->rx + 1, p->ry,
                                  p->src->w * p->src->c);
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
    GaussU8 g = {k16, gauss_u8_wide()};
    p.hbytes = gauss_u8_rowbytes(row); p.tbytes = 0;
    p.h = gauss_h_u8; p.v = gauss_v_u8; p.k = &g;
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

/* local.c — local thresholds: adaptive mean and Gaussian (OpenCV),
** niblack, sauvola (scikit-image) and wolf. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "threshold_internal.h"

#if defined(__GNUC__) && !defined(__clang__)
#define NO_ERRNO __attribute__((optimize("no-math-errno")))
#else
#define NO_ERRNO
#endif

/* ---------- local thresholds ----------
** Window sums come from running column sums (one row in, one row out per
** output row) and a prefix sum along each row, so the cost per pixel does
** not depend on the window. Each chunk of rows starts its own column sums.
** Integer images sum exactly (every partial sum is an integer below 2^53),
** so niblack/sauvola on u8/u16 are bit-identical to skimage's integral
** images; f32 images follow skimage's float32 steps after the sums. */

/* numpy.pad(mode='reflect'): mirror about the edge pixels, periodically. */
static inline int reflect_idx (int i, int n) {
  if (n == 1) return 0;
  int p = 2 * (n - 1);
  i %= p;
  if (i < 0) i += p;
  return i < n ? i : p - i;
}
static inline int clamp_idx (int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

typedef struct LJob {
  const SegBuf *src;
  const SegLocalOpts *o;
  SegBuf *mask, *thresh;
  int r, w, reflect;
  int *bx;            /* W + 2r source column of each extended column */
  float kern[4096];   /* gaussian taps, left to right */
  double smax[MAXT];  /* wolf, first pass: largest s per chunk */
  double M, R;        /* wolf: image minimum, largest s */
  int pass;           /* wolf: 1 = find R, 2 = threshold */
  char *scratch;
  size_t per;         /* scratch bytes per chunk */
  int wide;           /* 64-byte vector forms (AVX-512): scan_u32, gauss_row/col; else the 32-byte ones */
} LJob;

static inline int border (const LJob *j, int i, int n) {
  return j->reflect ? reflect_idx(i, n) : clamp_idx(i, n);
}

static inline double px (const SegBuf *s, const uint8_t *r, int x) {
  switch (s->dtype) {
    case SEG_U8: return r[x];
    case SEG_U16: return ((const uint16_t *)r)[x];
    case SEG_I32: return ((const int32_t *)r)[x];
    default: return ((const float *)r)[x];
  }
}

/* cs += row a - row b (b may be NULL), and the same for squares; squares
** of f32 pixels are rounded to float32 first, as skimage squares in place. */
static void col_update (const SegBuf *s, const uint8_t *a, const uint8_t *b,
                        double *restrict cs, double *restrict cq) {
  int W = s->w;
  switch (s->dtype) {
    case SEG_U8: {
      const uint8_t *pa = a, *pb = b;
      for (int x = 0; x < W; x++) {
        int va = pa[x], vb = b ? pb[x] : 0;
        cs[x] += va - vb; cq[x] += va * va - vb * vb;
      }
      break;
    }
    case SEG_U16: {
      const uint16_t *pa = (const uint16_t *)a, *pb = (const uint16_t *)b;
      for (int x = 0; x < W; x++) {
        int64_t va = pa[x], vb = b ? pb[x] : 0;
        cs[x] += (double)(va - vb); cq[x] += (double)(va * va - vb * vb);
      }
      break;
    }
    default:
      for (int x = 0; x < W; x++) {
        double va = px(s, a, x), vb = b ? px(s, b, x) : 0;
        float fa = (float)va, fb = (float)vb;
        cs[x] += va - vb; cq[x] += (double)(fa * fa) - (double)(fb * fb);
      }
  }
}

/* m and s of skimage's _mean_std for one row, from prefix sums ps, pq.
** Square roots of clamped (>= 0) values never set errno, so they may
** vectorize. */
NO_ERRNO static void mean_std_row (const LJob *j, const double *ps, const double *pq,
                          double *m, double *sd) {
  int W = j->src->w, w = j->w;
  double ws = (double)w * w;
  if (j->src->dtype == SEG_F32) {
    float fws = (float)ws;
    for (int x = 0; x < W; x++) {
      float mf = (float)(ps[x + w] - ps[x]) / fws;
      float g2 = (float)(pq[x + w] - pq[x]) / fws;
      float v = g2 - mf * mf;
      m[x] = mf;
      sd[x] = sqrtf(v > 0 ? v : 0);
    }
  } else {
    for (int x = 0; x < W; x++) {
      double mm = (ps[x + w] - ps[x]) / ws;
      double g2 = (pq[x + w] - pq[x]) / ws;
      double v = g2 - mm * mm;
      m[x] = mm;
      sd[x] = sqrt(v > 0 ? v : 0);
    }
  }
}

/* T from m and s; f32 images in float32 as numpy would evaluate it. */
static void local_t_row (const LJob *j, const double *m, const double *sd, double *t) {
  int W = j->src->w;
  const SegLocalOpts *o = j->o;
  double k = o->k, r = o->r, off = o->offset, M = j->M, R = j->R;
  if (j->src->dtype == SEG_F32) {
    float kf = (float)k, rf = (float)r, Mf = (float)M, Rf = (float)R;
    for (int x = 0; x < W; x++) {
      float mf = (float)m[x], sf = (float)sd[x], tf;
      switch (o->method) {
        case SEG_LOCAL_NIBLACK: tf = mf - kf * sf; break;
        case SEG_LOCAL_SAUVOLA: tf = mf * (1.0f + kf * ((sf / rf) - 1.0f)); break;
        case SEG_LOCAL_WOLF: tf = mf - (kf * (mf - Mf)) * (1.0f - sf / Rf); break;
        default: tf = mf;
      }
      t[x] = (double)tf - off;
    }
    return;
  }
  switch (o->method) {
    case SEG_LOCAL_NIBLACK: for (int x = 0; x < W; x++) t[x] = m[x] - k * sd[x] - off; break;
    case SEG_LOCAL_SAUVOLA:
      for (int x = 0; x < W; x++) t[x] = m[x] * (1 + k * ((sd[x] / r) - 1)) - off;
      break;
    case SEG_LOCAL_WOLF:
      for (int x = 0; x < W; x++) t[x] = m[x] - (k * (m[x] - M)) * (1 - sd[x] / R) - off;
      break;
    default: for (int x = 0; x < W; x++) t[x] = m[x] - off;
  }
}

/* mask = v > t; thresholds stored as float. */
SEG_CLONES static void gt_u8_row (const uint8_t *restrict v, const double *restrict t,
                                  uint8_t *restrict d, int W) {
  for (int x = 0; x < W; x++) d[x] = (double)v[x] > t[x];
}
SEG_CLONES static void to_f32_row (const double *restrict t, float *restrict o, int W) {
  for (int x = 0; x < W; x++) o[x] = (float)t[x];
}

static void emit_row (const LJob *j, int y, const double *t) {
  const SegBuf *s = j->src;
  const uint8_t *r = seg_row(s, y);
  uint8_t *d = seg_row_u8(j->mask, y);
  int W = s->w;
  if (s->dtype == SEG_U8) gt_u8_row(r, t, d, W);
  else if (s->dtype == SEG_F32) {
    const float *f = (const float *)r;
    for (int x = 0; x < W; x++) d[x] = f[x] > (float)(t[x]);
  } else
    for (int x = 0; x < W; x++) d[x] = px(s, r, x) > t[x];
  if (j->thresh) to_f32_row(t, seg_row_f32(j->thresh, y), W);
}

/* Box windows in double: niblack, sauvola, wolf (both passes), and the
** adaptive mean of images other than u8. */
static void box_rows (void *arg, int chunk, int y0, int y1) {
  LJob *j = arg;
  const SegBuf *s = j->src;
  int W = s->w, H = s->h, r = j->r, E = W + 2 * r;
  double *cs = (double *)(j->scratch + (size_t)chunk * j->per);
  double *cq = cs + W, *ps = cq + W, *pq = ps + E + 1;
  double *m = pq + E + 1, *sd = m + W, *t = sd + W;
  memset(cs, 0, sizeof(double) * 2 * (size_t)W);
  for (int dy = -r; dy <= r; dy++) col_update(s, seg_row(s, border(j, y0 + dy, H)), NULL, cs, cq);
  double smax = 0;
  for (int y = y0; y < y1; y++) {
    ps[0] = pq[0] = 0;
    for (int i = 0; i < E; i++) {
      int c = j->bx[i];
      ps[i + 1] = ps[i] + cs[c]; pq[i + 1] = pq[i] + cq[c];
    }
    mean_std_row(j, ps, pq, m, sd);
    if (j->pass == 1) {
      for (int x = 0; x < W; x++) smax = sd[x] > smax ? sd[x] : smax;
    } else {
      if (j->o->method == SEG_LOCAL_MEAN) {
        double ws = (double)j->w * j->w;
        for (int x = 0; x < W; x++) t[x] = (ps[x + j->w] - ps[x]) / ws - j->o->offset;
      } else local_t_row(j, m, sd, t);
      emit_row(j, y, t);
    }
    if (y + 1 < y1)
      col_update(s, seg_row(s, border(j, y + r + 1, H)), seg_row(s, border(j, y - r, H)), cs, cq);
  }
  j->smax[chunk] = smax;
}

/* Inclusive prefix sums out[i] = c + in[0] + ... + in[i] (mod 2^32), 16 at
** a time: a log-step scan inside the vector, then the carry of the block
** before. The serial form is latency-bound at one add per element. */
typedef uint32_t vu16 __attribute__((vector_size(64)));
typedef uint32_t vu16u __attribute__((vector_size(64), aligned(4), may_alias));

SEG_CLONES static uint32_t scan_u32 (const uint32_t *restrict in, uint32_t *restrict out, int n,
                                     uint32_t c) {
  const vu16 z = {0};
  vu16 carry = z + c;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    vu16 v = *(const vu16u *)(in + i);
    /* lanes 16.. of (v:z) are zeros: each step adds v shifted up by 1, 2, 4, 8 */
    v += SEG_SHUFFLE(v, z, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    v += SEG_SHUFFLE(v, z, 16, 17, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
    v += SEG_SHUFFLE(v, z, 16, 17, 18, 19, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    v += SEG_SHUFFLE(v, z, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7);
    v += carry;
    *(vu16u *)(out + i) = v;
    carry = SEG_SHUFFLE(v, v, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15);
  }
  c = carry[0];
  for (; i < n; i++) out[i] = c += in[i];
  return c;
}

/* The same, 8 at a time on 32-byte vectors: gcc lowers the 64-byte
** shuffles above for AVX2 through memory. Integer sums: the same result. */
typedef uint32_t vu8 __attribute__((vector_size(32)));
typedef uint32_t vu8u __attribute__((vector_size(32), aligned(4), may_alias));

SEG_CLONES static uint32_t scan_u32_8 (const uint32_t *restrict in, uint32_t *restrict out, int n,
                                       uint32_t c) {
  const vu8 z = {0};
  vu8 carry = z + c;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    vu8 v = *(const vu8u *)(in + i);
    v += SEG_SHUFFLE(v, z, 8, 0, 1, 2, 3, 4, 5, 6);
    v += SEG_SHUFFLE(v, z, 8, 9, 0, 1, 2, 3, 4, 5);
    v += SEG_SHUFFLE(v, z, 8, 9, 10, 11, 0, 1, 2, 3);
    v += carry;
    *(vu8u *)(out + i) = v;
    carry = SEG_SHUFFLE(v, v, 7, 7, 7, 7, 7, 7, 7, 7);
  }
  c = carry[0];
  for (; i < n; i++) out[i] = c += in[i];
  return c;
}

/* Whether the 64-byte vector forms suit this machine (AVX-512). */
static int wide_vectors (void) {
  return SEG_HAVE_CLONES && seg_cpu_avx512f();
}

/* Prefix sums p[0..E] of a row of column sums cs extended by r columns
** each side (extended column i is cs[bx[i]]); p[0] = 0. */
static void prefix_row (const uint32_t *cs, const int *bx, int W, int r, uint32_t *p, int wide) {
  uint32_t c = 0;
  p[0] = 0;
  for (int i = 0; i < r; i++) p[i + 1] = c += cs[bx[i]];
  c = (wide ? scan_u32 : scan_u32_8)(cs, p + r + 1, W, c);
  for (int i = r + W; i < W + 2 * r; i++) p[i + 1] = c += cs[bx[i]];
}

/* niblack, sauvola, wolf on u8 with w <= 257: column sums of pixels and of
** squares in uint32, row prefix sums in uint32 whose differences are exact
** modulo 2^32 (a window's square sum, at most 65025 w^2, fits), then the
** double arithmetic of mean_std_row and local_t_row in the same order. These
** clones must not contract a*b+c into FMA, which would change the rounding. */
#ifdef __clang__
#define FPSTRICT  /* clang has no optimize attribute: the Makefile gives it -ffp-contract=off */
#else
#define FPSTRICT __attribute__((optimize("fp-contract=off", "no-math-errno")))
#endif
#define MSD_U8_MAXW 257

/* GCC keeps sqrt's errno path (a call, hence no vectorization) whatever a
** function's optimize attribute says, so the square roots of a row run as
** explicit SIMD on x86-64; sqrtpd is correctly rounded, as libm's sqrt. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
__attribute__((target("avx512f"))) static void sqrt_row_512 (double *v, int n) {
  int x = 0;
  for (; x + 8 <= n; x += 8) _mm512_storeu_pd(v + x, _mm512_sqrt_pd(_mm512_loadu_pd(v + x)));
  for (; x < n; x++) _mm_store_sd(v + x, _mm_sqrt_sd(_mm_setzero_pd(), _mm_load_sd(v + x)));
}
__attribute__((target("avx"))) static void sqrt_row_256 (double *v, int n) {
  int x = 0;
  for (; x + 4 <= n; x += 4) _mm256_storeu_pd(v + x, _mm256_sqrt_pd(_mm256_loadu_pd(v + x)));
  for (; x < n; x++) _mm_store_sd(v + x, _mm_sqrt_sd(_mm_setzero_pd(), _mm_load_sd(v + x)));
}
static void sqrt_row (double *v, int n) {
  if (__builtin_cpu_supports("avx512f")) { sqrt_row_512(v, n); return; }
  if (__builtin_cpu_supports("avx")) { sqrt_row_256(v, n); return; }
  int x = 0;
  for (; x + 2 <= n; x += 2) _mm_storeu_pd(v + x, _mm_sqrt_pd(_mm_loadu_pd(v + x)));
  for (; x < n; x++) _mm_store_sd(v + x, _mm_sqrt_sd(_mm_setzero_pd(), _mm_load_sd(v + x)));
}
#else
static void sqrt_row (double *v, int n) { for (int x = 0; x < n; x++) v[x] = sqrt(v[x]); }
#endif

/* a / b correctly rounded from y = RN(1/b) with two FMAs (Markstein: q is
** within an ulp of a/b, the remainder a - qb is exact, and q + r y rounds to
** RN(a/b)); checked exhaustively for every window sum and square sum of
** u8 windows 3, 31 and 257, and every window sum of the odd windows up to
** 257. Division is the bottleneck here otherwise: it does not get faster
** with wider vectors. Taken only when the CPU has FMA ('fma' below), so
** the baseline clone never reaches its libm fma call. */
#define DIV_FMA(a, b, y) __extension__ ({                                   \
  double a_ = (a), q_ = a_ * (y);                                           \
  __builtin_fma(__builtin_fma(-q_, (b), a_), (y), q_); })

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
static int have_fma (void) { return __builtin_cpu_supports("fma"); }
#else
static int have_fma (void) { return 0; }
#endif

/* b far from overflow and underflow, where DIV_FMA holds. */
static int fma_divisor (double b) { return fabs(b) > 1e-150 && fabs(b) < 1e150; }

/* Window means and clamped variances of a row, as mean_std_row. */
#define MVAR_LOOP(DIV)                                                     \
  for (int x = 0; x < W; x++) {                                            \
    double mm = DIV((double)(p[x + w] - p[x]), ws, iws);                   \
    double g2 = DIV((double)(q[x + w] - q[x]), ws, iws);                   \
    double v = g2 - mm * mm;                                               \
    m[x] = mm;                                                             \
    var[x] = v > 0 ? v : 0;                                                \
  }
#define DIV_PLAIN(a, b, y) ((a) / (b))

FPSTRICT SEG_CLONES static void mvar_u8_row (const uint32_t *restrict p, const uint32_t *restrict q,
                                             double *restrict m, double *restrict var, int W, int w,
                                             int fma) {
  double ws = (double)w * w, iws = 1 / ws;
  if (fma) MVAR_LOOP(DIV_FMA)
  else MVAR_LOOP(DIV_PLAIN)
}

/* T from m and s as local_t_row, then the mask and the f32 thresholds;
** one loop per method, so each vectorizes. */
#define MSD_LOOP(T)                                                        \
  for (int x = 0; x < W; x++) {                                            \
    double mm = m[x], sd = s[x], t = (T);                                  \
    d[x] = (double)src[x] > t;                                             \
    thr[x] = (float)t;                                                     \
  }

FPSTRICT SEG_CLONES static void msd_u8_row (const uint8_t *restrict src, const double *restrict m,
                                            const double *restrict s, uint8_t *restrict d,
                                            float *restrict thr, int W, int method,
                                            double k, double r, double off, double M, double R,
                                            int fma) {
  double ir = 1 / r;
  if (method == SEG_LOCAL_NIBLACK) MSD_LOOP(mm - k * sd - off)
  else if (method == SEG_LOCAL_SAUVOLA && fma) MSD_LOOP(mm * (1 + k * (DIV_FMA(sd, r, ir) - 1)) - off)
  else if (method == SEG_LOCAL_SAUVOLA) MSD_LOOP(mm * (1 + k * ((sd / r) - 1)) - off)
  else MSD_LOOP(mm - (k * (mm - M)) * (1 - sd / R) - off)
}

SEG_CLONES static void col_update_sq (uint32_t *restrict cs, uint32_t *restrict cq,
                                      const uint8_t *restrict a, const uint8_t *restrict b, int W) {
  for (int x = 0; x < W; x++) {
    uint32_t va = a[x], vb = b[x];
    cs[x] += va - vb; cq[x] += va * va - vb * vb;
  }
}

static void msd_u8_rows (void *arg, int chunk, int y0, int y1) {
  LJob *j = arg;
  const SegBuf *s = j->src;
  int W = s->w, H = s->h, r = j->r, w = j->w, E = W + 2 * r;
  uint32_t *cs = (uint32_t *)(j->scratch + (size_t)chunk * j->per), *cq = cs + W;
  uint32_t *p = cq + W, *q = p + E + 1;
  double *m = (double *)(((uintptr_t)(q + E + 1) + 63) & ~(uintptr_t)63), *sd = m + W;
  float *tbuf = (float *)(sd + W);
  const SegLocalOpts *o = j->o;
  int fma = have_fma();
  memset(cs, 0, sizeof(uint32_t) * 2 * (size_t)W);
  for (int dy = -r; dy <= r; dy++) {
    const uint8_t *a = seg_row_u8(s, reflect_idx(y0 + dy, H));
    for (int x = 0; x < W; x++) { uint32_t v = a[x]; cs[x] += v; cq[x] += v * v; }
  }
  double smax = 0;
  for (int y = y0; y < y1; y++) {
    prefix_row(cs, j->bx, W, r, p, j->wide);
    prefix_row(cq, j->bx, W, r, q, j->wide);
    mvar_u8_row(p, q, m, sd, W, w, fma);
    sqrt_row(sd, W);
    if (j->pass == 1)
      for (int x = 0; x < W; x++) smax = sd[x] > smax ? sd[x] : smax;
    else
      msd_u8_row(seg_row_u8(s, y), m, sd, seg_row_u8(j->mask, y),
                 j->thresh ? seg_row_f32(j->thresh, y) : tbuf, W, o->method,
                 o->k, o->r, o->offset, j->M, j->R, fma && fma_divisor(o->r));
    if (y + 1 < y1)
      col_update_sq(cs, cq, seg_row_u8(s, reflect_idx(y + r + 1, H)),
                    seg_row_u8(s, reflect_idx(y - r, H)), W);
  }
  j->smax[chunk] = smax;
}

/* cv2.adaptiveThreshold(ADAPTIVE_THRESH_MEAN_C, THRESH_BINARY) on u8, fused:
** OpenCV keeps src - round(mean) > -ceil(C); with S the window sum and n the
** window area (odd, so S/n is never a half) that is 2S < (2(src+ceil C)-1)n. */
SEG_CLONES static void amean_u8_row (const uint8_t *restrict src, const uint32_t *restrict p,
                                     uint8_t *restrict d, int W, int w, int idelta, int n) {
  for (int x = 0; x < W; x++) {
    int32_t s2 = 2 * (int32_t)(p[x + w] - p[x]);
    d[x] = s2 < (2 * (src[x] + idelta) - 1) * n;
  }
}

/* round(S / n) - offset; S / n is never a half (n odd), and the double
** product is far closer to S / n than the 1/(2n) that separates it from one. */
SEG_CLONES static void amean_t_row (const uint32_t *restrict p, float *restrict o, int W, int w,
                                    double inv, double off) {
  for (int x = 0; x < W; x++) {
    double m = (double)(int32_t)(p[x + w] - p[x]) * inv;
    o[x] = (float)(((m + 6755399441055744.0) - 6755399441055744.0) - off);
  }
}

SEG_CLONES static void col_update_i32 (uint32_t *restrict cs, const uint8_t *restrict a,
                                       const uint8_t *restrict b, int W) {
  for (int x = 0; x < W; x++) cs[x] += a[x] - b[x];
}

static void amean_u8_rows (void *arg, int chunk, int y0, int y1) {
  LJob *j = arg;
  const SegBuf *s = j->src;
  int W = s->w, H = s->h, r = j->r, w = j->w, n = w * w;
  uint32_t *cs = (uint32_t *)(j->scratch + (size_t)chunk * j->per), *p = cs + W;
  double c = ceil(j->o->offset);
  int idelta = c > 1024 ? 1024 : c < -1024 ? -1024 : (int)c;
  memset(cs, 0, sizeof(int32_t) * (size_t)W);
  for (int dy = -r; dy <= r; dy++) {
    const uint8_t *a = seg_row_u8(s, clamp_idx(y0 + dy, H));
    for (int x = 0; x < W; x++) cs[x] += a[x];
  }
  for (int y = y0; y < y1; y++) {
    prefix_row(cs, j->bx, W, r, p, j->wide);
    amean_u8_row(seg_row_u8(s, y), p, seg_row_u8(j->mask, y), W, w, idelta, n);
    if (j->thresh) amean_t_row(p, seg_row_f32(j->thresh, y), W, w, 1.0 / n, j->o->offset);
    if (y + 1 < y1)
      col_update_i32(cs, seg_row_u8(s, clamp_idx(y + r + 1, H)),
                     seg_row_u8(s, clamp_idx(y - r, H)), W);
  }
}

/* GCC vector types, loaded unaligned: 16 floats (a zmm on AVX-512) and 8
** (a ymm). gcc lowers the 64-byte type through the stack without AVX-512
** (~6x slower), so the passes come in both widths, chosen at run time
** (LJob.wide). Window taps accumulate in registers, eight independent
** accumulators a block; each lane sums the same products in the same order
** whatever the width, and the columns past the last whole block of 64 go
** to the same scalar loop: the widths give identical results. */
typedef float vf16 __attribute__((vector_size(64)));
typedef float vf16u __attribute__((vector_size(64), aligned(4), may_alias));
typedef float vf8 __attribute__((vector_size(32)));
typedef float vf8u __attribute__((vector_size(32), aligned(4), may_alias));
#define LDV(p) (*(const vf16u *)(p))
#define STV(p, v) (*(vf16u *)(p) = (v))
#define LD8(p) (*(const vf8u *)(p))
#define ST8(p, v) (*(vf8u *)(p) = (v))

/* Row pass over blocks of 8 N columns (VT: N floats, LD/ST its access). */
#define GAUSS_ROW_BLOCKS(VT, LD, ST, N) \
  for (; x + 8 * (N) <= W; x += 8 * (N)) { \
    const float *e = ext + x; \
    float k0 = k[0]; \
    VT a0 = LD(e) * k0, a1 = LD(e + (N)) * k0, a2 = LD(e + 2 * (N)) * k0, a3 = LD(e + 3 * (N)) * k0; \
    VT a4 = LD(e + 4 * (N)) * k0, a5 = LD(e + 5 * (N)) * k0, a6 = LD(e + 6 * (N)) * k0, a7 = LD(e + 7 * (N)) * k0; \
    for (int i = 1; i < w; i++) { \
      float ki = k[i]; \
      const float *q = e + i; \
      a0 += LD(q) * ki; a1 += LD(q + (N)) * ki; a2 += LD(q + 2 * (N)) * ki; a3 += LD(q + 3 * (N)) * ki; \
      a4 += LD(q + 4 * (N)) * ki; a5 += LD(q + 5 * (N)) * ki; a6 += LD(q + 6 * (N)) * ki; a7 += LD(q + 7 * (N)) * ki; \
    } \
    ST(out + x, a0); ST(out + x + (N), a1); ST(out + x + 2 * (N), a2); ST(out + x + 3 * (N), a3); \
    ST(out + x + 4 * (N), a4); ST(out + x + 5 * (N), a5); ST(out + x + 6 * (N), a6); ST(out + x + 7 * (N), a7); \
  }

/* Column pass over blocks of 8 N columns. */
#define GAUSS_COL_BLOCKS(VT, LD, ST, N) \
  for (; x + 8 * (N) <= W; x += 8 * (N)) { \
    VT a0 = LD(c + x) * kc, a1 = LD(c + x + (N)) * kc, a2 = LD(c + x + 2 * (N)) * kc, a3 = LD(c + x + 3 * (N)) * kc; \
    VT a4 = LD(c + x + 4 * (N)) * kc, a5 = LD(c + x + 5 * (N)) * kc, a6 = LD(c + x + 6 * (N)) * kc, a7 = LD(c + x + 7 * (N)) * kc; \
    for (int i = 1; i <= r; i++) { \
      const float *p = rows[r + i] + x0 + x, *q = rows[r - i] + x0 + x; \
      float ki = k[r + i]; \
      a0 += (LD(p) + LD(q)) * ki; a1 += (LD(p + (N)) + LD(q + (N))) * ki; \
      a2 += (LD(p + 2 * (N)) + LD(q + 2 * (N))) * ki; a3 += (LD(p + 3 * (N)) + LD(q + 3 * (N))) * ki; \
      a4 += (LD(p + 4 * (N)) + LD(q + 4 * (N))) * ki; a5 += (LD(p + 5 * (N)) + LD(q + 5 * (N))) * ki; \
      a6 += (LD(p + 6 * (N)) + LD(q + 6 * (N))) * ki; a7 += (LD(p + 7 * (N)) + LD(q + 7 * (N))) * ki; \
    } \
    ST(out + x, a0); ST(out + x + (N), a1); ST(out + x + 2 * (N), a2); ST(out + x + 3 * (N), a3); \
    ST(out + x + 4 * (N), a4); ST(out + x + 5 * (N), a5); ST(out + x + 6 * (N), a6); ST(out + x + 7 * (N), a7); \
  }

static inline void gauss_row_tail (const float *restrict ext, const float *restrict k,
                                   float *restrict out, int x, int W, int w) {
  for (; x < W; x++) {
    float a = ext[x] * k[0];
    for (int i = 1; i < w; i++) a += ext[x + i] * k[i];
    out[x] = a;
  }
}

static inline void gauss_col_tail (const float *const *rows, const float *restrict k,
                                   float *restrict out, int x0, int x, int W, int r) {
  for (; x < W; x++) {
    float a = rows[r][x0 + x] * k[r];
    for (int i = 1; i <= r; i++) a += (rows[r + i][x0 + x] + rows[r - i][x0 + x]) * k[r + i];
    out[x] = a;
  }
}

/* One row of the separable Gaussian in OpenCV's order (RowVec_32f): taps
** left to right, out = e0 k0, then out += ei ki for each tap, which the
** AVX2/AVX-512 clones contract to FMA as OpenCV's AVX2 row filter does.
** 64-byte form: blocks of 128 columns, then of 64 (four accumulators). */
SEG_CLONES static void gauss_row (const float *restrict ext, const float *restrict k,
                                  float *restrict out, int W, int w) {
  int x = 0;
  GAUSS_ROW_BLOCKS(vf16, LDV, STV, 16)
  for (; x + 64 <= W; x += 64) {
    const float *e = ext + x;
    float k0 = k[0];
    vf16 a0 = LDV(e) * k0, a1 = LDV(e + 16) * k0, a2 = LDV(e + 32) * k0, a3 = LDV(e + 48) * k0;
    for (int i = 1; i < w; i++) {
      float ki = k[i];
      const float *q = e + i;
      a0 += LDV(q) * ki; a1 += LDV(q + 16) * ki; a2 += LDV(q + 32) * ki; a3 += LDV(q + 48) * ki;
    }
    STV(out + x, a0); STV(out + x + 16, a1); STV(out + x + 32, a2); STV(out + x + 48, a3);
  }
  gauss_row_tail(ext, k, out, x, W, w);
}

/* 32-byte form: blocks of 64 columns. */
SEG_CLONES static void gauss_row8 (const float *restrict ext, const float *restrict k,
                                   float *restrict out, int W, int w) {
  int x = 0;
  GAUSS_ROW_BLOCKS(vf8, LD8, ST8, 8)
  gauss_row_tail(ext, k, out, x, W, w);
}

/* Column pass as OpenCV's symmetric column filter: k0 R0 + sum ki (R+i + R-i),
** taps from the centre outwards. */
SEG_CLONES static void gauss_col (const float *const *rows, const float *restrict k,
                                  float *restrict out, int x0, int W, int r) {
  const float *c = rows[r] + x0;
  float kc = k[r];
  int x = 0;
  GAUSS_COL_BLOCKS(vf16, LDV, STV, 16)
  for (; x + 64 <= W; x += 64) {
    vf16 a0 = LDV(c + x) * kc, a1 = LDV(c + x + 16) * kc;
    vf16 a2 = LDV(c + x + 32) * kc, a3 = LDV(c + x + 48) * kc;
    for (int i = 1; i <= r; i++) {
      const float *p = rows[r + i] + x0 + x, *q = rows[r - i] + x0 + x;
      float ki = k[r + i];
      a0 += (LDV(p) + LDV(q)) * ki; a1 += (LDV(p + 16) + LDV(q + 16)) * ki;
      a2 += (LDV(p + 32) + LDV(q + 32)) * ki; a3 += (LDV(p + 48) + LDV(q + 48)) * ki;
    }
    STV(out + x, a0); STV(out + x + 16, a1); STV(out + x + 32, a2); STV(out + x + 48, a3);
  }
  gauss_col_tail(rows, k, out, x0, x, W, r);
}

SEG_CLONES static void gauss_col8 (const float *const *rows, const float *restrict k,
                                   float *restrict out, int x0, int W, int r) {
  const float *c = rows[r] + x0;
  float kc = k[r];
  int x = 0;
  GAUSS_COL_BLOCKS(vf8, LD8, ST8, 8)
  gauss_col_tail(rows, k, out, x0, x, W, r);
}

/* cvRound of 0 <= v < 2^22 without a libm call: adding 1.5 * 2^23 leaves
** the integer part in the mantissa, rounded to nearest even. */
SEG_CLONES static void round_u8_row (const float *restrict acc, const uint8_t *restrict src,
                                     uint8_t *restrict d, float *restrict t, int W,
                                     int idelta, float off) {
  for (int x = 0; x < W; x++) {
    float v = acc[x] < 0 ? 0 : acc[x] > 255 ? 255 : acc[x];
    float mu = (v + 12582912.0f) - 12582912.0f;
    d[x] = (float)src[x] - mu > (float)-idelta;
    t[x] = mu - off;
  }
}
SEG_CLONES static void round_u8_mask (const float *restrict acc, const uint8_t *restrict src,
                                      uint8_t *restrict d, int W, int idelta) {
  for (int x = 0; x < W; x++) {
    float v = acc[x] < 0 ? 0 : acc[x] > 255 ? 255 : acc[x];
    float mu = (v + 12582912.0f) - 12582912.0f;
    d[x] = (float)src[x] - mu > (float)-idelta;
  }
}

/* The Gaussian works on batches of GB output rows: their GB + 2r row-filtered
** rows sit in a ring of GB + w - 1 rows, and the column pass walks the batch
** in strips of GS columns, so a strip of the ring is read from L2 once per
** batch and from L1 by the batch's other rows. Ring rows are 64-byte
** aligned and their stride is an odd number of cache lines, so a strip's
** rows spread over the L1 sets instead of aliasing at 4 KiB multiples. */
#define GB 32
#define GS 128

static size_t ring_stride (int W) { return (((size_t)W + 15) & ~(size_t)15) | 16; }

static size_t gauss_scratch (int W, int w) {
  size_t M = (size_t)w + GB - 1, E = (size_t)W + (size_t)w;
  return sizeof(float) * (M * ring_stride(W) + E + (size_t)W + 1) + sizeof(double) * (size_t)W
         + sizeof(float *) * GB * (size_t)w + 192;   /* two 64-byte alignments */
}

static void gauss_rows (void *arg, int chunk, int y0, int y1) {
  LJob *j = arg;
  const SegBuf *s = j->src;
  int W = s->w, H = s->h, r = j->r, w = j->w, E = W + 2 * r, M = w + GB - 1;
  size_t RS = ring_stride(W);
  uintptr_t base = (uintptr_t)(j->scratch + (size_t)chunk * j->per);
  float *ring = (float *)((base + 63) & ~(uintptr_t)63);
  float *ext = ring + (size_t)M * RS, *acc = ext + E;
  double *t = (double *)(((uintptr_t)(acc + W) + 63) & ~(uintptr_t)63);
  const float **rows = (const float **)(t + W);
  double c = ceil(j->o->offset);
  int idelta = c > 1024 ? 1024 : c < -1024 ? -1024 : (int)c;
  float off = (float)j->o->offset;
  int next = y0 - r;   /* next row to filter; row yy lives in ring slot yy mod M */
  for (int yb = y0; yb < y1; yb += GB) {
    int nb = y1 - yb < GB ? y1 - yb : GB;
    for (; next <= yb + nb - 1 + r; next++) {
      const uint8_t *src = seg_row(s, clamp_idx(next, H));
      if (s->dtype == SEG_U8) {
        for (int i = 0; i < r; i++) ext[i] = src[0];
        for (int i = 0; i < W; i++) ext[r + i] = src[i];
        for (int i = r + W; i < E; i++) ext[i] = src[W - 1];
      } else
        for (int i = 0; i < E; i++) ext[i] = (float)px(s, src, j->bx[i]);
      (j->wide ? gauss_row : gauss_row8)(ext, j->kern, ring + (size_t)(((next % M) + M) % M) * RS, W, w);
    }
    for (int b = 0; b < nb; b++)
      for (int i = 0; i < w; i++) {
        int yy = yb + b - r + i;
        rows[b * w + i] = ring + (size_t)(((yy % M) + M) % M) * RS;
      }
    if (s->dtype == SEG_U8) {
      for (int x0 = 0; x0 < W; x0 += GS) {
        int n = W - x0 < GS ? W - x0 : GS;
        for (int b = 0; b < nb; b++) {
          int y = yb + b;
          (j->wide ? gauss_col : gauss_col8)(rows + b * w, j->kern, acc, x0, n, r);
          const uint8_t *sr = seg_row_u8(s, y) + x0;
          uint8_t *d = seg_row_u8(j->mask, y) + x0;
          if (j->thresh) round_u8_row(acc, sr, d, seg_row_f32(j->thresh, y) + x0, n, idelta, off);
          else round_u8_mask(acc, sr, d, n, idelta);
        }
      }
    } else
      for (int b = 0; b < nb; b++) {
        (j->wide ? gauss_col : gauss_col8)(rows + b * w, j->kern, acc, 0, W, r);
        for (int x = 0; x < W; x++) t[x] = (double)acc[x] - j->o->offset;
        emit_row(j, yb + b, t);
      }
  }
}

/* cv2.getGaussianKernel(n, 0, CV_32F). */
static void gauss_kernel (float *k, int n) {
  static const float small[4][7] = {
    {1.f}, {0.25f, 0.5f, 0.25f}, {0.0625f, 0.25f, 0.375f, 0.25f, 0.0625f},
    {0.03125f, 0.109375f, 0.21875f, 0.28125f, 0.21875f, 0.109375f, 0.03125f}};
  const float *fixed = n <= 7 ? small[n >> 1] : NULL;
  double sigma = ((n - 1) * 0.5 - 1) * 0.3 + 0.8;
  double scale2 = -0.5 / (sigma * sigma), sum = 0;
  for (int i = 0; i < n; i++) {
    double x = i - (n - 1) * 0.5;
    double t = fixed ? (double)fixed[i] : exp(scale2 * x * x);
    k[i] = (float)t;
    sum += k[i];
  }
  sum = 1. / sum;
  for (int i = 0; i < n; i++) k[i] = (float)(k[i] * sum);
}

static void minmax_f (const SegBuf *s, double *mn) {
  double m = HUGE_VAL;
  for (int y = 0; y < s->h; y++) {
    const uint8_t *r = seg_row(s, y);
    for (int x = 0; x < s->w; x++) { double v = px(s, r, x); if (v < m) m = v; }
  }
  *mn = m;
}

int seg_threshold_local (const SegBuf *src, const SegLocalOpts *o, SegBuf *mask,
                         SegBuf *thresh, int threads) {
  seg_assert(src->c == 1 && seg_buf_samesize(src, mask) && mask->dtype == SEG_U8);
  seg_assert(!thresh || (seg_buf_samesize(src, thresh) && thresh->dtype == SEG_F32));
  int W = src->w, H = src->h;
  LJob *j = calloc(1, sizeof *j);
  if (!j) return SEG_ENOMEM;
  j->src = src; j->o = o; j->mask = mask; j->thresh = thresh;
  j->w = o->window; j->r = o->window / 2;
  j->reflect = o->method >= SEG_LOCAL_NIBLACK;
  j->wide = wide_vectors();
  int r = j->r, E = W + 2 * r, w = j->w;
  int t = chunks_for(threads, H);
  int fast = o->method == SEG_LOCAL_MEAN && src->dtype == SEG_U8 && w <= 901;
  int msd = o->method >= SEG_LOCAL_NIBLACK && src->dtype == SEG_U8 && w <= MSD_U8_MAXW;
  if (o->method == SEG_LOCAL_GAUSSIAN) {
    gauss_kernel(j->kern, w);
    j->per = gauss_scratch(W, w);

  } else if (fast)
    j->per = sizeof(int32_t) * ((size_t)W + E + 1) + 64;
  else if (msd)   /* cs, cq, p, q, tbuf; then 64-aligned m, sd */
    j->per = sizeof(uint32_t) * (3 * (size_t)W + 2 * ((size_t)E + 1)) + sizeof(double) * 2 * (size_t)W + 128;
  else
    j->per = sizeof(double) * (5 * (size_t)W + 2 * ((size_t)E + 1)) + 64;
  j->per = (j->per + 63) & ~(size_t)63;
  j->bx = malloc(sizeof(int) * (size_t)E);
  j->scratch = malloc(j->per * (size_t)t);
  if (!j->bx || !j->scratch) { free(j->bx); free(j->scratch); free(j); return SEG_ENOMEM; }
  for (int i = 0; i < E; i++) j->bx[i] = border(j, i - r, W);
  int grain = 32;
  if (o->method == SEG_LOCAL_GAUSSIAN) seg_parallel_chunks(t, H, grain, gauss_rows, j);
  else if (fast) seg_parallel_chunks(t, H, grain, amean_u8_rows, j);
  else {
    SegChunkFn fn = msd ? msd_u8_rows : box_rows;
    if (o->method == SEG_LOCAL_WOLF) {
      j->pass = 1;
      seg_parallel_chunks(t, H, grain, fn, j);
      double R = 0;
      for (int c = 0; c < t; c++) R = j->smax[c] > R ? j->smax[c] : R;
      j->R = R;
      minmax_f(src, &j->M);
    }
    j->pass = 2;
    seg_parallel_chunks(t, H, grain, fn, j);
  }
  free(j->bx); free(j->scratch); free(j);
  return 0;
}

/* resize.c — nearest, bilinear and area resampling, following OpenCV's
** cv::resize geometry (pixel centres at +0.5) and, for u8, its fixed-point
** arithmetic (11-bit coefficients) so results agree with cv2.resize. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"

/* The clones of the double kernels must not contract a*b+c into FMA. */
#ifdef __clang__
#define FPSTRICT  /* clang has no optimize attribute: the Makefile gives it -ffp-contract=off */
#else
#define FPSTRICT __attribute__((optimize("fp-contract=off")))
#endif

#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)

/* A 2-tap interpolation table along one axis: for each output index the
** first source index and the weights of it and its successor. */
typedef struct Taps { int *idx; float *wf; int16_t *wi; } Taps;

static int clampi (int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }
static int floor_int (double v) { int i = (int)v; return i - (i > v); }

/* Bilinear taps (OpenCV INTER_LINEAR), or area-upscale taps when 'area'. */
/* The scale is 1/(dn/sn) and positions are rounded to float, as OpenCV
** computes them: this decides which way near-ties fall. */
/* 'clamp_weights': along x OpenCV moves border taps onto the edge pixel
** with weight one; along y it keeps the weights and clamps the rows. */
static void make_linear_taps (Taps *t, int sn, int dn, int area, int clamp_weights) {
  double inv = (double)dn / sn, scale = 1.0 / inv;
  for (int d = 0; d < dn; d++) {
    int s;
    float f;
    if (!area) {
      float fx = (float)((d + 0.5) * scale - 0.5);
      s = (int)floorf(fx);
      f = fx - (float)s;
    } else {
      s = floor_int(d * scale);
      f = (float)((d + 1) - (s + 1) * inv);
      f = f <= 0 ? 0.f : f - floorf(f);
    }
    if (clamp_weights) {
      if (s < 0) { s = 0; f = 0; }
      if (s >= sn - 1) { s = sn - 1; f = 0; }
    }
    t->idx[d] = s;
    t->wf[2 * d] = 1.f - f; t->wf[2 * d + 1] = f;
    t->wi[2 * d] = (int16_t)lrintf((1.f - f) * COEF_ONE);
    t->wi[2 * d + 1] = (int16_t)lrintf(f * COEF_ONE);
  }
}

typedef struct Job {
  const SegBuf *src; SegBuf *dst;
  Taps tx, ty;
  int k;   /* integer area factor (both axes), 0 otherwise */
  int xv;  /* u8 bilinear: the output pixels of hpass's vector path */
  /* u8 general area, C <= 4: taps per output pixel, first tap, weights */
  int gk, *gbase; double *gw;
  /* general area: per-output lists of (source index, weight) */
  int *ax_off, *ax_idx, *ay_off, *ay_idx; float *ax_w, *ay_w;
  /* per-chunk scratch rows, allocated before the parallel loop so a worker
  ** never has to fail: chunk i owns scratch + i * scratch_per */
  uint8_t *scratch; size_t scratch_per;
} Job;

static inline double load (const SegBuf *b, const uint8_t *row, size_t i) {
  return seg_elem(b->dtype, row, i);
}

static inline void store (const SegBuf *b, uint8_t *row, size_t i, double v) {
  switch (b->dtype) {
    case SEG_U8: v = nearbyint(v); row[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); break;
    case SEG_U16: v = nearbyint(v); ((uint16_t *)row)[i] = (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v); break;
    case SEG_I32: v = nearbyint(v);
      ((int32_t *)row)[i] = (int32_t)(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v); break;
    default: ((float *)row)[i] = (float)v; break;
  }
}

/* ---- nearest ---- */
static void nearest_rows (void *arg, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  size_t es = (size_t)s->c * seg_dtype_size(s->dtype);
  double sx = 1.0 / ((double)d->w / s->w), sy = 1.0 / ((double)d->h / s->h);  /* as OpenCV */
  for (int y = y0; y < y1; y++) {
    int yy = floor_int(y * sy); if (yy > s->h - 1) yy = s->h - 1;
    const uint8_t *sr = seg_row(s, yy);
    uint8_t *dr = seg_row(d, y);
    for (int x = 0; x < d->w; x++) {
      int xx = floor_int(x * sx); if (xx > s->w - 1) xx = s->w - 1;
      memcpy(dr + (size_t)x * es, sr + (size_t)xx * es, es);
    }
  }
}

/* GNU vectors of the u8 kernels below. Everything in them is exact integer
** arithmetic, so each clone (and gcc's lowering of the wider types on the
** SSE2 baseline) gives the same bytes. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the u8 kernels read byte pairs as u16 lanes");
typedef int32_t RzI4 __attribute__((vector_size(16)));
typedef uint8_t RzB16 __attribute__((vector_size(16)));
typedef uint8_t RzB16u __attribute__((vector_size(16), aligned(1), may_alias));
typedef uint64_t RzQ2 __attribute__((vector_size(16)));
typedef uint16_t RzH16 __attribute__((vector_size(32)));
typedef uint16_t RzH16u __attribute__((vector_size(32), aligned(1), may_alias));
typedef uint16_t RzH8 __attribute__((vector_size(16)));
typedef uint32_t RzU4 __attribute__((vector_size(16)));
typedef double RzD4 __attribute__((vector_size(32)));

/* 4 u16 at p, zero-extended (one 8-byte load and an unpack) */
static inline RzU4 rz_u16x4 (const uint16_t *p) {
  uint64_t b;
  memcpy(&b, p, 8);
  RzQ2 q = {b, 0};
  const RzH8 z = {0};
  return (RzU4)SEG_SHUFFLE((RzH8)q, z, 0, 8, 1, 8, 2, 8, 3, 8);
}

/* ---- bilinear, u8 fixed point as OpenCV: horizontal pass to int rows
** scaled by 2^11, vertical pass with the same scale and a final
** ((b0*(r0>>4))>>16 + (b1*(r1>>4))>>16 + 2) >> 2. ----
** The vertical pass only ever reads r >> 4, and r = s0*a0 + s1*a1 with
** a0 + a1 = 2^11 (lrintf of f and 1 - f; 2049 would still do) keeps that
** at most 255 * 2049 >> 4 = 32655: the rows hold r >> 4 as int16, half the
** traffic, and (b * (r >> 4)) >> 16 is then the high half of a 16x16
** product (pmulhw), 16 lanes a time. Weights are never negative (0 <= f < 1
** on both axes). */

/* The horizontal pass multiplies pixel pairs by weight pairs with pmaddwd
** (SSE2, so in every clone; OpenCV does the same): a source value and its
** neighbour's as two int16 lanes, (a0, a1) as the other operand, their
** exact int32 dot product s0*a0 + s1*a1 in one lane. Elsewhere the scalar
** loops do it all. */
#if defined(__SSE2__)
#include <emmintrin.h>
#define HPASS_VEC 1
#else
#define HPASS_VEC 0
#endif

/* The output pixels x < xv take hpass's vector path: those whose taps are
** s and s + 1 and whose 8-byte load at s * c (2 bytes at s for one
** channel) stays inside the source row; a prefix, as x's source index
** never decreases. */
static int hpass_vec_prefix (const Taps *t, int c, int dw, int sw) {
  int xv = 0, need = c == 1 ? 2 : 8;
  if (!HPASS_VEC || c > 4) return 0;
  while (xv < dw && t->idx[xv] * c + need <= sw * c) xv++;
  return xv;
}

static inline void hpass_store4 (int16_t *out, RzI4 v) {
#if HPASS_VEC
  __m128i r = _mm_srai_epi32((__m128i)v, 4);
  _mm_storel_epi64((__m128i *)(void *)out, _mm_packs_epi32(r, r));
#else
  (void)out; (void)v;
#endif
}

/* (s0*a0 + s1*a1) for the int16 lane pairs of p and w */
static inline RzI4 hpass_madd (RzB16 p, RzI4 w) {
#if HPASS_VEC
  return (RzI4)_mm_madd_epi16((__m128i)p, (__m128i)w);
#else
  (void)p; return w;
#endif
}

/* C = 2..4: one output pixel a step, its C values from the bytes of the
** source pixels s and s + 1 (one 8-byte load, zero-extended and paired by a
** shuffle); the 4 int16 stored run 4 - C lanes into the next pixel (or the
** row's slack), which the next store or the scalar tail rewrites.
** C = 1: four outputs a step, their byte pairs loaded one by one and their
** weight pairs (contiguous) as one vector.
** Two source rows at once when s1 is not NULL (out1 gets s1's pass): they
** share the taps' loads. */
#define RZ_UNPACK_LO(a, b) \
  SEG_SHUFFLE(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define HPASS_C1_PAIRS(s, ix) ({ \
    uint16_t q0, q1, q2, q3; \
    memcpy(&q0, (s) + (ix)[0], 2); memcpy(&q1, (s) + (ix)[1], 2); \
    memcpy(&q2, (s) + (ix)[2], 2); memcpy(&q3, (s) + (ix)[3], 2); \
    RzH8 pr = {q0, q1, q2, q3, 0, 0, 0, 0}; \
    RZ_UNPACK_LO((RzB16)pr, z); })
/* bytes k and C + k of the 8 at p as int16 lane pairs: two byte unpacks,
** SSE2's punpcklbw (pshufb would need SSSE3, which the baseline lacks) */
#define HPASS_PAIRS(C, p) ({ \
    uint64_t b; \
    memcpy(&b, p, 8); \
    RzQ2 bq = {b, 0}; \
    RZ_UNPACK_LO(RZ_UNPACK_LO((RzB16)bq, (RzB16)(bq >> (8 * C))), z); })
#define HPASS_U8(C) \
  SEG_CLONES static void hpass_u8_c##C (const uint8_t *restrict s0, const uint8_t *restrict s1, \
                                        const int *restrict idx, const int16_t *restrict wi, \
                                        int xv, int dw, int sw, \
                                        int16_t *restrict out0, int16_t *restrict out1) { \
    int x = 0; \
    const RzB16 z = {0}; \
    if (C == 1) \
      for (; x + 4 <= xv; x += 4) { \
        RzI4 w; \
        memcpy(&w, wi + 2 * x, 16); \
        hpass_store4(out0 + x, hpass_madd(HPASS_C1_PAIRS(s0, idx + x), w)); \
        if (s1) hpass_store4(out1 + x, hpass_madd(HPASS_C1_PAIRS(s1, idx + x), w)); \
      } \
    else \
      for (; x < xv; x++) { \
        int32_t a; \
        memcpy(&a, wi + 2 * x, 4); \
        RzI4 w = {a, a, a, a}; \
        size_t o = (size_t)idx[x] * C; \
        hpass_store4(out0 + (size_t)x * C, hpass_madd(HPASS_PAIRS(C, s0 + o), w)); \
        if (s1) hpass_store4(out1 + (size_t)x * C, hpass_madd(HPASS_PAIRS(C, s1 + o), w)); \
      } \
    for (; x < dw; x++) { \
      int sx = idx[x], sx1 = sx + 1 < sw ? sx + 1 : sx; \
      int a0 = wi[2 * x], a1 = wi[2 * x + 1]; \
      for (int k = 0; k < C; k++) { \
        out0[x * C + k] = (int16_t)((s0[sx * C + k] * a0 + s0[sx1 * C + k] * a1) >> 4); \
        if (s1) out1[x * C + k] = (int16_t)((s1[sx * C + k] * a0 + s1[sx1 * C + k] * a1) >> 4); \
      } \
    } \
  }
HPASS_U8(1)
HPASS_U8(2)
HPASS_U8(3)
HPASS_U8(4)

/* more than 4 channels */
static void hpass_u8_cn (const uint8_t *s, int c, const int *idx, const int16_t *wi,
                         int dw, int sw, int16_t *out) {
  for (int x = 0; x < dw; x++) {
    int sx = idx[x], sx1 = sx + 1 < sw ? sx + 1 : sx;
    int a0 = wi[2 * x], a1 = wi[2 * x + 1];
    for (int k = 0; k < c; k++)
      out[x * c + k] = (int16_t)((s[sx * c + k] * a0 + s[sx1 * c + k] * a1) >> 4);
  }
}

/* out0 = the pass of s0, and out1 = that of s1 unless s1 is NULL */
static void hpass_u8 (const uint8_t *s0, const uint8_t *s1, int c, const Taps *t, int xv,
                      int dw, int sw, int16_t *out0, int16_t *out1) {
  switch (c) {
    case 1: hpass_u8_c1(s0, s1, t->idx, t->wi, xv, dw, sw, out0, out1); break;
    case 2: hpass_u8_c2(s0, s1, t->idx, t->wi, xv, dw, sw, out0, out1); break;
    case 3: hpass_u8_c3(s0, s1, t->idx, t->wi, xv, dw, sw, out0, out1); break;
    case 4: hpass_u8_c4(s0, s1, t->idx, t->wi, xv, dw, sw, out0, out1); break;
    default:
      hpass_u8_cn(s0, c, t->idx, t->wi, dw, sw, out0);
      if (s1) hpass_u8_cn(s1, c, t->idx, t->wi, dw, sw, out1);
      break;
  }
}

/* In int16 throughout, so gcc's vectoriser takes the products' high
** halves as pmulhw: the terms are at most 2048 * 32655 >> 16 = 1020, and
** never negative, so only the upper clamp can act. */
SEG_CLONES static void vpass_u8 (const int16_t *restrict r0, const int16_t *restrict r1,
                                 int16_t b0, int16_t b1, uint8_t *restrict d, int n) {
  for (int i = 0; i < n; i++) {
    int16_t h0 = (int16_t)((b0 * r0[i]) >> 16), h1 = (int16_t)((b1 * r1[i]) >> 16);
    int16_t v = (int16_t)((int16_t)(h0 + h1 + 2) >> 2);
    d[i] = (uint8_t)(v > 255 ? 255 : v);
  }
}

static void linear_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  int c = s->c, n = d->w * c;
  if (s->dtype == SEG_U8) {
    int16_t *r0 = (int16_t *)(j->scratch + (size_t)chunk * j->scratch_per);
    int16_t *r1 = r0 + n + 16;   /* past r0's slack */
    int have0 = -1, have1 = -1;
    for (int y = y0; y < y1; y++) {
      int sy = clampi(j->ty.idx[y], s->h), sy1 = clampi(j->ty.idx[y] + 1, s->h);
      if (have0 != sy) {
        if (have1 == sy) { int16_t *t = r0; r0 = r1; r1 = t; have0 = sy; have1 = -1; }
        else if (have1 != sy1 && sy1 != sy) {   /* both rows new (downscaling): one pass */
          hpass_u8(seg_row_u8(s, sy), seg_row_u8(s, sy1), c, &j->tx, j->xv, d->w, s->w, r0, r1);
          have0 = sy; have1 = sy1;
        } else { hpass_u8(seg_row_u8(s, sy), NULL, c, &j->tx, j->xv, d->w, s->w, r0, NULL); have0 = sy; }
      }
      if (have1 != sy1) {
        hpass_u8(seg_row_u8(s, sy1), NULL, c, &j->tx, j->xv, d->w, s->w, r1, NULL);
        have1 = sy1;
      }
      vpass_u8(r0, r1, j->ty.wi[2 * y], j->ty.wi[2 * y + 1], seg_row_u8(d, y), n);
    }
    return;
  }
  for (int y = y0; y < y1; y++) {   /* other dtypes: in double */
    int sy = clampi(j->ty.idx[y], s->h), sy1 = clampi(j->ty.idx[y] + 1, s->h);
    float b0 = j->ty.wf[2 * y], b1 = j->ty.wf[2 * y + 1];
    const uint8_t *s0 = seg_row(s, sy), *s1 = seg_row(s, sy1);
    uint8_t *dr = seg_row(d, y);
    for (int x = 0; x < d->w; x++) {
      int sx = j->tx.idx[x], sx1 = sx + 1 < s->w ? sx + 1 : sx;
      float a0 = j->tx.wf[2 * x], a1 = j->tx.wf[2 * x + 1];
      for (int k = 0; k < c; k++) {
        double top = a0 * load(s, s0, (size_t)sx * c + k) + a1 * load(s, s0, (size_t)sx1 * c + k);
        double bot = a0 * load(s, s1, (size_t)sx * c + k) + a1 * load(s, s1, (size_t)sx1 * c + k);
        store(d, dr, (size_t)x * c + k, b0 * top + b1 * bot);
      }
    }
  }
}

/* ---- area, integer factor k: block mean. For k = 2 integer types round
** half up, (sum + 2) >> 2, as OpenCV's vector path; otherwise sum * (1/k^2)
** in float, rounded half to even, as its scalar path. ---- */

/* k = 2 on u8, one pass over both source rows: output byte i of a row is
** (a[j] + a[j + C] + b[j] + b[j + C] + 2) >> 2 at j = i + C * (i / C), the
** pixel pair's sums of one channel. area2_lanes computes that expression
** at 32 consecutive j, and byte shuffles keep the lanes that start a pair
** (j mod 2C < C): no u16 row in memory, no strided pairs.
** The 32 bytes at a, a + C, b, b + C are read as u16 lanes, so even j sum
** in the low bytes and odd j in the high ones, with no widening: the two
** means (at most 255) go back into the low and high bytes of each lane.
** The 32 bytes come back as two 16-byte halves (a 32-byte vector is no
** argument or return value for the baseline ABI). */
static inline void area2_lanes (const uint8_t *a, const uint8_t *b, int C, RzB16 *lo, RzB16 *hi) {
  RzH16 p = *(const RzH16u *)a, q = *(const RzH16u *)(a + C);
  RzH16 r = *(const RzH16u *)b, t = *(const RzH16u *)(b + C);
  RzH16 e = (p & 0xff) + (q & 0xff) + (r & 0xff) + (t & 0xff);
  RzH16 o = (p >> 8) + (q >> 8) + (r >> 8) + (t >> 8);
  RzH16 v = ((e + 2) >> 2) | (((o + 2) >> 2) << 8);
  memcpy(lo, &v, 16);
  memcpy(hi, (const uint8_t *)&v + 16, 16);
}

static inline void area2_u8_tail (const uint8_t *a, const uint8_t *b, uint8_t *d,
                                  int x, int dw, int C) {
  for (; x < dw; x++)
    for (int q = 0; q < C; q++) {
      int i = 2 * x * C + q;
      d[x * C + q] = (uint8_t)((a[i] + b[i] + a[i + C] + b[i + C] + 2) >> 2);
    }
}

/* The byte picks below are one pshufb (SSSE3) each; baseline x86-64 has
** no byte shuffle and gcc lowers them lane by lane (slower than the old
** strided loop), so these kernels also get an x86-64-v2 clone (SSSE3 to
** SSE4.2, CPUs since 2008): only older ones take the slow baseline. */
#if SEG_HAVE_CLONES
#define RZ_CLONES_SSSE3 \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "arch=x86-64-v2", "default")))
#else
#define RZ_CLONES_SSSE3 SEG_CLONES
#endif

/* C = 1: the lanes' low and high bytes are the pair itself. */
SEG_CLONES static void area2_u8_c1 (const uint8_t *restrict a, const uint8_t *restrict b,
                                    uint8_t *restrict d, int dw) {
  int x = 0;
  for (; x + 16 <= dw; x += 16) {
    RzH16 u = *(const RzH16u *)(a + 2 * x), v = *(const RzH16u *)(b + 2 * x);
    RzH16 sum = (u & 0xff) + (u >> 8) + (v & 0xff) + (v >> 8);
    *(RzB16u *)(d + x) = __builtin_convertvector((sum + 2) >> 2, RzB16);
  }
  area2_u8_tail(a, b, d, x, dw, 1);
}

/* C = 2, 4: 32 lanes give 16 output bytes, picked by the indices given.
** The bytes read reach j + C + 31, so whole steps need 2 * x * C + 32 + C
** bytes of the row. */
#define AREA2_U8_PICK(C, ...) \
  RZ_CLONES_SSSE3 static void area2_u8_c##C (const uint8_t *restrict a, const uint8_t *restrict b, \
                                             uint8_t *restrict d, int dw) { \
    int x = 0; \
    for (; 2 * C * x + 32 + C <= 2 * C * dw; x += 16 / C) { \
      RzB16 lo, hi; \
      area2_lanes(a + 2 * C * x, b + 2 * C * x, C, &lo, &hi); \
      *(RzB16u *)(d + C * x) = SEG_SHUFFLE(lo, hi, __VA_ARGS__); \
    } \
    area2_u8_tail(a, b, d, x, dw, C); \
  }
AREA2_U8_PICK(2, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29)
AREA2_U8_PICK(4, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27)
/* C = 3: the pattern repeats every 48 lanes (8 output pixels): 16 output
** bytes from lanes 0..31, 8 from lanes 31..44 (stored as one 8-byte lane).
** A step takes 96 lanes, three calls of area2_lanes, as 16-byte halves
** h[0..5]. */
RZ_CLONES_SSSE3 static void area2_u8_c3 (const uint8_t *restrict a, const uint8_t *restrict b,
                                    uint8_t *restrict d, int dw) {
  int x = 0;
  for (; 6 * x + 99 <= 6 * dw; x += 16) {
    const uint8_t *pa = a + 6 * x, *pb = b + 6 * x;
    RzB16 h[6];
    for (int k = 0; k < 3; k++) area2_lanes(pa + 32 * k, pb + 32 * k, 3, &h[2 * k], &h[2 * k + 1]);
    for (int g = 0; g < 2; g++) {
      uint8_t *o = d + 3 * x + 24 * g;
      *(RzB16u *)o = SEG_SHUFFLE(h[3 * g], h[3 * g + 1],
                                 0, 1, 2, 6, 7, 8, 12, 13, 14, 18, 19, 20, 24, 25, 26, 30);
      RzB16 tail = SEG_SHUFFLE(h[3 * g + 1], h[3 * g + 2],
                               15, 16, 20, 21, 22, 26, 27, 28, 0, 0, 0, 0, 0, 0, 0, 0);
      uint64_t lo8 = ((RzQ2)tail)[0];
      memcpy(o + 16, &lo8, 8);
    }
  }
  area2_u8_tail(a, b, d, x, dw, 3);
}

/* k > 2 (or more than 4 channels) on u8: the k rows' sums per column
** (u16: k <= 257), then per output value the sum of its k columns, then
** the generic path's rounding below on that (exact) sum. */
#define AREAK_MAXK 257

/* u16 slots of a column-sum row of n values, slack for 4-lane reads
** included and rounded to 16 bytes; the output sums (n + 4 u32) follow. */
static size_t areak_tlen (size_t n) { return (n + 4 + 7) & ~(size_t)7; }
static size_t areak_scratch (size_t n, int k) {
  return areak_tlen(n * (size_t)k) * sizeof(uint16_t) + (n + 4) * sizeof(uint32_t);
}

SEG_CLONES static void areak_vsum_u8 (const uint8_t *restrict r, uint16_t *restrict t, int n, int first) {
  if (first) for (int i = 0; i < n; i++) t[i] = r[i];
  else for (int i = 0; i < n; i++) t[i] = (uint16_t)(t[i] + r[i]);
}

/* C = 2..4: one output pixel a step, its C sums as the lanes of one
** vector; the 4 - C lanes past them read into the next pixel (or t's
** slack) and are stored into the next pixel's sums (or sum's slack), which
** the next step rewrites. */
#define AREAK_HSUM_U8(C) \
  SEG_CLONES static void areak_hsum_u8_c##C (const uint16_t *restrict t, uint32_t *restrict sum, \
                                             int dw, int k) { \
    for (int x = 0; x < dw; x++) { \
      const uint16_t *p = t + (size_t)x * k * C; \
      RzU4 acc = {0, 0, 0, 0}; \
      for (int dx = 0; dx < k; dx++) acc += rz_u16x4(p + dx * C); \
      memcpy(sum + (size_t)x * C, &acc, 16); \
    } \
  }
AREAK_HSUM_U8(2)
AREAK_HSUM_U8(3)
AREAK_HSUM_U8(4)

SEG_CLONES static void areak_hsum_u8_c1 (const uint16_t *restrict t, uint32_t *restrict sum, int dw, int k) {
  for (int x = 0; x < dw; x++) {
    uint32_t acc = 0;
    for (int dx = 0; dx < k; dx++) acc += t[(size_t)x * k + dx];
    sum[x] = acc;
  }
}

static void areak_hsum_u8_cn (const uint16_t *t, uint32_t *sum, int dw, int k, int c) {
  for (int x = 0; x < dw; x++)
    for (int q = 0; q < c; q++) {
      uint32_t acc = 0;
      for (int dx = 0; dx < k; dx++) acc += t[((size_t)x * k + dx) * c + q];
      sum[x * c + q] = acc;
    }
}

/* sum * (1/k^2) in float, then half to even; as the generic path (sum <=
** 255 * 257^2 converts exactly through int32, and vectorises so). */
SEG_CLONES static void areak_mean_u8 (const uint32_t *restrict sum, uint8_t *restrict d, int n, int k) {
  if (k == 2) {   /* (sum + 2) >> 2, at most 255 */
    for (int i = 0; i < n; i++) d[i] = (uint8_t)((sum[i] + 2) >> 2);
    return;
  }
  double inv = (float)(1.0 / (k * k));
  for (int i = 0; i < n; i++) {
    double v = nearbyint((float)((int32_t)sum[i] * inv));
    d[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

static void area_int_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  int k = j->k, c = s->c, n = d->w * c;
  double inv = 1.0 / (k * k);
  if (s->dtype == SEG_U8 && k == 2 && c <= 4) {
    for (int y = y0; y < y1; y++) {
      const uint8_t *a = seg_row_u8(s, 2 * y), *b = seg_row_u8(s, 2 * y + 1);
      uint8_t *dr = seg_row_u8(d, y);
      switch (c) {
        case 1: area2_u8_c1(a, b, dr, d->w); break;
        case 2: area2_u8_c2(a, b, dr, d->w); break;
        case 3: area2_u8_c3(a, b, dr, d->w); break;
        default: area2_u8_c4(a, b, dr, d->w); break;
      }
    }
    return;
  }
  if (s->dtype == SEG_U8 && k <= AREAK_MAXK) {
    uint16_t *t = (uint16_t *)(j->scratch + (size_t)chunk * j->scratch_per);
    uint32_t *sum = (uint32_t *)(t + areak_tlen((size_t)n * k));
    for (size_t i = (size_t)n * k; i < areak_tlen((size_t)n * k); i++) t[i] = 0;   /* read, unused */
    for (int y = y0; y < y1; y++) {
      for (int dy = 0; dy < k; dy++) areak_vsum_u8(seg_row_u8(s, y * k + dy), t, n * k, dy == 0);
      switch (c) {
        case 1: areak_hsum_u8_c1(t, sum, d->w, k); break;
        case 2: areak_hsum_u8_c2(t, sum, d->w, k); break;
        case 3: areak_hsum_u8_c3(t, sum, d->w, k); break;
        case 4: areak_hsum_u8_c4(t, sum, d->w, k); break;
        default: areak_hsum_u8_cn(t, sum, d->w, k, c); break;
      }
      areak_mean_u8(sum, seg_row_u8(d, y), n, k);
    }
    return;
  }
  for (int y = y0; y < y1; y++) {
    uint8_t *dr = seg_row(d, y);
    for (int i = 0; i < n; i++) {
      int x = i / c, q = i % c;
      double sum = 0;
      for (int dy = 0; dy < k; dy++) {
        const uint8_t *sr = seg_row(s, y * k + dy);
        for (int dx = 0; dx < k; dx++) sum += load(s, sr, ((size_t)x * k + dx) * c + q);
      }
      if (s->dtype == SEG_F32) store(d, dr, i, sum * inv);
      else if (k == 2) store(d, dr, i, floor((sum + 2) / 4));
      else store(d, dr, i, (float)(sum * (float)inv));
    }
  }
}

/* ---- area, general downscale: each output pixel is the overlap-weighted
** mean of the source pixels its footprint covers (OpenCV's ResizeArea). ---- */
static int make_area_taps (int sn, int dn, int **off, int **idx, float **w) {
  double scale = (double)sn / dn;
  int cap = dn * ((int)ceil(scale) + 2);
  *off = malloc(sizeof(int) * ((size_t)dn + 1));
  *idx = malloc(sizeof(int) * (size_t)cap);
  *w = malloc(sizeof(float) * (size_t)cap);
  if (!*off || !*idx || !*w) return SEG_ENOMEM;
  int m = 0;
  for (int d = 0; d < dn; d++) {
    double f0 = d * scale, f1 = f0 + scale;
    int s0 = (int)ceil(f0), s1 = (int)floor(f1);
    if (s1 > sn) s1 = sn;
    (*off)[d] = m;
    if (s0 - f0 > 1e-3) { (*idx)[m] = s0 - 1; (*w)[m++] = (float)((s0 - f0) / scale); }
    for (int s = s0; s < s1; s++) { (*idx)[m] = s; (*w)[m++] = (float)(1.0 / scale); }
    if (f1 - s1 > 1e-3 && s1 < sn) { (*idx)[m] = s1; (*w)[m++] = (float)((f1 - s1) / scale); }
  }
  (*off)[dn] = m;
  return 0;
}

/* u8: the generic path's double arithmetic, in its order (each value's
** taps summed from 0 in index order, then the rows' weighted sum in tap
** order), without its per-element dtype switch; a source row shared by two
** output rows is summed along x once. FPSTRICT: the clones must not
** contract a*b+c into FMA, which would round differently.
** An output pixel's taps are consecutive source pixels, from gbase[x]: for
** C <= 4 every pixel takes gk taps, its own then zero-weighted ones, so
** the tap loop has one length and no mispredicted exits. A zero tap adds
** +0 to a sum that is +0 or positive: the same double. The source row is
** first converted to doubles (sd, its tail past the row zero), and one
** tap is a load of 4 doubles: a pixel's C values as vector lanes, the
** 4 - C past them stored into the next pixel's values (or row's slack),
** which the next step rewrites. */
#define AREA_GEN_H_U8(C) \
  FPSTRICT SEG_CLONES static void area_gen_h_u8_c##C (const uint8_t *restrict s, int sw, \
                                                     const int *restrict base, const double *restrict w, \
                                                     int gk, int dw, double *restrict sd, \
                                                     double *restrict row) { \
    for (int i = 0; i < sw * C; i++) sd[i] = s[i]; \
    for (int x = 0; x < dw; x++) { \
      const double *p = sd + (size_t)base[x] * C, *wx = w + (size_t)x * gk; \
      if (C == 1) { \
        double v = 0; \
        for (int t = 0; t < gk; t++) v += wx[t] * p[t]; \
        row[x] = v; \
      } else { \
        RzD4 v = {0, 0, 0, 0}; \
        for (int t = 0; t < gk; t++) { \
          RzD4 q; \
          memcpy(&q, p + t * C, sizeof q); \
          v += wx[t] * q; \
        } \
        memcpy(row + (size_t)x * C, &v, sizeof v); \
      } \
    } \
  }
AREA_GEN_H_U8(1)
AREA_GEN_H_U8(2)
AREA_GEN_H_U8(3)
AREA_GEN_H_U8(4)

/* doubles of sd: a source row, then zeros for the zero taps past its end
** and the 4 - C lanes read past the last one */
static size_t area_gen_sd_len (int sw, int c, int gk) {
  return ((size_t)sw + (size_t)gk) * (size_t)c + 4;
}

/* gk, gbase and gw from the x taps (C <= 4 only); 0 or SEG_ENOMEM */
static int area_gen_fixed_taps (Job *j, int dw) {
  int gk = 1;
  for (int x = 0; x < dw; x++)
    if (j->ax_off[x + 1] - j->ax_off[x] > gk) gk = j->ax_off[x + 1] - j->ax_off[x];
  j->gk = gk;
  j->gbase = malloc(sizeof(int) * (size_t)dw);
  j->gw = malloc(sizeof(double) * (size_t)dw * (size_t)gk);
  if (!j->gbase || !j->gw) return SEG_ENOMEM;
  for (int x = 0; x < dw; x++) {
    int o = j->ax_off[x], m = j->ax_off[x + 1] - o;
    j->gbase[x] = m > 0 ? j->ax_idx[o] : 0;
    for (int t = 0; t < gk; t++) j->gw[(size_t)x * gk + t] = t < m ? j->ax_w[o + t] : 0.0;
  }
  return 0;
}

FPSTRICT static void area_gen_h_u8_cn (const uint8_t *s, const int *off, const int *idx,
                                       const float *w, int dw, int c, double *row) {
  for (int x = 0; x < dw; x++)
    for (int q = 0; q < c; q++) {
      double v = 0;
      for (int u = off[x]; u < off[x + 1]; u++) v += w[u] * s[(size_t)idx[u] * c + q];
      row[x * c + q] = v;
    }
}

/* acc += wy * row; the first row's 0 + wy * row is wy * row itself, as
** nothing here is negative (no -0 to turn into +0). */
FPSTRICT SEG_CLONES static void area_gen_acc (double *restrict acc, const double *restrict row,
                                              float wy, int n, int first) {
  if (first) for (int i = 0; i < n; i++) acc[i] = wy * row[i];
  else for (int i = 0; i < n; i++) acc[i] += wy * row[i];
}

SEG_CLONES static void area_gen_store_u8 (const double *restrict acc, uint8_t *restrict d, int n) {
  for (int i = 0; i < n; i++) {
    double v = nearbyint(acc[i]);
    d[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

static void area_gen_rows_u8 (Job *j, double *acc, double *row, int y0, int y1) {
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  int c = s->c, n = d->w * c, have = -1;
  double *sd = row + n + 4;   /* the source row as doubles, then zeros */
  if (c <= 4) memset(sd, 0, sizeof(double) * area_gen_sd_len(s->w, c, j->gk));
  for (int y = y0; y < y1; y++) {
    if (j->ay_off[y] == j->ay_off[y + 1]) memset(acc, 0, sizeof(double) * (size_t)n);
    for (int t = j->ay_off[y]; t < j->ay_off[y + 1]; t++) {
      int sy = j->ay_idx[t];
      if (sy != have) {
        const uint8_t *sr = seg_row_u8(s, sy);
        switch (c) {
          case 1: area_gen_h_u8_c1(sr, s->w, j->gbase, j->gw, j->gk, d->w, sd, row); break;
          case 2: area_gen_h_u8_c2(sr, s->w, j->gbase, j->gw, j->gk, d->w, sd, row); break;
          case 3: area_gen_h_u8_c3(sr, s->w, j->gbase, j->gw, j->gk, d->w, sd, row); break;
          case 4: area_gen_h_u8_c4(sr, s->w, j->gbase, j->gw, j->gk, d->w, sd, row); break;
          default: area_gen_h_u8_cn(sr, j->ax_off, j->ax_idx, j->ax_w, d->w, c, row); break;
        }
        have = sy;
      }
      area_gen_acc(acc, row, j->ay_w[t], n, t == j->ay_off[y]);
    }
    area_gen_store_u8(acc, seg_row_u8(d, y), n);
  }
}

static void area_gen_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  int c = s->c, n = d->w * c;
  double *acc = (double *)(j->scratch + (size_t)chunk * j->scratch_per);
  double *row = acc + n;
  if (s->dtype == SEG_U8) { area_gen_rows_u8(j, acc, row, y0, y1); return; }
  for (int y = y0; y < y1; y++) {
    memset(acc, 0, sizeof(double) * (size_t)n);
    for (int t = j->ay_off[y]; t < j->ay_off[y + 1]; t++) {
      const uint8_t *sr = seg_row(s, j->ay_idx[t]);
      for (int x = 0; x < d->w; x++)
        for (int q = 0; q < c; q++) {
          double v = 0;
          for (int u = j->ax_off[x]; u < j->ax_off[x + 1]; u++)
            v += j->ax_w[u] * load(s, sr, (size_t)j->ax_idx[u] * c + q);
          row[x * c + q] = v;
        }
      float wy = j->ay_w[t];
      for (int i = 0; i < n; i++) acc[i] += wy * row[i];
    }
    uint8_t *dr = seg_row(d, y);
    for (int i = 0; i < n; i++) store(d, dr, i, acc[i]);
  }
}

/* Allocates 'threads' scratch slots of 'per' bytes (16-byte multiples). */
static int alloc_scratch (Job *j, int threads, int rows, size_t per) {
  int t = threads < 1 ? 1 : threads > rows ? rows : threads;
  j->scratch_per = (per + 15) & ~(size_t)15;
  j->scratch = malloc(j->scratch_per * (size_t)t);
  return j->scratch ? 0 : -1;
}

int seg_resize (const SegBuf *src, SegBuf *dst, int method, int threads) {
  seg_assert(dst->c == src->c && dst->dtype == src->dtype);
  Job j;
  memset(&j, 0, sizeof j);
  j.src = src; j.dst = dst;
  int rc = 0;
  if (method == SEG_RESIZE_NEAREST) {
    seg_parallel_for(threads, dst->h, 8, nearest_rows, &j);
    return 0;
  }
  int down = dst->w <= src->w && dst->h <= src->h;
  if (method == SEG_RESIZE_AREA && down) {
    size_t n = (size_t)dst->w * (size_t)dst->c;
    if (src->w % dst->w == 0 && src->h % dst->h == 0 && src->w / dst->w == src->h / dst->h) {
      j.k = src->w / dst->w;
      /* u8 with k > 2: a row of column sums (u16) and one of output sums */
      if (alloc_scratch(&j, threads, dst->h, areak_scratch(n, j.k))) return SEG_ENOMEM;
      seg_parallel_chunks(threads, dst->h, 8, area_int_rows, &j);
      free(j.scratch);
      return 0;
    }
    int u8 = src->dtype == SEG_U8 && src->c <= 4;   /* area_gen_rows_u8's fixed taps */
    if (make_area_taps(src->w, dst->w, &j.ax_off, &j.ax_idx, &j.ax_w) ||
        make_area_taps(src->h, dst->h, &j.ay_off, &j.ay_idx, &j.ay_w) ||
        (u8 && area_gen_fixed_taps(&j, dst->w)) ||
        alloc_scratch(&j, threads, dst->h, (2 * n + 4 + (u8 ? area_gen_sd_len(src->w, src->c, j.gk) : 0)) *
                                           sizeof(double))) rc = SEG_ENOMEM;
    else seg_parallel_chunks(threads, dst->h, 8, area_gen_rows, &j);
    free(j.scratch);
    free(j.ax_off); free(j.ax_idx); free(j.ax_w);
    free(j.ay_off); free(j.ay_idx); free(j.ay_w);
    free(j.gbase); free(j.gw);
    return rc;
  }
  /* OpenCV turns an exact 2x bilinear downscale into its area fast path:
  ** the two are bit-identical there (weights 1/2, 1/2 on both axes). */
  if (method == SEG_RESIZE_BILINEAR && src->w == 2 * dst->w && src->h == 2 * dst->h &&
      src->c != 2) {
    j.k = 2;
    size_t n = (size_t)dst->w * (size_t)dst->c;
    if (alloc_scratch(&j, threads, dst->h, areak_scratch(n, 2))) return SEG_ENOMEM;
    seg_parallel_chunks(threads, dst->h, 8, area_int_rows, &j);
    free(j.scratch);
    return 0;
  }
  /* bilinear, or area upscaling (OpenCV's linear path with area taps) */
  int area = method == SEG_RESIZE_AREA;
  j.tx.idx = malloc(sizeof(int) * (size_t)dst->w);
  j.tx.wf = malloc(sizeof(float) * 2 * (size_t)dst->w);
  j.tx.wi = malloc(sizeof(int16_t) * 2 * (size_t)dst->w);
  j.ty.idx = malloc(sizeof(int) * (size_t)dst->h);
  j.ty.wf = malloc(sizeof(float) * 2 * (size_t)dst->h);
  j.ty.wi = malloc(sizeof(int16_t) * 2 * (size_t)dst->h);
  if (!j.tx.idx || !j.tx.wf || !j.tx.wi || !j.ty.idx || !j.ty.wf || !j.ty.wi ||
      alloc_scratch(&j, threads, dst->h, 2 * ((size_t)dst->w * (size_t)dst->c + 16) * sizeof(int16_t)))
    rc = SEG_ENOMEM;
  else {
    make_linear_taps(&j.tx, src->w, dst->w, area, 1);
    make_linear_taps(&j.ty, src->h, dst->h, area, 0);
    j.xv = hpass_vec_prefix(&j.tx, src->c, dst->w, src->w);
    seg_parallel_chunks(threads, dst->h, 8, linear_rows, &j);
  }
  free(j.scratch);
  free(j.tx.idx); free(j.tx.wf); free(j.tx.wi);
  free(j.ty.idx); free(j.ty.wf); free(j.ty.wi);
  return rc;
}

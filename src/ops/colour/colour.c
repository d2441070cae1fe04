/* colour.c — RGB <-> L*a*b*, HSV, HED as scikit-image 0.19's skimage.color
** (colorconv.py: rgb2xyz + xyz2lab, rgb2hsv, separate_stains with
** hed_from_rgb, and lab2xyz + xyz2rgb, hsv2rgb, combine_stains).
**
** Pixels are taken a chunk at a time into double arrays (one per channel),
** converted there in branch-free loops GCC vectorises, and stored as f32:
** scikit-image computes u8 and u16 inputs in float64, so doing the same
** keeps every result within float32 rounding of its answer. For u8 the
** per-value part of the forward transforms (sRGB linearisation, the log of
** colour deconvolution) is a 256-entry table built per call. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "colour.h"

#define CHUNK 256

/* skimage.color.colorconv: xyz_from_rgb, its inverse rgb_from_xyz, and
** the D65 / 2-degree white point. */
static const double xyz_from_rgb[3][3] = {
  {0.412453, 0.35758, 0.180423},
  {0.212671, 0.71516, 0.072169},
  {0.019334, 0.119193, 0.950227}};
static const double rgb_from_xyz[3][3] = {
  {3.2404813432005266, -1.5371515162713183, -0.4985363261688878},
  {-0.9692549499965682, 1.8759900014898907, 0.04155592655829284},
  {0.055646639135177166, -0.20404133836651123, 1.0573110696453443}};
static const double white[3] = {0.95047, 1.0, 1.08883};
/* rgb_from_hed (Ruifrok & Johnston 2001) and its inverse hed_from_rgb. */
static const double rgb_from_hed[3][3] = {
  {0.65, 0.70, 0.29}, {0.07, 0.99, 0.11}, {0.27, 0.57, 0.78}};
static const double hed_from_rgb[3][3] = {
  {1.8779827368521353, -1.0076786862855642, -0.5561158181996245},
  {-0.06590806222356335, 1.1347303724996625, -0.13552179862837113},
  {-0.601907363439289, -0.48041418849705786, 1.5735880719641924}};

double seg_colour_unit (SegDtype t) {
  return t == SEG_U8 ? 1.0 / 255.0 : t == SEG_U16 ? 1.0 / 65535.0 : 1.0;
}

/* ---------- per-value parts of the forward transforms ---------- */

static double srgb_linear (double v) {       /* rgb2xyz's gamma expansion */
  return v > 0.04045 ? pow((v + 0.055) / 1.055, 2.4) : v / 12.92;
}
static double stain_log (double v) {         /* separate_stains' log, 1e-6 floor */
  return log(v > 1e-6 ? v : 1e-6) / log(1e-6);
}
static double pre_value (SegColourSpace sp, double v) {
  return sp == SEG_COLOUR_LAB ? srgb_linear(v) : sp == SEG_COLOUR_HED ? stain_log(v) : v;
}

/* a where m is all ones, b where it is 0, blended on the bits: both arms
** are computed unconditionally, so GCC cannot sink one (with its
** possibly trapping division) under a branch, which stops vectorisation. */
static inline double pick (int64_t m, double a, double b) {
  int64_t ia, ib;
  memcpy(&ia, &a, 8);
  memcpy(&ib, &b, 8);
  ia = (ia & m) | (ib & ~m);
  memcpy(&a, &ia, 8);
  return a;
}

/* x^(-1/3) for x in [0.008856, 1e36] (xyz2lab only takes the cube root
** there) to float precision: a guess from the float bits (within 3%),
** then two division-free Newton steps u <- u (4 - x u^3) / 3 (errors
** 2e-3, 7e-6); lab_fwd takes two more in double (1.5e-10, 1e-20), and
** x u^2 is the root. Bit casts go through memcpy and selects through
** integer masks, so the loops vectorise. */
static inline float rcbrt_guess (float x) {
  float u;
  int32_t b;
  memcpy(&b, &x, 4);
  b = 1420470955 - b / 3;
  memcpy(&u, &b, 4);
  for (int k = 0; k < 2; k++) u = u * (4.0f - x * (u * u * u)) * (1.0f / 3.0f);
  return u;
}

/* ---------- chunk transforms: p[0..2][0..n) in, q[0..2][0..n) out ---------- */

/* rgb2xyz (linear RGB in) and xyz2lab in three passes over the chunk, so
** that the first Newton steps of the cube roots run on floats (twice the
** lanes of a vector): the XYZ of each pixel in double; rcbrt_guess of
** each; then two steps in double and f(t) = cbrt(t) above 0.008856,
** 7.787 t + 16/116 below. 28% faster than four double steps a root
** (1024² u8: 10.0 -> 7.2 ms); of the 50 M values of all 2^24 u8 colours
** 7 moved by one float ulp. */
SEG_CLONES static void lab_fwd (double *restrict p0, double *restrict p1, double *restrict p2,
                                double *restrict q0, double *restrict q1, double *restrict q2,
                                int n) {
  double t[3][CHUNK];
  float u[3][CHUNK];
  for (int i = 0; i < n; i++) {
    double r = p0[i], g = p1[i], b = p2[i];
    t[0][i] = (xyz_from_rgb[0][0] * r + xyz_from_rgb[0][1] * g + xyz_from_rgb[0][2] * b) * (1.0 / white[0]);
    t[1][i] = (xyz_from_rgb[1][0] * r + xyz_from_rgb[1][1] * g + xyz_from_rgb[1][2] * b) * (1.0 / white[1]);
    t[2][i] = (xyz_from_rgb[2][0] * r + xyz_from_rgb[2][1] * g + xyz_from_rgb[2][2] * b) * (1.0 / white[2]);
  }
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < n; i++) {
      double v = t[c][i];
      u[c][i] = rcbrt_guess((float)pick(-(int64_t)(v > 0.008856), v, 0.008856));
    }
  for (int i = 0; i < n; i++) {
    double f[3];
    for (int c = 0; c < 3; c++) {
      double v = t[c][i];
      int64_t big = -(int64_t)(v > 0.008856);
      double x = pick(big, v, 0.008856), w = u[c][i];
      for (int k = 0; k < 2; k++) w = w * (4.0 - x * (w * w * w)) * (1.0 / 3.0);
      f[c] = pick(big, x * w * w, 7.787 * v + 16.0 / 116.0);
    }
    q0[i] = 116.0 * f[1] - 16.0;
    q1[i] = 500.0 * (f[0] - f[1]);
    q2[i] = 200.0 * (f[1] - f[2]);
  }
}

SEG_CLONES static void hed_fwd (double *restrict p0, double *restrict p1, double *restrict p2,
                                double *restrict q0, double *restrict q1, double *restrict q2,
                                int n) {
  for (int i = 0; i < n; i++) {      /* row vector (log r, log g, log b) @ hed_from_rgb */
    double r = p0[i], g = p1[i], b = p2[i];
    double h = r * hed_from_rgb[0][0] + g * hed_from_rgb[1][0] + b * hed_from_rgb[2][0];
    double e = r * hed_from_rgb[0][1] + g * hed_from_rgb[1][1] + b * hed_from_rgb[2][1];
    double d = r * hed_from_rgb[0][2] + g * hed_from_rgb[1][2] + b * hed_from_rgb[2][2];
    q0[i] = h > 0 ? h : 0;
    q1[i] = e > 0 ? e : 0;
    q2[i] = d > 0 ? d : 0;
  }
}

/* rgb2hsv: where several channels equal the maximum the last of r, g, b
** wins (its assignments run in that order); grey pixels get h = s = 0. */
SEG_CLONES static void hsv_fwd (double *restrict p0, double *restrict p1, double *restrict p2,
                                double *restrict q0, double *restrict q1, double *restrict q2,
                                int n) {
  for (int i = 0; i < n; i++) {
    double r = p0[i], g = p1[i], b = p2[i];
    int64_t rg = r > g, gb = g > b, rb = r > b;
    double v = rg ? (rb ? r : b) : (gb ? g : b);
    double m = rg ? (gb ? b : g) : (rb ? b : r);
    double delta = v - m;
    int64_t grey = -(int64_t)(delta == 0), isb = -(int64_t)(b == v), isg = -(int64_t)(g == v);
    int64_t zero = -(int64_t)(v == 0);
    double dd = pick(grey, 1.0, delta);
    double num = pick(isb, r - g, pick(isg, b - r, g - b));
    double off = pick(isb, 4.0, pick(isg, 2.0, 0.0));
    double h = (off + num / dd) * (1.0 / 6.0);
    h = pick(-(int64_t)(h < 0), h + 1.0, h);   /* Python's % 1.0: h is in [-1/6, 1) */
    double sat = delta / pick(zero, 1.0, v);
    q0[i] = pick(grey, 0.0, h);
    q1[i] = pick(grey | ~-(int64_t)(sat == sat), 0.0, sat);
    q2[i] = v;
  }
}

/* t^(5/12) = t^(1/2.4) for t in [0.0031308, 1e4], as t u^7 with
** u = t^(-1/12): a guess from the float bits (within 6%), then
** division-free Newton steps u <- u (13 - t u^12) / 12 (errors 2e-2,
** 4e-3, 8e-5, 4e-8, 1e-14). (libm's pow and, while errno is kept, sqrt
** would not vectorise.) */
static inline double pow5_12 (double t) {
  float tf = (float)t, uf;
  int32_t b;
  memcpy(&b, &tf, 4);
  b = 1154132651 - b / 12;          /* 13/12 of the bits of 1.0f */
  memcpy(&uf, &b, 4);
  double u = uf;
  for (int k = 0; k < 5; k++) {
    double u2 = u * u, u4 = u2 * u2, u12 = u4 * u4 * u4;
    u = u * (13.0 - t * u12) * (1.0 / 12.0);
  }
  double u2 = u * u;
  return t * (u2 * u2 * u2 * u);
}

/* sRGB companding of xyz2rgb: 1.055 t^(1/2.4) - 0.055 above 0.0031308,
** 12.92 t below, clipped to 0..1. Values above
** 1e4 are clipped to 1 anyway: the root's input is capped there. */
static inline double srgb_gamma (double t) {
  int64_t big = -(int64_t)(t > 0.0031308);
  double c = pick(big, t, 1.0);
  c = pick(-(int64_t)(c < 1e4), c, 1e4);
  double g = pick(big, 1.055 * pow5_12(c) - 0.055, t * 12.92);
  g = pick(-(int64_t)(g > 0), g, 0.0);
  return pick(-(int64_t)(g < 1), g, 1.0);
}

static inline double lab_finv (double t) {
  return pick(-(int64_t)(t > 0.2068966), t * t * t, (t - 16.0 / 116.0) / 7.787);
}

SEG_CLONES static void lab_inv (double *restrict p0, double *restrict p1, double *restrict p2,
                                double *restrict q0, double *restrict q1, double *restrict q2,
                                int n) {
  for (int i = 0; i < n; i++) {
    double y = (p0[i] + 16.0) / 116.0, x = p1[i] / 500.0 + y, z = y - p2[i] / 200.0;
    z = pick(-(int64_t)(z < 0), 0.0, z);   /* lab2xyz clips Z (with a warning) */
    double X = lab_finv(x) * white[0], Y = lab_finv(y) * white[1], Z = lab_finv(z) * white[2];
    q0[i] = srgb_gamma(rgb_from_xyz[0][0] * X + rgb_from_xyz[0][1] * Y + rgb_from_xyz[0][2] * Z);
    q1[i] = srgb_gamma(rgb_from_xyz[1][0] * X + rgb_from_xyz[1][1] * Y + rgb_from_xyz[1][2] * Z);
    q2[i] = srgb_gamma(rgb_from_xyz[2][0] * X + rgb_from_xyz[2][1] * Y + rgb_from_xyz[2][2] * Z);
  }
}

/* e^x for x <= 0 (hed2rgb's exp of minus the optical densities): Cody-Waite
** reduction and a degree-11 Taylor polynomial on |r| <= ln2/2 (error below
** 1e-15 relative), 2^n from the exponent bits; x below -700 gives 0,
** x above 0 gives 1 (the caller clips there anyway) and NaN stays NaN:
** n must be a finite integer before it is converted. */
static inline double exp_neg (double x) {
  const double x0 = x;
  int64_t tiny = -(int64_t)(x < -700.0), nan = -(int64_t)(x != x);
  x = pick(tiny, -700.0, x);
  x = pick(-(int64_t)(x > 0.0) | nan, 0.0, x);
  double n = (x * 1.4426950408889634 + 6755399441055744.0) - 6755399441055744.0;
  double r = x - n * 0.6931471803691238 - n * 1.9082149292705877e-10;
  double p = 1.0 / 39916800;
  p = p * r + 1.0 / 3628800; p = p * r + 1.0 / 362880; p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040; p = p * r + 1.0 / 720; p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24; p = p * r + 1.0 / 6; p = p * r + 0.5; p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t bits;
  memcpy(&bits, &p, 8);
  bits += (int64_t)n * ((int64_t)1 << 52);
  memcpy(&p, &bits, 8);
  return pick(nan, x0, pick(tiny, 0.0, p));
}

SEG_CLONES static void hed_inv (double *restrict p0, double *restrict p1, double *restrict p2,
                                double *restrict q0, double *restrict q1, double *restrict q2,
                                int n) {
  const double adj = 13.815510557964274;      /* -log(1e-6) */
  for (int i = 0; i < n; i++) {
    double s0 = p0[i] * adj, s1 = p1[i] * adj, s2 = p2[i] * adj;
    double r = exp_neg(-(s0 * rgb_from_hed[0][0] + s1 * rgb_from_hed[1][0] + s2 * rgb_from_hed[2][0]));
    double g = exp_neg(-(s0 * rgb_from_hed[0][1] + s1 * rgb_from_hed[1][1] + s2 * rgb_from_hed[2][1]));
    double b = exp_neg(-(s0 * rgb_from_hed[0][2] + s1 * rgb_from_hed[1][2] + s2 * rgb_from_hed[2][2]));
    q0[i] = pick(-(int64_t)(r > 1), 1.0, r);   /* positive exponents: clipped to 1 */
    q1[i] = pick(-(int64_t)(g > 1), 1.0, g);
    q2[i] = pick(-(int64_t)(b > 1), 1.0, b);
  }
}

/* hsv2rgb, written as channel = v (1 - s min(max(min(k, 4 - k), 0), 1)) with
** k = (n + 6h) mod 6, n = 5, 3, 1 for r, g, b: the same values as
** skimage's sector table (v, t, p / q, v, p / ...) up to rounding, and no
** table lookups, so it vectorises. */
/* floor(y) for |y| < 2^51 by rounding to nearest with 1.5 * 2^52 (libm's
** floor does not vectorise while FP traps are honoured). */
static inline double floor_v (double y) {
  double r = (y + 6755399441055744.0) - 6755399441055744.0;
  return pick(-(int64_t)(r > y), r - 1.0, r);
}

static inline double hsv_channel (double n, double h6, double s, double v) {
  double x = n + h6;
  double k = x - 6.0 * floor_v(x * (1.0 / 6.0));
  double t = 4.0 - k;
  double m = pick(-(int64_t)(k < t), k, t);
  m = pick(-(int64_t)(m < 0), 0.0, m);
  m = pick(-(int64_t)(m > 1), 1.0, m);
  return v * (1 - s * m);
}

SEG_CLONES static void hsv_inv (double *restrict p0, double *restrict p1, double *restrict p2,
                                double *restrict q0, double *restrict q1, double *restrict q2,
                                int n) {
  for (int i = 0; i < n; i++) {
    double h6 = p0[i] * 6.0, s = p1[i], v = p2[i];
    q0[i] = hsv_channel(5.0, h6, s, v);
    q1[i] = hsv_channel(3.0, h6, s, v);
    q2[i] = hsv_channel(1.0, h6, s, v);
  }
}

/* ---------- float32 kernels: hsv, hsv2rgb, lab2rgb ----------
** These three compute in float (16 lanes of AVX-512): every step is a
** product, sum or quotient of values of a few units, so the result is
** within a few float ulps (1e-6 at most, measured 3e-7 on the spec
** fixtures) of the float64 formulas, well inside the 1e-4 the spec asks of
** skimage's agreement. */

static inline float pickf (int32_t m, float a, float b) {
  int32_t ia, ib;
  memcpy(&ia, &a, 4);
  memcpy(&ib, &b, 4);
  ia = (ia & m) | (ib & ~m);
  memcpy(&a, &ia, 4);
  return a;
}

SEG_CLONES static void hsv_fwd_f (float *restrict p0, float *restrict p1, float *restrict p2,
                                  float *restrict q0, float *restrict q1, float *restrict q2,
                                  int n) {
  for (int i = 0; i < n; i++) {
    float r = p0[i], g = p1[i], b = p2[i];
    int32_t rg = r > g, gb = g > b, rb = r > b;
    float v = rg ? (rb ? r : b) : (gb ? g : b);
    float m = rg ? (gb ? b : g) : (rb ? b : r);
    float delta = v - m;
    int32_t grey = -(int32_t)(delta == 0), isb = -(int32_t)(b == v), isg = -(int32_t)(g == v);
    int32_t zero = -(int32_t)(v == 0);
    float dd = pickf(grey, 1.0f, delta);
    float num = pickf(isb, r - g, pickf(isg, b - r, g - b));
    float off = pickf(isb, 4.0f, pickf(isg, 2.0f, 0.0f));
    float h = (off + num / dd) * (1.0f / 6.0f);
    h = pickf(-(int32_t)(h < 0), h + 1.0f, h);   /* Python's % 1.0: h is in [-1/6, 1) */
    float sat = delta / pickf(zero, 1.0f, v);
    q0[i] = pickf(grey, 0.0f, h);
    q1[i] = pickf(grey | ~-(int32_t)(sat == sat), 0.0f, sat);
    q2[i] = v;
  }
}

/* floor(y): rounding to nearest with 1.5 * 2^23 below 2^22, y itself
** (already whole) from there. */
static inline float floor_f (float y) {
  float r = (y + 12582912.0f) - 12582912.0f;
  r = pickf(-(int32_t)(r > y), r - 1.0f, r);
  return pickf(-(int32_t)(fabsf(y) < 4194304.0f), r, y);
}

/* One channel from hm = 6h mod 6 in [0, 6]: k = (n + hm) mod 6. */
static inline float hsv_channel_f (float n, float hm, float s, float v) {
  float k = n + hm;
  k = pickf(-(int32_t)(k >= 6.0f), k - 6.0f, k);
  float t = 4.0f - k;
  float m = pickf(-(int32_t)(k < t), k, t);
  m = pickf(-(int32_t)(m < 0), 0.0f, m);
  m = pickf(-(int32_t)(m > 1), 1.0f, m);
  return v * (1 - s * m);
}

SEG_CLONES static void hsv_inv_f (float *restrict p0, float *restrict p1, float *restrict p2,
                                  float *restrict q0, float *restrict q1, float *restrict q2,
                                  int n) {
  for (int i = 0; i < n; i++) {
    float h6 = p0[i] * 6.0f, s = p1[i], v = p2[i];
    float hm = h6 - 6.0f * floor_f(p0[i]);
    q0[i] = hsv_channel_f(5.0f, hm, s, v);
    q1[i] = hsv_channel_f(3.0f, hm, s, v);
    q2[i] = hsv_channel_f(1.0f, hm, s, v);
  }
}

/* t^(5/12) for t in [0.0031308, 1e4] as pow5_12, in float: four Newton
** steps reach float precision (errors 2e-2, 4e-3, 8e-5, 4e-8). */
static inline float pow5_12f (float t) {
  float uf;
  int32_t b;
  memcpy(&b, &t, 4);
  b = 1154132651 - b / 12;
  memcpy(&uf, &b, 4);
  float u = uf;
  for (int k = 0; k < 4; k++) {
    float u2 = u * u, u4 = u2 * u2, u12 = u4 * u4 * u4;
    u = u * (13.0f - t * u12) * (1.0f / 12.0f);
  }
  float u2 = u * u;
  return t * (u2 * u2 * u2 * u);
}

static inline float srgb_gamma_f (float t) {
  int32_t big = -(int32_t)(t > 0.0031308f);
  float c = pickf(big, t, 1.0f);
  c = pickf(-(int32_t)(c < 1e4f), c, 1e4f);
  float g = pickf(big, 1.055f * pow5_12f(c) - 0.055f, t * 12.92f);
  g = pickf(-(int32_t)(g > 0), g, 0.0f);
  return pickf(-(int32_t)(g < 1), g, 1.0f);
}

static inline float lab_finv_f (float t) {
  return pickf(-(int32_t)(t > 0.2068966f), t * t * t, (t - 16.0f / 116.0f) * (1.0f / 7.787f));
}

SEG_CLONES static void lab_inv_f (float *restrict p0, float *restrict p1, float *restrict p2,
                                  float *restrict q0, float *restrict q1, float *restrict q2,
                                  int n) {
  const float w0 = (float)white[0], w2 = (float)white[2];
  const float m00 = (float)rgb_from_xyz[0][0], m01 = (float)rgb_from_xyz[0][1], m02 = (float)rgb_from_xyz[0][2];
  const float m10 = (float)rgb_from_xyz[1][0], m11 = (float)rgb_from_xyz[1][1], m12 = (float)rgb_from_xyz[1][2];
  const float m20 = (float)rgb_from_xyz[2][0], m21 = (float)rgb_from_xyz[2][1], m22 = (float)rgb_from_xyz[2][2];
  for (int i = 0; i < n; i++) {
    float y = (p0[i] + 16.0f) * (1.0f / 116.0f), x = p1[i] * (1.0f / 500.0f) + y, z = y - p2[i] * (1.0f / 200.0f);
    z = pickf(-(int32_t)(z < 0), 0.0f, z);   /* lab2xyz clips Z (with a warning) */
    float X = lab_finv_f(x) * w0, Y = lab_finv_f(y), Z = lab_finv_f(z) * w2;
    q0[i] = srgb_gamma_f(m00 * X + m01 * Y + m02 * Z);
    q1[i] = srgb_gamma_f(m10 * X + m11 * Y + m12 * Z);
    q2[i] = srgb_gamma_f(m20 * X + m21 * Y + m22 * Z);
  }
}

typedef void (*ChunkFnF) (float *restrict, float *restrict, float *restrict,
                          float *restrict, float *restrict, float *restrict, int);

typedef void (*ChunkFn) (double *restrict, double *restrict, double *restrict,
                         double *restrict, double *restrict, double *restrict, int);

typedef struct Job {
  const SegBuf *src;
  SegBuf *dst;
  SegColourSpace space;
  int inverse;
  double gain, offset;
  double lut[256];        /* u8: pre_value(i * gain + offset) (forward) or i * gain + offset */
  ChunkFn fn;
  ChunkFnF fnf;           /* the float kernel, when there is one */
  float lutf[256];
  float *planes;          /* planar output instead of dst (seg_colour_planar) */
  size_t plane;
  float scale;
} Job;

/* The float path: u8 RGB scaled in float, other u8 through the table, f32 as given when gain is 1 and
** offset 0, others through double; rows of CHUNK pixels. */
SEG_CLONES static void run_rows_f (void *arg, int y0, int y1) {
  const Job *j = arg;
  const SegBuf *src = j->src;
  float p[3][CHUNK], q[3][CHUNK];
  size_t sc = (size_t)src->c;
  int plain = j->gain == 1.0 && j->offset == 0.0;
  float gf = (float)j->gain, of = (float)j->offset;
  for (int y = y0; y < y1; y++) {
    const uint8_t *row = seg_row(src, y);
    float *d = seg_row_f32(j->dst, y);
    for (int x0 = 0; x0 < src->w; x0 += CHUNK) {
      int n = src->w - x0 < CHUNK ? src->w - x0 : CHUNK;
      size_t base = (size_t)x0 * sc;
      if (src->dtype == SEG_U8 && sc == 3) {    /* v gain + offset in float: within an ulp */
        const uint8_t *s = row + base;
        for (int i = 0; i < n; i++) {
          p[0][i] = (float)s[3 * i] * gf + of;
          p[1][i] = (float)s[3 * i + 1] * gf + of;
          p[2][i] = (float)s[3 * i + 2] * gf + of;
        }
      } else if (src->dtype == SEG_U8) {
        const uint8_t *s = row + base;
        for (int i = 0; i < n; i++)
          for (int c = 0; c < 3; c++) p[c][i] = j->lutf[s[(size_t)i * sc + c]];
      } else if (src->dtype == SEG_F32 && plain && sc == 3) {
        const float *s = (const float *)row + base;
        for (int i = 0; i < n; i++) { p[0][i] = s[3 * i]; p[1][i] = s[3 * i + 1]; p[2][i] = s[3 * i + 2]; }
      } else {
        for (int i = 0; i < n; i++)
          for (int c = 0; c < 3; c++)
            p[c][i] = (float)(seg_elem(src->dtype, row, base + (size_t)i * sc + c) * j->gain + j->offset);
      }
      j->fnf(p[0], p[1], p[2], q[0], q[1], q[2], n);
      float *o = d + (size_t)x0 * 3;
      for (int i = 0; i < n; i++) {
        o[3 * i] = q[0][i];
        o[3 * i + 1] = q[1][i];
        o[3 * i + 2] = q[2][i];
      }
    }
  }
}

SEG_CLONES static void run_rows (void *arg, int y0, int y1) {
  const Job *j = arg;
  const SegBuf *src = j->src;
  double p[3][CHUNK], q[3][CHUNK];
  int pre = !j->inverse && j->space != SEG_COLOUR_HSV;
  for (int y = y0; y < y1; y++) {
    const uint8_t *row = seg_row(src, y);
    float *d = j->planes ? NULL : seg_row_f32(j->dst, y);
    for (int x0 = 0; x0 < src->w; x0 += CHUNK) {
      int n = src->w - x0 < CHUNK ? src->w - x0 : CHUNK;
      size_t base = (size_t)x0 * (size_t)src->c;
      if (src->dtype == SEG_U8) {
        const uint8_t *s = row + base;
        for (int i = 0; i < n; i++)
          for (int c = 0; c < 3; c++) p[c][i] = j->lut[s[(size_t)i * src->c + c]];
      } else if (src->dtype == SEG_F32 && !pre) {
        const float *s = (const float *)row + base;
        size_t sc = (size_t)src->c;
        for (int c = 0; c < 3; c++)
          for (int i = 0; i < n; i++) p[c][i] = s[(size_t)i * sc + c] * j->gain + j->offset;
      } else {
        for (int i = 0; i < n; i++)
          for (int c = 0; c < 3; c++) {
            double v = seg_elem(src->dtype, row, base + (size_t)i * src->c + c) * j->gain + j->offset;
            p[c][i] = pre ? pre_value(j->space, v) : v;
          }
      }
      j->fn(p[0], p[1], p[2], q[0], q[1], q[2], n);
      if (j->planes) {
        for (int c = 0; c < 3; c++) {
          float *restrict o = j->planes + c * j->plane + (size_t)y * src->w + x0;
          for (int i = 0; i < n; i++) o[i] = (float)q[c][i] * j->scale;
        }
        continue;
      }
      float *o = d + (size_t)x0 * 3;
      for (int i = 0; i < n; i++) {
        o[3 * i] = (float)q[0][i];
        o[3 * i + 1] = (float)q[1][i];
        o[3 * i + 2] = (float)q[2][i];
      }
    }
  }
}

/* run_rows for u8 RGB(A) to planes (SLIC's features): the table lookups
** and the float products only, vectorised per target (no expression here
** that FMA contraction could change). */
SEG_CLONES static void run_rows_u8_planar (void *arg, int y0, int y1) {
  const Job *j = arg;
  const SegBuf *src = j->src;
  double p[3][CHUNK], q[3][CHUNK];
  size_t sc = (size_t)src->c;
  for (int y = y0; y < y1; y++) {
    const uint8_t *row = seg_row(src, y);
    for (int x0 = 0; x0 < src->w; x0 += CHUNK) {
      int n = src->w - x0 < CHUNK ? src->w - x0 : CHUNK;
      const uint8_t *s = row + (size_t)x0 * sc;
      for (int i = 0; i < n; i++) {
        p[0][i] = j->lut[s[(size_t)i * sc]];
        p[1][i] = j->lut[s[(size_t)i * sc + 1]];
        p[2][i] = j->lut[s[(size_t)i * sc + 2]];
      }
      j->fn(p[0], p[1], p[2], q[0], q[1], q[2], n);
      for (int c = 0; c < 3; c++) {
        float *restrict o = j->planes + c * j->plane + (size_t)y * src->w + x0;
        for (int i = 0; i < n; i++) o[i] = (float)q[c][i] * j->scale;
      }
    }
  }
}

static void convert (const SegBuf *src, SegBuf *dst, float *planes, float scale,
                     SegColourSpace space, int inverse, double gain, double offset, int threads) {
  static const ChunkFn fwd[] = {lab_fwd, hsv_fwd, hed_fwd}, inv[] = {lab_inv, hsv_inv, hed_inv};
  static const ChunkFnF fwdf[] = {NULL, hsv_fwd_f, NULL}, invf[] = {lab_inv_f, hsv_inv_f, NULL};
  Job j = {src, dst, space, inverse, gain, offset, {0}, inverse ? inv[space] : fwd[space],
           inverse ? invf[space] : fwdf[space], {0}, planes, (size_t)src->w * src->h, scale};
  if (planes) j.fnf = NULL;                    /* the planar form is the float64 path's */
  if (src->dtype == SEG_U8)
    for (int i = 0; i < 256; i++) {
      double v = i * gain + offset;
      j.lut[i] = inverse ? v : pre_value(space, v);
      j.lutf[i] = (float)j.lut[i];
    }
  /* about 32k pixels per chunk of rows: smaller jobs stay on one thread */
  int grain = 1 + (32768 / (src->w > 0 ? src->w : 1));
  SegRangeFn rows = j.fnf ? run_rows_f : planes && src->dtype == SEG_U8 ? run_rows_u8_planar : run_rows;
  seg_parallel_for(threads, src->h, grain, rows, &j);
}

void seg_colour_convert (const SegBuf *src, SegBuf *dst, SegColourSpace space, int inverse,
                         double gain, double offset, int threads) {
  seg_assert(src->c >= 3 && dst->c == 3 && dst->dtype == SEG_F32 && seg_buf_samesize(src, dst));
  seg_assert(src->dtype != SEG_I32);
  convert(src, dst, NULL, 1.0f, space, inverse, gain, offset, threads);
}

void seg_colour_planar (const SegBuf *src, float *planes, float scale, SegColourSpace space,
                        double gain, double offset, int threads) {
  seg_assert(src->c >= 3 && src->dtype != SEG_I32);
  convert(src, NULL, planes, scale, space, 0, gain, offset, threads);
}

#define FORWARD(name, sp) \
  void name (const SegBuf *src, SegBuf *dst, int threads) { \
    seg_colour_convert(src, dst, sp, 0, seg_colour_unit(src->dtype), 0.0, threads); }
#define INVERSE(name, sp) \
  void name (const SegBuf *src, SegBuf *dst, int threads) { \
    seg_colour_convert(src, dst, sp, 1, seg_colour_unit(src->dtype), 0.0, threads); }
FORWARD(seg_rgb_to_lab, SEG_COLOUR_LAB)
FORWARD(seg_rgb_to_hsv, SEG_COLOUR_HSV)
FORWARD(seg_rgb_to_hed, SEG_COLOUR_HED)
INVERSE(seg_lab_to_rgb, SEG_COLOUR_LAB)
INVERSE(seg_hsv_to_rgb, SEG_COLOUR_HSV)
INVERSE(seg_hed_to_rgb, SEG_COLOUR_HED)

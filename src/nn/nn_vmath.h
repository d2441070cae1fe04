/* nn_vmath.h — exp, tanh and erf for f32 loops the compiler vectorises.
**
** libm's expf/tanhf/erff are calls the compiler cannot vectorise (errno,
** no SIMD variants without -ffast-math), which makes Sigmoid, Softmax and
** Erf ten times slower than a memory-bound operator. These are branch-free
** (every case is computed and selected), so a loop over them vectorises.
** Accuracy: exp within 2 ulp (Cephes' polynomial after a two-constant ln 2
** reduction), tanh and erf within about 4e-7 relative; results below
** about 1e-37 flush to 0. NaN gives NaN. */
#ifndef NN_VMATH_H
#define NN_VMATH_H

#include <math.h>
#include <stdint.h>

/* 2^e for e in [-126, 127], from the exponent bits. */
static inline float nn_pow2i (int32_t e) {
  union { int32_t i; float f; } u;
  u.i = (e + 127) << 23;
  return u.f;
}

static inline float nn_expf (float x) {
  float xc = x > -87.0f ? x : -87.0f;          /* NaN clamps too: no UB below */
  xc = xc < 88.72283f ? xc : 88.72283f;
  float t = xc * 1.44269504088896341f;
  float n = (t + 12582912.0f) - 12582912.0f;   /* round to nearest, |t| < 2^22 */
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  p = p * nn_pow2i((int32_t)n - 1) * 2.0f;     /* n - 1 so that n = 128 stays finite */
  p = x < -86.0f ? 0.0f : p;
  p = x > 88.72283f ? INFINITY : p;
  return x != x ? x : p;
}

/* tanh: odd polynomial below 0.625 (Cephes), (1 - e) / (1 + e) with
** e = exp(-2|x|) above, where there is no cancellation. */
static inline float nn_tanhf (float x) {
  float a = fabsf(x), z = x * x;
  float s = -5.70498872745e-3f;
  s = s * z + 2.06390887954e-2f;
  s = s * z - 5.37397155531e-2f;
  s = s * z + 1.33314422036e-1f;
  s = s * z - 3.33332819422e-1f;
  s = s * z * x + x;
  float e = nn_expf(-2.0f * a), l = (1.0f - e) / (1.0f + e);
  l = x < 0 ? -l : l;
  return a < 0.625f ? s : l;
}

/* erfc(a) for a >= 1: exp(-a^2) erfcx(a), erfcx fitted as a polynomial in
** t = 1 / (1 + a/2) on [1, 9.5] (relative error 3.3e-7). */
static inline float nn_erfc_tail (float a) {
  float ac = a < 9.5f ? a : 9.5f;
  float t = 1.0f / (1.0f + 0.5f * ac);
  float p = 7.4264511e-02f;
  p = p * t - 3.2875741e-01f;
  p = p * t + 3.7330693e-01f;
  p = p * t + 3.5016749e-02f;
  p = p * t + 2.8798863e-01f;
  p = p * t + 2.7495837e-01f;
  p = p * t + 2.8277415e-01f;
  p = p * t - 2.7300768e-05f;
  return nn_expf(-a * a) * p;
}

/* erf: x P(x^2) below 1 (fitted, relative error 2e-7), 1 - erfc above. */
static inline float nn_erff (float x) {
  float a = fabsf(x), z = x * x;
  float p = -5.6678732e-04f;
  p = p * z + 4.9273898e-03f;
  p = p * z - 2.6720867e-02f;
  p = p * z + 1.1280578e-01f;
  p = p * z - 3.7612391e-01f;
  p = p * z + 1.1283791e+00f;
  float l = 1.0f - nn_erfc_tail(a);
  l = x < 0 ? -l : l;
  return a < 1.0f ? x * p : l;
}

#endif

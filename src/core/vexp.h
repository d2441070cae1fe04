/* vexp.h — e^x for x <= 0 in float, written so loops over it vectorise
** (kernel layer, no Lua). Shared by the GrabCut likelihoods and quick
** shift's densities. */
#ifndef SEG_VEXP_H
#define SEG_VEXP_H

#include <stdint.h>
#include <string.h>

/* Cephes' expf polynomial (relative error ~2e-7) after a Cody-Waite
** reduction x = n ln2 + f; x below -87 is taken as -87 (e^-87 ~ 1.6e-38).
** The clamp compares the bit patterns as unsigned integers (negative floats
** are the patterns from 0x80000000 up, more negative ones larger), since a
** float compare would keep GCC from if-converting under -ftrapping-math.
** The caller guarantees x <= 0 and not NaN: 2^n is built from its bits. */
static inline float seg_exp_neg (float x) {
  uint32_t xi;
  memcpy(&xi, &x, 4);
  const uint32_t lim = 0xC2AE0000u;              /* -87.0f */
  xi = xi > lim ? lim : xi;
  memcpy(&x, &xi, 4);
  float t = x * 1.44269504088896341f;
  float r = (t + 12582912.0f) - 12582912.0f;     /* round to nearest */
  float f = x - r * 0.693359375f + r * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * f + 1.3981999507e-3f;
  p = p * f + 8.3334519073e-3f;
  p = p * f + 4.1665795894e-2f;
  p = p * f + 1.6666665459e-1f;
  p = p * f + 5.0000001201e-1f;
  p = p * f * f + f + 1.0f;
  int32_t si = ((int32_t)r + 127) << 23;         /* r >= -126: a normal 2^r */
  float sc;
  memcpy(&sc, &si, 4);
  return p * sc;
}

#endif

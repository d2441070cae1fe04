/* lut.c — see lut.h. */
#include "core/lut.h"
#include "core/segk.h"

#ifdef SEG_X86_TARGETS
#include <immintrin.h>
/* vpermt2b looks up the low 7 bits in a 128-byte table (two registers);
** the top bit picks the first or second half of the 256. The tail runs
** under a byte mask, so nothing outside [0, n) is read or written. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static void lut_vbmi (const uint8_t *lut, const uint8_t *s, uint8_t *d, size_t n) {
  const __m512i t0 = _mm512_loadu_si512(lut), t1 = _mm512_loadu_si512(lut + 64);
  const __m512i t2 = _mm512_loadu_si512(lut + 128), t3 = _mm512_loadu_si512(lut + 192);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512i x = _mm512_loadu_si512(s + i);
    __m512i lo = _mm512_permutex2var_epi8(t0, x, t1), hi = _mm512_permutex2var_epi8(t2, x, t3);
    _mm512_storeu_si512(d + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi));
  }
  if (i < n) {
    __mmask64 k = ((__mmask64)1 << (n - i)) - 1;
    __m512i x = _mm512_maskz_loadu_epi8(k, s + i);
    __m512i lo = _mm512_permutex2var_epi8(t0, x, t1), hi = _mm512_permutex2var_epi8(t2, x, t3);
    _mm512_mask_storeu_epi8(d + i, k, _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi));
  }
}
#endif

void seg_lut_u8 (const uint8_t *lut, const uint8_t *s, uint8_t *d, size_t n) {
#ifdef SEG_X86_TARGETS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw")) {
    lut_vbmi(lut, s, d, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) d[i] = lut[s[i]];
}

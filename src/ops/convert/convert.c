/* convert.c — dtype, colour and channel conversions. */
#include <math.h>
#include <string.h>
#include "convert.h"

void seg_copy_window (const SegBuf *src, int x, int y, SegBuf *dst) {
  size_t es = (size_t)src->c * seg_dtype_size(src->dtype);
  for (int r = 0; r < dst->h; r++)
    memcpy(seg_row(dst, r), seg_row(src, y + r) + (size_t)x * es, (size_t)dst->w * es);
}

/* ---------- dtype conversion ---------- */

typedef struct ConvJob { const SegBuf *src; SegBuf *dst; double scale; } ConvJob;

/* Saturating casts from float with round-half-even (lrintf semantics under
** the default rounding mode), as OpenCV's saturate_cast. */
static inline uint8_t sat_u8f (float v) {
  v = nearbyintf(v);
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)v;
}
static inline uint16_t sat_u16f (float v) {
  v = nearbyintf(v);
  return v <= 0.0f ? 0 : v >= 65535.0f ? 65535 : (uint16_t)v;
}
static inline int32_t sat_i32d (double v) {
  v = nearbyint(v);
  return v <= -2147483648.0 ? INT32_MIN : v >= 2147483647.0 ? INT32_MAX : (int32_t)v;
}

/* Converts n elements; 'scale' multiplies before rounding. NaN becomes 0. */
SEG_CLONES static void conv_elems (const void *sp, SegDtype st, void *dp,
                                   SegDtype dt, size_t n, double scale) {
  float fs = (float)scale;
#define LOOP(ST, DT, EXPR) do { const ST *s = sp; DT *d = dp; \
    for (size_t i = 0; i < n; i++) { EXPR; } } while (0)
  switch (st * 4 + dt) {
    /* from u8 */
    case SEG_U8 * 4 + SEG_U8: LOOP(uint8_t, uint8_t, d[i] = sat_u8f(s[i] * fs)); break;
    case SEG_U8 * 4 + SEG_U16: LOOP(uint8_t, uint16_t, d[i] = sat_u16f(s[i] * fs)); break;
    case SEG_U8 * 4 + SEG_I32: LOOP(uint8_t, int32_t, d[i] = sat_i32d(s[i] * scale)); break;
    case SEG_U8 * 4 + SEG_F32: LOOP(uint8_t, float, d[i] = (float)s[i] * fs); break;
    /* from u16 */
    case SEG_U16 * 4 + SEG_U8: LOOP(uint16_t, uint8_t, d[i] = sat_u8f(s[i] * fs)); break;
    case SEG_U16 * 4 + SEG_U16: LOOP(uint16_t, uint16_t, d[i] = sat_u16f(s[i] * fs)); break;
    case SEG_U16 * 4 + SEG_I32: LOOP(uint16_t, int32_t, d[i] = sat_i32d(s[i] * scale)); break;
    case SEG_U16 * 4 + SEG_F32: LOOP(uint16_t, float, d[i] = (float)s[i] * fs); break;
    /* from i32: computed in double, exact for every int32 */
    case SEG_I32 * 4 + SEG_U8: LOOP(int32_t, uint8_t, { double v = nearbyint(s[i] * scale);
      d[i] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v; }); break;
    case SEG_I32 * 4 + SEG_U16: LOOP(int32_t, uint16_t, { double v = nearbyint(s[i] * scale);
      d[i] = v <= 0 ? 0 : v >= 65535 ? 65535 : (uint16_t)v; }); break;
    case SEG_I32 * 4 + SEG_I32: LOOP(int32_t, int32_t, d[i] = sat_i32d(s[i] * scale)); break;
    case SEG_I32 * 4 + SEG_F32: LOOP(int32_t, float, d[i] = (float)(s[i] * scale)); break;
    /* from f32 */
    case SEG_F32 * 4 + SEG_U8: LOOP(float, uint8_t, { float v = s[i] * fs;
      d[i] = v == v ? sat_u8f(v) : 0; }); break;
    case SEG_F32 * 4 + SEG_U16: LOOP(float, uint16_t, { float v = s[i] * fs;
      d[i] = v == v ? sat_u16f(v) : 0; }); break;
    case SEG_F32 * 4 + SEG_I32: LOOP(float, int32_t, { double v = (double)s[i] * scale;
      d[i] = v == v ? sat_i32d(v) : 0; }); break;
    default: LOOP(float, float, d[i] = s[i] * fs); break;
  }
#undef LOOP
}

static void conv_rows (void *arg, int y0, int y1) {
  ConvJob *j = arg;
  size_t n = (size_t)j->src->w * (size_t)j->src->c;
  for (int y = y0; y < y1; y++)
    conv_elems(seg_row(j->src, y), j->src->dtype, seg_row(j->dst, y), j->dst->dtype, n, j->scale);
}

void seg_convert (const SegBuf *src, SegBuf *dst, double scale, int threads) {
  ConvJob j = {src, dst, scale};
  seg_parallel_for(threads, src->h, 16, conv_rows, &j);
}

/* ---------- gray ---------- */

/* BT.601 luma (0.299, 0.587, 0.114) in OpenCV 4's fixed point: 15-bit
** coefficients summing to 32768, for u8 and u16 alike. */
enum { GRAY_R = 9798, GRAY_G = 19235, GRAY_B = 3735, GRAY_SHIFT = 15 };

SEG_CLONES static void gray_u8 (const uint8_t *restrict s, uint8_t *restrict d, int w, int c) {
  if (c == 3)
    for (int x = 0; x < w; x++)
      d[x] = (uint8_t)((s[3 * x] * GRAY_R + s[3 * x + 1] * GRAY_G + s[3 * x + 2] * GRAY_B +
                        (1 << (GRAY_SHIFT - 1))) >> GRAY_SHIFT);
  else
    for (int x = 0; x < w; x++)
      d[x] = (uint8_t)((s[4 * x] * GRAY_R + s[4 * x + 1] * GRAY_G + s[4 * x + 2] * GRAY_B +
                        (1 << (GRAY_SHIFT - 1))) >> GRAY_SHIFT);
}

/* The same bytes with AVX2, 32 pixels a step. gcc vectorises the loops
** above by widening every byte to a 32-bit lane and multiplying with
** vpmulld (~1.6 cycles a pixel, compute-bound); here the products are
** vpmaddwd's exact 16x16->32-bit pairwise multiply-adds (every coefficient
** and byte fits an int16): RGB rows are byte-shuffled into (R,G) and (B,0)
** word pairs, RGBA rows masked and shifted into (R,B) and (G,A) pairs (A
** times 0), and a dword lane's sum is the scalar loop's S = 9798 R +
** 19235 G + 3735 B exactly. The rounding add goes into vpavgw: with
** t = S >> 14 (<= 510, so it packs to u16 losslessly), (t + 1) >> 1 =
** (S + 16384) >> 15, since both are q + (r >= 16384) for S = 32768 q + r.
**
** vpshufb, vpackusdw and the lane order stay within 128-bit lanes, so
** group k of a step (k = 0..3) puts pixels 4k..4k+3 in its low lane and
** 16+4k..16+4k+3 in its high one; the two packs then leave pixels 0..15
** and 16..31 in order, with no cross-lane permute. Each lane is a 16-byte
** load: an RGB high lane starts 4 bytes early (its shuffle indices are 4
** higher), so no load reaches past the step's 96 bytes: nothing is read
** beyond the row's last pixel, whatever the row's alignment or stride.
** Rows of 32 pixels or more end with a step at w - 32, rewriting some
** pixels with the same values; shorter rows take the loop above. Only
** called where the CPU has AVX2 (seg_cpu_avx2), so the baseline build
** never runs it. Its own target attribute (not SEG_CLONES) makes it fast
** in clang and SEG_NO_CLONES (sanitizer) builds too. */
#ifdef SEG_X86_TARGETS
#include <immintrin.h>
__attribute__((target("avx2")))
static inline __m256i gray_load2 (const uint8_t *lo, const uint8_t *hi) {
  return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)),
                                 _mm_loadu_si128((const __m128i *)hi), 1);
}
/* 32 gray bytes from the four groups' S >> 14: (t + 1) >> 1, packed in order */
__attribute__((target("avx2")))
static inline void gray_store32 (uint8_t *d, const __m256i t[4]) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i a = _mm256_avg_epu16(_mm256_packus_epi32(t[0], t[1]), zero);
  __m256i b = _mm256_avg_epu16(_mm256_packus_epi32(t[2], t[3]), zero);
  _mm256_storeu_si256((__m256i *)d, _mm256_packus_epi16(a, b));
}
__attribute__((target("avx2")))
static void gray_u8_avx2 (const uint8_t *restrict s, uint8_t *restrict d, int w, int c) {
  if (w < 32) { gray_u8(s, d, w, c); return; }
  __m256i t[4];
  if (c == 3) {
    /* (R,G) and (B,0) word pairs; -1 zeroes a byte. Low lane: pixels at
    ** bytes 0, 3, 6, 9; high lane (loaded 4 bytes early): at 4, 7, 10, 13. */
    const __m256i srg = _mm256_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1,
                                         4, -1, 5, -1, 7, -1, 8, -1, 10, -1, 11, -1, 13, -1, 14, -1);
    const __m256i sb = _mm256_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1,
                                        6, -1, -1, -1, 9, -1, -1, -1, 12, -1, -1, -1, 15, -1, -1, -1);
    const __m256i crg = _mm256_set1_epi32(GRAY_R | GRAY_G << 16), cb = _mm256_set1_epi32(GRAY_B);
    for (int x0 = 0; x0 < w; x0 += 32) {
      int x = x0 > w - 32 ? w - 32 : x0;
      const uint8_t *p = s + 3 * (size_t)x;
      for (int k = 0; k < 4; k++) {
        __m256i v = gray_load2(p + 12 * k, p + 44 + 12 * k);
        __m256i sum = _mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(v, srg), crg),
                                       _mm256_madd_epi16(_mm256_shuffle_epi8(v, sb), cb));
        t[k] = _mm256_srli_epi32(sum, GRAY_SHIFT - 1);
      }
      gray_store32(d + x, t);
    }
  } else {
    /* a pixel's dword R | G << 8 | B << 16 | A << 24: words (R,B) by a
    ** mask, (G,A) by a shift */
    const __m256i m = _mm256_set1_epi16(0xff);
    const __m256i crb = _mm256_set1_epi32(GRAY_R | GRAY_B << 16), cg = _mm256_set1_epi32(GRAY_G);
    for (int x0 = 0; x0 < w; x0 += 32) {
      int x = x0 > w - 32 ? w - 32 : x0;
      const uint8_t *p = s + 4 * (size_t)x;
      for (int k = 0; k < 4; k++) {
        __m256i v = gray_load2(p + 16 * k, p + 64 + 16 * k);
        __m256i sum = _mm256_add_epi32(_mm256_madd_epi16(_mm256_and_si256(v, m), crb),
                                       _mm256_madd_epi16(_mm256_srli_epi16(v, 8), cg));
        t[k] = _mm256_srli_epi32(sum, GRAY_SHIFT - 1);
      }
      gray_store32(d + x, t);
    }
  }
}
#endif

static void gray_u16 (const uint16_t *restrict s, uint16_t *restrict d, int w, int c) {
  for (int x = 0; x < w; x++) {
    const uint16_t *p = s + (size_t)x * c;
    d[x] = (uint16_t)(((uint32_t)p[0] * GRAY_R + (uint32_t)p[1] * GRAY_G +
                       (uint32_t)p[2] * GRAY_B + (1u << (GRAY_SHIFT - 1))) >> GRAY_SHIFT);
  }
}

static void gray_i32 (const int32_t *restrict s, int32_t *restrict d, int w, int c) {
  for (int x = 0; x < w; x++) {
    const int32_t *p = s + (size_t)x * c;
    d[x] = sat_i32d(p[0] * 0.299 + p[1] * 0.587 + p[2] * 0.114);
  }
}

static void gray_f32 (const float *restrict s, float *restrict d, int w, int c) {
  for (int x = 0; x < w; x++) {
    const float *p = s + (size_t)x * c;
    d[x] = p[0] * 0.299f + p[1] * 0.587f + p[2] * 0.114f;
  }
}

typedef struct GrayJob { const SegBuf *src; SegBuf *dst; int wide; } GrayJob;

static void gray_rows (void *arg, int y0, int y1) {
  GrayJob *j = arg;
  const SegBuf *s = j->src;
  for (int y = y0; y < y1; y++) {
    if (s->c < 3) {   /* gray(+alpha): first channel */
      seg_extract_channel(&(SegBuf){s->w, 1, s->c, s->dtype, s->stride, seg_row(s, y)},
                          &(SegBuf){s->w, 1, 1, s->dtype, j->dst->stride, seg_row(j->dst, y)}, 0);
      continue;
    }
    switch (s->dtype) {
      case SEG_U8:
#ifdef SEG_X86_TARGETS
        if (j->wide) { gray_u8_avx2(seg_row_u8(s, y), seg_row_u8(j->dst, y), s->w, s->c); break; }
#endif
        gray_u8(seg_row_u8(s, y), seg_row_u8(j->dst, y), s->w, s->c);
        break;
      case SEG_U16: gray_u16(seg_row_u16(s, y), seg_row_u16(j->dst, y), s->w, s->c); break;
      case SEG_I32: gray_i32(seg_row_i32(s, y), seg_row_i32(j->dst, y), s->w, s->c); break;
      default: gray_f32(seg_row_f32(s, y), seg_row_f32(j->dst, y), s->w, s->c); break;
    }
  }
}

void seg_gray (const SegBuf *src, SegBuf *dst, int threads) {
  GrayJob j = {src, dst, src->dtype == SEG_U8 && seg_cpu_avx2()};
  seg_parallel_for(threads, src->h, 16, gray_rows, &j);
}

/* ---------- rgb ---------- */

static void rgb_rows (void *arg, int y0, int y1) {
  GrayJob *j = arg;
  const SegBuf *s = j->src;
  size_t es = seg_dtype_size(s->dtype);
  for (int y = y0; y < y1; y++) {
    const uint8_t *sp = seg_row(s, y);
    uint8_t *dp = seg_row(j->dst, y);
    if (s->c >= 3) {
      for (int x = 0; x < s->w; x++)
        memcpy(dp + (size_t)x * 3 * es, sp + (size_t)x * (size_t)s->c * es, 3 * es);
    } else {
      for (int x = 0; x < s->w; x++)
        for (int k = 0; k < 3; k++)
          memcpy(dp + ((size_t)x * 3 + (size_t)k) * es, sp + (size_t)x * (size_t)s->c * es, es);
    }
  }
}

void seg_rgb (const SegBuf *src, SegBuf *dst, int threads) {
  GrayJob j = {src, dst, 0};
  seg_parallel_for(threads, src->h, 16, rgb_rows, &j);
}

/* ---------- channels ---------- */

void seg_extract_channel (const SegBuf *src, SegBuf *dst, int ch) {
  size_t es = seg_dtype_size(src->dtype), step = (size_t)src->c * es;
  for (int y = 0; y < src->h; y++) {
    const uint8_t *s = seg_row(src, y) + (size_t)ch * es;
    uint8_t *d = seg_row(dst, y);
    switch (es) {
      case 1: for (int x = 0; x < src->w; x++) d[x] = s[(size_t)x * step]; break;
      default: for (int x = 0; x < src->w; x++) memcpy(d + (size_t)x * es, s + (size_t)x * step, es);
    }
  }
}

void seg_insert_channel (const SegBuf *src, SegBuf *dst, int ch) {
  size_t es = seg_dtype_size(src->dtype), step = (size_t)dst->c * es;
  for (int y = 0; y < src->h; y++) {
    const uint8_t *s = seg_row(src, y);
    uint8_t *d = seg_row(dst, y) + (size_t)ch * es;
    for (int x = 0; x < src->w; x++) memcpy(d + (size_t)x * step, s + (size_t)x * es, es);
  }
}

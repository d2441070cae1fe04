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

typedef struct GrayJob { const SegBuf *src; SegBuf *dst; } GrayJob;

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
      case SEG_U8: gray_u8(seg_row_u8(s, y), seg_row_u8(j->dst, y), s->w, s->c); break;
      case SEG_U16: gray_u16(seg_row_u16(s, y), seg_row_u16(j->dst, y), s->w, s->c); break;
      case SEG_I32: gray_i32(seg_row_i32(s, y), seg_row_i32(j->dst, y), s->w, s->c); break;
      default: gray_f32(seg_row_f32(s, y), seg_row_f32(j->dst, y), s->w, s->c); break;
    }
  }
}

void seg_gray (const SegBuf *src, SegBuf *dst, int threads) {
  GrayJob j = {src, dst};
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
  GrayJob j = {src, dst};
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

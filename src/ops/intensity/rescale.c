/* rescale.c — skimage.exposure.rescale_intensity (0.19) to the bit:
** integer inputs go through a table of every possible value computed in
** float64 as numpy does; float32 inputs are computed in float32 as numpy
** does for a float32 array and Python float scalars. */
#include <math.h>
#include <string.h>
#include "ops/intensity/intensity.h"
#include "core/lut.h"

#ifdef __clang__
#define FPSTRICT  /* clang: the Makefile gives -ffp-contract=off */
#else
#define FPSTRICT __attribute__((optimize("fp-contract=off")))
#endif

typedef struct MinMaxJob { const SegBuf *src; double lo[256], hi[256]; } MinMaxJob;

static void minmax_chunk (void *arg, int chunk, int y0, int y1) {
  MinMaxJob *j = arg;
  const SegBuf *s = j->src;
  size_t n = (size_t)s->w * (size_t)s->c;
  double lo = NAN, hi = NAN;
  for (int y = y0; y < y1; y++) {
    const uint8_t *r = seg_row(s, y);
    if (s->dtype == SEG_U8) {
      uint8_t a = 255, b = 0;
      for (size_t i = 0; i < n; i++) { a = r[i] < a ? r[i] : a; b = r[i] > b ? r[i] : b; }
      if (!(a >= lo)) lo = a;
      if (!(b <= hi)) hi = b;
    } else if (s->dtype == SEG_U16) {
      const uint16_t *p = (const uint16_t *)(const void *)r;
      uint16_t a = 65535, b = 0;
      for (size_t i = 0; i < n; i++) { a = p[i] < a ? p[i] : a; b = p[i] > b ? p[i] : b; }
      if (!(a >= lo)) lo = a;
      if (!(b <= hi)) hi = b;
    } else {
      for (size_t i = 0; i < n; i++) {
        double v = seg_elem(s->dtype, r, i);
        if (v != v) continue;
        if (!(v >= lo)) lo = v;
        if (!(v <= hi)) hi = v;
      }
    }
  }
  j->lo[chunk] = lo;
  j->hi[chunk] = hi;
}

void seg_minmax (const SegBuf *src, double *lo, double *hi, int threads) {
  MinMaxJob j;
  j.src = src;
  if (threads > 256) threads = 256;
  for (int i = 0; i < 256; i++) j.lo[i] = j.hi[i] = NAN;
  seg_parallel_chunks(threads, src->h, 64, minmax_chunk, &j);
  double a = NAN, b = NAN;
  for (int i = 0; i < threads; i++) {
    if (!(j.lo[i] >= a)) a = j.lo[i] == j.lo[i] ? j.lo[i] : a;
    if (!(j.hi[i] <= b)) b = j.hi[i] == j.hi[i] ? j.hi[i] : b;
  }
  *lo = a;
  *hi = b;
}

/* numpy's astype from a float to dst's dtype: truncation toward zero for
** integers (values here are inside the dtype's range; NaN and beyond are
** saturated, where numpy leaves them undefined). */
static void store (SegDtype t, uint8_t *p, size_t i, double v) {
  switch (t) {
    case SEG_U8: ((uint8_t *)p)[i] = !(v > 0) ? 0 : v >= 255 ? 255 : (uint8_t)v; break;
    case SEG_U16: ((uint16_t *)(void *)p)[i] = !(v > 0) ? 0 : v >= 65535 ? 65535 : (uint16_t)v; break;
    default: ((float *)(void *)p)[i] = (float)v; break;
  }
}

typedef struct RescaleJob {
  const SegBuf *src;
  SegBuf *dst;
  const uint8_t *lut;      /* integer input: output element per value */
  double imin, imax, omin, omax;
} RescaleJob;

static void lut_rows (void *arg, int y0, int y1) {
  const RescaleJob *j = arg;
  size_t n = (size_t)j->src->w * (size_t)j->src->c;
  size_t es = seg_dtype_size(j->dst->dtype);
  for (int y = y0; y < y1; y++) {
    uint8_t *d = seg_row(j->dst, y);
    if (j->src->dtype == SEG_U8) {
      const uint8_t *s = seg_row(j->src, y);
      if (es == 1) seg_lut_u8(j->lut, s, d, n);
      else if (es == 2) {
        const uint16_t *lut = (const uint16_t *)(const void *)j->lut;
        uint16_t *o = (uint16_t *)(void *)d;
        for (size_t i = 0; i < n; i++) o[i] = lut[s[i]];
      } else {
        const float *lut = (const float *)(const void *)j->lut;
        float *o = (float *)(void *)d;
        for (size_t i = 0; i < n; i++) o[i] = lut[s[i]];
      }
    } else {
      const uint16_t *s = seg_row_u16(j->src, y);
      if (es == 1) for (size_t i = 0; i < n; i++) d[i] = j->lut[s[i]];
      else if (es == 2) {
        const uint16_t *lut = (const uint16_t *)(const void *)j->lut;
        uint16_t *o = (uint16_t *)(void *)d;
        for (size_t i = 0; i < n; i++) o[i] = lut[s[i]];
      } else {
        const float *lut = (const float *)(const void *)j->lut;
        float *o = (float *)(void *)d;
        for (size_t i = 0; i < n; i++) o[i] = lut[s[i]];
      }
    }
  }
}

FPSTRICT
static void f32_rows (void *arg, int y0, int y1) {
  const RescaleJob *j = arg;
  size_t n = (size_t)j->src->w * (size_t)j->src->c;
  /* numpy: each Python float scalar is cast to float32 before its operation */
  float a = (float)j->imin, b = (float)j->imax, span = (float)(j->imax - j->imin);
  float scale = (float)(j->omax - j->omin), off = (float)j->omin;
  float oa = (float)j->omin, ob = (float)j->omax;
  int flat = j->imin == j->imax;
  for (int y = y0; y < y1; y++) {
    const float *s = seg_row_f32(j->src, y);
    uint8_t *d = seg_row(j->dst, y);
    if (j->dst->dtype == SEG_F32) {
      float *o = (float *)(void *)d;
      if (flat)
        for (size_t i = 0; i < n; i++) {
          float v = s[i] < a ? a : s[i] > b ? b : s[i];
          o[i] = v < oa ? oa : v > ob ? ob : v;
        }
      else
        for (size_t i = 0; i < n; i++) {
          float v = s[i] < a ? a : s[i] > b ? b : s[i];
          o[i] = ((v - a) / span) * scale + off;
        }
    } else {
      for (size_t i = 0; i < n; i++) {
        float v = s[i] < a ? a : s[i] > b ? b : s[i];
        float r = flat ? (v < oa ? oa : v > ob ? ob : v) : ((v - a) / span) * scale + off;
        store(j->dst->dtype, d, i, r);
      }
    }
  }
}

FPSTRICT
static void build_lut (uint8_t *lut, int top, SegDtype t, double imin, double imax,
                       double omin, double omax) {
  for (int v = 0; v <= top; v++) {
    double x = v < imin ? imin : v > imax ? imax : v;   /* np.clip in float64 */
    double r = imin != imax ? ((x - imin) / (imax - imin)) * (omax - omin) + omin
                            : x < omin ? omin : x > omax ? omax : x;
    store(t, lut, (size_t)v, r);
  }
}

void seg_rescale_intensity (const SegBuf *src, SegBuf *dst, double imin, double imax,
                            double omin, double omax, int threads, void *scratch) {
  seg_assert(seg_buf_samesize(src, dst) && src->c == dst->c);
  uint8_t *lut = scratch;
  RescaleJob j = {src, dst, lut, imin, imax, omin, omax};
  size_t rb = (size_t)src->w * (size_t)src->c * 4;
  int grain = rb >= 65536 ? 1 : (int)(65536 / (rb ? rb : 1));
  if (src->dtype == SEG_F32) {
    seg_parallel_for(threads, src->h, grain, f32_rows, &j);
    return;
  }
  build_lut(lut, src->dtype == SEG_U8 ? 255 : 65535, dst->dtype, imin, imax, omin, omax);
  seg_parallel_for(threads, src->h, grain, lut_rows, &j);
}

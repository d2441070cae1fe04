/* hysteresis.c — apply_hysteresis_threshold: the components of the
** pixels above 'low' that hold a pixel above 'high' (skimage labels the
** low mask and keeps the labels with a high pixel; here the run labeller
** of label.c does the same without a label image). */
#include "threshold_internal.h"
#include "ops/label/label.h"

/* ---------- hysteresis ---------- */

typedef struct HyJob {
  const SegBuf *src; SegBuf *dst; double lo, hi;
  const uint8_t *lut;   /* u8/u16: the class of every value */
} HyJob;

/* 0 below low (and NaN), 2 between, 1 above high */
static inline uint8_t hclass (double v, double lo, double hi) {
  return v > hi ? 1 : v > lo ? 2 : 0;
}

static void hyst_rows (void *arg, int y0, int y1) {
  HyJob *j = arg;
  const SegBuf *s = j->src;
  const double lo = j->lo, hi = j->hi;
  for (int y = y0; y < y1; y++) {
    uint8_t *d = seg_row_u8(j->dst, y);
    switch (s->dtype) {
      case SEG_U8: { const uint8_t *r = seg_row_u8(s, y); for (int x = 0; x < s->w; x++) d[x] = j->lut[r[x]]; break; }
      case SEG_U16: { const uint16_t *r = seg_row_u16(s, y); for (int x = 0; x < s->w; x++) d[x] = j->lut[r[x]]; break; }
      case SEG_I32: { const int32_t *r = seg_row_i32(s, y); for (int x = 0; x < s->w; x++) d[x] = hclass(r[x], lo, hi); break; }
      default: { const float *r = seg_row_f32(s, y); for (int x = 0; x < s->w; x++) d[x] = hclass(r[x], lo, hi); break; }
    }
  }
}

size_t seg_hysteresis_scratch (int w, int h, int threads) {
  size_t n = seg_mask_clean_scratch(w, h, threads);
  return n ? n * sizeof(int32_t) + 65536 : 0;
}

void seg_hysteresis (const SegBuf *src, double low, double high, int connectivity,
                     SegBuf *mask, void *scratch, int threads) {
  seg_assert(seg_buf_samesize(src, mask) && mask->dtype == SEG_U8 && mask->c == 1 && src->c == 1);
  if (low > high) low = high;   /* as skimage: low is clipped to high */
  uint8_t *lut = scratch;
  if (src->dtype == SEG_U8 || src->dtype == SEG_U16) {
    int nv = src->dtype == SEG_U8 ? 256 : 65536;
    for (int v = 0; v < nv; v++) lut[v] = hclass(v, low, high);
  }
  HyJob j = {src, mask, low, high, lut};
  seg_parallel_for(threads, src->h, 16, hyst_rows, &j);
  seg_keep_marked(mask, mask, 1, connectivity, threads, (int32_t *)(lut + 65536));
}

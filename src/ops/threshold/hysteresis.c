/* hysteresis.c — apply_hysteresis_threshold: a flood from the pixels
** above 'high' through those above 'low'. */
#include "threshold_internal.h"

/* ---------- hysteresis ---------- */

typedef struct HyJob { const SegBuf *src; SegBuf *dst; double lo, hi; } HyJob;

/* 0 below low, 2 between, 1 above high */
static void hyst_rows (void *arg, int y0, int y1) {
  HyJob *j = arg;
  const SegBuf *s = j->src;
  for (int y = y0; y < y1; y++) {
    uint8_t *d = seg_row_u8(j->dst, y);
    const uint8_t *r = seg_row(s, y);
    for (int x = 0; x < s->w; x++) {
      double v = seg_elem(s->dtype, r, x);
      d[x] = v > j->hi ? 1 : v > j->lo ? 2 : 0;
    }
  }
}

void seg_hysteresis (const SegBuf *src, double low, double high, int connectivity,
                     SegBuf *mask, int32_t *stack, int threads) {
  seg_assert(seg_buf_samesize(src, mask) && mask->dtype == SEG_U8 && mask->c == 1);
  if (low > high) low = high;   /* as skimage: low is clipped to high */
  HyJob j = {src, mask, low, high};
  seg_parallel_for(threads, src->h, 16, hyst_rows, &j);
  int w = src->w, h = src->h;
  uint8_t *m = mask->data;   /* masks are contiguous */
  size_t top = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (m[(size_t)y * w + x] == 1) stack[top++] = y * w + x;
  while (top > 0) {
    int p = stack[--top], y = p / w, x = p % w;
    for (int dy = -1; dy <= 1; dy++) {
      int yy = y + dy;
      if (yy < 0 || yy >= h) continue;
      for (int dx = -1; dx <= 1; dx++) {
        int xx = x + dx;
        if (xx < 0 || xx >= w || (connectivity == 4 && dx && dy)) continue;
        uint8_t *q = &m[(size_t)yy * w + xx];
        if (*q == 2) { *q = 1; stack[top++] = yy * w + xx; }
      }
    }
  }
  size_t n = (size_t)w * h;
  for (size_t i = 0; i < n; i++) m[i] &= 1;   /* 2 (unreached) -> 0 */
}

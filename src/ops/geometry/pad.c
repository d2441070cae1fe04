/* pad.c — np.pad's modes along each axis as an index map, then one pass
** that copies through the two maps (the middle of every row as a block). */
#include <string.h>
#include "ops/geometry/geometry.h"

/* numpy 1.24 lib/arraypad.py, _set_reflect_both: fills the pad area in
** chunks no longer than the part already filled, alternating sides, so a
** pad wider than the axis reflects what the other side wrote before. */
static void reflect_map (int32_t *m, int N, int L, int R, int sym) {
  int eo = sym ? 1 : 0;
  while (L > 0 || R > 0) {
    int old = N - R - L - (sym ? 0 : 1);
    if (L > 0) {
      int ch = old < L ? old : L;
      int start = L - eo + ch;              /* slice(start, L - eo, -1) */
      for (int k = 0; k < ch; k++) m[L - ch + k] = m[start - k];
      L -= ch;
    }
    if (R > 0) {
      int ch = old < R ? old : R;
      int start = N - R + eo - 2;           /* slice(-R + eo - 2, ..., -1) */
      for (int k = 0; k < ch; k++) m[N - R + k] = m[start - k];
      R -= ch;
    }
  }
}

/* numpy 1.24 _set_wrap_both. */
static void wrap_map (int32_t *m, int N, int L, int R) {
  while (L > 0 || R > 0) {
    int period = N - R - L, nl = 0, nr = 0;
    if (L > 0) {
      int ch = period < L ? period : L;
      const int32_t *src = m + (N - R - ch);
      int d0 = L > period ? L - period : 0;
      if (L > period) nl = L - period;
      for (int k = 0; k < ch; k++) m[d0 + k] = src[k];
    }
    if (R > 0) {
      int ch = period < R ? period : R;
      for (int k = 0; k < ch; k++) m[N - R + k] = m[L + k];
      if (R > period) nr = R - period;
    }
    L = nl;
    R = nr;
  }
}

void seg_pad_map (int32_t *map, int n, int before, int after, int mode) {
  int N = before + n + after;
  for (int i = 0; i < n; i++) map[before + i] = i;
  if (mode == SEG_PAD_CONSTANT || mode == SEG_PAD_EDGE ||
      ((mode == SEG_PAD_REFLECT || mode == SEG_PAD_SYMMETRIC) && n == 1)) {
    /* numpy extends a single-element axis as 'edge' for reflect and symmetric */
    int32_t lo = mode == SEG_PAD_CONSTANT ? -1 : 0, hi = mode == SEG_PAD_CONSTANT ? -1 : n - 1;
    for (int i = 0; i < before; i++) map[i] = lo;
    for (int i = before + n; i < N; i++) map[i] = hi;
  } else if (mode == SEG_PAD_WRAP) wrap_map(map, N, before, after);
  else reflect_map(map, N, before, after, mode == SEG_PAD_SYMMETRIC);
}

typedef struct PadJob {
  const SegBuf *src;
  SegBuf *dst;
  const int32_t *xmap, *ymap;
  int left;
  const uint8_t *value;
  size_t px;
} PadJob;

/* One constant pixel repeated over n pixels by doubling copies. */
static void fill_px (uint8_t *d, const uint8_t *v, size_t px, size_t n) {
  if (n == 0) return;
  memcpy(d, v, px);
  size_t done = 1;
  while (done < n) {
    size_t k = done < n - done ? done : n - done;
    memcpy(d + done * px, d, k * px);
    done += k;
  }
}

/* Border pixels through the column map; the common pixel sizes copy with
** constant-size moves (a memcpy of a runtime size is a call per pixel). */
#define BORDER_LOOP(PX)                                                      \
  for (int x = x0; x < x1; x++) {                                            \
    int32_t sx = xmap[x];                                                    \
    memcpy(dr + (size_t)x * (PX), sx < 0 ? v : sr + (size_t)sx * (PX), PX);  \
  }

static void pad_border (const PadJob *j, const uint8_t *sr, uint8_t *dr, int x0, int x1) {
  const int32_t *xmap = j->xmap;
  const uint8_t *v = j->value;
  switch (j->px) {
    case 1: BORDER_LOOP(1) break;
    case 2: BORDER_LOOP(2) break;
    case 3: BORDER_LOOP(3) break;
    case 4: BORDER_LOOP(4) break;
    case 6: BORDER_LOOP(6) break;
    case 8: BORDER_LOOP(8) break;
    case 12: BORDER_LOOP(12) break;
    case 16: BORDER_LOOP(16) break;
    default: {
      size_t px = j->px;
      BORDER_LOOP(px)
    }
  }
}

static void pad_rows (void *arg, int y0, int y1) {
  const PadJob *j = arg;
  const SegBuf *s = j->src;
  SegBuf *d = j->dst;
  size_t px = j->px;
  int left = j->left, right0 = left + s->w;
  for (int y = y0; y < y1; y++) {
    uint8_t *dr = seg_row(d, y);
    int32_t sy = j->ymap[y];
    if (sy < 0) { fill_px(dr, j->value, px, (size_t)d->w); continue; }
    const uint8_t *sr = seg_row(s, sy);
    pad_border(j, sr, dr, 0, left);
    memcpy(dr + (size_t)left * px, sr, (size_t)s->w * px);
    pad_border(j, sr, dr, right0, d->w);
  }
}

void seg_pad (const SegBuf *src, SegBuf *dst, const int32_t *xmap, const int32_t *ymap,
              int left, const void *value, int threads) {
  seg_assert(src->c == dst->c && src->dtype == dst->dtype && left >= 0 && left + src->w <= dst->w);
  PadJob j = {src, dst, xmap, ymap, left, value, (size_t)src->c * seg_dtype_size(src->dtype)};
  size_t rb = (size_t)dst->w * j.px;
  int grain = rb >= 65536 ? 1 : (int)(65536 / (rb ? rb : 1));
  seg_parallel_for(threads, dst->h, grain, pad_rows, &j);
}

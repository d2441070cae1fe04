/* compose.c — building images out of others: clipped blits, fills, the
** widening conversions hstack/vstack/montage/paste apply to mixed inputs,
** and the per-channel sums of montage's "mean" fill. */
#include <string.h>
#include "ops/geometry/geometry.h"

void seg_blit (const SegBuf *src, SegBuf *dst, int x, int y) {
  seg_assert(src->c == dst->c && src->dtype == dst->dtype);
  /* clip in 64 bits: x + w may not fit an int */
  int64_t x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
  int64_t x1 = (int64_t)x + src->w, y1 = (int64_t)y + src->h;
  if (x1 > dst->w) x1 = dst->w;
  if (y1 > dst->h) y1 = dst->h;
  if (x0 >= x1 || y0 >= y1) return;
  size_t px = (size_t)src->c * seg_dtype_size(src->dtype);
  for (int64_t r = y0; r < y1; r++)
    memcpy(seg_row(dst, (int)r) + (size_t)x0 * px,
           seg_row(src, (int)(r - y)) + (size_t)(x0 - x) * px, (size_t)(x1 - x0) * px);
}

typedef struct FillJob { SegBuf *dst; const uint8_t *pixel; size_t px; } FillJob;

static void fill_rows (void *arg, int y0, int y1) {
  const FillJob *j = arg;
  size_t n = (size_t)j->dst->w;
  for (int y = y0; y < y1; y++) {
    uint8_t *d = seg_row(j->dst, y);
    memcpy(d, j->pixel, j->px);
    size_t done = 1;
    while (done < n) {      /* doubling copies */
      size_t k = done < n - done ? done : n - done;
      memcpy(d + done * j->px, d, k * j->px);
      done += k;
    }
  }
}

void seg_fill (SegBuf *dst, const void *pixel, int threads) {
  FillJob j = {dst, pixel, (size_t)dst->c * seg_dtype_size(dst->dtype)};
  size_t rb = (size_t)dst->w * j.px;
  int grain = rb >= 65536 ? 1 : (int)(65536 / (rb ? rb : 1));
  seg_parallel_for(threads, dst->h, grain, fill_rows, &j);
}

/* ---------- promotion ---------- */

static double white (SegDtype t) {
  return t == SEG_U8 ? 255.0 : t == SEG_U16 ? 65535.0 : 1.0;
}

/* v of dtype s as dtype d: the same brightness on d's scale. Exact for
** integers; f32 gets the double quotient rounded once. */
static double widen (double v, SegDtype s, SegDtype d, int mask) {
  if (mask) return v != 0 ? white(d) : 0.0;
  if (s == d || s == SEG_I32 || d == SEG_I32) return v;
  if (d == SEG_U16) return v * 257.0;              /* from u8 */
  if (d == SEG_F32) return v / white(s);           /* from u8 or u16 */
  return v;
}

static void put (SegDtype t, void *p, size_t i, double v) {
  switch (t) {
    case SEG_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case SEG_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case SEG_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    default: ((float *)p)[i] = (float)v; break;
  }
}

typedef struct PromoteJob { const SegBuf *src; SegBuf *dst; int mask; } PromoteJob;

static void promote_rows (void *arg, int y0, int y1) {
  const PromoteJob *j = arg;
  const SegBuf *s = j->src;
  SegBuf *d = j->dst;
  int sc = s->c, dc = d->c;
  double wh = white(d->dtype);
  for (int y = y0; y < y1; y++) {
    const uint8_t *sr = seg_row(s, y);
    uint8_t *dr = seg_row(d, y);
    for (int x = 0; x < s->w; x++) {
      size_t si = (size_t)x * (size_t)sc, di = (size_t)x * (size_t)dc;
      double v[4] = {0, 0, 0, 0};
      if (sc == dc) {
        for (int k = 0; k < sc; k++)
          put(d->dtype, dr, di + (size_t)k,
              widen(seg_elem(s->dtype, sr, si + (size_t)k), s->dtype, d->dtype, j->mask));
        continue;
      }
      for (int k = 0; k < sc && k < 4; k++)
        v[k] = widen(seg_elem(s->dtype, sr, si + (size_t)k), s->dtype, d->dtype, j->mask);
      double o[4];
      if (sc == 1) { o[0] = o[1] = o[2] = v[0]; o[3] = wh; }
      else if (sc == 2) { o[0] = o[1] = o[2] = v[0]; o[3] = v[1]; }
      else { o[0] = v[0]; o[1] = v[1]; o[2] = v[2]; o[3] = wh; }
      for (int k = 0; k < dc && k < 4; k++) put(d->dtype, dr, di + (size_t)k, o[k]);
    }
  }
}

void seg_promote (const SegBuf *src, int mask, SegBuf *dst, int threads) {
  seg_assert(seg_buf_samesize(src, dst));
  PromoteJob j = {src, dst, mask};
  seg_parallel_for(threads, src->h, 64, promote_rows, &j);
}

/* Integer rows sum exactly in 64 bits (a row of u16 cannot reach 2^63);
** f32 in double. */
void seg_channel_sums (const SegBuf *src, double *sum) {
  int c = src->c;
  size_t n = (size_t)src->w * (size_t)c;
  for (int y = 0; y < src->h; y++) {
    const uint8_t *r = seg_row(src, y);
    if (src->dtype == SEG_U8 && c == 1) {
      uint64_t t = 0;
      for (size_t i = 0; i < n; i++) t += r[i];
      sum[0] += (double)t;
    } else if ((src->dtype == SEG_U8 || src->dtype == SEG_U16) && c <= 256) {
      uint64_t t[256] = {0};
      const uint16_t *r16 = (const uint16_t *)(const void *)r;
      for (size_t i = 0, k = 0; i < n; i++, k = k + 1 == (size_t)c ? 0 : k + 1)
        t[k] += src->dtype == SEG_U8 ? r[i] : r16[i];
      for (int k = 0; k < c && k < 256; k++) sum[k] += (double)t[k];
    } else {
      for (size_t i = 0, k = 0; i < n; i++, k = k + 1 == (size_t)c ? 0 : k + 1)
        sum[k] += seg_elem(src->dtype, r, i);
    }
  }
}

/* meanshift.c — mean-shift filtering, the level-0 pass of OpenCV 4.6's
** cv::pyrMeanShiftFiltering (imgproc/src/segmentation.cpp), reproduced to
** the bit: the same window bounds (cvRound of float x -+ sp), the same
** colour test (squared distance <= cvRound(sr^2)), the same rounding of the
** means (cvRound of sum * (1/count) in double, ties to even) and the same
** stopping rule. Every pixel reads the unfiltered source only, so pixels
** are independent: rows run in parallel and the result never depends on
** the thread count. OpenCV takes 3 channels only; one channel is run as
** OpenCV runs the gray image replicated into 3 channels (each squared grey
** difference counts three times), so that too is bit-exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ops/graphseg/graphseg.h"

typedef struct {
  const SegBuf *src;
  const int32_t *plane;  /* src as C planes of w*h int32: unit-stride vector loads */
  SegBuf *dst;
  float sp;
  int isr2, iters;
  double eps;
} MsJob;

static inline int rnd (double v) { return (int)lrint(v); }
static inline int rndf (float v) { return (int)lrintf(v); }
static inline int sq (int v) { return v * v; }

typedef int32_t vi __attribute__((vector_size(32)));
/* Macros, not functions: a 32-byte vector passed by value would change the
** ABI of the baseline (non-AVX) build. */
#define vi_set(v) ((vi){(v), (v), (v), (v), (v), (v), (v), (v)})
#define LOAD8(dst, p) memcpy(&(dst), (p), sizeof(vi))
#define HSUM(v) ((int64_t)(v)[0] + (v)[1] + (v)[2] + (v)[3] + (v)[4] + (v)[5] + (v)[6] + (v)[7])

/* One pixel; C is 1 or 3 (constant after inlining). */
__attribute__((always_inline)) static inline void shift_pixel (const MsJob *j, int C, int x0, int y0, uint8_t *out) {
  const SegBuf *src = j->src;
  int W = src->w, H = src->h;
  const uint8_t *s = seg_row_u8(src, y0) + (size_t)x0 * C;
  int c0 = s[0], c1 = C == 3 ? s[1] : 0, c2 = C == 3 ? s[2] : 0;
  float sp = j->sp;
  int isr2 = j->isr2;
  for (int it = 0; it < j->iters; it++) {
    int minx = rndf((float)x0 - sp), miny = rndf((float)y0 - sp);
    int maxx = rndf((float)x0 + sp), maxy = rndf((float)y0 + sp);
    if (minx < 0) minx = 0;
    if (miny < 0) miny = 0;
    if (maxx > W - 1) maxx = W - 1;
    if (maxy > H - 1) maxy = H - 1;
    /* Eight pixels at a time in int32 lanes, across the whole window, and
    ** one horizontal sum at its end. The sums are exact: with sp <= 500
    ** (the binding's bound) no lane can exceed 2^31 (x and y are taken
    ** relative to the window's corner). Lanes past the row end read the
    ** next bytes of the planes (padded) and are masked out. */
    vi vc = {0}, v0 = {0}, v1 = {0}, v2 = {0}, vx = {0}, vy = {0};
    const vi c0v = vi_set(c0), c1v = vi_set(c1), c2v = vi_set(c2), r2v = vi_set(isr2);
    const vi iota = {0, 1, 2, 3, 4, 5, 6, 7};
    size_t WH = (size_t)W * (size_t)H;
    int n = maxx - minx + 1;
    for (int y = miny; y <= maxy; y++) {
      const int32_t *r0 = j->plane + (size_t)y * W + minx;
      const vi yv = vi_set(y - miny);
      for (int x = 0; x < n; x += 8) {
        vi xs = iota + x;
        vi t0, d, t1 = {0}, t2 = {0};
        LOAD8(t0, r0 + x);
        if (C == 3) {
          LOAD8(t1, r0 + WH + x);
          LOAD8(t2, r0 + 2 * WH + x);
          d = (t0 - c0v) * (t0 - c0v) + (t1 - c1v) * (t1 - c1v) + (t2 - c2v) * (t2 - c2v);
        } else {
          d = (t0 - c0v) * (t0 - c0v) * 3;
        }
        vi m = (d <= r2v) & (xs < n);
        vc -= m;
        v0 += t0 & m;
        if (C == 3) { v1 += t1 & m; v2 += t2 & m; }
        vx += xs & m;
        vy += yv & m;
      }
    }
    int64_t count = HSUM(vc), s0 = HSUM(v0), s1 = HSUM(v1), s2 = HSUM(v2);
    int64_t sx = HSUM(vx) + (int64_t)minx * count, sy = HSUM(vy) + (int64_t)miny * count;
    if (count == 0) break;
    double ic = 1.0 / (double)count;
    int x1 = rnd((double)sx * ic), y1 = rnd((double)sy * ic);
    int m0 = rnd((double)s0 * ic), m1 = rnd((double)s1 * ic), m2 = rnd((double)s2 * ic);
    if (C == 1) { m1 = m2 = m0; c1 = c2 = c0; }
    int stop = (x0 == x1 && y0 == y1) ||
               abs(x1 - x0) + abs(y1 - y0) + sq(m0 - c0) + sq(m1 - c1) + sq(m2 - c2) <= j->eps;
    x0 = x1; y0 = y1;
    c0 = m0; c1 = m1; c2 = m2;
    if (stop) break;
  }
  out[0] = (uint8_t)c0;
  if (C == 3) { out[1] = (uint8_t)c1; out[2] = (uint8_t)c2; }
}

SEG_CLONES static void ms_rows (void *arg, int y0, int y1) {
  const MsJob *j = arg;
  int W = j->src->w, C = j->src->c;
  for (int y = y0; y < y1; y++) {
    uint8_t *o = seg_row_u8(j->dst, y);
    if (C == 3)
      for (int x = 0; x < W; x++) shift_pixel(j, 3, x, y, o + (size_t)x * 3);
    else
      for (int x = 0; x < W; x++) shift_pixel(j, 1, x, y, o + x);
  }
}

size_t seg_meanshift_scratch (int w, int h, int c) {
  /* + over-read of the last lanes */
  return ((size_t)w * (size_t)h * (size_t)c + 8) * sizeof(int32_t);
}

void seg_meanshift (const SegBuf *src, SegBuf *dst, double sp, double sr, int iters,
                    double eps, int threads, void *scratch) {
  seg_assert(seg_buf_samesize(src, dst) && src->dtype == SEG_U8 && dst->dtype == SEG_U8);
  seg_assert((src->c == 1 || src->c == 3) && dst->c == src->c);
  MsJob j;
  j.src = src;
  j.dst = dst;
  int32_t *pl = scratch;
  size_t WH = (size_t)src->w * (size_t)src->h;
  for (int y = 0; y < src->h; y++) {
    const uint8_t *r = seg_row_u8(src, y);
    for (int x = 0; x < src->w; x++)
      for (int k = 0; k < src->c; k++) pl[k * WH + (size_t)y * src->w + x] = r[(size_t)x * src->c + k];
  }
  memset(pl + WH * (size_t)src->c, 0, 8 * sizeof *pl);
  j.plane = pl;
  j.sp = (float)sp < 1 ? 1.0f : (float)sp;
  j.isr2 = rnd(sr * sr);
  j.iters = iters < 1 ? 1 : iters > 100 ? 100 : iters;
  j.eps = eps < 0 ? 0 : eps;
  seg_parallel_for(threads, src->h, 1, ms_rows, &j);
}

/* Raster union-find over equal 8-neighbours with the smaller index as
** root: a root is its component's first pixel, so one raster pass numbers
** the components in order. */
static uint32_t eq_find (uint32_t *restrict parent, uint32_t p) {
  while (parent[p] != p) {
    parent[p] = parent[parent[p]];
    p = parent[p];
  }
  return p;
}

static void eq_union (uint32_t *restrict parent, uint32_t a, uint32_t b) {
  a = eq_find(parent, a);
  b = eq_find(parent, b);
  if (a < b) parent[b] = a;
  else if (b < a) parent[a] = b;
}

int32_t seg_equal_regions (const SegBuf *img, SegBuf *labels, uint32_t *parent) {
  seg_assert(seg_buf_samesize(img, labels) && labels->dtype == SEG_I32 && img->dtype == SEG_U8);
  int w = img->w, h = img->h, c = img->c;
  for (int y = 0; y < h; y++) {
    const uint8_t *r = seg_row_u8(img, y), *u = y ? seg_row_u8(img, y - 1) : NULL;
    uint32_t base = (uint32_t)y * (uint32_t)w;
    for (int x = 0; x < w; x++) {
      uint32_t p = base + (uint32_t)x;
      parent[p] = p;
      const uint8_t *v = r + (size_t)x * c;
      if (x > 0 && !memcmp(v, v - c, (size_t)c)) eq_union(parent, p, p - 1);
      if (!u) continue;
      for (int dx = -1; dx <= 1; dx++) {
        int xx = x + dx;
        if (xx < 0 || xx >= w) continue;
        if (!memcmp(v, u + (size_t)xx * c, (size_t)c)) eq_union(parent, p, p - (uint32_t)w + (uint32_t)dx);
      }
    }
  }
  int32_t n = 0;
  for (int y = 0; y < h; y++) {
    int32_t *o = seg_row_i32(labels, y);
    uint32_t base = (uint32_t)y * (uint32_t)w;
    for (int x = 0; x < w; x++) {
      uint32_t p = base + (uint32_t)x, r = eq_find(parent, p);
      if (r == p) o[x] = ++n;
      else o[x] = seg_row_i32(labels, (int)(r / (uint32_t)w))[r % (uint32_t)w];
    }
  }
  return n;
}

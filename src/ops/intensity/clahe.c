/* clahe.c — contrast-limited adaptive histogram equalisation, bit-exact
** with OpenCV 4.6's CLAHE_Impl::apply (modules/imgproc/src/clahe.cpp):
**  - when the size is not a multiple of the grid, the image is extended
**    right and bottom by tiles - size % tiles with BORDER_REFLECT_101 (on
**    both axes as soon as either does not divide: OpenCV's quirk, kept);
**    we read through index maps instead of copying;
**  - clip limit = max(1, (int)(clip * tile_area / bins)), excess spread
**    evenly, the remainder one by one every max(bins / residual, 1) bins;
**  - lut = saturate(round(cdf * (float)(bins - 1) / tile_area)) in float;
**  - each pixel interpolates the four nearest tiles' tables bilinearly
**    in float with OpenCV's operation order, rounded half to even.
** Every floating-point expression is evaluated without contraction (no
** FMA), as OpenCV's SSE2 baseline build does. */
#include <math.h>
#include <string.h>
#include "ops/intensity/intensity.h"

#ifdef __clang__
#define FPSTRICT
#else
#define FPSTRICT __attribute__((optimize("fp-contract=off")))
#endif

/* Round half to even of 0 <= v < 2^23 (cvRound's result there): adding
** 2^23 leaves no fraction bits, so the sum rounds to an integer in the
** current (default, to-nearest-even) mode; exact, and a single add where
** nearbyintf is a libm call on baseline x86-64. */
static inline float round_even (float v) {
  return (v + 0x1p23f) - 0x1p23f;
}

static int slots_of (int threads) { return threads < 1 ? 1 : threads > 256 ? 256 : threads; }

typedef struct Grid {
  int w, h, tw, th, W, H, bins;
} Grid;

static void grid_of (const SegBuf *s, const SegClahe *o, Grid *g) {
  g->w = s->w;
  g->h = s->h;
  g->bins = s->dtype == SEG_U8 ? 256 : 65536;
  if (s->w % o->tiles_x == 0 && s->h % o->tiles_y == 0) { g->W = s->w; g->H = s->h; }
  else {
    g->W = s->w + o->tiles_x - s->w % o->tiles_x;
    g->H = s->h + o->tiles_y - s->h % o->tiles_y;
  }
  g->tw = g->W / o->tiles_x;
  g->th = g->H / o->tiles_y;
}

/* Scratch layout (each part 16-byte aligned): lut (tiles x bins u16),
** histograms (slots x bins i32), xmap (W i32), ymap (H i32), ind1, ind2
** (w i32), xa, xa1 (w f32), and for u8 the tables as f32 (tiles x 256). */
static size_t align16 (size_t n) { return (n + 15) & ~(size_t)15; }

size_t seg_clahe_scratch (const SegBuf *src, const SegClahe *o, int threads) {
  Grid g;
  grid_of(src, o, &g);
  size_t tiles = (size_t)o->tiles_x * (size_t)o->tiles_y;
  return align16(tiles * (size_t)g.bins * 2) +
         align16((size_t)slots_of(threads) * (size_t)g.bins * 4) +
         align16((size_t)g.W * 4) + align16((size_t)g.H * 4) + 4 * align16((size_t)g.w * 4) +
         (src->dtype == SEG_U8 ? align16(tiles * 256 * 4) : 0);
}

/* cv::borderInterpolate(p, len, BORDER_REFLECT_101) */
static int reflect101 (int p, int len) {
  if (len == 1) return 0;
  while (p < 0 || p >= len) p = p < 0 ? -p : 2 * len - 2 - p;
  return p;
}

typedef struct ClaheJob {
  float *flut;         /* u8: the tables as floats (exact), for the interpolation */
  const SegBuf *src;
  SegBuf *dst;
  Grid g;
  int k, tx, ty, clip;
  float lut_scale;
  uint16_t *lut;
  int32_t *hist;
  const int32_t *xmap, *ymap, *ind1, *ind2;
  const float *xa, *xa1;
} ClaheJob;

static inline int elem (const SegBuf *s, const uint8_t *row, int x, int k) {
  size_t e = (size_t)x * (size_t)s->c + (size_t)k;
  return s->dtype == SEG_U8 ? row[e] : ((const uint16_t *)(const void *)row)[e];
}

FPSTRICT
static void lut_chunk (void *arg, int chunk, int t0, int t1) {
  const ClaheJob *j = arg;
  const SegBuf *s = j->src;
  const Grid *g = &j->g;
  int bins = g->bins, c = s->c, k = j->k;
  int32_t *hist = j->hist + (size_t)chunk * (size_t)bins;
  for (int t = t0; t < t1; t++) {
    int tyi = t / j->tx, txi = t % j->tx;
    int x0 = txi * g->tw, y0 = tyi * g->th, x1 = x0 + g->tw, y1 = y0 + g->th;
    memset(hist, 0, (size_t)bins * sizeof *hist);
    int inside = x1 <= g->w && y1 <= g->h;
    for (int y = y0; y < y1; y++) {
      const uint8_t *row = seg_row(s, inside ? y : j->ymap[y]);
      if (inside && s->dtype == SEG_U8 && c == 1)
        for (int x = x0; x < x1; x++) hist[row[x]]++;
      else if (inside && c == 1) {
        const uint16_t *r16 = (const uint16_t *)(const void *)row;
        for (int x = x0; x < x1; x++) hist[r16[x]]++;
      }
      else if (inside)
        for (int x = x0; x < x1; x++) hist[elem(s, row, x, k)]++;
      else
        for (int x = x0; x < x1; x++) hist[elem(s, row, j->xmap[x], k)]++;
    }
    if (j->clip > 0) {
      int clipped = 0;
      for (int i = 0; i < bins; i++)
        if (hist[i] > j->clip) { clipped += hist[i] - j->clip; hist[i] = j->clip; }
      int batch = clipped / bins, residual = clipped - batch * bins;
      for (int i = 0; i < bins; i++) hist[i] += batch;
      if (residual != 0) {
        int step = bins / residual > 1 ? bins / residual : 1;
        for (int i = 0; i < bins && residual > 0; i += step, residual--) hist[i]++;
      }
    }
    uint16_t *lut = j->lut + (size_t)t * (size_t)bins;
    int sum = 0, top = bins - 1;
    for (int i = 0; i < bins; i++) {
      sum += hist[i];
      float v = round_even((float)sum * j->lut_scale);
      lut[i] = (uint16_t)(v <= 0 ? 0 : v >= (float)top ? top : (int)v);
    }
  }
}

/* One row of a one-channel u8 image: OpenCV's expression on exact float
** copies of the tables (u8 -> float is exact), so the clones may gather
** and round eight or sixteen pixels at a time with the same result. */
SEG_CLONES FPSTRICT
static void interp_u8 (const uint8_t *restrict row, uint8_t *restrict drow, int w,
                       const float *restrict f1, const float *restrict f2,
                       const int32_t *restrict ind1, const int32_t *restrict ind2,
                       const float *restrict xa, const float *restrict xa1, float ya, float ya1) {
  for (int x = 0; x < w; x++) {
    int v = row[x], i1 = ind1[x] + v, i2 = ind2[x] + v;
    float res = (f1[i1] * xa1[x] + f1[i2] * xa[x]) * ya1 + (f2[i1] * xa1[x] + f2[i2] * xa[x]) * ya;
    float r = nearbyintf(res);
    r = r < 0.0f ? 0.0f : r;
    r = r > 255.0f ? 255.0f : r;
    drow[x] = (uint8_t)(int)r;
  }
}

/* The same for one-channel u16, on the u16 tables themselves. */
SEG_CLONES FPSTRICT
static void interp_u16 (const uint16_t *restrict row, uint16_t *restrict drow, int w,
                        const uint16_t *restrict p1, const uint16_t *restrict p2,
                        const int32_t *restrict ind1, const int32_t *restrict ind2,
                        const float *restrict xa, const float *restrict xa1, float ya, float ya1) {
  for (int x = 0; x < w; x++) {
    int v = row[x], i1 = ind1[x] + v, i2 = ind2[x] + v;
    float res = ((float)p1[i1] * xa1[x] + (float)p1[i2] * xa[x]) * ya1 +
                ((float)p2[i1] * xa1[x] + (float)p2[i2] * xa[x]) * ya;
    float r = round_even(res);
    r = r > 65535.0f ? 65535.0f : r;
    drow[x] = (uint16_t)(int)r;
  }
}

FPSTRICT
static void interp_rows (void *arg, int y0, int y1) {
  const ClaheJob *j = arg;
  const SegBuf *s = j->src;
  const Grid *g = &j->g;
  int c = s->c, k = j->k, bins = g->bins, top = bins - 1;
  float inv_th = 1.0f / (float)g->th;
  for (int y = y0; y < y1; y++) {
    float tyf = (float)y * inv_th - 0.5f;
    int ty1 = (int)floorf(tyf), ty2 = ty1 + 1;
    float ya = tyf - (float)ty1, ya1 = 1.0f - ya;
    ty1 = ty1 > 0 ? ty1 : 0;
    ty2 = ty2 < j->ty - 1 ? ty2 : j->ty - 1;
    const uint16_t *p1 = j->lut + (size_t)ty1 * (size_t)j->tx * (size_t)bins;
    const uint16_t *p2 = j->lut + (size_t)ty2 * (size_t)j->tx * (size_t)bins;
    const uint8_t *row = seg_row(s, y);
    uint8_t *drow = seg_row(j->dst, y);
    if (s->dtype == SEG_U8 && c == 1) {
      const float *f1 = j->flut + (size_t)ty1 * (size_t)j->tx * 256;
      const float *f2 = j->flut + (size_t)ty2 * (size_t)j->tx * 256;
      interp_u8(row, drow, g->w, f1, f2, j->ind1, j->ind2, j->xa, j->xa1, ya, ya1);
      continue;
    }
    if (c == 1) {
      interp_u16((const uint16_t *)(const void *)row, (uint16_t *)(void *)drow, g->w, p1, p2,
                 j->ind1, j->ind2, j->xa, j->xa1, ya, ya1);
      continue;
    }
    for (int x = 0; x < g->w; x++) {
      int v = elem(s, row, x, k), i1 = j->ind1[x] + v, i2 = j->ind2[x] + v;
      float res = ((float)p1[i1] * j->xa1[x] + (float)p1[i2] * j->xa[x]) * ya1 +
                  ((float)p2[i1] * j->xa1[x] + (float)p2[i2] * j->xa[x]) * ya;
      float rf = nearbyintf(res);
      int r = rf <= 0 ? 0 : rf >= (float)top ? top : (int)rf;
      size_t e = (size_t)x * (size_t)c + (size_t)k;
      if (s->dtype == SEG_U8) drow[e] = (uint8_t)r;
      else ((uint16_t *)(void *)drow)[e] = (uint16_t)r;
    }
  }
}

FPSTRICT
void seg_clahe (const SegBuf *src, SegBuf *dst, const SegClahe *o, int threads, void *scratch) {
  seg_assert(seg_buf_samesize(src, dst) && src->c == dst->c && src->dtype == dst->dtype);
  ClaheJob j;
  memset(&j, 0, sizeof j);
  j.src = src;
  j.dst = dst;
  grid_of(src, o, &j.g);
  j.tx = o->tiles_x;
  j.ty = o->tiles_y;
  const Grid *g = &j.g;
  int tiles = j.tx * j.ty, slots = slots_of(threads);
  uint8_t *p = scratch;
  j.lut = (uint16_t *)(void *)p;
  p += align16((size_t)tiles * (size_t)g->bins * 2);
  j.hist = (int32_t *)(void *)p;
  p += align16((size_t)slots * (size_t)g->bins * 4);
  int32_t *xmap = (int32_t *)(void *)p;
  p += align16((size_t)g->W * 4);
  int32_t *ymap = (int32_t *)(void *)p;
  p += align16((size_t)g->H * 4);
  int32_t *ind1 = (int32_t *)(void *)p;
  p += align16((size_t)g->w * 4);
  int32_t *ind2 = (int32_t *)(void *)p;
  p += align16((size_t)g->w * 4);
  float *xa = (float *)(void *)p;
  p += align16((size_t)g->w * 4);
  float *xa1 = (float *)(void *)p;
  for (int x = 0; x < g->W; x++) xmap[x] = reflect101(x, g->w);
  for (int y = 0; y < g->H; y++) ymap[y] = reflect101(y, g->h);
  float inv_tw = 1.0f / (float)g->tw;
  for (int x = 0; x < g->w; x++) {
    float txf = (float)x * inv_tw - 0.5f;
    int tx1 = (int)floorf(txf), tx2 = tx1 + 1;
    xa[x] = txf - (float)tx1;
    xa1[x] = 1.0f - xa[x];
    tx1 = tx1 > 0 ? tx1 : 0;
    tx2 = tx2 < j.tx - 1 ? tx2 : j.tx - 1;
    ind1[x] = tx1 * g->bins;
    ind2[x] = tx2 * g->bins;
  }
  j.xmap = xmap; j.ymap = ymap; j.ind1 = ind1; j.ind2 = ind2; j.xa = xa; j.xa1 = xa1;
  int area = g->tw * g->th;
  j.lut_scale = (float)(g->bins - 1) / (float)area;
  j.clip = 0;
  if (o->clip > 0.0) {
    double cl = o->clip * area / g->bins;
    j.clip = cl >= 2147483647.0 ? 2147483647 : (int)cl;
    if (j.clip < 1) j.clip = 1;
  }
  int rgrain = (int)(65536 / ((size_t)g->w + 1)) + 1;
  if (src->dtype == SEG_U8 && src->c == 1) j.flut = (float *)(void *)(p + align16((size_t)g->w * 4));
  for (int k = 0; k < src->c; k++) {
    j.k = k;
    seg_parallel_chunks(slots, tiles, 1, lut_chunk, &j);
    if (j.flut)
      for (size_t i = 0; i < (size_t)tiles * 256; i++) j.flut[i] = (float)j.lut[i];
    seg_parallel_for(threads, g->h, rgrain, interp_rows, &j);
  }
}

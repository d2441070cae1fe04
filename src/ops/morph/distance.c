/* distance.c — exact distance transforms of binary masks.
**
** All three metrics start with the same column pass: g(x, y) = distance
** along the column to the nearest zero pixel, two scans (down, up) run row
** by row so they vectorize across x, column blocks in parallel. Then each
** row, independently (rows in parallel):
**   euclidean:  D(x) = sqrt(min_q (x - q)^2 + g(q)^2), the lower envelope of
**               parabolas of Felzenszwalb & Huttenlocher (2012), linear time;
**   cityblock:  D(x) = min_q |x - q| + g(q), a forward and a backward scan;
** and chessboard runs Rosenfeld & Pfaltz's two-pass 3x3 chamfer with unit
** weights, which is exact for that metric. g is kept in the f32 output
** (integers below 2^24 are exact), "no zero in the column" as BIG. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "distance.h"

#define BIG 1e30f

typedef struct Job {
  const SegBuf *src; SegBuf *dst; SegBuf *idx;
  int32_t *iy;        /* nearest zero row per pixel (indices only) */
  uint8_t *scratch;   /* per-thread row buffers */
  size_t perthread;
  int metric;
} Job;

static size_t perthread_bytes (int w) {
  /* f (double), z (double, w+1), v (int) */
  return (size_t)w * 8 + ((size_t)w + 1) * 8 + (size_t)w * 4 + 64;
}

size_t seg_distance_scratch (int w, int h, int metric, int indices, int threads) {
  if (threads < 1) threads = 1;
  size_t n = (size_t)threads * perthread_bytes(w) + 64;
  if (metric == SEG_DIST_EUCLIDEAN && indices) n += (size_t)w * (size_t)h * 4;
  return n;
}

/* ---------- column pass ---------- */

SEG_CLONES static void col_down (const uint8_t *restrict s, const float *restrict prev,
                                 float *restrict g, int n) {
  for (int x = 0; x < n; x++) g[x] = s[x] ? prev[x] + 1.0f : 0.0f;
}
SEG_CLONES static void col_first (const uint8_t *restrict s, float *restrict g, int n) {
  for (int x = 0; x < n; x++) g[x] = s[x] ? BIG : 0.0f;
}
SEG_CLONES static void col_up (const float *restrict next, float *restrict g, int n) {
  for (int x = 0; x < n; x++) {
    float v = next[x] + 1.0f;
    g[x] = v < g[x] ? v : g[x];
  }
}

static void columns (void *arg, int x0, int x1) {
  Job *j = arg;
  const SegBuf *src = j->src;
  SegBuf *dst = j->dst;
  int n = x1 - x0, w = src->w, h = src->h;
  col_first(seg_row_u8(src, 0) + x0, seg_row_f32(dst, 0) + x0, n);
  for (int y = 1; y < h; y++)
    col_down(seg_row_u8(src, y) + x0, seg_row_f32(dst, y - 1) + x0, seg_row_f32(dst, y) + x0, n);
  if (j->iy) {
    /* nearest zero row: the one found going down unless strictly nearer below */
    for (int x = x0; x < x1; x++) {
      int32_t last = -1;
      for (int y = 0; y < h; y++) {
        if (!seg_row_u8(src, y)[x]) last = y;
        j->iy[(size_t)y * (size_t)w + (size_t)x] = last;
      }
    }
    for (int y = h - 2; y >= 0; y--) {
      const float *nx = seg_row_f32(dst, y + 1);
      float *g = seg_row_f32(dst, y);
      int32_t *iy = j->iy + (size_t)y * (size_t)w, *iyn = iy + w;
      for (int x = x0; x < x1; x++)
        if (nx[x] + 1.0f < g[x]) { g[x] = nx[x] + 1.0f; iy[x] = iyn[x]; }
    }
  } else {
    for (int y = h - 2; y >= 0; y--)
      col_up(seg_row_f32(dst, y + 1) + x0, seg_row_f32(dst, y) + x0, n);
  }
}

/* ---------- row passes ---------- */

static void row_euclid (Job *j, int y, uint8_t *buf) {
  int w = j->src->w;
  double *f = (double *)buf;
  double *z = f + w;
  int *v = (int *)(z + w + 1);
  float *out = seg_row_f32(j->dst, y);
  int k = -1;
  for (int q = 0; q < w; q++) {
    float gq = out[q];
    if (gq >= BIG) continue;
    f[q] = (double)gq * (double)gq;
    if (k < 0) { k = 0; v[0] = q; z[0] = -HUGE_VAL; z[1] = HUGE_VAL; continue; }
    double fq = f[q] + (double)q * q, s;
    for (;;) {  /* z[0] = -inf ends the loop */
      int p = v[k];
      s = (fq - (f[p] + (double)p * p)) / (2.0 * (q - p));
      if (s > z[k]) break;
      k--;
    }
    k++; v[k] = q; z[k] = s; z[k + 1] = HUGE_VAL;
  }
  int32_t *ix = j->idx ? seg_row_i32(j->idx, y) : NULL;
  if (k < 0) {
    for (int x = 0; x < w; x++) out[x] = INFINITY;
    if (ix) for (int x = 0; x < 2 * w; x++) ix[x] = -1;
    return;
  }
  int m = 0;
  for (int x = 0; x < w; x++) {
    while (z[m + 1] < x) m++;
    int p = v[m];
    double d = (double)(x - p) * (x - p) + f[p];
    out[x] = (float)sqrt(d);
    if (ix) { ix[2 * x] = p; ix[2 * x + 1] = j->iy[(size_t)y * (size_t)w + (size_t)p]; }
  }
}

static void row_cityblock (Job *j, int y) {
  int w = j->src->w;
  float *d = seg_row_f32(j->dst, y);
  for (int x = 1; x < w; x++) if (d[x - 1] + 1.0f < d[x]) d[x] = d[x - 1] + 1.0f;
  for (int x = w - 2; x >= 0; x--) if (d[x + 1] + 1.0f < d[x]) d[x] = d[x + 1] + 1.0f;
  for (int x = 0; x < w; x++) if (d[x] >= BIG) d[x] = INFINITY;
}

static void rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  uint8_t *buf = j->scratch + (size_t)chunk * j->perthread;
  buf = (uint8_t *)(((uintptr_t)buf + 7) & ~(uintptr_t)7);
  for (int y = y0; y < y1; y++) {
    if (j->metric == SEG_DIST_EUCLIDEAN) row_euclid(j, y, buf);
    else row_cityblock(j, y);
  }
}

/* Rosenfeld-Pfaltz two-pass chamfer, 8 neighbours at unit cost. */
static void chessboard (const SegBuf *src, SegBuf *dst) {
  int w = src->w, h = src->h;
  for (int y = 0; y < h; y++) {
    const uint8_t *s = seg_row_u8(src, y);
    float *d = seg_row_f32(dst, y);
    const float *u = y > 0 ? seg_row_f32(dst, y - 1) : NULL;
    for (int x = 0; x < w; x++) {
      if (!s[x]) { d[x] = 0; continue; }
      float m = BIG;
      if (x > 0 && d[x - 1] + 1 < m) m = d[x - 1] + 1;
      if (u) {
        if (u[x] + 1 < m) m = u[x] + 1;
        if (x > 0 && u[x - 1] + 1 < m) m = u[x - 1] + 1;
        if (x + 1 < w && u[x + 1] + 1 < m) m = u[x + 1] + 1;
      }
      d[x] = m;
    }
  }
  for (int y = h - 1; y >= 0; y--) {
    float *d = seg_row_f32(dst, y);
    const float *b = y + 1 < h ? seg_row_f32(dst, y + 1) : NULL;
    for (int x = w - 1; x >= 0; x--) {
      float m = d[x];
      if (x + 1 < w && d[x + 1] + 1 < m) m = d[x + 1] + 1;
      if (b) {
        if (b[x] + 1 < m) m = b[x] + 1;
        if (x > 0 && b[x - 1] + 1 < m) m = b[x - 1] + 1;
        if (x + 1 < w && b[x + 1] + 1 < m) m = b[x + 1] + 1;
      }
      d[x] = m;
    }
  }
  for (int y = 0; y < h; y++) {
    float *d = seg_row_f32(dst, y);
    for (int x = 0; x < w; x++) if (d[x] >= BIG) d[x] = INFINITY;
  }
}

void seg_distance (const SegBuf *src, SegBuf *dst, SegBuf *idx, int metric,
                   int threads, void *scratch) {
  if (threads < 1) threads = 1;
  if (metric == SEG_DIST_CHESSBOARD) { chessboard(src, dst); return; }
  Job j = {src, dst, metric == SEG_DIST_EUCLIDEAN ? idx : NULL, NULL, NULL,
           perthread_bytes(src->w), metric};
  uint8_t *p = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  if (j.idx) { j.iy = (int32_t *)p; p += (size_t)src->w * (size_t)src->h * 4; }
  j.scratch = p;
  seg_parallel_for(threads, src->w, 256, columns, &j);
  seg_parallel_chunks(threads, src->h, 16, rows, &j);
}

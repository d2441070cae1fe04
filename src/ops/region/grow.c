/* grow.c — seeded region growing (Adams & Bischof 1994).
** The distances decide the order of a priority queue and must match the
** reference implementation in spec/refs/make_region_refs.py bit for bit:
** no fused multiply-add here. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ops/region/region.h"

/* Queue key: smaller delta first, then earlier insertion (FIFO among
** equal deltas): a total order, so any heap pops the same sequence. A
** 4-ary min-heap (half the depth of a binary one: fewer cache misses). */
typedef struct Item { double d; uint64_t seq; size_t p; } Item;
typedef struct Heap { Item *a; size_t n, cap; } Heap;

static inline int less (const Item *x, const Item *y) {
  return x->d < y->d || (x->d == y->d && x->seq < y->seq);
}

static int heap_push (Heap *h, Item it) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? 2 * h->cap : 1024;
    Item *a = realloc(h->a, cap * sizeof *a);
    if (!a) return -1;
    h->a = a;
    h->cap = cap;
  }
  size_t i = h->n++;
  while (i > 0) {
    size_t up = (i - 1) / 4;
    if (!less(&it, &h->a[up])) break;
    h->a[i] = h->a[up];
    i = up;
  }
  h->a[i] = it;
  return 0;
}

static Item heap_pop (Heap *h) {
  Item top = h->a[0], last = h->a[--h->n];
  size_t i = 0, n = h->n;
  for (;;) {
    size_t c = 4 * i + 1;
    if (c >= n) break;
    size_t e = c + 4 < n ? c + 4 : n;
    for (size_t k = c + 1; k < e; k++)
      if (less(&h->a[k], &h->a[c])) c = k;
    if (!less(&h->a[c], &last)) break;
    h->a[i] = h->a[c];
    i = c;
  }
  if (n) h->a[i] = last;
  return top;
}

typedef struct Grow {
  const SegBuf *src;
  int32_t *lab;          /* contiguous w*h labels */
  double *sum;           /* (maxlabel + 1) * nc channel sums */
  double *cnt;           /* (maxlabel + 1) pixel counts */
  double *val;           /* nc values of the pixel being measured */
  int w, h, nc, conn;
} Grow;

static const int DX[8] = {-1, 0, 1, -1, 1, -1, 0, 1};
static const int DY[8] = {-1, -1, -1, 0, 0, 1, 1, 1};
static const int N4[4] = {1, 3, 4, 6};   /* the 4-neighbours among the 8 */

static inline int nb (const Grow *g, int k) { return g->conn == 8 ? k : N4[k]; }

static void load (const Grow *g, size_t p) {
  int x = (int)(p % (size_t)g->w), y = (int)(p / (size_t)g->w);
  const uint8_t *row = seg_row(g->src, y);
  for (int c = 0; c < g->nc; c++)
    g->val[c] = seg_elem(g->src->dtype, row, (size_t)x * (size_t)g->nc + (size_t)c);
}

/* Distance of the loaded pixel to region r's mean: sqrt(sum_c (v - m)^2)
** with m = sum / count, channels in order. */
static double dist (const Grow *g, int32_t r) {
  const double *s = g->sum + (size_t)r * (size_t)g->nc, n = g->cnt[r];
  double acc = 0;
  for (int c = 0; c < g->nc; c++) {
    double t = g->val[c] - s[c] / n;
    acc += t * t;
  }
  return sqrt(acc);
}

/* Nearest region among p's labelled neighbours (0 when none) and its
** distance; ties go to the smaller label. */
static int32_t nearest (const Grow *g, size_t p, double *d) {
  int x = (int)(p % (size_t)g->w), y = (int)(p / (size_t)g->w), nk = g->conn;
  int32_t best = 0;
  double bd = INFINITY;
  int loaded = 0;
  for (int k = 0; k < nk; k++) {
    int j = nb(g, k), xx = x + DX[j], yy = y + DY[j];
    if (xx < 0 || yy < 0 || xx >= g->w || yy >= g->h) continue;
    int32_t r = g->lab[(size_t)yy * (size_t)g->w + (size_t)xx];
    if (r <= 0 || r == best) continue;
    if (!loaded) { load(g, p); loaded = 1; }
    double dd = dist(g, r);
    if (dd < bd || (dd == bd && r < best) || best == 0) { bd = dd; best = r; }
  }
  *d = bd;
  return best;
}

int seg_region_grow (const SegBuf *src, SegBuf *labbuf, int32_t maxlabel, int conn,
                     double max_distance) {
  seg_assert(seg_buf_samesize(src, labbuf) && seg_buf_contiguous(labbuf));
  seg_assert(conn == 4 || conn == 8);
  const int w = src->w, h = src->h, nc = src->c;
  const size_t n = (size_t)w * (size_t)h, nl = (size_t)maxlabel + 1;
  Grow g = {src, (int32_t *)labbuf->data, NULL, NULL, NULL, w, h, nc, conn};
  Heap hp = {NULL, 0, 0};
  int status = SEG_ENOMEM;
  uint8_t *queued = calloc(n, 1);
  g.sum = calloc(nl * (size_t)nc, sizeof(double));
  g.cnt = calloc(nl, sizeof(double));
  g.val = calloc((size_t)nc, sizeof(double));
  if (!queued || !g.sum || !g.cnt || !g.val) goto done;
  /* region statistics of the seeds */
  for (size_t p = 0; p < n; p++) {
    int32_t r = g.lab[p];
    if (r <= 0) continue;
    load(&g, p);
    for (int c = 0; c < nc; c++) g.sum[(size_t)r * (size_t)nc + (size_t)c] += g.val[c];
    g.cnt[r] += 1;
  }
  uint64_t seq = 0;
  double d;
  for (size_t p = 0; p < n; p++) {
    if (g.lab[p] != 0) continue;
    if (nearest(&g, p, &d) && d <= max_distance) {
      if (heap_push(&hp, (Item){d, seq++, p})) goto done;
      queued[p] = 1;
    }
  }
  while (hp.n) {
    Item it = heap_pop(&hp);
    size_t p = it.p;
    queued[p] = 0;
    int32_t r = nearest(&g, p, &d);
    if (!r || !(d <= max_distance)) continue;   /* may be queued again later */
    g.lab[p] = r;
    for (int c = 0; c < nc; c++) g.sum[(size_t)r * (size_t)nc + (size_t)c] += g.val[c];
    g.cnt[r] += 1;
    int x = (int)(p % (size_t)w), y = (int)(p / (size_t)w);
    for (int k = 0; k < conn; k++) {
      int j = nb(&g, k), xx = x + DX[j], yy = y + DY[j];
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
      size_t q = (size_t)yy * (size_t)w + (size_t)xx;
      if (g.lab[q] != 0 || queued[q]) continue;
      if (nearest(&g, q, &d) && d <= max_distance) {
        if (heap_push(&hp, (Item){d, seq++, q})) goto done;
        queued[q] = 1;
      }
    }
  }
  status = SEG_OK;
done:
  free(hp.a);
  free(queued);
  free(g.sum);
  free(g.cnt);
  free(g.val);
  return status;
}

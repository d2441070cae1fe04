/* felzenszwalb.c — Felzenszwalb & Huttenlocher, "Efficient graph-based
** image segmentation", IJCV 2004, as scikit-image 0.19's
** _felzenszwalb_cy.pyx runs it: gaussian per channel, 8-neighbour grid
** graph, edges in increasing weight order, union-find with the adaptive
** threshold Int(C) + k/|C|, then small components joined.
**
** Edge order. skimage argsorts the float64 weights with numpy's (unstable)
** quicksort; we sort the float32 weights stably, so ties keep skimage's edge
** order (right, down, down-right, up-right; each in raster order). An edge
** is a 64-bit item: weight bits (a non-negative float compares as its bit
** pattern) above the edge's id; the items are written in skimage's edge
** order and sorted on their upper 32 bits by a stable LSD radix sort, which
** gives the order of a stable sort of the weights. Differences from
** skimage therefore come only from float32 rounding (gaussian and weights;
** without smoothing the weights are skimage's float64 ones, see
** exact_cost) and from numpy's order of exactly tied float64 weights. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ops/graphseg/graphseg.h"
#include "ops/filter/filter.h"

enum { RIGHT, DOWN, DRIGHT, URIGHT };
#define RADIX_BITS 11
#define RADIX (1 << RADIX_BITS)

static size_t nedges (int w, int h) {
  size_t W = (size_t)w, H = (size_t)h;
  return (W - 1) * H + W * (H - 1) + 2 * (W - 1) * (H - 1);
}

/* Layout: items (E u64) | other (max(E u64, smoothed floats)).
** The union-find arrays later take whichever of the two the sort left free. */
static size_t other_bytes (int w, int h, int c) {
  size_t e = nedges(w, h) * sizeof(uint64_t);
  size_t sm = (size_t)w * (size_t)h * (size_t)c * sizeof(float);
  size_t uf = ((size_t)w * (size_t)h + 1) * 3 * sizeof(uint32_t);
  if (sm > e) e = sm;
  return e > uf ? e : uf;
}

/* The items' buffer; big enough for the union-find arrays too, which take
** it when the sort leaves its result in the other one. */
static size_t items_bytes (int w, int h) {
  size_t a = nedges(w, h) * sizeof(uint64_t);
  size_t uf = ((size_t)w * (size_t)h + 1) * 3 * sizeof(uint32_t);
  if (uf > a) a = uf;
  return (a + 63) & ~(size_t)63;
}

size_t seg_felz_scratch (int w, int h, int c) {
  return items_bytes(w, h) + other_bytes(w, h, c) + 64;
}

/* ---------- edge weights ---------- */

/* double -> float, saturating to infinity (a plain cast of a double beyond
** the float range is undefined): huge f32 values or scales. */
static inline float to_float (double v) {
  return v > FLT_MAX ? INFINITY : v < -FLT_MAX ? -INFINITY : (float)v;
}

/* skimage's float64 weight of the edge (p, q) of the unsmoothed image:
** values img_as_float64 (v * (1/255), v * (1/65535), f32 widened), the
** squared differences summed in channel order (numpy's sum over 3 or so
** elements), then sqrt. */
static double exact_cost (const SegBuf *src, double s, uint32_t p, uint32_t q) {
  uint32_t w = (uint32_t)src->w;
  const uint8_t *rp = seg_row(src, (int)(p / w)), *rq = seg_row(src, (int)(q / w));
  size_t ip = (size_t)(p % w) * (size_t)src->c, iq = (size_t)(q % w) * (size_t)src->c;
  double sum = 0;
  for (int k = 0; k < src->c; k++) {
    double d = seg_elem(src->dtype, rq, iq + k) * s - seg_elem(src->dtype, rp, ip + k) * s;
    sum += d * d;
  }
  return sqrt(sum);
}

typedef struct {
  const SegBuf *exact;  /* the source when unsmoothed: weights from exact_cost */
  double s;             /* its img_as_float64 scale */
  const float *sm;   /* smoothed, w*h*c */
  uint64_t *items;
  int w, h, c;
  size_t off[4];     /* first item of each direction */
} WeightJob;

static inline float dist (const float *restrict p, const float *restrict q, int c) {
  if (c == 1) return fabsf(p[0] - q[0]);
  if (c == 3) {
    float d0 = p[0] - q[0], d1 = p[1] - q[1], d2 = p[2] - q[2];
    return sqrtf(d0 * d0 + d1 * d1 + d2 * d2);
  }
  float s = 0;
  for (int k = 0; k < c; k++) s += (p[k] - q[k]) * (p[k] - q[k]);
  return sqrtf(s);
}

/* A root's threshold Int(C) + k/|C| rounded to float (as skimage's
** inner_cost) and its size. */
typedef struct { float thr; uint32_t size; } Node;

/* An item: the weight's bits over the edge's id, first pixel p times 4
** plus the direction; the second pixel is p + off[dir] (right: 1, down: w,
** down-right: w + 1, up-right: w - 1, whose first pixel is the upper one).
** The id only names the edge: ties keep the order in which the items are
** written, skimage's. */
static inline uint64_t item (float wgt, uint32_t id) {
  uint32_t bits;
  memcpy(&bits, &wgt, 4);
  return (uint64_t)bits << 32 | id;
}

/* Rows [y0, y1) of all four directions. */
SEG_CLONES static void weights_rows (void *arg, int y0, int y1) {
  const WeightJob *j = arg;
  int w = j->w, h = j->h, c = j->c;
  size_t rs = (size_t)w * (size_t)c;
  for (int y = y0; y < y1; y++) {
    const float *r0 = j->sm + (size_t)y * rs, *r1 = r0 + rs;
    uint32_t a = (uint32_t)y * (uint32_t)w;
    uint64_t *o = j->items + j->off[RIGHT] + (size_t)y * (size_t)(w - 1);
    for (int x = 0; x + 1 < w; x++)
      o[x] = item(dist(r0 + (size_t)x * c, r0 + (size_t)(x + 1) * c, c), (a + x) << 2 | RIGHT);
    if (y + 1 >= h) continue;
    o = j->items + j->off[DOWN] + (size_t)y * (size_t)w;
    for (int x = 0; x < w; x++)
      o[x] = item(dist(r0 + (size_t)x * c, r1 + (size_t)x * c, c), (a + x) << 2 | DOWN);
    o = j->items + j->off[DRIGHT] + (size_t)y * (size_t)(w - 1);
    for (int x = 0; x + 1 < w; x++)
      o[x] = item(dist(r0 + (size_t)x * c, r1 + (size_t)(x + 1) * c, c), (a + x) << 2 | DRIGHT);
    o = j->items + j->off[URIGHT] + (size_t)y * (size_t)(w - 1);
    for (int x = 0; x + 1 < w; x++)
      o[x] = item(dist(r0 + (size_t)(x + 1) * c, r1 + (size_t)x * c, c), (a + x + 1) << 2 | URIGHT);
  }
  if (!j->exact) return;
  /* unsmoothed: the float keys are the exact double weights, rounded */
  const uint32_t off[4] = {1, (uint32_t)w, (uint32_t)w + 1, (uint32_t)w - 1};
  for (int y = y0; y < y1; y++) {
    uint64_t *seg[4] = {j->items + j->off[RIGHT] + (size_t)y * (size_t)(w - 1),
                        j->items + j->off[DOWN] + (size_t)y * (size_t)w,
                        j->items + j->off[DRIGHT] + (size_t)y * (size_t)(w - 1),
                        j->items + j->off[URIGHT] + (size_t)y * (size_t)(w - 1)};
    int len[4] = {w - 1, y + 1 < h ? w : 0, y + 1 < h ? w - 1 : 0, y + 1 < h ? w - 1 : 0};
    for (int d = 0; d < 4; d++)
      for (int i = 0; i < len[d]; i++) {
        uint32_t id = (uint32_t)seg[d][i], p = id >> 2;
        seg[d][i] = item(to_float(exact_cost(j->exact, j->s, p, p + off[id & 3])), id);
      }
  }
}

/* ---------- stable LSD radix sort on bits 32..63 ---------- */

typedef struct {
  const uint64_t *src;
  uint64_t *dst;
  size_t n;
  int shift, nchunks;
  uint32_t *hist;    /* nchunks * RADIX: counts, then start offsets */
} RadixJob;

static void chunk_range (const RadixJob *j, int chunk, size_t *b, size_t *e) {
  *b = j->n * (size_t)chunk / (size_t)j->nchunks;
  *e = j->n * (size_t)(chunk + 1) / (size_t)j->nchunks;
}

static void radix_count (void *arg, int chunk, int b_, int e_) {
  (void)b_; (void)e_;
  const RadixJob *j = arg;
  size_t b, e;
  chunk_range(j, chunk, &b, &e);
  uint32_t *restrict hc = j->hist + (size_t)chunk * RADIX;
  memset(hc, 0, RADIX * sizeof *hc);
  for (size_t i = b; i < e; i++) hc[(j->src[i] >> j->shift) & (RADIX - 1)]++;
}

static void radix_scatter (void *arg, int chunk, int b_, int e_) {
  (void)b_; (void)e_;
  const RadixJob *j = arg;
  size_t b, e;
  chunk_range(j, chunk, &b, &e);
  uint32_t *restrict hc = j->hist + (size_t)chunk * RADIX;
  const uint64_t *restrict s = j->src;
  uint64_t *restrict d = j->dst;
  for (size_t i = b; i < e; i++) {
    uint64_t v = s[i];
    d[hc[(v >> j->shift) & (RADIX - 1)]++] = v;
  }
}

/* Sorts items (n < 2^32) on their upper 32 bits; returns the buffer that
** holds the result (items or tmp). NULL when out of memory. The chunks are
** our own (nchunks fixed ranges, one call each through the pool), so the
** order never depends on the thread count. */
static uint64_t *radix_sort (uint64_t *items, uint64_t *tmp, size_t n, int threads) {
  int nch = threads < 1 ? 1 : threads;
  if (n < ((size_t)1 << 16)) nch = 1;
  if (nch > 64) nch = 64;
  uint32_t *hist = malloc(sizeof(uint32_t) * RADIX * (size_t)nch);
  if (!hist) return NULL;
  RadixJob j = {items, tmp, n, 0, nch, hist};
  for (int shift = 32; shift < 64; shift += RADIX_BITS) {
    j.shift = shift;
    seg_parallel_chunks(nch, nch, 1, radix_count, &j);
    /* A digit shared by every item leaves the order as it is. */
    int single = 0;
    for (int d = 0; d < RADIX && !single; d++) {
      size_t s = 0;
      for (int c = 0; c < nch; c++) s += hist[(size_t)c * RADIX + d];
      if (s == n) single = 1;
      else if (s) break;
    }
    if (single) continue;
    uint32_t at = 0;
    for (int d = 0; d < RADIX; d++)
      for (int c = 0; c < nch; c++) {
        uint32_t k = hist[(size_t)c * RADIX + d];
        hist[(size_t)c * RADIX + d] = at;
        at += k;
      }
    seg_parallel_chunks(nch, nch, 1, radix_scatter, &j);
    const uint64_t *t = j.src;
    j.src = j.dst;
    j.dst = (uint64_t *)t;
  }
  free(hist);
  return (uint64_t *)j.src;
}

/* ---------- union-find ---------- */

static inline uint32_t find (uint32_t *restrict parent, uint32_t p) {
  while (parent[p] != p) {         /* path halving */
    parent[p] = parent[parent[p]];
    p = parent[p];
  }
  return p;
}

/* Smoothed values as float: the scipy gaussian, or a plain scaled copy when
** sigma is too small to smooth (scipy skips such axes). */
static int smooth (const SegBuf *src, float *sm, double sigma, int threads) {
  double scale = src->dtype == SEG_U8 ? 1.0 / 255 : src->dtype == SEG_U16 ? 1.0 / 65535 : 1.0;
  SegBuf d = {src->w, src->h, src->c, SEG_F32, (size_t)src->w * (size_t)src->c * sizeof(float),
              (uint8_t *)sm};
  if (sigma > 1e-15)
    return seg_gaussian_scipy(src, &d, sigma, 4.0, SEG_BORDER_REFLECT, scale, threads);
  size_t rn = (size_t)src->w * (size_t)src->c;
  for (int y = 0; y < src->h; y++) {
    const uint8_t *s = seg_row(src, y);
    float *o = sm + (size_t)y * rn;
    for (size_t i = 0; i < rn; i++) o[i] = (float)(seg_elem(src->dtype, s, i) * scale);
  }
  return SEG_OK;
}

int32_t seg_felzenszwalb (const SegBuf *src, SegBuf *labels, double scale, double sigma,
                          int64_t min_size, int threads, void *scratch) {
  int w = src->w, h = src->h, c = src->c;
  seg_assert(seg_buf_samesize(src, labels) && labels->dtype == SEG_I32);
  uint32_t N = (uint32_t)w * (uint32_t)h;
  size_t E = nedges(w, h);
  size_t abytes = items_bytes(w, h);
  uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  uint64_t *items = (uint64_t *)base;
  uint8_t *other = base + abytes;
  float *sm = (float *)other;
  if (smooth(src, sm, sigma, threads) != SEG_OK) return -1;
  int exact = !(sigma > 1e-15);
  double xs = src->dtype == SEG_U8 ? 1.0 / 255 : src->dtype == SEG_U16 ? 1.0 / 65535 : 1.0;
  uint64_t *sorted = items;
  if (E > 0) {
    WeightJob wj = {exact ? src : NULL, xs, sm, items, w, h, c, {0}};
    wj.off[DOWN] = (size_t)(w - 1) * (size_t)h;
    wj.off[DRIGHT] = wj.off[DOWN] + (size_t)w * (size_t)(h - 1);
    wj.off[URIGHT] = wj.off[DRIGHT] + (size_t)(w - 1) * (size_t)(h - 1);
    seg_parallel_for(threads, h, 16, weights_rows, &wj);
    sorted = radix_sort(items, (uint64_t *)other, E, threads);
    if (!sorted) return -1;
  }
  /* union-find in the buffer the sort left free: parent[], then the
  ** threshold Int(C) + k/|C| (as float, as skimage's inner_cost) and size of
  ** each root side by side, one cache line for both */
  uint32_t *parent = (uint32_t *)(sorted == items ? other : (uint8_t *)items);
  Node *nd = (Node *)(parent + N + (N & 1));
  double sc = scale / 255.0;
  for (uint32_t p = 0; p < N; p++) {   /* Int({p}) = 0, |{p}| = 1 */
    parent[p] = p;
    nd[p].thr = to_float(sc);
    nd[p].size = 1;
  }
  const uint32_t off[4] = {1, (uint32_t)w, (uint32_t)w + 1, (uint32_t)w - 1};
  /* Pass 1. Edges the test rejects are kept, in order, at the front of
  ** 'sorted': an edge inside a component stays inside, so the small
  ** component pass needs only those. */
  size_t kept = 0;
  enum { PF = 16 };                  /* prefetch distance, in edges */
  for (size_t e = 0; e < E; e++) {
    /* two-stage prefetch: the pixels' parents 2*PF edges ahead, then, once
    ** those are in cache, their parents' nodes (mostly the roots) */
    if (e + 2 * PF < E) {
      uint32_t f = (uint32_t)sorted[e + 2 * PF];
      __builtin_prefetch(parent + (f >> 2), 1);
      __builtin_prefetch(parent + (f >> 2) + off[f & 3], 1);
    }
    if (e + PF < E) {
      uint32_t f = (uint32_t)sorted[e + PF];
      uint32_t pa = parent[f >> 2], pb = parent[(f >> 2) + off[f & 3]];
      __builtin_prefetch(nd + pa, 1);
      __builtin_prefetch(nd + pb, 1);
      __builtin_prefetch(parent + pa, 1);
      __builtin_prefetch(parent + pb, 1);
    }
    uint64_t v = sorted[e];
    uint32_t id = (uint32_t)v, p = id >> 2, q = p + off[id & 3];
    uint32_t a = find(parent, p), b = find(parent, q);
    if (a == b) continue;
    uint32_t bits = (uint32_t)(v >> 32);
    float cost;
    memcpy(&cost, &bits, 4);
    float t = nd[a].thr < nd[b].thr ? nd[a].thr : nd[b].thr;
    /* skimage compares the double weight with the float threshold; the
    ** float weight decides unless it equals the threshold. Without
    ** smoothing the double weight is at hand (exact): then it decides
    ** there, and it makes the merged region's threshold. */
    double cd = cost;
    int pass = cost < t;
    if (exact && cost == t) pass = (cd = exact_cost(src, xs, p, q)) < (double)t;
    if (pass) {
      if (exact && cost != t) cd = exact_cost(src, xs, p, q);
      /* union by size; the root's identity does not change the partition */
      if (nd[a].size < nd[b].size) { uint32_t x = a; a = b; b = x; }
      parent[b] = a;
      nd[a].size += nd[b].size;
      nd[a].thr = to_float(cd + sc / (double)nd[a].size);
    } else {
      sorted[kept++] = v;
    }
  }
  if (min_size > 1) {
    for (uint32_t p = 0; p < N; p++) parent[p] = find(parent, p);   /* flat: one hop */
    for (size_t e = 0; e < kept; e++) {
      if (e + PF < kept) {
        uint32_t f = (uint32_t)sorted[e + PF];
        __builtin_prefetch(parent + (f >> 2));
        __builtin_prefetch(parent + (f >> 2) + off[f & 3]);
      }
      uint32_t id = (uint32_t)sorted[e], p = id >> 2, q = p + off[id & 3];
      uint32_t a = find(parent, p), b = find(parent, q);
      if (a == b || (nd[a].size >= min_size && nd[b].size >= min_size)) continue;
      if (nd[a].size < nd[b].size) { uint32_t x = a; a = b; b = x; }
      parent[b] = a;
      nd[a].size += nd[b].size;
    }
  }
  uint32_t *size = (uint32_t *)nd;   /* reused: root -> label */
  /* labels in raster order of each component's first pixel; 'size' now
  ** maps a root to its label */
  memset(size, 0, (size_t)N * sizeof *size);   /* within nd's 8N bytes */
  int32_t n = 0;
  for (int y = 0; y < h; y++) {
    int32_t *o = seg_row_i32(labels, y);
    for (int x = 0; x < w; x++) {
      uint32_t r = find(parent, (uint32_t)y * (uint32_t)w + (uint32_t)x);
      if (!size[r]) size[r] = (uint32_t)++n;
      o[x] = (int32_t)size[r];
    }
  }
  return n;
}

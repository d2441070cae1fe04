/* rag.c — region adjacency graph of mean colours and two ways of merging
** its regions, after scikit-image 0.19's skimage.future.graph:
** rag_mean_color (mode 'distance'), cut_threshold, and merge_hierarchical
** with the mean-colour merge and weight functions of its plot_rag_merging
** example.
**
** Nodes are the labels present in the map (label > 0), numbered in
** increasing label order so that comparing node numbers compares labels,
** as skimage's heap breaks weight ties by node id. Weights are euclidean
** distances of mean colours in double, as numpy. Everything is allocated
** here with malloc and freed on every path (SEG_ENOMEM / NULL). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ops/graphseg/graphseg.h"

typedef struct { int32_t *v; int len, cap; } NbList;   /* cap < 0: not owned */

struct SegRag {
  int nn, c;
  int32_t *lab;        /* node -> label, increasing */
  int32_t *idx;        /* label -> node (direct table, maxlab + 1), or NULL */
  int32_t maxlab;
  double *sum;         /* nn * c channel sums */
  double *cnt;         /* pixels per node */
  int32_t *parent;     /* merged into (union-find) */
  uint64_t *edges;     /* (a << 32 | b), a < b, sorted, unique */
  size_t ne;
};

static int cmp_i32 (const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}
static int cmp_u64 (const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Node of a label, -1 for background. */
static int32_t node_of (const SegRag *g, int32_t l) {
  if (l <= 0) return -1;
  if (g->idx) return g->idx[l];
  size_t lo = 0, hi = (size_t)g->nn;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (g->lab[m] < l) lo = m + 1; else hi = m;
  }
  return (int32_t)lo;
}

void seg_rag_free (SegRag *g) {
  if (!g) return;
  free(g->lab); free(g->idx); free(g->sum); free(g->cnt); free(g->parent); free(g->edges);
  free(g);
}

static int32_t root (int32_t *parent, int32_t a) {
  while (parent[a] != a) { parent[a] = parent[parent[a]]; a = parent[a]; }
  return a;
}

/* Distinct positive labels, increasing, into g->lab / g->idx. */
static int find_nodes (SegRag *g, const SegBuf *L) {
  int w = L->w, h = L->h;
  int32_t mx = 0;
  for (int y = 0; y < h; y++) {
    const int32_t *r = seg_row_i32(L, y);
    for (int x = 0; x < w; x++) mx = r[x] > mx ? r[x] : mx;
  }
  g->maxlab = mx;
  size_t N = (size_t)w * (size_t)h;
  if ((size_t)mx <= 4 * N + 65536) {
    g->idx = malloc(sizeof(int32_t) * ((size_t)mx + 1));
    if (!g->idx) return -1;
    for (int32_t l = 0; l <= mx; l++) g->idx[l] = -1;
    for (int y = 0; y < h; y++) {
      const int32_t *r = seg_row_i32(L, y);
      for (int x = 0; x < w; x++) if (r[x] > 0) g->idx[r[x]] = 0;
    }
    int n = 0;
    for (int32_t l = 1; l <= mx; l++) if (!g->idx[l]) n++;
    g->lab = malloc(sizeof(int32_t) * ((size_t)n + 1));
    if (!g->lab) return -1;
    n = 0;
    for (int32_t l = 1; l <= mx; l++)
      if (!g->idx[l]) { g->lab[n] = l; g->idx[l] = n++; }
    g->nn = n;
    return 0;
  }
  /* sparse labels: sort the distinct run values */
  int32_t *all = malloc(sizeof(int32_t) * N);
  if (!all) return -1;
  size_t k = 0;
  for (int y = 0; y < h; y++) {
    const int32_t *r = seg_row_i32(L, y);
    for (int x = 0; x < w; x++)
      if (r[x] > 0 && (k == 0 || all[k - 1] != r[x])) all[k++] = r[x];
  }
  qsort(all, k, sizeof *all, cmp_i32);
  size_t n = 0;
  for (size_t i = 0; i < k; i++) if (n == 0 || all[n - 1] != all[i]) all[n++] = all[i];
  g->lab = all;
  g->nn = (int)n;
  return 0;
}

typedef struct { uint64_t *v; size_t n, cap; } Vec64;

static int push64 (Vec64 *v, uint64_t x) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 4096;
    uint64_t *p = realloc(v->v, cap * sizeof *p);
    if (!p) return -1;
    v->v = p;
    v->cap = cap;
  }
  v->v[v->n++] = x;
  return 0;
}

SegRag *seg_rag_new (const SegBuf *L, const SegBuf *img, int conn, int threads) {
  (void)threads;
  seg_assert(seg_buf_samesize(L, img) && L->dtype == SEG_I32);
  SegRag *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  int w = L->w, h = L->h, c = img->c;
  g->c = c;
  Vec64 ev = {NULL, 0, 0};
  if (find_nodes(g, L)) goto fail;
  size_t nn = (size_t)g->nn;
  g->sum = calloc(nn * (size_t)c + 1, sizeof(double));
  g->cnt = calloc(nn + 1, sizeof(double));
  g->parent = malloc(sizeof(int32_t) * (nn + 1));
  int32_t *rowa = malloc(sizeof(int32_t) * (size_t)w * 2);
  if (!g->sum || !g->cnt || !g->parent || !rowa) { free(rowa); goto fail; }
  for (size_t i = 0; i < nn; i++) g->parent[i] = (int32_t)i;
  /* node rows: 'cur' and 'nxt' alternate in rowa */
  int32_t *cur = rowa, *nxt = rowa + w;
  {
    const int32_t *r = seg_row_i32(L, 0);
    int32_t last = 0, lastn = -1;
    for (int x = 0; x < w; x++) {
      if (r[x] != last || x == 0) { last = r[x]; lastn = node_of(g, last); }
      cur[x] = lastn;
    }
  }
  for (int y = 0; y < h; y++) {
    const uint8_t *ir = seg_row(img, y);
    for (int x = 0; x < w; x++) {
      int32_t a = cur[x];
      if (a < 0) continue;
      g->cnt[a] += 1;
      double *s = g->sum + (size_t)a * c;
      for (int k = 0; k < c; k++) s[k] += seg_elem(img->dtype, ir, (size_t)x * c + k);
    }
    if (y + 1 < h) {
      const int32_t *r = seg_row_i32(L, y + 1);
      int32_t last = 0, lastn = -1;
      for (int x = 0; x < w; x++) {
        if (r[x] != last || x == 0) { last = r[x]; lastn = node_of(g, last); }
        nxt[x] = lastn;
      }
    }
    uint64_t prev = UINT64_MAX;
    for (int x = 0; x < w; x++) {
      int32_t a = cur[x];
      if (a < 0) continue;
      int32_t nb[4];
      int k = 0;
      if (x + 1 < w) nb[k++] = cur[x + 1];
      if (y + 1 < h) {
        nb[k++] = nxt[x];
        if (conn == 8 && x + 1 < w) nb[k++] = nxt[x + 1];
        if (conn == 8 && x > 0) nb[k++] = nxt[x - 1];
      }
      for (int i = 0; i < k; i++) {
        int32_t b = nb[i];
        if (b < 0 || b == a) continue;
        uint64_t e = a < b ? (uint64_t)a << 32 | (uint32_t)b : (uint64_t)b << 32 | (uint32_t)a;
        if (e == prev) continue;
        prev = e;
        if (push64(&ev, e)) { free(rowa); goto fail; }
      }
    }
    int32_t *t = cur; cur = nxt; nxt = t;
  }
  free(rowa);
  if (ev.n) qsort(ev.v, ev.n, sizeof *ev.v, cmp_u64);
  size_t ne = 0;
  for (size_t i = 0; i < ev.n; i++) if (ne == 0 || ev.v[ne - 1] != ev.v[i]) ev.v[ne++] = ev.v[i];
  g->edges = ev.v;
  g->ne = ne;
  return g;
fail:
  free(ev.v);
  seg_rag_free(g);
  return NULL;
}

static double weight (const SegRag *g, int32_t a, int32_t b) {
  const double *sa = g->sum + (size_t)a * g->c, *sb = g->sum + (size_t)b * g->c;
  double s = 0;
  for (int k = 0; k < g->c; k++) {
    double d = sa[k] / g->cnt[a] - sb[k] / g->cnt[b];
    s += d * d;
  }
  return sqrt(s);
}

int seg_rag_cut_threshold (SegRag *g, double thresh) {
  for (size_t i = 0; i < g->ne; i++) {
    int32_t a = (int32_t)(g->edges[i] >> 32), b = (int32_t)(uint32_t)g->edges[i];
    if (weight(g, a, b) >= thresh) continue;     /* skimage drops these */
    a = root(g->parent, a);
    b = root(g->parent, b);
    if (a != b) g->parent[a > b ? a : b] = a < b ? a : b;
  }
  return SEG_OK;
}

/* ---------- merge_hierarchical ---------- */

/* skimage's heap items are [weight, n1, n2, valid] lists compared in that
** order; an item stays valid until one of its nodes merges. Here an item
** carries the versions its nodes had when it was pushed. */
typedef struct { double w; int32_t a, b; uint32_t va, vb; } Item;
typedef struct { Item *v; size_t n, cap; } Heap;

static int less (const Item *x, const Item *y) {
  if (x->w != y->w) return x->w < y->w;
  if (x->a != y->a) return x->a < y->a;
  return x->b < y->b;
}

static int heap_push (Heap *hp, Item it) {
  if (hp->n == hp->cap) {
    size_t cap = hp->cap ? hp->cap * 2 : 1024;
    Item *p = realloc(hp->v, cap * sizeof *p);
    if (!p) return -1;
    hp->v = p;
    hp->cap = cap;
  }
  size_t i = hp->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!less(&it, &hp->v[p])) break;
    hp->v[i] = hp->v[p];
    i = p;
  }
  hp->v[i] = it;
  return 0;
}

static Item heap_pop (Heap *hp) {
  Item top = hp->v[0], last = hp->v[--hp->n];
  size_t i = 0, n = hp->n;
  for (;;) {
    size_t l = 2 * i + 1, m;
    if (l >= n) break;
    m = l + 1 < n && less(&hp->v[l + 1], &hp->v[l]) ? l + 1 : l;
    if (!less(&hp->v[m], &last)) break;
    hp->v[i] = hp->v[m];
    i = m;
  }
  if (n) hp->v[i] = last;
  return top;
}

int seg_rag_merge_hierarchical (SegRag *g, double thresh) {
  int nn = g->nn, rc = SEG_ENOMEM;
  size_t ne = g->ne;
  NbList *nb = calloc((size_t)nn + 1, sizeof *nb);
  uint32_t *ver = calloc((size_t)nn + 1, sizeof *ver);
  uint32_t *mark = calloc((size_t)nn + 1, sizeof *mark);
  int32_t *csr = malloc(sizeof(int32_t) * (2 * ne + 1));
  int32_t *tmp = NULL;
  Heap hp = {NULL, 0, 0};
  if (!nb || !ver || !mark || !csr) goto done;
  for (size_t i = 0; i < ne; i++) {
    nb[g->edges[i] >> 32].len++;
    nb[(uint32_t)g->edges[i]].len++;
  }
  size_t at = 0;
  for (int i = 0; i < nn; i++) {
    nb[i].v = csr + at;
    nb[i].cap = -1;
    at += (size_t)nb[i].len;
    nb[i].len = 0;
  }
  for (size_t i = 0; i < ne; i++) {
    int32_t a = (int32_t)(g->edges[i] >> 32), b = (int32_t)(uint32_t)g->edges[i];
    nb[a].v[nb[a].len++] = b;
    nb[b].v[nb[b].len++] = a;
    if (heap_push(&hp, (Item){weight(g, a, b), a, b, 0, 0})) goto done;
  }
  tmp = malloc(sizeof(int32_t) * ((size_t)nn + 1));
  if (!tmp) goto done;
  uint32_t stamp = 0;
  while (hp.n > 0 && hp.v[0].w < thresh) {
    Item it = heap_pop(&hp);
    int32_t src = it.a, dst = it.b;
    if (g->parent[src] != src || g->parent[dst] != dst ||
        ver[src] != it.va || ver[dst] != it.vb) continue;
    /* merge_mean_color, then merge_nodes(src, dst) in place */
    for (int k = 0; k < g->c; k++) g->sum[(size_t)dst * g->c + k] += g->sum[(size_t)src * g->c + k];
    g->cnt[dst] += g->cnt[src];
    g->parent[src] = dst;
    ver[dst]++;
    /* neighbours of either, resolved through the merges, once each */
    stamp++;
    mark[src] = mark[dst] = stamp;
    int n = 0;
    for (int s = 0; s < 2; s++) {
      NbList *l = &nb[s ? src : dst];
      for (int i = 0; i < l->len; i++) {
        int32_t r = root(g->parent, l->v[i]);
        if (mark[r] == stamp) continue;
        mark[r] = stamp;
        tmp[n++] = r;
      }
    }
    for (int s = 0; s < 2; s++) {
      NbList *l = &nb[s ? src : dst];
      if (l->cap >= 0) free(l->v);
      l->v = NULL; l->len = 0; l->cap = 0;
    }
    int32_t *v = malloc(sizeof(int32_t) * ((size_t)n + 1));
    if (!v) goto done;
    memcpy(v, tmp, sizeof(int32_t) * (size_t)n);
    nb[dst] = (NbList){v, n, n};
    /* skimage pushes [weight, new node, neighbour] for each neighbour, in
    ** the order networkx lists them; our order differs only on ties */
    for (int i = 0; i < n; i++)
      if (heap_push(&hp, (Item){weight(g, dst, v[i]), dst, v[i], ver[dst], ver[v[i]]}))
        goto done;
  }
  rc = SEG_OK;
done:
  if (nb)
    for (int i = 0; i < nn; i++) if (nb[i].cap >= 0) free(nb[i].v);
  free(nb); free(ver); free(mark); free(csr); free(tmp); free(hp.v);
  return rc;
}

int32_t seg_rag_relabel (const SegRag *g, const SegBuf *L, SegBuf *out) {
  int32_t *map = calloc((size_t)g->nn + 1, sizeof *map);
  if (!map) return -1;
  int32_t n = 0, last = 0, lastv = 0;
  for (int y = 0; y < L->h; y++) {
    const int32_t *r = seg_row_i32(L, y);
    int32_t *o = seg_row_i32(out, y);
    for (int x = 0; x < L->w; x++) {
      if (r[x] <= 0) { o[x] = 0; continue; }
      if (r[x] != last || lastv == 0) {
        int32_t a = node_of(g, r[x]);
        while (g->parent[a] != a) a = g->parent[a];
        if (!map[a]) map[a] = ++n;
        last = r[x];
        lastv = map[a];
      }
      o[x] = lastv;
    }
  }
  free(map);
  return n;
}

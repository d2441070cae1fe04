/* maxflow.c — Boykov–Kolmogorov max-flow on 4- or 8-connected grids.
** Y. Boykov, V. Kolmogorov, "An Experimental Comparison of Min-Cut/Max-Flow
** Algorithms for Energy Minimization in Vision", PAMI 26(9), 2004: two
** search trees (from the source and from the sink) grow until they touch,
** the path found is augmented, and the nodes it cut off (orphans) are
** adopted back or freed. Same structure as the authors' maxflow-v3.01
** (active FIFO, the last node processed kept current, orphan FIFO, the
** timestamp/distance heuristic for adoption), on a grid: a node's arcs are
** implicit (direction k reaches p + off[k]), its parent is a direction, and
** every array is flat and allocated once by the caller. */
#include <limits.h>
#include <string.h>
#include "ops/graphcut/graphcut.h"

const int seg_gc_dx[8] = {1, 0, 1, -1, -1, 0, -1, 1};
const int seg_gc_dy[8] = {0, 1, 1, 1, 0, -1, -1, -1};
static const int dx4[4] = {1, 0, -1, 0}, dy4[4] = {0, 1, 0, -1};

/* parent: NONE (free), 1 + the direction of the arc to the parent, TERM
** (child of its terminal) or ORPHAN. */
enum { NONE = 0, TERM = 14, ORPHAN = 15 };

typedef struct Node {
  int32_t next;     /* active FIFO: -1 not queued; the last node points to itself */
  int32_t ts, dist; /* timestamp and distance to the terminal (adoption heuristic) */
  uint8_t parent, sink, nb, pad;   /* nb: bit k set when direction k stays in the grid */
} Node;

typedef struct BK {
  int n, K;
  int off[8], opp[8];
  Node *nd;
  SegCap *cap, *tr;
  int qhead, qtail;          /* active FIFO */
  int32_t *orph;             /* orphan deque: ring of n (a node is in it at most once) */
  int ohead, ocount;
  int time;
  double flow;
} BK;

size_t seg_maxflow_scratch (int w, int h) {
  if (w <= 0 || h <= 0) return 0;
  size_t n = (size_t)w * (size_t)h;
  if (n > (size_t)INT_MAX / 2) return 0;
  return n * (sizeof(Node) + sizeof(int32_t)) + 64;
}

static void set_active (BK *b, int i) {
  Node *v = &b->nd[i];
  if (v->next >= 0) return;
  v->next = i;
  if (b->qtail >= 0) b->nd[b->qtail].next = i;
  else b->qhead = i;
  b->qtail = i;
}

/* The next active node that still has a parent (others are dropped), or -1. */
static int next_active (BK *b) {
  for (;;) {
    int i = b->qhead;
    if (i < 0) return -1;
    Node *v = &b->nd[i];
    if (v->next == i) b->qhead = b->qtail = -1;
    else b->qhead = v->next;
    v->next = -1;
    if (v->parent != NONE) return i;
  }
}

static void orphan_front (BK *b, int i) {
  b->nd[i].parent = ORPHAN;
  b->ohead = b->ohead == 0 ? b->n - 1 : b->ohead - 1;
  b->orph[b->ohead] = i;
  b->ocount++;
}

static void orphan_rear (BK *b, int i) {
  b->nd[i].parent = ORPHAN;
  int t = b->ohead + b->ocount;
  if (t >= b->n) t -= b->n;
  b->orph[t] = i;
  b->ocount++;
}

/* Pushes the bottleneck through the path source ~> s -> t ~> sink, where
** s (source tree) reaches t (sink tree) through direction k. */
static void augment (BK *b, int s, int k) {
  const int K = b->K, *off = b->off, *opp = b->opp;
  SegCap *cap = b->cap, *tr = b->tr;
  Node *nd = b->nd;
  int t = s + off[k];
  SegCap bn = cap[(size_t)s * K + k];
  int v;
  for (v = s; nd[v].parent != TERM;) {
    int a = nd[v].parent - 1, u = v + off[a];
    SegCap c = cap[(size_t)u * K + opp[a]];
    if (c < bn) bn = c;
    v = u;
  }
  if (tr[v] < bn) bn = tr[v];
  for (v = t; nd[v].parent != TERM;) {
    int a = nd[v].parent - 1;
    SegCap c = cap[(size_t)v * K + a];
    if (c < bn) bn = c;
    v += off[a];
  }
  if (-tr[v] < bn) bn = -tr[v];

  cap[(size_t)s * K + k] -= bn;
  cap[(size_t)t * K + opp[k]] += bn;
  for (v = s; nd[v].parent != TERM;) {
    int a = nd[v].parent - 1, u = v + off[a];
    cap[(size_t)v * K + a] += bn;
    if ((cap[(size_t)u * K + opp[a]] -= bn) == 0) orphan_front(b, v);
    v = u;
  }
  if ((tr[v] -= bn) == 0) orphan_front(b, v);
  for (v = t; nd[v].parent != TERM;) {
    int a = nd[v].parent - 1, u = v + off[a];
    cap[(size_t)u * K + opp[a]] += bn;
    if ((cap[(size_t)v * K + a] -= bn) == 0) orphan_front(b, v);
    v = u;
  }
  if ((tr[v] += bn) == 0) orphan_front(b, v);
  b->flow += bn;
}

/* Finds a new parent for orphan i in its own tree (the neighbour closest to
** the terminal among those with a residual arc towards i, resp. from i, and
** a path to the terminal that avoids orphans), or frees it, orphaning its
** children and activating its tree neighbours. */
static void adopt (BK *b, int i) {
  const int K = b->K, *off = b->off, *opp = b->opp;
  const SegCap *cap = b->cap;
  Node *nd = b->nd, *ni = &nd[i];
  const int sink = ni->sink, time = b->time;
  int dmin = INT_MAX, kmin = -1;
  for (int k = 0; k < K; k++) {
    if (!(ni->nb >> k & 1)) continue;
    int j = i + off[k];
    SegCap c = sink ? cap[(size_t)i * K + k] : cap[(size_t)j * K + opp[k]];
    if (c == 0 || nd[j].sink != sink || nd[j].parent == NONE) continue;
    int d = 0, u = j;
    for (;;) {
      Node *nu = &nd[u];
      if (nu->ts == time) { d += nu->dist; break; }
      int a = nu->parent;
      d++;
      if (a == TERM) { nu->ts = time; nu->dist = 1; break; }
      if (a == ORPHAN) { d = INT_MAX; break; }
      u += off[a - 1];
    }
    if (d < INT_MAX) {
      if (d < dmin) { kmin = k; dmin = d; }
      for (u = j; nd[u].ts != time; u += off[nd[u].parent - 1]) {
        nd[u].ts = time;
        nd[u].dist = d--;
      }
    }
  }
  if (kmin >= 0) {
    ni->parent = (uint8_t)(kmin + 1);
    ni->ts = time;
    ni->dist = dmin + 1;
    return;
  }
  ni->parent = NONE;
  for (int k = 0; k < K; k++) {
    if (!(ni->nb >> k & 1)) continue;
    int j = i + off[k];
    Node *nj = &nd[j];
    int a = nj->parent;
    if (nj->sink != sink || a == NONE) continue;
    SegCap c = sink ? cap[(size_t)i * K + k] : cap[(size_t)j * K + opp[k]];
    if (c != 0) set_active(b, j);
    if (a != TERM && a != ORPHAN && j + off[a - 1] == i) orphan_rear(b, j);
  }
}

void seg_maxflow (SegGrid *g, uint8_t *side) {
  BK b;
  const int w = g->w, h = g->h, K = g->K;
  b.n = w * h;
  b.K = K;
  for (int k = 0; k < K; k++) {
    int dx = K == 4 ? dx4[k] : seg_gc_dx[k], dy = K == 4 ? dy4[k] : seg_gc_dy[k];
    b.off[k] = dy * w + dx;
    b.opp[k] = (k + K / 2) % K;
  }
  uintptr_t wp = ((uintptr_t)g->work + 15) & ~(uintptr_t)15;
  b.nd = (Node *)wp;
  b.orph = (int32_t *)(b.nd + b.n);
  b.cap = g->cap;
  b.tr = g->tr;
  b.qhead = b.qtail = -1;
  b.ohead = b.ocount = 0;
  b.time = 0;
  b.flow = g->flow;

  Node *nd = b.nd;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int p = y * w + x;
      Node *v = &nd[p];
      unsigned nb = 0;
      for (int k = 0; k < K; k++) {
        int dx = K == 4 ? dx4[k] : seg_gc_dx[k], dy = K == 4 ? dy4[k] : seg_gc_dy[k];
        int xx = x + dx, yy = y + dy;
        nb |= (unsigned)(xx >= 0 && xx < w && yy >= 0 && yy < h) << k;
      }
      v->nb = (uint8_t)nb;
      v->next = -1;
      v->ts = 0;
      v->dist = 0;
      v->pad = 0;
      if (b.tr[p] != 0) {
        v->sink = b.tr[p] < 0;
        v->parent = TERM;
        v->dist = 1;
        set_active(&b, p);
      } else {
        v->sink = 0;
        v->parent = NONE;
      }
    }

  const int *off = b.off, *opp = b.opp;
  SegCap *cap = b.cap;
  int cur = -1;
  for (;;) {
    int i = cur;
    if (i >= 0) {
      nd[i].next = -1;
      if (nd[i].parent == NONE) i = -1;
    }
    if (i < 0 && (i = next_active(&b)) < 0) break;

    /* grow the tree of i; stop at an arc into the other tree */
    Node *ni = &nd[i];
    int ms = -1, mk = 0;
    const int sink = ni->sink;
    for (int k = 0; k < K; k++) {
      if (!(ni->nb >> k & 1)) continue;
      int j = i + off[k];
      SegCap c = sink ? cap[(size_t)j * K + opp[k]] : cap[(size_t)i * K + k];
      if (c == 0) continue;
      Node *nj = &nd[j];
      if (nj->parent == NONE) {
        nj->sink = (uint8_t)sink;
        nj->parent = (uint8_t)(opp[k] + 1);
        nj->ts = ni->ts;
        nj->dist = ni->dist + 1;
        set_active(&b, j);
      } else if (nj->sink != sink) {
        if (sink) { ms = j; mk = opp[k]; }
        else { ms = i; mk = k; }
        break;
      } else if (nj->ts <= ni->ts && nj->dist > ni->dist) {
        nj->parent = (uint8_t)(opp[k] + 1);
        nj->ts = ni->ts;
        nj->dist = ni->dist + 1;
      }
    }
    b.time++;
    if (ms < 0) { cur = -1; continue; }
    ni->next = i;     /* keeps i out of the FIFO while it stays current */
    cur = i;
    augment(&b, ms, mk);
    while (b.ocount > 0) {
      int o = b.orph[b.ohead];
      b.ohead = b.ohead + 1 == b.n ? 0 : b.ohead + 1;
      b.ocount--;
      adopt(&b, o);
    }
  }
  g->flow = b.flow;
  /* The sink tree now holds exactly the nodes with a residual path to the
  ** sink; everything else is on the source side (BK's default segment). */
  for (int p = 0; p < b.n; p++) side[p] = !(nd[p].parent != NONE && nd[p].sink);
}

double seg_cut_value (int w, int h, int K, const SegCap *cap0, const SegCap *src,
                      const SegCap *snk, const uint8_t *side) {
  double cut = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t p = (size_t)y * w + x;
      if (!side[p]) { cut += src[p]; continue; }
      cut += snk[p];
      for (int k = 0; k < K; k++) {
        int dx = K == 4 ? dx4[k] : seg_gc_dx[k], dy = K == 4 ? dy4[k] : seg_gc_dy[k];
        int xx = x + dx, yy = y + dy;
        if (xx < 0 || xx >= w || yy < 0 || yy >= h) continue;
        if (!side[(size_t)yy * w + xx]) cut += cap0[p * K + k];
      }
    }
  return cut;
}

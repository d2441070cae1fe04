/* grabcut.c — GrabCut (Rother, Kolmogorov, Blake, "GrabCut: interactive
** foreground extraction using iterated graph cuts", SIGGRAPH 2004) as
** OpenCV 4.6's grabcut.cpp: colour GMMs of 5 components started by
** k-means++, gamma = 50, lambda = 9 gamma, beta = 1 / (2 mean |Ip - Iq|^2)
** over the left, up-left, up and up-right pairs, 8-neighbour weights with
** gamma / sqrt(2) on diagonals; each iteration assigns every pixel to the
** most likely component of its model, re-learns both models, and cuts.
**
** Differences, none visible in the cut beyond rounding: the per-pixel
** likelihoods are computed in float (OpenCV: double), the component
** assignment of iteration i+1 is computed in the same pass as the data
** term of iteration i (they use the same models), a colour so far from a
** model that OpenCV's density underflows to 0 (-log 0 = inf) gets a large
** finite cost, and k-means++ draws from our fixed-seed generator. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "core/vexp.h"
#include "ops/graphcut/graphcut.h"

#define LROWS 16            /* rows per learning block: fixed, so sums do not depend on threads */
#define TILE 64

static double now (void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static size_t al64 (size_t n) { return (n + 63) & ~(size_t)63; }

typedef struct Work {
  int w, h, K, kc, threads;
  size_t n;
  float *col[3];            /* planar colours, 0..255 */
  SegCap *ncap, *cap, *tr;  /* n-weights (kept), working arcs, terminals */
  SegCap *os, *ot;          /* terminal capacities of the previous cut */
  uint8_t *cb, *cf;         /* most likely component under the background / foreground model */
  float *db, *df;           /* -log density under each model */
  uint8_t *side, *lab;
  float *samples, *kwork;   /* 3n floats each, inside cap and ncap (K >= 4) */
  SegGmmAcc *acc;           /* 2 per learning block */
  void *mf;
  const uint8_t *tri;
  size_t tstride;
  const SegGmm *gm[2];
  double beta, gamma;
} Work;

size_t seg_grabcut_scratch (int w, int h, int K, int components) {
  (void)components;
  size_t mf = seg_maxflow_scratch(w, h);
  if (mf == 0) return 0;
  size_t n = (size_t)w * (size_t)h, nb = ((size_t)h + LROWS - 1) / LROWS;
  size_t s = 0;
  s += 3 * al64(n * sizeof(float));             /* colours */
  s += 2 * al64(n * (size_t)K * sizeof(SegCap)); /* ncap, cap */
  s += 3 * al64(n * sizeof(SegCap));            /* tr, os, ot */
  s += 4 * al64(n);                             /* cb, cf, side, lab */
  s += 2 * al64(n * sizeof(float));             /* db, df */
  s += al64(2 * nb * sizeof(SegGmmAcc));
  s += mf + 64;
  return s;
}

static void *carve (uint8_t **p, size_t bytes) {
  void *r = *p;
  *p += al64(bytes);
  return r;
}

/* ---------- colours ---------- */

static void load_colours (const SegBuf *img, Work *W) {
  const int c = img->c;
  const double sc = img->dtype == SEG_U8 ? 1.0 : img->dtype == SEG_U16 ? 1.0 / 257.0 : 255.0;
  /* f32 is clamped to 0..255 (NaN to 0), as a conversion to u8 would */
  for (int y = 0; y < img->h; y++) {
    const uint8_t *row = seg_row(img, y);
    size_t o = (size_t)y * img->w;
    for (int x = 0; x < img->w; x++)
      for (int j = 0; j < 3; j++) {
        int ch = c >= 3 ? j : 0;
        double v = seg_elem(img->dtype, row, (size_t)x * c + ch) * sc;
        W->col[j][o + x] = (float)(v > 0 ? (v < 255 ? v : 255) : 0);
      }
  }
}

/* ---------- beta and n-weights ---------- */

static double sqd (const Work *W, size_t p, size_t q) {
  double a = (double)W->col[0][p] - W->col[0][q], b = (double)W->col[1][p] - W->col[1][q],
         c = (double)W->col[2][p] - W->col[2][q];
  return a * a + b * b + c * c;
}

/* calcBeta: the left, up-left, up, up-right pairs (left and up only for
** 4-connectivity), 4wh - 3w - 3h + 2 of them for 8. */
static double calc_beta (const Work *W) {
  const int w = W->w, h = W->h, eight = W->K == 8;
  double s = 0, cnt = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t p = (size_t)y * w + x;
      if (x > 0) { s += sqd(W, p, p - 1); cnt++; }
      if (y > 0) { s += sqd(W, p, p - w); cnt++; }
      if (eight && x > 0 && y > 0) { s += sqd(W, p, p - w - 1); cnt++; }
      if (eight && x < w - 1 && y > 0) { s += sqd(W, p, p - w + 1); cnt++; }
    }
  if (s <= 2.220446049250313e-16 || cnt == 0) return 0;
  return 1.0f / (2 * s / cnt);
}

/* Each edge is written by its lower (later) pixel into both its slots:
** distinct addresses, so rows run in parallel. */
static void nweights_rows (void *arg, int y0, int y1) {
  Work *W = arg;
  const int w = W->w, K = W->K;
  const double g = W->gamma, gd = W->gamma / sqrt(2.0f), beta = W->beta;
  /* (direction to the earlier pixel, its opposite, dx, dy, weight) */
  const int l = K == 8 ? 4 : 2, r = 0, u = K == 8 ? 5 : 3, d = 1;
  for (int y = y0; y < y1; y++)
    for (int x = 0; x < w; x++) {
      size_t p = (size_t)y * w + x;
      SegCap *cp = W->ncap + p * K;
      if (x > 0) {
        SegCap v = (SegCap)(g * exp(-beta * sqd(W, p, p - 1)));
        cp[l] = v;
        W->ncap[(p - 1) * K + r] = v;
      }
      if (y > 0) {
        SegCap v = (SegCap)(g * exp(-beta * sqd(W, p, p - w)));
        cp[u] = v;
        W->ncap[(p - w) * K + d] = v;
      }
      if (K == 8 && y > 0 && x > 0) {
        SegCap v = (SegCap)(gd * exp(-beta * sqd(W, p, p - w - 1)));
        cp[6] = v;
        W->ncap[(p - w - 1) * K + 2] = v;
      }
      if (K == 8 && y > 0 && x < w - 1) {
        SegCap v = (SegCap)(gd * exp(-beta * sqd(W, p, p - w + 1)));
        cp[7] = v;
        W->ncap[(p - w + 1) * K + 3] = v;
      }
    }
}

/* ---------- per-pixel likelihoods ---------- */

/* The model's active components as float coefficients for the tile loop. */
typedef struct FModel {
  int n, idx[SEG_GMM_MAXK];
  float m[SEG_GMM_MAXK][3], q[SEG_GMM_MAXK][6], ln[SEG_GMM_MAXK], lc[SEG_GMM_MAXK];
} FModel;

static void fmodel (const SegGmm *g, FModel *f) {
  f->n = 0;
  for (int c = 0; c < g->k; c++) {
    if (!(g->coef[c] > 0)) continue;
    int i = f->n++;
    const double *ic = g->icov[c];
    f->idx[i] = c;
    for (int j = 0; j < 3; j++) f->m[i][j] = (float)g->mean[c][j];
    /* -0.5 d'Σ⁻¹d with the symmetric part of Σ⁻¹ */
    f->q[i][0] = (float)(-0.5 * ic[0]);
    f->q[i][1] = (float)(-0.5 * ic[4]);
    f->q[i][2] = (float)(-0.5 * ic[8]);
    f->q[i][3] = (float)(-0.5 * (ic[1] + ic[3]));
    f->q[i][4] = (float)(-0.5 * (ic[2] + ic[6]));
    f->q[i][5] = (float)(-0.5 * (ic[5] + ic[7]));
    f->ln[i] = (float)g->lognorm[c];
    f->lc[i] = (float)log(g->coef[c]);
  }
}

typedef struct PassArg { Work *W; const FModel *fm[2]; } PassArg;

/* Dynamic scheduling: each of the pool's chunks claims blocks of rows
** from a shared counter until none is left, so a core slowed by other
** work takes fewer blocks (a static half each would wait for the slower
** one). Every block's result depends only on its rows: the same whichever
** thread computes it. */
typedef struct Dyn {
  atomic_int next;
  int nblocks, rows, h;
  void (*fn) (void *arg, int y0, int y1);
  void *arg;
} Dyn;

static void dyn_worker (void *arg, int c0, int c1) {
  Dyn *d = arg;
  (void)c0; (void)c1;
  for (;;) {
    int b = atomic_fetch_add_explicit(&d->next, 1, memory_order_relaxed);
    if (b >= d->nblocks) return;
    int y1 = (b + 1) * d->rows < d->h ? (b + 1) * d->rows : d->h;
    d->fn(d->arg, b * d->rows, y1);
  }
}

/* fn over [0, h) in blocks of 'rows' on 'threads' threads. */
static void dyn_for (int threads, int h, int rows, void (*fn) (void *, int, int), void *arg) {
  Dyn d;
  atomic_init(&d.next, 0);
  d.rows = rows < 1 ? 1 : rows;
  d.nblocks = (h + d.rows - 1) / d.rows;
  d.h = h;
  d.fn = fn;
  d.arg = arg;
  int t = threads < d.nblocks ? threads : d.nblocks;
  seg_parallel_for(t, t, 1, dyn_worker, &d);
}

/* For pixels [p0, p0+n) (n <= TILE) and one model: -log of the mixture
** density (without OpenCV's and our common (2 pi)^-3/2) and the component
** with the largest density (whichComponent: weights left out, ties to the
** lowest index, 0 when every density underflows in double). */
SEG_CLONES static void tile_model (const Work *W, const FModel *f, size_t p0, int n,
                                   float *restrict dout, uint8_t *restrict cout) {
  float q[SEG_GMM_MAXK][TILE], mx[TILE], bq[TILE], s[TILE];
  int32_t am[TILE];
  const float *R = W->col[0] + p0, *G = W->col[1] + p0, *B = W->col[2] + p0;
  for (int i = 0; i < f->n; i++) {
    const float m0 = f->m[i][0], m1 = f->m[i][1], m2 = f->m[i][2], ln = f->ln[i];
    const float a = f->q[i][0], b = f->q[i][1], c = f->q[i][2], d = f->q[i][3],
                e = f->q[i][4], g = f->q[i][5];
    float *qi = q[i];
    for (int j = 0; j < n; j++) {
      float x = R[j] - m0, y = G[j] - m1, z = B[j] - m2;
      qi[j] = ln + x * (a * x + d * y + e * z) + y * (b * y + g * z) + c * z * z;
    }
  }
  for (int j = 0; j < n; j++) { mx[j] = -INFINITY; bq[j] = -INFINITY; am[j] = 0; s[j] = 0; }
  for (int i = 0; i < f->n; i++) {
    const float lc = f->lc[i];
    const int32_t ci = f->idx[i];
    for (int j = 0; j < n; j++) {
      float v = q[i][j];
      int gt = v > bq[j];
      am[j] = gt ? ci : am[j];
      bq[j] = gt ? v : bq[j];
      float lv = v + lc;
      mx[j] = lv > mx[j] ? lv : mx[j];
    }
  }
  for (int i = 0; i < f->n; i++) {
    const float lc = f->lc[i];
    for (int j = 0; j < n; j++) s[j] += seg_exp_neg(q[i][j] + lc - mx[j]);
  }
  for (int j = 0; j < n; j++) {
    dout[j] = -(mx[j] + logf(s[j]));
    cout[j] = (uint8_t)(bq[j] < -745.0f ? 0 : am[j]);
  }
}

static void pass_rows (void *arg, int y0, int y1) {
  PassArg *a = arg;
  Work *W = a->W;
  size_t end = (size_t)y1 * W->w;
  for (size_t p = (size_t)y0 * W->w; p < end; p += TILE) {
    int n = end - p < TILE ? (int)(end - p) : TILE;
    tile_model(W, a->fm[0], p, n, W->db + p, W->cb + p);
    tile_model(W, a->fm[1], p, n, W->df + p, W->cf + p);
  }
}

static void pass (Work *W, const SegGmm *bg, const SegGmm *fg) {
  FModel fb, ff;
  fmodel(bg, &fb);
  fmodel(fg, &ff);
  PassArg a = {W, {&fb, &ff}};
  dyn_for(W->threads, W->h, W->w >= 4096 ? 1 : 4096 / W->w, pass_rows, &a);
}

/* ---------- learning ---------- */

static inline int is_bg (uint8_t t) { return t == SEG_GC_BGD || t == SEG_GC_PR_BGD; }

static void learn_blocks (void *arg, int b0, int b1) {
  Work *W = arg;
  for (int b = b0; b < b1; b++) {
    SegGmmAcc *A = W->acc + 2 * (size_t)b;
    seg_gmm_acc_clear(&A[0]);
    seg_gmm_acc_clear(&A[1]);
    int y1 = (b + 1) * LROWS < W->h ? (b + 1) * LROWS : W->h;
    for (int y = b * LROWS; y < y1; y++) {
      const uint8_t *t = W->tri + (size_t)y * W->tstride;
      size_t o = (size_t)y * W->w;
      for (int x = 0; x < W->w; x++) {
        size_t p = o + x;
        int m = !is_bg(t[x]);
        int c = m ? W->cf[p] : W->cb[p];
        SegGmmAcc *a = &A[m];
        double r = W->col[0][p], g = W->col[1][p], bl = W->col[2][p];
        a->n[c] += 1;
        a->s[c][0] += r; a->s[c][1] += g; a->s[c][2] += bl;
        a->p[c][0] += r * r; a->p[c][1] += r * g; a->p[c][2] += r * bl;
        a->p[c][3] += g * g; a->p[c][4] += g * bl; a->p[c][5] += bl * bl;
      }
    }
  }
}

/* Re-learns the models from the current assignment; a model left without
** samples keeps its previous parameters (OpenCV's would become empty and
** its data term infinite). */
static int learn (Work *W, SegGmm *bg, SegGmm *fg) {
  int nb = (W->h + LROWS - 1) / LROWS;
  dyn_for(W->threads, nb, 1, learn_blocks, W);
  SegGmmAcc t[2];
  seg_gmm_acc_clear(&t[0]);
  seg_gmm_acc_clear(&t[1]);
  for (int b = 0; b < nb; b++) {
    seg_gmm_acc_add(&t[0], &W->acc[2 * (size_t)b], W->kc);
    seg_gmm_acc_add(&t[1], &W->acc[2 * (size_t)b + 1], W->kc);
  }
  SegGmm *g[2] = {bg, fg};
  for (int m = 0; m < 2; m++) {
    double tot = 0;
    for (int c = 0; c < W->kc; c++) tot += t[m].n[c];
    if (tot > 0 && seg_gmm_learn(g[m], &t[m]) != 0) return -1;
  }
  return 0;
}

/* initGMMs: k-means on each model's samples, then one learning step. */
static int init_gmms (Work *W, const SegBuf *tri, SegGmm *bg, SegGmm *fg) {
  for (int m = 0; m < 2; m++) {
    int n = 0;
    for (int y = 0; y < W->h; y++) {
      const uint8_t *t = seg_row_u8(tri, y);
      for (int x = 0; x < W->w; x++) {
        if (is_bg(t[x]) != (m == 0)) continue;
        size_t p = (size_t)y * W->w + x;
        for (int j = 0; j < 3; j++) W->samples[3 * (size_t)n + j] = W->col[j][p];
        n++;
      }
    }
    if (n == 0) return m == 0 ? SEG_GC_ENOBG : SEG_GC_ENOFG;
    seg_kmeans3(W->samples, n, W->kc, 10, 0x5EC6C07u + (uint64_t)m, W->lab, W->kwork);
    SegGmmAcc a;
    seg_gmm_acc_clear(&a);
    for (int i = 0; i < n; i++) {
      int c = W->lab[i];
      const float *s = W->samples + 3 * (size_t)i;
      double r = s[0], g = s[1], b = s[2];
      a.n[c] += 1;
      a.s[c][0] += r; a.s[c][1] += g; a.s[c][2] += b;
      a.p[c][0] += r * r; a.p[c][1] += r * g; a.p[c][2] += r * b;
      a.p[c][3] += g * g; a.p[c][4] += g * b; a.p[c][5] += b * b;
    }
    SegGmm *g = m == 0 ? bg : fg;
    g->k = W->kc;
    if (seg_gmm_learn(g, &a) != 0) return SEG_EINVAL;
  }
  return SEG_OK;
}

int seg_grabcut (const SegBuf *img, SegBuf *trimap, SegBuf *mask, const SegGrabcutOpts *o,
                 void *scratch, SegGrabcutStats *st) {
  Work W;
  const int w = img->w, h = img->h;
  const size_t n = (size_t)w * (size_t)h;
  W.w = w; W.h = h; W.n = n;
  W.K = o->connectivity == 4 ? 4 : 8;
  W.kc = o->components < 1 ? 1 : o->components > SEG_GMM_MAXK ? SEG_GMM_MAXK : o->components;
  W.threads = o->threads;
  W.gamma = o->gamma;
  uint8_t *p = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  for (int j = 0; j < 3; j++) W.col[j] = carve(&p, n * sizeof(float));
  W.ncap = carve(&p, n * W.K * sizeof(SegCap));
  W.cap = carve(&p, n * W.K * sizeof(SegCap));
  W.tr = carve(&p, n * sizeof(SegCap));
  W.os = carve(&p, n * sizeof(SegCap));
  W.ot = carve(&p, n * sizeof(SegCap));
  W.cb = carve(&p, n);
  W.cf = carve(&p, n);
  W.side = carve(&p, n);
  W.lab = carve(&p, n);
  W.db = carve(&p, n * sizeof(float));
  W.df = carve(&p, n * sizeof(float));
  /* k-means runs before the arcs exist: its samples and work live there */
  W.samples = (float *)W.cap;
  W.kwork = (float *)W.ncap;
  W.acc = carve(&p, 2 * (size_t)((h + LROWS - 1) / LROWS) * sizeof(SegGmmAcc));
  W.mf = p;
  W.tri = trimap->data;
  W.tstride = trimap->stride;
  memset(st, 0, sizeof *st);
  double t0 = now();

  load_colours(img, &W);
  SegGmm bg, fg;
  memset(&bg, 0, sizeof bg);
  memset(&fg, 0, sizeof fg);
  int rc = init_gmms(&W, trimap, &bg, &fg);
  if (rc != SEG_OK) return rc;
  const double lambda = o->lambda >= 0 ? o->lambda : 9 * o->gamma;
  if (o->iters > 0) {
    W.beta = calc_beta(&W);
    memset(W.ncap, 0, n * W.K * sizeof(SegCap));
    seg_parallel_for(W.threads, h, w >= 4096 ? 1 : 4096 / w, nweights_rows, &W);
  }
  st->t_init = now() - t0;

  double flow_prev = 0;
  for (int it = 0; it < o->iters; it++) {
    double t1 = now();
    if (it == 0) pass(&W, &bg, &fg);           /* assignment with the initial models */
    double tl = now();
    if (learn(&W, &bg, &fg) != 0) return SEG_EINVAL;
    st->t_learn += now() - tl;
    pass(&W, &bg, &fg);                        /* data terms; next iteration's assignment */
    double t2 = now();
    st->t_gmm += t2 - t1;

    /* Iterations after the first keep the previous residual graph (the
    ** n-links do not change) and apply only the change of the terminal
    ** capacities, Kohli & Torr's dynamic graph cuts (ICCV 2005): adding
    ** c >= 0 to both terminal arcs of a node makes every change a
    ** non-negative addition and shifts every cut by c. */
    double flow = it == 0 ? 0 : flow_prev;
    for (int y = 0; y < h; y++) {
      const uint8_t *t = seg_row_u8(trimap, y);
      for (int x = 0; x < w; x++) {
        size_t q = (size_t)y * w + x;
        double src, snk;
        if (t[x] == SEG_GC_PR_BGD || t[x] == SEG_GC_PR_FGD) { src = W.db[q]; snk = W.df[q]; }
        else if (t[x] == SEG_GC_BGD) { src = 0; snk = lambda; }
        else { src = lambda; snk = 0; }
        if (it == 0) {
          flow += src < snk ? src : snk;
          W.tr[q] = (SegCap)(src - snk);
        } else {
          double ds = src - W.os[q], dt = snk - W.ot[q], c = 0;
          if (-ds > c) c = -ds;
          if (-dt > c) c = -dt;
          double cs = ds + c, ct = dt + c, r = W.tr[q];
          if (r > 0) cs += r; else ct -= r;
          flow += (cs < ct ? cs : ct) - c;
          W.tr[q] = (SegCap)(cs - ct);
        }
        W.os[q] = (SegCap)src;
        W.ot[q] = (SegCap)snk;
      }
    }
    if (it == 0) memcpy(W.cap, W.ncap, n * W.K * sizeof(SegCap));
    SegGrid g = {w, h, W.K, W.cap, W.tr, flow, W.mf};
    seg_maxflow(&g, W.side);
    flow_prev = g.flow;
    if (it < 64) st->flow[it] = g.flow;
    for (int y = 0; y < h; y++) {
      uint8_t *t = seg_row_u8(trimap, y);
      for (int x = 0; x < w; x++)
        if (t[x] == SEG_GC_PR_BGD || t[x] == SEG_GC_PR_FGD)
          t[x] = W.side[(size_t)y * w + x] ? SEG_GC_PR_FGD : SEG_GC_PR_BGD;
    }
    st->t_flow += now() - t2;
  }
  for (int y = 0; y < h; y++) {
    const uint8_t *t = seg_row_u8(trimap, y);
    uint8_t *m = seg_row_u8(mask, y);
    for (int x = 0; x < w; x++) m[x] = t[x] == SEG_GC_FGD || t[x] == SEG_GC_PR_FGD;
  }
  return SEG_OK;
}

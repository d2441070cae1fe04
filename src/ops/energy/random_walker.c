/* random_walker.c — Grady's random walker (Grady 2006, "Random walks for
** image segmentation", PAMI), as scikit-image 0.19's
** skimage.segmentation.random_walker in 2-D (random_walker_segmentation.py):
**
**   data scaled as img_as_float (u8 / 255, u16 / 65535, f32 as is);
**   w_ij = exp(-beta / (10 std(data) sqrt(C)) sum_c (d_c(i) - d_c(j))^2) + 1e-10
**   on the 4-neighbour edges between active pixels (markers >= 0);
**   L = D - W; for each label k, in increasing order of marker value,
**   A x = b_k with A = L restricted to the unlabelled pixels and b_k(i) the
**   weight from i to the seeds of label k, solved from x = 0 by scipy's cg
**   (Jacobi preconditioner for "cg_j", none for "cg"), stopping at
**   ||r|| <= tol ||b|| (atol = 0) after scipy's recheck of the true
**   residual, or at 10 n iterations; a pixel takes the first label of
**   largest probability.
**
** The same pre-processing as skimage's _preprocess: seeds in a 4-connected
** component of active pixels holding no unlabelled pixel keep their value
** and leave the system; unlabelled pixels no seed can reach get 0.
**
** Ours: the Laplacian is never assembled (matrix-free 4-neighbour stencil
** with float32 weights, float64 vectors), each CG iteration is three fused
** row-parallel passes, and the dot products are summed per row, then over
** rows in order, so the result does not depend on the thread count.
** Output values: skimage 0.19 renumbers labels to 1..n and writes negative
** values on inactive pixels; we keep the marker values and write 0 there.
** A constant image (std 0) has all weights 1 + 1e-10 (skimage: NaN). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off", "no-math-errno")
#endif
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
static double now_s (void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
#define TICK(msg) do { if (getenv("RWDBG")) { double t_ = now_s(); fprintf(stderr, "%s %.2f ms\n", msg, 1e3 * (t_ - t0_)); t0_ = t_; } } while (0)
#include "energy.h"

const char *seg_energy_strerror (int status) {
  switch (status) {
    case SEG_ENERGY_ENOSEED: return "no positive marker";
    case SEG_ENERGY_ENONFINITE: return "non-finite pixel values";
    default: return seg_strerror(status);
  }
}

size_t seg_rw_scratch (int w, int h) {
  if (w <= 0 || h <= 0) return 0;
  size_t n = (size_t)w * (size_t)h;
  if (n > ((size_t)1 << 36)) return 0;
  /* int32: lab, queue; f32: wx, wy, dinv; Vec: x, r, p, q, b, best;
  ** rows: 4 partials; zero rows; 64-byte alignment of 15 pieces */
  return n * (2 * 4 + 3 * 4 + 6 * sizeof(float)) + (size_t)h * 4 * sizeof(double) +
         (size_t)w * 2 * sizeof(float) + 15 * 64;
}

static int cmp_i32 (const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Sorted distinct positive values of the markers, malloc'd into *vals;
** returns their count, or -1 when memory runs out. Markers hold few
** distinct values as a rule: they are kept in a small sorted set (runs of
** one value cost one comparison); past SMALL values, all seeds are sorted. */
#define SMALL 256
static int distinct_labels (const SegBuf *mk, int32_t **vals) {
  int32_t set[SMALL];
  int k = 0, last = 0;
  for (int y = 0; y < mk->h && k <= SMALL; y++) {
    const int32_t *r = seg_row_i32(mk, y);
    for (int x = 0; x < mk->w; x++) {
      int32_t v = r[x];
      if (v <= 0 || v == last) continue;
      last = v;
      int lo = 0, hi = k;
      while (lo < hi) { int m = (lo + hi) / 2; if (set[m] < v) lo = m + 1; else hi = m; }
      if (lo < k && set[lo] == v) continue;
      if (k == SMALL) { k++; break; }
      memmove(set + lo + 1, set + lo, (size_t)(k - lo) * sizeof *set);
      set[lo] = v;
      k++;
    }
  }
  if (k <= SMALL) {
    int32_t *v = malloc((k ? (size_t)k : 1) * sizeof *v);
    if (!v) return -1;
    memcpy(v, set, (size_t)k * sizeof *v);
    *vals = v;
    return k;
  }
  size_t cnt = 0;
  for (int y = 0; y < mk->h; y++) {
    const int32_t *r = seg_row_i32(mk, y);
    for (int x = 0; x < mk->w; x++) cnt += r[x] > 0;
  }
  int32_t *v = malloc(cnt * sizeof *v);
  if (!v) return -1;
  size_t n = 0;
  for (int y = 0; y < mk->h; y++) {
    const int32_t *r = seg_row_i32(mk, y);
    for (int x = 0; x < mk->w; x++) if (r[x] > 0) v[n++] = r[x];
  }
  qsort(v, cnt, sizeof *v, cmp_i32);
  size_t u = 0;
  for (size_t i = 0; i < cnt; i++) if (u == 0 || v[i] != v[u - 1]) v[u++] = v[i];
  *vals = v;
  return (int)u;
}

int seg_rw_count (const SegBuf *markers) {
  int32_t *v = NULL;
  int k = distinct_labels(markers, &v);
  free(v);
  return k;
}

/* The CG vectors are float32, their dot products summed in float64: the
** relative residual asked for (1e-3 by default) is far above float32's
** rounding, and the vectors' memory traffic, which bounds an iteration, is
** halved. */
typedef float Vec;

typedef struct Rw {
  int w, h;
  int jacobi;
  int32_t *lab;             /* -1 inactive, 0 unlabelled (free), k >= 1 seed of label k */
  float *wx, *wy;           /* edge to the right / below, between active pixels, else 0 */
  float *dinv;              /* 1 / degree at free pixels, 0 elsewhere */
  Vec *x, *r, *p, *q, *b, *best;
  double *part;             /* 4 per row */
  const Vec *zv;            /* a row of zeros */
  const float *zf;
  int label;                /* the label being solved */
  double alpha, beta;
} Rw;

#define ROW(a, y) ((a) + (size_t)(y) * (size_t)v->w)

/* Row dot products in float64 over eight fixed lanes: the order of the
** additions depends on the row only (never on the threads), and the lanes
** break the chain of dependent additions that a single sum would be. */
SEG_CLONES static double dot (const Vec *restrict a, const Vec *restrict b, int n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)a[i + k] * (double)b[i + k];
  for (; i < n; i++) acc[i & 7] += (double)a[i] * (double)b[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* sum a^2 d over the row, d the Jacobi weights */
SEG_CLONES static double dot3 (const Vec *restrict a, const float *restrict d, int n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)a[i + k] * ((double)a[i + k] * d[i + k]);
  for (; i < n; i++) acc[i & 7] += (double)a[i] * ((double)a[i] * d[i]);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* q = A p on row y in the Laplacian's form, sum_j w_ij (p_i - p_j) over
** the active neighbours (p is 0 off the free pixels, so the seeds' edges
** give the diagonal its part), 0 off the free pixels; returns the row's
** p.q. */
SEG_CLONES static double matvec_row (const Rw *v, const Vec *restrict p, Vec *restrict q, int y) {
  int w = v->w;
  const Vec *c = ROW(p, y);
  const Vec *u = y > 0 ? ROW(p, y - 1) : v->zv, *dn = y + 1 < v->h ? ROW(p, y + 1) : v->zv;
  const float *wu = y > 0 ? ROW(v->wy, y - 1) : v->zf, *wd = ROW(v->wy, y);
  const float *wx = ROW(v->wx, y), *di = ROW(v->dinv, y);
  Vec *o = ROW(q, y);
  float l0 = 0;   /* the left neighbour's term at x = 0: no edge */
  o[0] = di[0] != 0 ? (w > 1 ? wx[0] * (c[0] - c[1]) : 0) + l0 + wu[0] * (c[0] - u[0]) +
                      wd[0] * (c[0] - dn[0]) : 0;
  for (int x = 1; x < w - 1; x++) {
    Vec t = wx[x - 1] * (c[x] - c[x - 1]) + wx[x] * (c[x] - c[x + 1]) +
            wu[x] * (c[x] - u[x]) + wd[x] * (c[x] - dn[x]);
    o[x] = di[x] != 0 ? t : 0;
  }
  if (w > 1)
    o[w - 1] = di[w - 1] != 0 ? wx[w - 2] * (c[w - 1] - c[w - 2]) + wu[w - 1] * (c[w - 1] - u[w - 1]) +
                                wd[w - 1] * (c[w - 1] - dn[w - 1]) : 0;
  return dot(o, c, w);
}

static void pass_q (void *arg, int b, int e) {
  Rw *v = arg;
  for (int y = b; y < e; y++) v->part[4 * (size_t)y] = matvec_row(v, v->p, v->q, y);
}

/* p = M r + beta p (beta 0: p = M r) */
SEG_CLONES static void p_row (const Rw *v, int y) {
  const Vec *r = ROW(v->r, y);
  const float *di = ROW(v->dinv, y);
  Vec *p = ROW(v->p, y);
  Vec beta = (Vec)v->beta;
  if (v->jacobi) for (int x = 0; x < v->w; x++) p[x] = r[x] * di[x] + beta * p[x];
  else for (int x = 0; x < v->w; x++) p[x] = r[x] + beta * p[x];
}

static void pass_p (void *arg, int b, int e) {
  for (int y = b; y < e; y++) p_row((const Rw *)arg, y);
}

/* the row's r.r and r.Mr */
static void dots_row (Rw *v, const Vec *restrict r, const float *restrict di, int y) {
  double rr = dot(r, r, v->w);
  v->part[4 * (size_t)y + 1] = rr;
  v->part[4 * (size_t)y + 2] = v->jacobi ? dot3(r, di, v->w) : rr;
}

/* x += alpha p; r -= alpha q; the row's r.r and r.Mr */
SEG_CLONES static void x_row (Rw *v, int y) {
  const Vec *p = ROW(v->p, y), *q = ROW(v->q, y);
  Vec *x = ROW(v->x, y), *r = ROW(v->r, y), a = (Vec)v->alpha;
  for (int i = 0; i < v->w; i++) {
    x[i] += a * p[i];
    r[i] -= a * q[i];
  }
  dots_row(v, r, ROW(v->dinv, y), y);
}

static void pass_x (void *arg, int b, int e) {
  for (int y = b; y < e; y++) x_row((Rw *)arg, y);
}

/* r = b - A x (scipy's recheck of an apparent convergence), with partials */
static void pass_true_r (void *arg, int b, int e) {
  Rw *v = arg;
  for (int y = b; y < e; y++) {
    matvec_row(v, v->x, v->r, y);
    Vec *r = ROW(v->r, y);
    const Vec *bb = ROW(v->b, y);
    for (int i = 0; i < v->w; i++) r[i] = bb[i] - r[i];
    dots_row(v, r, ROW(v->dinv, y), y);
  }
}

/* b = weights to the seeds of v->label; x = 0; r = b; p = 0 */
static void pass_rhs (void *arg, int b, int e) {
  Rw *v = arg;
  int w = v->w, h = v->h, k = v->label;
  for (int y = b; y < e; y++) {
    const int32_t *l = ROW(v->lab, y);
    const float *wx = ROW(v->wx, y), *wy = ROW(v->wy, y);
    const float *wyu = y > 0 ? ROW(v->wy, y - 1) : v->zf;
    Vec *bb = ROW(v->b, y);
    for (int x = 0; x < w; x++) {
      double s = 0;
      if (l[x] == 0) {
        if (x > 0 && l[x - 1] == k) s += wx[x - 1];
        if (x + 1 < w && l[x + 1] == k) s += wx[x];
        if (y > 0 && l[x - w] == k) s += wyu[x];
        if (y + 1 < h && l[x + w] == k) s += wy[x];
      }
      bb[x] = (Vec)s;
    }
    memcpy(ROW(v->r, y), bb, (size_t)w * sizeof(Vec));
    memset(ROW(v->x, y), 0, (size_t)w * sizeof(Vec));
    memset(ROW(v->p, y), 0, (size_t)w * sizeof(Vec));
    dots_row(v, bb, ROW(v->dinv, y), y);
  }
}

static double sum_part (const Rw *v, int k) {
  double s = 0;
  for (int y = 0; y < v->h; y++) s += v->part[4 * (size_t)y + k];
  return s;
}

/* scipy.sparse.linalg.cg(A, b, tol=tol, atol=0, M=Jacobi or None) from
** x = 0; returns the iterations done. */
static long solve (Rw *v, int threads, double tol, long maxiter) {
  seg_parallel_for(threads, v->h, 8, pass_rhs, v);
  double bnrm = sqrt(sum_part(v, 1)), atol = tol * bnrm;
  double resid = bnrm, rho = sum_part(v, 2), rho1 = 0;
  if (resid <= atol) return 0;
  long it = 0;
  for (;;) {
    it++;
    v->beta = it > 1 ? rho / rho1 : 0;
    seg_parallel_for(threads, v->h, 8, pass_p, v);
    seg_parallel_for(threads, v->h, 8, pass_q, v);
    double ptq = sum_part(v, 0);
    v->alpha = rho / ptq;
    if (!(ptq != 0) || !isfinite(v->alpha)) break;   /* breakdown: keep x */
    seg_parallel_for(threads, v->h, 8, pass_x, v);
    resid = sqrt(sum_part(v, 1));
    double rho_next = sum_part(v, 2);
    if (resid <= atol) {
      if (it == 1) break;
      seg_parallel_for(threads, v->h, 8, pass_true_r, v);
      resid = sqrt(sum_part(v, 1));
      rho_next = sum_part(v, 2);
      if (resid <= atol) break;
    }
    if (it >= maxiter) break;
    rho1 = rho;
    rho = rho_next;
  }
  if (getenv("RWDBG")) fprintf(stderr, "label %d: %ld iterations resid %g atol %g\n", v->label, it, resid, atol);
  return it;
}

/* ---------- set-up ---------- */

/* 4-connected components of the active pixels: unlabelled pixels of a
** component without a seed, and seeds of one without an unlabelled pixel,
** leave the system (skimage's _preprocess). Returns the free pixels left. */
static size_t prune (Rw *v, int32_t *queue) {
  int w = v->w, h = v->h;
  size_t n = (size_t)w * h, nfree = 0;
  int32_t *lab = v->lab;
  /* 'visited' as bit 30 of lab: labels are < 2^30 after the remapping */
  const int32_t VIS = 1 << 30;
  for (size_t s = 0; s < n; s++) {
    if (lab[s] < 0 || (lab[s] & VIS)) continue;
    size_t head = 0, tail = 0;
    int has_free = 0, has_seed = 0;
    queue[tail++] = (int32_t)s;
    lab[s] |= VIS;
    while (head < tail) {
      size_t i = (size_t)queue[head++];
      int32_t l = lab[i] & ~VIS;
      has_free |= l == 0;
      has_seed |= l > 0;
      int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
      size_t nb[4];
      int k = 0;
      if (x > 0) nb[k++] = i - 1;
      if (x + 1 < w) nb[k++] = i + 1;
      if (y > 0) nb[k++] = i - (size_t)w;
      if (y + 1 < h) nb[k++] = i + (size_t)w;
      for (int t = 0; t < k; t++)
        if (lab[nb[t]] >= 0 && !(lab[nb[t]] & VIS)) { lab[nb[t]] |= VIS; queue[tail++] = (int32_t)nb[t]; }
    }
    for (size_t t = 0; t < tail; t++) {
      size_t i = (size_t)queue[t];
      if ((lab[i] & ~VIS) == 0) {
        if (has_seed) nfree++;
        else lab[i] = -1;            /* unreachable: out of the system */
      }
    }
    (void)has_free;   /* a seed-only component touches no free pixel: inert */
  }
  for (size_t i = 0; i < n; i++) if (lab[i] >= 0) lab[i] &= ~VIS;
  return nfree;
}

static double scaled (const SegBuf *im, const uint8_t *row, size_t i) {
  switch (im->dtype) {
    case SEG_U8: return ((const uint8_t *)row)[i] * (1. / 255);
    case SEG_U16: return ((const uint16_t *)row)[i] * (1. / 65535);
    default: return ((const float *)row)[i];
  }
}

/* std of every scaled value (numpy's: mean, then mean squared deviation) */
static double data_std (const SegBuf *im) {
  size_t m = (size_t)im->w * im->c;
  double s = 0;
  for (int y = 0; y < im->h; y++) {
    const uint8_t *r = seg_row(im, y);
    double rs = 0;
    for (size_t i = 0; i < m; i++) rs += scaled(im, r, i);
    s += rs;
  }
  double cnt = (double)m * im->h, mean = s / cnt, q = 0;
  for (int y = 0; y < im->h; y++) {
    const uint8_t *r = seg_row(im, y);
    double rq = 0;
    for (size_t i = 0; i < m; i++) { double d = scaled(im, r, i) - mean; rq += d * d; }
    q += rq;
  }
  return sqrt(q / cnt);
}

typedef struct WArg { Rw *v; const SegBuf *im; double scale; } WArg;

static void pass_weights (void *arg, int b, int e) {
  WArg *a = arg;
  Rw *v = a->v;
  const SegBuf *im = a->im;
  int w = v->w, h = v->h, C = im->c;
  for (int y = b; y < e; y++) {
    const uint8_t *r = seg_row(im, y), *rd = y + 1 < h ? seg_row(im, y + 1) : NULL;
    const int32_t *l = ROW(v->lab, y);
    float *wx = ROW(v->wx, y), *wy = ROW(v->wy, y);
    for (int x = 0; x < w; x++) {
      double gx = 0, gy = 0;
      for (int c = 0; c < C; c++) {
        double p0 = scaled(im, r, (size_t)x * C + c);
        if (x + 1 < w) { double t = scaled(im, r, (size_t)(x + 1) * C + c) - p0; gx += t * t; }
        if (rd) { double t = scaled(im, rd, (size_t)x * C + c) - p0; gy += t * t; }
      }
      wx[x] = x + 1 < w && l[x] >= 0 && l[x + 1] >= 0 ? (float)(exp(a->scale * gx) + 1e-10) : 0.f;
      wy[x] = rd && l[x] >= 0 && l[x + w] >= 0 ? (float)(exp(a->scale * gy) + 1e-10) : 0.f;
    }
  }
}

/* 1 / degree at the free pixels (the degree counts the edges to seeds) */
static void pass_degree (void *arg, int b, int e) {
  Rw *v = arg;
  int w = v->w, h = v->h;
  for (int y = b; y < e; y++) {
    const int32_t *l = ROW(v->lab, y);
    const float *wx = ROW(v->wx, y), *wy = ROW(v->wy, y);
    const float *wyu = y > 0 ? ROW(v->wy, y - 1) : v->zf;
    float *di = ROW(v->dinv, y);
    for (int x = 0; x < w; x++) {
      double s = 0;
      if (l[x] == 0) {
        if (x > 0) s += wx[x - 1];
        if (x + 1 < w) s += wx[x];
        if (y > 0) s += wyu[x];
        if (y + 1 < h) s += wy[x];
      }
      di[x] = s > 0 ? (float)(1. / s) : 0.f;
    }
  }
}

typedef struct PArg { Rw *v; SegBuf *out, *prob; const int32_t *vals; int k; int first; } PArg;

/* after label k: the running argmax, the probability channel */
static void pass_collect (void *arg, int b, int e) {
  PArg *a = arg;
  Rw *v = a->v;
  int w = v->w, k = a->k;
  for (int y = b; y < e; y++) {
    const int32_t *l = ROW(v->lab, y);
    const Vec *x = ROW(v->x, y);
    Vec *best = ROW(v->best, y);
    int32_t *o = seg_row_i32(a->out, y);
    for (int i = 0; i < w; i++) {
      if (l[i] != 0) continue;
      if (a->first || x[i] > best[i]) { best[i] = x[i]; o[i] = a->vals[k - 1]; }
    }
    if (a->prob) {
      float *pr = (float *)seg_row(a->prob, y);
      int K = a->prob->c;
      for (int i = 0; i < w; i++)
        pr[(size_t)i * K + (k - 1)] = l[i] == 0 ? (float)x[i] : l[i] == k ? 1.f : 0.f;
    }
  }
}

static void *carve (uint8_t **p, size_t bytes) {
  void *r = *p;
  *p += (bytes + 63) & ~(size_t)63;
  return r;
}

int seg_random_walker (const SegBuf *data, const SegBuf *markers, SegBuf *out, SegBuf *prob,
                       const SegRwOpts *o, void *scratch, int *iters) {
  int w = data->w, h = data->h;
  seg_assert(seg_buf_samesize(data, markers) && seg_buf_samesize(data, out));
  size_t n = (size_t)w * h;
  if (iters) *iters = 0;
  double t0_ = now_s();
  int32_t *vals = NULL;
  int K = distinct_labels(markers, &vals);
  TICK("distinct");
  if (K < 0) return SEG_ENOMEM;
  seg_assert(!prob || prob->c == (K ? K : 1));
  uint8_t *s = scratch;
#define CARVE(T, cnt) ((T *)carve(&s, (cnt) * sizeof(T)))
  Rw v;
  memset(&v, 0, sizeof v);
  v.w = w; v.h = h; v.jacobi = o->jacobi;
  v.lab = CARVE(int32_t, n);
  int32_t *queue = CARVE(int32_t, n);
  v.wx = CARVE(float, n); v.wy = CARVE(float, n); v.dinv = CARVE(float, n);
  v.x = CARVE(Vec, n); v.r = CARVE(Vec, n); v.p = CARVE(Vec, n);
  v.q = CARVE(Vec, n); v.b = CARVE(Vec, n); v.best = CARVE(Vec, n);
  v.part = CARVE(double, 4 * (size_t)h);
  Vec *zv = CARVE(Vec, (size_t)w);
  float *zf = CARVE(float, (size_t)w);
#undef CARVE
  memset(zv, 0, (size_t)w * sizeof *zv); memset(zf, 0, (size_t)w * sizeof *zf);
  v.zv = zv; v.zf = zf;
  /* labels as 1..K, in order of marker value */
  size_t nzero = 0;
  int32_t lastv = 0, lasti = 0;
  for (int y = 0; y < h; y++) {
    const int32_t *m = seg_row_i32(markers, y);
    int32_t *l = v.lab + (size_t)y * w, *ou = seg_row_i32(out, y);
    for (int x = 0; x < w; x++) {
      int32_t mv = m[x];
      if (mv > 0) {
        if (mv != lastv) {
          const int32_t *f = bsearch(&mv, vals, (size_t)K, sizeof *vals, cmp_i32);
          lastv = mv; lasti = (int32_t)(f - vals) + 1;
        }
        l[x] = lasti;
      } else l[x] = mv < 0 ? -1 : 0;
      nzero += mv == 0;
      ou[x] = mv > 0 ? mv : 0;
    }
  }
  if (K == 0 && nzero > 0) { free(vals); return SEG_ENERGY_ENOSEED; }
  TICK("map");
  size_t nfree = nzero ? prune(&v, queue) : 0;
  TICK("prune");
  int st = SEG_OK;
  if (nfree > 0) {
    double sd = data_std(data);
    if (!isfinite(sd)) { free(vals); return SEG_ENERGY_ENONFINITE; }
    WArg wa = {&v, data, sd > 0 ? -o->beta / (10 * sd) / sqrt((double)data->c) : 0};
    seg_parallel_for(o->threads, h, 8, pass_weights, &wa);
    seg_parallel_for(o->threads, h, 8, pass_degree, &v);
  }
  TICK("weights");
  long most = 0, maxiter = nfree > (size_t)(LONG_MAX / 10) ? LONG_MAX : 10 * (long)nfree;
  PArg pa = {&v, out, prob, vals, 0, 1};
  for (int k = 1; k <= K; k++) {
    v.label = k;
    if (nfree > 0) {
      long it = solve(&v, o->threads, o->tol, maxiter);
      if (it > most) most = it;
    } else memset(v.x, 0, n * sizeof(Vec));
    pa.k = k; pa.first = k == 1;
    seg_parallel_for(o->threads, h, 16, pass_collect, &pa);
    TICK("solve");
  }
  /* unlabelled pixels out of the system: 0 (their lab is -1 now) */
  if (iters) *iters = most > INT32_MAX ? INT32_MAX : (int)most;
  free(vals);
  return st;
}

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
** Ours: the Laplacian is never assembled: the unknowns (unlabelled pixels
** in the system) are numbered in raster order and keep their float32 edge
** coefficients (below); the CG vectors are float32 with float64 dot
** products; an iteration is three passes over blocks of unknowns run on
** the pool, with the dot products fused into them and summed per block,
** then over the blocks in order, so the result does not depend on the
** thread count.
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
#include "energy.h"

const char *seg_energy_strerror (int status) {
  switch (status) {
    case SEG_ENERGY_ENOSEED: return "no positive marker";
    case SEG_ENERGY_ENONFINITE: return "non-finite pixel values";
    default: return seg_strerror(status);
  }
}

#define RW_BLOCK 4096

size_t seg_rw_scratch (int w, int h) {
  if (w <= 0 || h <= 0) return 0;
  size_t n = (size_t)w * (size_t)h;
  if (n > ((size_t)1 << 31) - 2) return 0;   /* unknowns are numbered in int32 */
  /* grid: lab, idx; per unknown (at most n): pix, 4 nb, 4 wt, dinv, five
  ** coefficients, two indices, six vectors of n + 2; 4 partials per block;
  ** alignment of 20 pieces */
  return n * (2 * 4) + n * (4 + 16 + 16 + 4 + 5 * 4 + 2 * 4) + 6 * (n + 2) * sizeof(float) +
         4 * (n / RW_BLOCK + 2) * sizeof(double) + 20 * 64;
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

/* The unlabelled pixels of the system are numbered in raster order; each
** keeps its four neighbours (their numbers, or nf, a slot that stays 0, for
** a seed, an inactive pixel or the outside) and the four edge weights (0
** to an inactive pixel or the outside). The CG vectors hold nf + 1 floats:
** the Laplacian is never assembled, and the work follows the unlabelled
** pixels only, as scipy's on skimage's reduced system.
** The vectors are float32, their dot products summed in float64: the
** relative residual asked for (1e-3 by default) is far above float32's
** rounding, and the vectors' memory traffic, which bounds an iteration, is
** halved. Dot products are summed per block of RW_BLOCK pixels, then over
** the blocks in order: the result does not depend on the thread count. */
typedef float Vec;

typedef struct Rw {
  int w, h;
  int jacobi;
  size_t nf;                /* unlabelled pixels in the system */
  int nblocks;
  int32_t *lab;             /* grid: -1 inactive, 0 unlabelled, k >= 1 seed of label k */
  int32_t *pix;             /* per unknown: its pixel */
  int32_t *nb;              /* per unknown: 4 neighbours (left, right, up, down) */
  float *wt;                /* per unknown: the 4 edge weights */
  float *dinv;              /* per unknown: 1 / degree */
  /* The matrix, row i: dg[i] x_i - ol x_{i-1} - or x_{i+1} - ou x_{nu} - od x_{nd},
  ** the off-diagonal coefficients 0 where the neighbour is no unknown: an
  ** unknown's left and right unknowns are i - 1 and i + 1 (raster order),
  ** and every vector has a 0 before its first and after its last element. */
  float *dg, *ol, *orr, *ou, *od;
  int32_t *nu, *nd;
  Vec *x, *r, *p, *q, *b, *best;
  double *part;             /* 4 per block */
  int label;                /* the label being solved */
  double alpha, beta;
} Rw;

static void block_range (const Rw *v, int blk, size_t *b, size_t *e) {
  *b = (size_t)blk * RW_BLOCK;
  *e = *b + RW_BLOCK < v->nf ? *b + RW_BLOCK : v->nf;
}

/* Dot products in float64 over eight fixed lanes: the order of the
** additions depends on the block only, and the lanes break the chain of
** dependent additions that a single sum would be. */
SEG_CLONES static double dot (const Vec *restrict a, const Vec *restrict b, size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)a[i + k] * (double)b[i + k];
  for (; i < n; i++) acc[i & 7] += (double)a[i] * (double)b[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* sum a^2 d, d the Jacobi weights */
SEG_CLONES static double dot3 (const Vec *restrict a, const float *restrict d, size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)a[i + k] * ((double)a[i + k] * d[i + k]);
  for (; i < n; i++) acc[i & 7] += (double)a[i] * ((double)a[i] * d[i]);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* q = A p over [b, e), returning p.q over eight fixed lanes. Two of the
** four neighbours are contiguous; the rows above and below are gathered. */
SEG_CLONES static double matvec (const Rw *v, const Vec *restrict p, Vec *restrict q, size_t b, size_t e) {
  const float *restrict dg = v->dg, *restrict ol = v->ol, *restrict orr = v->orr;
  const float *restrict ou = v->ou, *restrict od = v->od;
  const int32_t *restrict nu = v->nu, *restrict nd = v->nd;
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = b;
  for (; i + 8 <= e; i += 8)
    for (int k = 0; k < 8; k++) {
      size_t j = i + k;
      Vec t = dg[j] * p[j] - (ol[j] * p[j - 1] + orr[j] * p[j + 1] + ou[j] * p[nu[j]] + od[j] * p[nd[j]]);
      q[j] = t;
      acc[k] += (double)p[j] * (double)t;
    }
  for (; i < e; i++) {
    Vec t = dg[i] * p[i] - (ol[i] * p[i - 1] + orr[i] * p[i + 1] + ou[i] * p[nu[i]] + od[i] * p[nd[i]]);
    q[i] = t;
    acc[(i - b) & 7] += (double)p[i] * (double)t;
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static void dots (Rw *v, const Vec *r, int blk, size_t b, size_t e) {
  double rr = dot(r + b, r + b, e - b);
  v->part[4 * (size_t)blk + 1] = rr;
  v->part[4 * (size_t)blk + 2] = v->jacobi ? dot3(r + b, v->dinv + b, e - b) : rr;
}

/* p = M r + beta p, then q = A p needs every p: two passes */
SEG_CLONES static void p_block (const Rw *v, size_t b, size_t e) {
  const Vec *restrict r = v->r;
  const float *restrict di = v->dinv;
  Vec *restrict p = v->p;
  Vec beta = (Vec)v->beta;
  if (v->jacobi) for (size_t i = b; i < e; i++) p[i] = r[i] * di[i] + beta * p[i];
  else for (size_t i = b; i < e; i++) p[i] = r[i] + beta * p[i];
}

static void pass_p (void *arg, int b, int e) {
  for (int k = b; k < e; k++) {
    size_t i0, i1;
    block_range(arg, k, &i0, &i1);
    p_block(arg, i0, i1);
  }
}

static void pass_q (void *arg, int b, int e) {
  Rw *v = arg;
  for (int k = b; k < e; k++) {
    size_t i0, i1;
    block_range(v, k, &i0, &i1);
    v->part[4 * (size_t)k] = matvec(v, v->p, v->q, i0, i1);
  }
}

/* x += alpha p; r -= alpha q; the block's r.r and r.Mr, in one pass: lane
** k of the GNU vectors sums the elements i + k, as dot() and dot3() do,
** so the sums are theirs to the bit. */
typedef float RwV8f __attribute__((vector_size(32)));
typedef float RwV4f __attribute__((vector_size(16)));
typedef double RwV4d __attribute__((vector_size(32)));

/* The eight double lanes are kept as two 32-byte halves: gcc lowers a
** 64-byte double vector for AVX2 through memory (~2x slower there). */
SEG_CLONES static void x_block (Rw *v, int blk, size_t b, size_t e) {
  const Vec *restrict p = v->p, *restrict q = v->q;
  const float *restrict di = v->dinv;
  Vec *restrict x = v->x, *restrict r = v->r, a = (Vec)v->alpha;
  RwV4d rr0 = {0, 0, 0, 0}, rr1 = rr0, rz0 = rr0, rz1 = rr0;
  size_t i = b;
  for (; i + 8 <= e; i += 8) {
    RwV8f vp, vq, vx, vr;
    RwV4f r0, r1, d0, d1;
    memcpy(&vp, p + i, 32); memcpy(&vq, q + i, 32); memcpy(&vx, x + i, 32);
    memcpy(&vr, r + i, 32);
    vx += a * vp;
    vr -= a * vq;
    memcpy(x + i, &vx, 32); memcpy(r + i, &vr, 32);
    memcpy(&r0, &vr, 16); memcpy(&r1, (const char *)&vr + 16, 16);
    memcpy(&d0, di + i, 16); memcpy(&d1, di + i + 4, 16);
    RwV4d t0 = __builtin_convertvector(r0, RwV4d), t1 = __builtin_convertvector(r1, RwV4d);
    RwV4d e0 = __builtin_convertvector(d0, RwV4d), e1 = __builtin_convertvector(d1, RwV4d);
    rr0 += t0 * t0; rr1 += t1 * t1;
    rz0 += t0 * (t0 * e0); rz1 += t1 * (t1 * e1);
  }
  double lr[8], lz[8];
  memcpy(lr, &rr0, 32); memcpy(lr + 4, &rr1, 32); memcpy(lz, &rz0, 32); memcpy(lz + 4, &rz1, 32);
  for (; i < e; i++) {
    x[i] += a * p[i];
    r[i] -= a * q[i];
    lr[(i - b) & 7] += (double)r[i] * (double)r[i];
    lz[(i - b) & 7] += (double)r[i] * ((double)r[i] * di[i]);
  }
  double srr = ((lr[0] + lr[1]) + (lr[2] + lr[3])) + ((lr[4] + lr[5]) + (lr[6] + lr[7]));
  double srz = ((lz[0] + lz[1]) + (lz[2] + lz[3])) + ((lz[4] + lz[5]) + (lz[6] + lz[7]));
  v->part[4 * (size_t)blk + 1] = srr;
  v->part[4 * (size_t)blk + 2] = v->jacobi ? srz : srr;
}

static void pass_x (void *arg, int b, int e) {
  Rw *v = arg;
  for (int k = b; k < e; k++) {
    size_t i0, i1;
    block_range(v, k, &i0, &i1);
    x_block(v, k, i0, i1);
  }
}

/* r = b - A x (scipy's recheck of an apparent convergence), with partials */
static void pass_true_r (void *arg, int b, int e) {
  Rw *v = arg;
  for (int k = b; k < e; k++) {
    size_t i0, i1;
    block_range(v, k, &i0, &i1);
    matvec(v, v->x, v->r, i0, i1);
    for (size_t i = i0; i < i1; i++) v->r[i] = v->b[i] - v->r[i];
    dots(v, v->r, k, i0, i1);
  }
}

/* b = weights to the seeds of v->label; x = 0; r = b; p = 0 */
static void pass_rhs (void *arg, int b, int e) {
  Rw *v = arg;
  int w = v->w, k = v->label;
  for (int blk = b; blk < e; blk++) {
    size_t i0, i1;
    block_range(v, blk, &i0, &i1);
    for (size_t i = i0; i < i1; i++) {
      const int32_t *n4 = v->nb + 4 * i;
      const float *w4 = v->wt + 4 * i;
      size_t P = (size_t)v->pix[i];
      size_t nbp[4] = {P - 1, P + 1, P - (size_t)w, P + (size_t)w};
      double s = 0;
      for (int d = 0; d < 4; d++)   /* an edge to a seed: weight > 0 and no unknown there */
        if (w4[d] != 0 && (size_t)n4[d] == v->nf && v->lab[nbp[d]] == k) s += w4[d];
      v->b[i] = (Vec)s;
      v->r[i] = (Vec)s;
      v->x[i] = 0;
      v->p[i] = 0;
    }
    dots(v, v->b, blk, i0, i1);
  }
}

static double sum_part (const Rw *v, int k) {
  double s = 0;
  for (int i = 0; i < v->nblocks; i++) s += v->part[4 * (size_t)i + k];
  return s;
}

/* scipy.sparse.linalg.cg(A, b, tol=tol, atol=0, M=Jacobi or None) from
** x = 0; returns the iterations done. */
static long solve (Rw *v, int threads, double tol, long maxiter) {
  int nb = v->nblocks;
  seg_parallel_for(threads, nb, 1, pass_rhs, v);
  double bnrm = sqrt(sum_part(v, 1)), atol = tol * bnrm;
  double resid = bnrm, rho = sum_part(v, 2), rho1 = 0;
  if (resid <= atol) return 0;
  long it = 0;
  for (;;) {
    it++;
    v->beta = it > 1 ? rho / rho1 : 0;
    seg_parallel_for(threads, nb, 1, pass_p, v);
    seg_parallel_for(threads, nb, 1, pass_q, v);
    double ptq = sum_part(v, 0);
    v->alpha = rho / ptq;
    if (!(ptq != 0) || !isfinite(v->alpha)) break;   /* breakdown: keep x */
    seg_parallel_for(threads, nb, 1, pass_x, v);
    resid = sqrt(sum_part(v, 1));
    double rho_next = sum_part(v, 2);
    if (resid <= atol) {
      if (it == 1) break;
      seg_parallel_for(threads, nb, 1, pass_true_r, v);
      resid = sqrt(sum_part(v, 1));
      rho_next = sum_part(v, 2);
      if (resid <= atol) break;
    }
    if (it >= maxiter) break;
    rho1 = rho;
    rho = rho_next;
  }
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

typedef struct WArg { Rw *v; const SegBuf *im; double scale; const int32_t *idx; } WArg;

/* g = sum_c (d_c(Q) - d_c(P))^2, skimage's squared gradient of an edge */
static double grad2 (const SegBuf *im, size_t P, size_t Q) {
  int C = im->c;
  const uint8_t *rp = seg_row(im, (int)(P / (size_t)im->w)), *rq = seg_row(im, (int)(Q / (size_t)im->w));
  size_t xp = P % (size_t)im->w, xq = Q % (size_t)im->w;
  double g = 0;
  for (int c = 0; c < C; c++) {
    double t = scaled(im, rq, xq * C + c) - scaled(im, rp, xp * C + c);
    g += t * t;
  }
  return g;
}

/* The unknowns' neighbours, edge weights exp(scale g) + 1e-10 (the same
** value from either end of an edge) and Jacobi weights. */
static void pass_weights (void *arg, int b, int e) {
  WArg *a = arg;
  Rw *v = a->v;
  int w = v->w, h = v->h;
  for (int blk = b; blk < e; blk++) {
    size_t i0, i1;
    block_range(v, blk, &i0, &i1);
    for (size_t i = i0; i < i1; i++) {
      size_t P = (size_t)v->pix[i];
      int x = (int)(P % (size_t)w), y = (int)(P / (size_t)w);
      size_t Q[4] = {P - 1, P + 1, P - (size_t)w, P + (size_t)w};
      int in[4] = {x > 0, x + 1 < w, y > 0, y + 1 < h};
      double deg = 0;
      for (int d = 0; d < 4; d++) {
        int32_t n = (int32_t)v->nf;
        float wt = 0;
        if (in[d] && v->lab[Q[d]] >= 0) {
          wt = (float)(exp(a->scale * grad2(a->im, P, Q[d])) + 1e-10);
          if (v->lab[Q[d]] == 0) n = a->idx[Q[d]];
        }
        v->nb[4 * i + d] = n;
        v->wt[4 * i + d] = wt;
        deg += wt;
      }
      v->dinv[i] = (float)(1. / deg);
      const int32_t *n4 = v->nb + 4 * i;
      const float *w4 = v->wt + 4 * i;
      int32_t nf = (int32_t)v->nf;
      v->dg[i] = (float)deg;
      v->ol[i] = n4[0] != nf ? w4[0] : 0.f;
      v->orr[i] = n4[1] != nf ? w4[1] : 0.f;
      v->ou[i] = n4[2] != nf ? w4[2] : 0.f;
      v->od[i] = n4[3] != nf ? w4[3] : 0.f;
      v->nu[i] = n4[2];
      v->nd[i] = n4[3];
    }
  }
}

typedef struct PArg { Rw *v; SegBuf *out, *prob; const int32_t *vals; int k; int first; } PArg;

/* after label k: the running argmax */
static void pass_collect (void *arg, int b, int e) {
  PArg *a = arg;
  Rw *v = a->v;
  int w = v->w;
  for (int blk = b; blk < e; blk++) {
    size_t i0, i1;
    block_range(v, blk, &i0, &i1);
    for (size_t i = i0; i < i1; i++) {
      if (a->first || v->x[i] > v->best[i]) {
        size_t P = (size_t)v->pix[i];
        v->best[i] = v->x[i];
        seg_row_i32(a->out, (int)(P / (size_t)w))[P % (size_t)w] = a->vals[a->k - 1];
      }
    }
  }
}

/* channel k - 1 of prob: 1 at the seeds of label k, its probability at the
** unknowns, 0 elsewhere */
static void fill_prob (Rw *v, SegBuf *prob, int k) {
  int K = prob->c, w = v->w;
  for (int y = 0; y < v->h; y++) {
    float *pr = (float *)seg_row(prob, y);
    const int32_t *l = v->lab + (size_t)y * w;
    for (int x = 0; x < w; x++) pr[(size_t)x * K + (k - 1)] = l[x] == k ? 1.f : 0.f;
  }
  for (size_t i = 0; i < v->nf; i++) {
    size_t P = (size_t)v->pix[i];
    float *pr = (float *)seg_row(prob, (int)(P / (size_t)w));
    pr[(P % (size_t)w) * K + (k - 1)] = v->x[i];
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
  int32_t *vals = NULL;
  int K = distinct_labels(markers, &vals);
  if (K < 0) return SEG_ENOMEM;
  seg_assert(!prob || prob->c == (K ? K : 1));
  uint8_t *s = scratch;
  Rw v;
  memset(&v, 0, sizeof v);
  v.w = w; v.h = h; v.jacobi = o->jacobi;
  v.lab = carve(&s, n * sizeof(int32_t));
  int32_t *idx = carve(&s, n * sizeof(int32_t));   /* BFS queue, then unknown numbers */
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
  size_t nf = nzero ? prune(&v, idx) : 0;
  double sd = 0;
  if (nf > 0) {
    sd = data_std(data);
    if (!isfinite(sd)) { free(vals); return SEG_ENERGY_ENONFINITE; }
  }
  v.nf = nf;
  v.nblocks = (int)((nf + RW_BLOCK - 1) / RW_BLOCK);
  v.pix = carve(&s, nf * sizeof(int32_t));
  v.nb = carve(&s, 4 * nf * sizeof(int32_t));
  v.wt = carve(&s, 4 * nf * sizeof(float));
  v.dinv = carve(&s, nf * sizeof(float));
  float **coef[] = {&v.dg, &v.ol, &v.orr, &v.ou, &v.od};
  for (int i = 0; i < 5; i++) *coef[i] = carve(&s, nf * sizeof(float));
  v.nu = carve(&s, nf * sizeof(int32_t));
  v.nd = carve(&s, nf * sizeof(int32_t));
  /* vectors: a 0 before (index -1) and after (index nf, the slot of the
  ** neighbours that are no unknowns) */
  Vec **vecs[] = {&v.x, &v.r, &v.p, &v.q, &v.b, &v.best};
  for (int i = 0; i < 6; i++) {
    Vec *a = carve(&s, (nf + 2) * sizeof(Vec));
    a[0] = a[nf + 1] = 0;
    *vecs[i] = a + 1;
  }
  v.part = carve(&s, 4 * ((size_t)v.nblocks + 1) * sizeof(double));
  size_t k0 = 0;
  for (size_t i = 0; i < n; i++)
    if (v.lab[i] == 0) { idx[i] = (int32_t)k0; v.pix[k0++] = (int32_t)i; }
  if (nf > 0) {
    WArg wa = {&v, data, sd > 0 ? -o->beta / (10 * sd) / sqrt((double)data->c) : 0, idx};
    seg_parallel_for(o->threads, v.nblocks, 1, pass_weights, &wa);
  }
  long most = 0, maxiter = nf > (size_t)(LONG_MAX / 10) ? LONG_MAX : 10 * (long)nf;
  PArg pa = {&v, out, prob, vals, 0, 1};
  for (int k = 1; k <= K; k++) {
    v.label = k;
    if (nf > 0) {
      long it = solve(&v, o->threads, o->tol, maxiter);
      if (it > most) most = it;
      pa.k = k; pa.first = k == 1;
      seg_parallel_for(o->threads, v.nblocks, 1, pass_collect, &pa);
    }
    if (prob) fill_prob(&v, prob, k);
  }
  /* unlabelled pixels out of the system keep 0 (their lab is -1 now) */
  if (iters) *iters = most > INT32_MAX ? INT32_MAX : (int)most;
  free(vals);
  return SEG_OK;
}

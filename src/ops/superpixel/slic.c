/* slic.c — SLIC superpixels (Achanta et al., TPAMI 2012) as scikit-image
** 0.19's skimage.segmentation.slic (slic_superpixels.py, _slic.pyx):
** seeds on skimage's regular_grid with zero colour, k-means in
** (y, x, features) where every cluster k only claims pixels inside the box
** cy +- 2 step_y, cx +- 2 step_x, distance
**   ((cy - y)^2 + (cx - x)^2) / step^2 + |f - f_k|^2 [/ maxdist_k for SLICO],
** ties to the lowest k, all max_iter iterations run (skimage's early exit
** never triggers), then _enforce_label_connectivity_cython.
**
** Where skimage loops over clusters and their boxes, we loop over rows:
** each row visits, in increasing k, the clusters whose box spans it, over
** their x-interval. Every pixel sees the same candidates in the same order
** as skimage's loop, so the argmin and its tie-break are the same, while
** rows run in parallel with nothing shared and the inner loop over x is a
** branch-free compare-and-select GCC vectorises. Cluster sums for the
** update step are accumulated per chunk in 64-bit fixed point, so their
** total, hence the result, does not depend on how rows were split. */
#include <float.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "superpixel.h"

#define BAND 8    /* rows per band of the cluster index */
/* floats of lbuf per chunk: four arrays of ncl, each with 32 of slack
** (the bound loop reads up to 31 entries past the active ones) */
#define LBUF(ncl) (4 * (size_t)(ncl) + 128)
#ifndef BW
#define BW 32     /* pixels per block of the assignment sweep: 16, 32 or 64 */
#endif

/* ---------- skimage.util.regular_grid for (1, h, w) ---------- */

static void regular_grid3 (const int64_t shape[3], int64_t n, int start[3], int step[3]) {
  double space = (double)shape[0] * (double)shape[1] * (double)shape[2];
  if (n < 1) n = 1;
  if (space <= (double)n) {
    for (int i = 0; i < 3; i++) { start[i] = 0; step[i] = 1; }
    return;
  }
  int order[3] = {0, 1, 2};                  /* stable argsort of shape */
  for (int i = 1; i < 3; i++)
    for (int j = i; j > 0 && shape[order[j - 1]] > shape[order[j]]; j--) {
      int t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
    }
  double sorted[3], st[3];
  for (int i = 0; i < 3; i++) { sorted[i] = (double)shape[order[i]]; st[i] = pow(space / (double)n, 1.0 / 3.0); }
  if (sorted[0] < st[0] || sorted[1] < st[1] || sorted[2] < st[2]) {
    for (int dim = 0; dim < 2; dim++) {
      st[dim] = sorted[dim];
      double sp = 1;
      for (int j = dim + 1; j < 3; j++) sp *= sorted[j];
      for (int j = dim + 1; j < 3; j++) st[j] = pow(sp / (double)n, 1.0 / (double)(3 - dim - 1));
      if (sorted[0] >= st[0] && sorted[1] >= st[1] && sorted[2] >= st[2]) break;
    }
  }
  for (int i = 0; i < 3; i++) {
    start[order[i]] = (int)floor(st[i] / 2);
    int s = (int)nearbyint(st[i]);           /* np.round: half to even */
    step[order[i]] = s < 1 ? 1 : s;
  }
}

void seg_regular_grid2 (int h, int w, int64_t n, int *y0, int *sy, int *x0, int *sx) {
  int64_t shape[3] = {1, h, w};
  int start[3], step[3];
  regular_grid3(shape, n, start, step);
  *y0 = start[1]; *sy = step[1]; *x0 = start[2]; *sx = step[2];
}

/* ---------- state ---------- */

typedef struct Slic {
  int w, h, C, ncl, threads;
  const float *f;             /* planar features, C planes of w*h */
  int32_t *fq;                /* the same in fixed point, f * fscale rounded, for the sums */
  const uint8_t *mask;        /* w*h 0/1 or NULL */
  int32_t *lab;               /* w*h: 1-based cluster, 0 = none */
  float *xf;                  /* 0, 1, ..., w-1 */
  /* clusters: centres in double (the update), float copies for the loops */
  double *cy, *cx, *cf;       /* cf[k*C + c] */
  float *fy, *fx, *ff, *imd;  /* imd: 1/maxdist (SLICO) */
  double *maxd;               /* SLICO max colour distance, starts at 1, never decreases */
  int *y0, *y1, *x0, *x1;     /* box, [y0, y1) x [x0, x1) */
  uint8_t *alive;             /* a cluster left empty gets skimage's NaN centre: it never wins again */
  int *bstart, *blist, nband; /* clusters per band of BAND rows, increasing k */
  int *xlist, *xcount;        /* the same lists by x0 / BW (then k), for row_blocks; nb + 1 counts */
  int stepy, stepx;
  float sw;                   /* 1 / step^2 */
  int colour, zero;
  int flat;                   /* every live centre has colour 0 (and maxdist 1) */
  /* per-chunk accumulators (threads slots): count, sum y, sum x, sum f (fixed point) */
  int64_t *acc;
  double fscale;              /* fixed-point scale of the feature sums */
  double *cmax;               /* per-chunk SLICO maxima */
  float *rowbuf;              /* threads * w: best distance of a row */
  int *cand;                  /* threads * cand_stride: a row's candidates, bucketed by block */
  size_t cand_stride;
  atomic_int next;            /* the next band of rows to assign */
  int band;                   /* rows per band */
  float *lbuf;                /* threads * LBUF(ncl): a block's candidates' bounds, survivors, dy^2, cx */
} Slic;

#define ACCW(s) (3 + (s)->C)

/* Box of cluster k as skimage: <Py_ssize_t>max(c - 2 step, 0) and
** <Py_ssize_t>min(c + 2 step + 1, n). */
static void set_box (Slic *s, int k) {
  double y = s->cy[k], x = s->cx[k];
  double a = y - 2.0 * s->stepy, b = y + 2.0 * s->stepy + 1, c = x - 2.0 * s->stepx, d = x + 2.0 * s->stepx + 1;
  s->y0[k] = (int)(a > 0 ? a : 0);
  s->y1[k] = (int)(b < s->h ? b : s->h);
  s->x0[k] = (int)(c > 0 ? c : 0);
  s->x1[k] = (int)(d < s->w ? d : s->w);
}

/* Rebuilds the per-band cluster lists (counting pass, then filling). */
static void index_bands (Slic *s) {
  memset(s->bstart, 0, sizeof(int) * (size_t)(s->nband + 1));
  for (int k = 0; k < s->ncl; k++) {
    set_box(s, k);
    s->fy[k] = (float)s->cy[k];
    s->fx[k] = (float)s->cx[k];
    for (int c = 0; c < s->C; c++) s->ff[(size_t)k * s->C + c] = (float)s->cf[(size_t)k * s->C + c];
    s->imd[k] = (float)(1.0 / s->maxd[k]);
    if (!s->alive[k] || s->y0[k] >= s->y1[k] || s->x0[k] >= s->x1[k]) continue;
    for (int b = s->y0[k] / BAND; b <= (s->y1[k] - 1) / BAND; b++) s->bstart[b + 1]++;
  }
  s->flat = 1;
  for (int k = 0; k < s->ncl; k++) {
    if (!s->alive[k]) continue;
    for (int c = 0; c < s->C; c++) s->flat &= s->ff[(size_t)k * s->C + c] == 0;
    s->flat &= !s->zero || s->maxd[k] == 1;
  }
  for (int b = 0; b < s->nband; b++) s->bstart[b + 1] += s->bstart[b];
  int *fill = s->blist + s->bstart[s->nband];   /* nband ints of room past the list */
  for (int b = 0; b < s->nband; b++) fill[b] = s->bstart[b];
  for (int k = 0; k < s->ncl; k++) {
    if (!s->alive[k] || s->y0[k] >= s->y1[k] || s->x0[k] >= s->x1[k]) continue;
    for (int b = s->y0[k] / BAND; b <= (s->y1[k] - 1) / BAND; b++) s->blist[fill[b]++] = k;
  }
  if (!s->xlist) return;
  /* each band's list again, stably by the block of the box's start: a row
  ** then meets its candidates in the order it needs them */
  int nb = (s->w + BW - 1) / BW, *cnt = s->xcount;
  for (int b = 0; b < s->nband; b++) {
    int i0 = s->bstart[b], i1 = s->bstart[b + 1];
    memset(cnt, 0, sizeof(int) * (size_t)(nb + 1));
    for (int i = i0; i < i1; i++) cnt[s->x0[s->blist[i]] / BW + 1]++;
    cnt[0] = i0;
    for (int j = 0; j < nb; j++) cnt[j + 1] += cnt[j];
    for (int i = i0; i < i1; i++) s->xlist[cnt[s->x0[s->blist[i]] / BW]++] = s->blist[i];
  }
}

/* ---------- assignment: one row ---------- */

/* best/lab over [x0, x1) against one cluster; 'dyy' = (cy - y)^2. */
static inline void scan3 (float *restrict best, int32_t *restrict lab, const float *restrict xf,
                              const float *restrict f0, const float *restrict f1,
                              const float *restrict f2, int x0, int x1, float cx, float dyy,
                              float sw, float m0, float m1, float m2, int32_t id) {
  for (int x = x0; x < x1; x++) {
    float dx = cx - xf[x];
    float t0 = f0[x] - m0, t1 = f1[x] - m1, t2 = f2[x] - m2;
    float d = (dyy + dx * dx) * sw + (t0 * t0 + t1 * t1 + t2 * t2);
    int better = d < best[x];     /* clusters come in increasing k: ties to the lowest */
    best[x] = better ? d : best[x];
    lab[x] = better ? id : lab[x];
  }
}

static inline void scan1 (float *restrict best, int32_t *restrict lab, const float *restrict xf,
                              const float *restrict f0, int x0, int x1, float cx, float dyy,
                              float sw, float m0, int32_t id) {
  for (int x = x0; x < x1; x++) {
    float dx = cx - xf[x];
    float t0 = f0[x] - m0;
    float d = (dyy + dx * dx) * sw + t0 * t0;
    int better = d < best[x];     /* clusters come in increasing k: ties to the lowest */
    best[x] = better ? d : best[x];
    lab[x] = better ? id : lab[x];
  }
}

static inline void scan_space (float *restrict best, int32_t *restrict lab,
                                   const float *restrict xf, int x0, int x1, float cx, float dyy,
                                   float sw, int32_t id) {
  for (int x = x0; x < x1; x++) {
    float dx = cx - xf[x];
    float d = (dyy + dx * dx) * sw;
    int better = d < best[x];     /* clusters come in increasing k: ties to the lowest */
    best[x] = better ? d : best[x];
    lab[x] = better ? id : lab[x];
  }
}

/* General case (any C, SLICO): the colour term divided by maxdist_k as skimage. */
static void scan_gen (const Slic *s, float *restrict best, int32_t *restrict lab, size_t off,
                      int k, int x0, int x1, float dyy) {
  const float *m = s->ff + (size_t)k * s->C;
  size_t plane = (size_t)s->w * s->h;
  float cx = s->fx[k], md = (float)s->maxd[k];
  for (int x = x0; x < x1; x++) {
    float dx = cx - s->xf[x];
    float d = (dyy + dx * dx) * s->sw, dc = 0;
    for (int c = 0; c < s->C; c++) {
      float t = s->f[c * plane + off + x] - m[c];
      dc += t * t;
    }
    if (s->zero) dc /= md;
    d += dc;
    if (d < best[x]) { best[x] = d; lab[x] = k + 1; }
  }
}

/* Distance of candidate k over BW lanes into (bb, ll), tie to the lower label. */
#define CAND(bb, ll, k, zero) do { \
    int lo_ = s->x0[k], hi_ = s->x1[k]; \
    int32_t id_ = (k) + 1; \
    float dy_ = s->fy[k] - y, dyy_ = dy_ * dy_, cx_ = s->fx[k]; \
    float m0_ = s->ff[3 * (k)], m1_ = s->ff[3 * (k) + 1], m2_ = s->ff[3 * (k) + 2]; \
    float md_ = (float)s->maxd[k]; \
    for (int i = 0; i < BW; i++) { \
      int x = xs + i; \
      float dx = cx_ - xv[i]; \
      float t0 = f0[x] - m0_, t1 = f1[x] - m1_, t2 = f2[x] - m2_; \
      float dc = t0 * t0 + t1 * t1 + t2 * t2; \
      if (zero) dc = dc / md_;   /* SLICO, skimage's division */ \
      float d = (dyy_ + dx * dx) * sw + dc; \
      int in = (x >= lo_) & (x < hi_); \
      int better = in & ((d < bb[i]) | ((d == bb[i]) & (id_ < ll[i]))); \
      bb[i] = better ? d : bb[i]; \
      ll[i] = better ? id_ : ll[i]; \
    } \
  } while (0)

/* Horizontal max of the pair-wise min of two BW-lane chains: a tree of
** halves (the same tree whatever BW, so NaN lanes fall out alike), the
** wide levels as whole-vector ops, the last three as scalars. */
#define MAXR(a, b) ((b) > (a) ? (b) : (a))   /* NaN b keeps a, as the tree always did */
static inline float max_of_min (const float *b0, const float *b1) {
  float v[BW], u[8];
  for (int i = 0; i < BW; i++) v[i] = b1[i] < b0[i] ? b1[i] : b0[i];
#if BW == 64
  float t[32];
  for (int i = 0; i < 32; i++) t[i] = MAXR(v[i], v[i + 32]);
  for (int i = 0; i < 8; i++) u[i] = MAXR(MAXR(t[i], t[i + 16]), MAXR(t[i + 8], t[i + 24]));
#elif BW == 32
  for (int i = 0; i < 8; i++) u[i] = MAXR(MAXR(v[i], v[i + 16]), MAXR(v[i + 8], v[i + 24]));
#else
  for (int i = 0; i < 8; i++) u[i] = MAXR(v[i], v[i + 8]);
#endif
  float a0 = MAXR(u[0], u[4]), a1 = MAXR(u[1], u[5]), a2 = MAXR(u[2], u[6]), a3 = MAXR(u[3], u[7]);
  a0 = MAXR(a0, a2);
  a1 = MAXR(a1, a3);
  return MAXR(a0, a1);
}

/* One block of BW pixels [xs, xs + BW) against its active candidates,
** best distances and labels held in registers, in two independent chains
** (one chain is bound by the latency of its compare-and-blend), merged at
** the end. Candidates come in any order: a tie goes to the lower label, as
** skimage's increasing-k loop.
**
** Pruning (exact): a candidate's distance is at least its spatial term,
** and that is at least lb = (dyy + mdx^2) sw, mdx the least |cx - x| over
** the block (the colour term is >= 0; rounding is monotone, the factor
** 1 - 2^-16 covers the contraction of the expression into FMAs). When
** lb exceeds the largest best distance of the block, the candidate can
** neither win nor tie at any pixel and is skipped. The nearest candidate
** goes first so that the bound bites early. */
__attribute__((always_inline)) static inline void block_sweep (float *restrict best, int32_t *restrict lab, const float *restrict f0,
                            const float *restrict f1, const float *restrict f2, int xs,
                            const Slic *s, const int *act, const float *ady, const float *acx,
                            float *lbs, int na, float y, int zero) {
  float b0[BW], b1[BW], xv[BW];
  int32_t l0[BW], l1[BW];
  for (int i = 0; i < BW; i++) {
    b0[i] = best[xs + i]; l0[i] = lab[xs + i];
    b1[i] = FLT_MAX; l1[i] = INT32_MAX;
    xv[i] = (float)(xs + i);
  }
  float sw = s->sw, xa = (float)xs, xb = (float)(xs + BW - 1);
  /* first the clusters that held the block's ends last iteration (most
  ** often the winners): a candidate seen twice changes nothing */
  int kp0 = l0[0] - 1, kp1 = l0[BW - 1] - 1;
  int ok0 = kp0 >= 0 && s->alive[kp0] && (int)y >= s->y0[kp0] && (int)y < s->y1[kp0] && s->x0[kp0] < s->x1[kp0];
  int ok1 = kp1 >= 0 && kp1 != kp0 && s->alive[kp1] && (int)y >= s->y0[kp1] && (int)y < s->y1[kp1] && s->x0[kp1] < s->x1[kp1];
  if (ok0) CAND(b0, l0, kp0, zero);
  if (ok1) CAND(b1, l1, kp1, zero);
  float mb = max_of_min(b0, b1);
  const float shrink = sw * (1.0f - 1.0f / 65536);
  int m = 0, *surv = (int *)(lbs + s->ncl + 32);  /* the candidates the bound keeps */
  if (ok0 || ok1) {                            /* bound and keep in one pass */
    int kx0 = ok0 ? kp0 : -1, kx1 = ok1 ? kp1 : -1;
    unsigned char *keep = (unsigned char *)lbs;
    int n32 = (na + 31) & ~31;                 /* whole vectors of 32 flags */
    for (int a = 0; a < n32; a++) {            /* vectorised; past na: slack */
      float cx = acx[a], t = xa - cx, u = cx - xb;
      float mdx = t > u ? t : u;
      mdx = mdx > 0.0f ? mdx : 0.0f;
      keep[a] = !((ady[a] + mdx * mdx) * shrink > mb);
    }
    for (int a = 0; a < na; a += 8) {          /* the kept ones, eight flags a word */
      uint64_t word;
      memcpy(&word, keep + a, 8);
      if (na - a < 8) word &= ((uint64_t)1 << (8 * (na - a))) - 1;
      while (word) {
        int k = act[a + (__builtin_ctzll(word) >> 3)];
        word &= word - 1;
        surv[m] = k;
        m += (k != kx0) & (k != kx1);
      }
    }
  } else if (na > 0) {                         /* no previous labels: the nearest first */
    for (int a = 0; a < na; a++) {
      float cx = acx[a], t = xa - cx, u = cx - xb;
      float mdx = t > u ? t : u;
      mdx = mdx > 0.0f ? mdx : 0.0f;
      lbs[a] = (ady[a] + mdx * mdx) * shrink;
    }
    int near = 0;
    for (int a = 1; a < na; a++) near = lbs[a] < lbs[near] ? a : near;
    kp0 = act[near];
    CAND(b0, l0, kp0, zero);
    mb = max_of_min(b0, b1);
    if (s->flat) {
      /* every centre has colour 0 (the seeds): the colour term c_i is the
      ** same for all candidates, so k can only beat pixel i if its space
      ** term is below best_i - c_i; the bound is the largest of those over
      ** the block, raised by 2^-16 (best_i + c_i) against the roundings */
      float sl[BW];
      for (int i = 0; i < BW; i++) {
        float v0 = f0[xs + i], v1 = f1[xs + i], v2 = f2[xs + i];
        float c = v0 * v0 + v1 * v1 + v2 * v2;
        float bi = b1[i] < b0[i] ? b1[i] : b0[i];
        sl[i] = bi - c + (bi + c) * (1.0f / 65536);
      }
      float ms = max_of_min(sl, sl);
      mb = ms < mb ? ms : mb;                  /* NaN keeps mb */
    }
    for (int a = 0; a < na; a++) {
      int k = act[a];
      surv[m] = k;
      m += !(lbs[a] > mb) & (k != kp0);
    }
  }
  int a = 0;
  for (; a + 1 < m; a += 2) {
    int ka = surv[a], kb = surv[a + 1];
    CAND(b0, l0, ka, zero);
    CAND(b1, l1, kb, zero);
  }
  if (a < m) CAND(b0, l0, surv[a], zero);
  for (int i = 0; i < BW; i++) {
    int better = (b1[i] < b0[i]) | ((b1[i] == b0[i]) & (l1[i] < l0[i]));
    best[xs + i] = better ? b1[i] : b0[i];
    lab[xs + i] = better ? l1[i] : l0[i];
  }
}

static inline void flush_run (const Slic *s, int64_t *acc, int32_t id, const int64_t run[6]) {
  if (id <= 0) return;
  int64_t *a = acc + (size_t)(id - 1) * ACCW(s);
  for (int i = 0; i < 6; i++) a[i] += run[i];
}

/* The row's candidates (clusters whose box spans row y) swept left to
** right in blocks of BW pixels, each block seeing only the candidates
** whose x-interval overlaps it: 3-channel SLIC and SLICO. */
/* Adds the runs of equal labels of [xa, xb) to the running sums (run_id,
** run), flushing them into acc when the label changes. */
static inline void acc_runs (const Slic *s, int64_t *acc, const int32_t *lab, int y, int xa, int xb,
                             const int32_t *q0, const int32_t *q1, const int32_t *q2,
                             int32_t *run_id, int64_t run[6]) {
  for (int x = xa; x < xb;) {
    int32_t id = lab[x];
    int xe = x + 1;
    while (xe < xb && lab[xe] == id) xe++;
    if (id != *run_id) {
      flush_run(s, acc, *run_id, run);
      *run_id = id;
      for (int i = 0; i < 6; i++) run[i] = 0;
    }
    int64_t len = xe - x, s0 = 0, s1 = 0, s2 = 0;
    for (int i = x; i < xe; i++) { s0 += q0[i]; s1 += q1[i]; s2 += q2[i]; }
    run[0] += len; run[1] += (int64_t)y * len; run[2] += ((int64_t)x + xe - 1) * len / 2;
    run[3] += s0; run[4] += s1; run[5] += s2;
    x = xe;
  }
}

/* The row's candidates (clusters whose box spans row y) swept left to
** right in blocks of BW pixels, each block seeing only the candidates
** whose x-interval overlaps it (with their dy^2 and cx alongside, for the
** bounds): 3-channel SLIC and SLICO. */
SEG_CLONES static void row_blocks (Slic *s, int chunk, int y, float *restrict best, int32_t *restrict lab,
                        const float *f0, const float *f1, const float *f2) {
  /* the cluster sums are taken here too, a run of equal labels at a time */
  int64_t *acc = s->acc + (size_t)chunk * s->ncl * ACCW(s);
  size_t plane = (size_t)s->w * s->h, off = (size_t)y * s->w;
  const int32_t *q0 = s->fq + off, *q1 = q0 + plane, *q2 = q1 + plane;
  int32_t run_id = 0;                          /* sums of the current run of one label */
  int64_t run[6] = {0};
  int w = s->w, ncl = s->ncl, nb = (w + BW - 1) / BW;
  int *act = s->cand + (size_t)chunk * s->cand_stride, *ax1 = act + ncl;
  float *lbs = s->lbuf + (size_t)chunk * LBUF(ncl), *ady = lbs + 2 * (size_t)ncl + 64, *acx = ady + ncl + 32;
  int b = y / BAND, next = s->bstart[b], last = s->bstart[b + 1];
  /* the active candidates are [h0, na): appended in the order of their
  ** box's start, and as boxes have one width (but where the image edge
  ** clips them) they end in about that order too, so the head just moves
  ** past those that ended; one that ended behind a live one stays until
  ** the head reaches it, harmless (its x-interval misses every lane, and
  ** its spatial bound still holds) */
  int na = 0, h0 = 0;
  float yf = (float)y;
  for (int j = 0; j < nb; j++) {
    int xs = j * BW;
    while (h0 < na && ax1[h0] <= xs) h0++;
    for (; next < last && s->x0[s->xlist[next]] < xs + BW; next++) {
      int k = s->xlist[next];
      if (y < s->y0[k] || y >= s->y1[k]) continue;    /* the band's, not this row's */
      float dy = s->fy[k] - yf;
      act[na] = k; ady[na] = dy * dy; acx[na] = s->fx[k]; ax1[na] = s->x1[k]; na++;
    }
    if (xs + BW <= w) {
      if (s->zero) block_sweep(best, lab, f0, f1, f2, xs, s, act + h0, ady + h0, acx + h0, lbs, na - h0, yf, 1);
      else block_sweep(best, lab, f0, f1, f2, xs, s, act + h0, ady + h0, acx + h0, lbs, na - h0, yf, 0);
      int32_t id = lab[xs], diff = 0;
      for (int i = 0; i < BW; i++) diff |= lab[xs + i] ^ id;
      if (diff) {
        int32_t idb = lab[xs + BW - 1], other = 0;
        for (int i = 0; i < BW; i++) other |= (lab[xs + i] != id) & (lab[xs + i] != idb);
        if (other) {                           /* three labels or more: run by run */
          acc_runs(s, acc, lab, y, xs, xs + BW, q0, q1, q2, &run_id, run);
          continue;
        }
        /* two labels (the usual boundary): id's lanes summed under a mask,
        ** idb's are the block's totals less those */
        int64_t ca = 0, xa = 0, a0 = 0, a1 = 0, a2 = 0, t0 = 0, t1 = 0, t2 = 0;
        for (int i = 0; i < BW; i++) {
          int64_t m = -(int64_t)(lab[xs + i] == id), v0 = q0[xs + i], v1 = q1[xs + i], v2 = q2[xs + i];
          ca -= m; xa += m & i;
          a0 += m & v0; a1 += m & v1; a2 += m & v2;
          t0 += v0; t1 += v1; t2 += v2;
        }
        if (id != run_id) {
          flush_run(s, acc, run_id, run);
          run_id = id;
          for (int i = 0; i < 6; i++) run[i] = 0;
        }
        run[0] += ca; run[1] += ca * y; run[2] += ca * xs + xa;
        run[3] += a0; run[4] += a1; run[5] += a2;
        flush_run(s, acc, run_id, run);        /* id's run ends, idb's goes on */
        int64_t cb = BW - ca;
        run_id = idb;
        run[0] = cb; run[1] = cb * y; run[2] = cb * xs + (BW * (BW - 1) / 2 - xa);
        run[3] = t0 - a0; run[4] = t1 - a1; run[5] = t2 - a2;
        continue;
      }
      if (id != run_id) {                      /* a run of one label ends */
        flush_run(s, acc, run_id, run);
        run_id = id;
        for (int i = 0; i < 6; i++) run[i] = 0;
      }
      int64_t s0 = 0, s1 = 0, s2 = 0;
      for (int i = 0; i < BW; i++) { s0 += q0[xs + i]; s1 += q1[xs + i]; s2 += q2[xs + i]; }
      run[0] += BW; run[1] += BW * (int64_t)y; run[2] += BW * (int64_t)xs + BW * (BW - 1) / 2;
      run[3] += s0; run[4] += s1; run[5] += s2;
      continue;
    }
    for (int a = h0; a < na; a++) {          /* the last, partial block */
      int k = act[a], lo = s->x0[k] > xs ? s->x0[k] : xs, hi = s->x1[k];
      float dy = s->fy[k] - yf, dyy = dy * dy, cx = s->fx[k];
      const float *mc = s->ff + 3 * (size_t)k;
      float md = (float)s->maxd[k];
      for (int x = lo; x < hi; x++) {
        float dx = cx - (float)x;
        float t0 = f0[x] - mc[0], t1 = f1[x] - mc[1], t2 = f2[x] - mc[2];
        float dc = t0 * t0 + t1 * t1 + t2 * t2;
        if (s->zero) dc /= md;
        float d = (dyy + dx * dx) * s->sw + dc;
        if (d < best[x] || (d == best[x] && k + 1 < lab[x])) { best[x] = d; lab[x] = k + 1; }
      }
    }
    acc_runs(s, acc, lab, y, xs, w, q0, q1, q2, &run_id, run);
  }
  flush_run(s, acc, run_id, run);
}

SEG_CLONES static void assign_range (Slic *s, int chunk, int ya, int yb) {
  int w = s->w, C = s->C;
  size_t plane = (size_t)w * s->h;
  float *best = s->rowbuf + (size_t)chunk * w;
  int64_t *acc = s->acc + (size_t)chunk * s->ncl * ACCW(s);
  double *cmax = s->cmax ? s->cmax + (size_t)chunk * s->ncl : NULL;
  (void)cmax;
  for (int y = ya; y < yb; y++) {
    size_t off = (size_t)y * w;
    int32_t *lab = s->lab + off;
    const uint8_t *mk = s->mask ? s->mask + off : NULL;
    for (int x = 0; x < w; x++) best[x] = mk && !mk[x] ? -FLT_MAX : FLT_MAX;
    int b = y / BAND;
    if (s->colour && C == 3)
      row_blocks(s, chunk, y, best, lab, s->f + off, s->f + plane + off, s->f + 2 * plane + off);
    else
    for (int i = s->bstart[b]; i < s->bstart[b + 1]; i++) {
      int k = s->blist[i];
      if (y < s->y0[k] || y >= s->y1[k]) continue;
      float dy = s->fy[k] - (float)y, dyy = dy * dy;
      int x0 = s->x0[k], x1 = s->x1[k];
      if (!s->colour)
        scan_space(best, lab, s->xf, x0, x1, s->fx[k], dyy, s->sw, k + 1);
      else if (C == 3 && !s->zero)
        scan3(best, lab, s->xf, s->f + off, s->f + plane + off, s->f + 2 * plane + off, x0, x1,
              s->fx[k], dyy, s->sw, s->ff[3 * k], s->ff[3 * k + 1], s->ff[3 * k + 2], k + 1);
      else if (C == 1 && !s->zero)
        scan1(best, lab, s->xf, s->f + off, x0, x1, s->fx[k], dyy, s->sw, s->ff[k], k + 1);
      else
        scan_gen(s, best, lab, off, k, x0, x1, dyy);
    }
    /* cluster sums for the update, a run of equal labels at a time (pixels
    ** outside the mask keep label 0); row_blocks took them itself */
    if (s->colour && C == 3) continue;
    for (int x = 0; x < w;) {
      int32_t id = lab[x];
      int xe = x + 1;
      while (xe + 8 <= w) {                     /* runs are long: 8 labels a step */
        int32_t diff = 0;
        for (int i = 0; i < 8; i++) diff |= lab[xe + i] ^ id;
        if (diff) break;
        xe += 8;
      }
      while (xe < w && lab[xe] == id) xe++;
      if (id > 0) {
        int64_t *a = acc + (size_t)(id - 1) * ACCW(s), len = xe - x;
        a[0] += len;
        a[1] += (int64_t)y * len;
        a[2] += ((int64_t)x + xe - 1) * len / 2;
        for (int c = 0; c < C; c++) {
          const int32_t *restrict q = s->fq + c * plane + off;
          int64_t sum = 0;
          for (int i = x; i < xe; i++) sum += q[i];
          a[3 + c] += sum;
        }
      }
      x = xe;
    }
  }
}

/* A chunk of the assignment: bands of s->band rows claimed one at a time
** (whichever thread is free takes the next), so a slow or descheduled
** thread does not hold the others up. The sums go to the chunk's own slot
** and are exact integers: the result does not depend on who took what. */
static void assign_rows (void *arg, int chunk, int begin, int end) {
  Slic *s = arg;
  (void)begin; (void)end;
  for (;;) {
    int b = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed);
    int ya = b * s->band;
    if (ya >= s->h) break;
    assign_range(s, chunk, ya, ya + s->band < s->h ? ya + s->band : s->h);
  }
}

/* SLICO: the largest colour distance of each cluster's pixels to its new
** centre, a run of equal labels at a time. */
SEG_CLONES static void maxdist_rows (void *arg, int chunk, int ya, int yb) {
  Slic *s = arg;
  size_t plane = (size_t)s->w * s->h;
  int w = s->w, C = s->C;
  double *cmax = s->cmax + (size_t)chunk * s->ncl;
  for (int y = ya; y < yb; y++) {
    size_t off = (size_t)y * w;
    const int32_t *lab = s->lab + off;
    for (int x = 0; x < w;) {
      int32_t id = lab[x];
      int xe = x + 1;
      while (xe < w && lab[xe] == id) xe++;
      if (id > 0) {
        const float *m = s->ff + (size_t)(id - 1) * C;
        float mx = 0;
        if (C == 3) {
          const float *restrict f0 = s->f + off, *restrict f1 = f0 + plane, *restrict f2 = f1 + plane;
          for (int i = x; i < xe; i++) {
            float t0 = f0[i] - m[0], t1 = f1[i] - m[1], t2 = f2[i] - m[2];
            float dc = t0 * t0 + t1 * t1 + t2 * t2;
            mx = dc > mx ? dc : mx;
          }
        } else {
          for (int i = x; i < xe; i++) {
            float dc = 0;
            for (int c = 0; c < C; c++) {
              float t = s->f[c * plane + off + i] - m[c];
              dc += t * t;
            }
            mx = dc > mx ? dc : mx;
          }
        }
        if (mx > cmax[id - 1]) cmax[id - 1] = mx;
      }
      x = xe;
    }
  }
}

static void iterate (Slic *s, int iters) {
  int ncl = s->ncl, aw = ACCW(s);
  int grain = 1 + 8192 / s->w;
  for (int it = 0; it < iters; it++) {
    index_bands(s);
    memset(s->acc, 0, sizeof(int64_t) * (size_t)s->threads * ncl * aw);
    atomic_store_explicit(&s->next, 0, memory_order_relaxed);
    s->band = grain;
    seg_parallel_chunks(s->threads, (s->h + grain - 1) / grain, 1, assign_rows, s);
    for (int k = 0; k < ncl; k++) {
      int64_t sum[3 + SEG_SLIC_MAXC] = {0};
      for (int t = 0; t < s->threads; t++)
        for (int j = 0; j < aw; j++) sum[j] += s->acc[((size_t)t * ncl + k) * aw + j];
      if (sum[0] == 0) { s->alive[k] = 0; continue; }
      double n = (double)sum[0];
      s->cy[k] = (double)sum[1] / n;
      s->cx[k] = (double)sum[2] / n;
      for (int c = 0; c < s->C; c++) s->cf[(size_t)k * s->C + c] = (double)sum[3 + c] / (n * s->fscale);
    }
    if (s->zero && s->colour) {
      for (int k = 0; k < ncl; k++)
        for (int c = 0; c < s->C; c++) s->ff[(size_t)k * s->C + c] = (float)s->cf[(size_t)k * s->C + c];
      for (size_t i = 0; i < (size_t)s->threads * ncl; i++) s->cmax[i] = 0;
      seg_parallel_chunks(s->threads, s->h, grain, maxdist_rows, s);
      for (int t = 0; t < s->threads; t++)
        for (int k = 0; k < ncl; k++)
          if (s->cmax[(size_t)t * ncl + k] > s->maxd[k]) s->maxd[k] = s->cmax[(size_t)t * ncl + k];
    }
  }
}

/* ---------- skimage's _enforce_label_connectivity_cython, 2-d ---------- */

/* Zeroes an int32 image of w x h, rows in parallel. */
typedef struct Zero { int32_t *p; size_t w; } Zero;
static void zero_rows (void *arg, int y0, int y1) {
  Zero *z = arg;
  memset(z->p + (size_t)y0 * z->w, 0, sizeof(int32_t) * z->w * (size_t)(y1 - y0));
}
static void zero_image (int32_t *p, int w, int h, int threads) {
  Zero z = {p, (size_t)w};
  seg_parallel_for(threads, h, 1 + 65536 / (w > 0 ? w : 1), zero_rows, &z);
}

/* skimage's BFS from (y, x): grows the piece of 'label' pixels not yet
** assigned, up to max_size pixels, remembering the last assigned neighbour
** of another piece; a piece below min_size joins it. Returns the new cur. */
static int32_t bfs_piece (const int32_t *seg, int32_t *out, int w, int h, int y, int x,
                          int64_t min_size, int64_t max_size, int32_t *list, int32_t cur) {
  static const int ddx[4] = {1, -1, 0, 0}, ddy[4] = {0, 0, 1, -1};
  int32_t adjacent = cur, label = seg[(size_t)y * w + x];
  out[(size_t)y * w + x] = cur;
  int64_t size = 1, visited = 0;
  list[0] = y;
  list[1] = x;
  while (visited < size && size < max_size) {
    int qy = list[2 * visited], qx = list[2 * visited + 1];
    for (int i = 0; i < 4; i++) {
      int yy = qy + ddy[i], xx = qx + ddx[i];
      if (xx < 0 || xx >= w || yy < 0 || yy >= h) continue;
      size_t r = (size_t)yy * w + xx;
      if (seg[r] == label && out[r] == 0) {
        out[r] = cur;
        list[2 * size] = yy;
        list[2 * size + 1] = xx;
        size++;
        if (size >= max_size) break;
      } else if (out[r] > 0 && out[r] != cur) {
        adjacent = out[r];
      }
    }
    visited++;
  }
  if (size < min_size) {
    for (int64_t i = 0; i < size; i++) out[(size_t)list[2 * i] * w + list[2 * i + 1]] = adjacent;
    return cur;
  }
  return cur + 1;
}

/* Scanline flood of the same piece as bfs_piece would grow, marking it
** 'cur' and recording its spans (y, x0, x1) in 'spans'. Returns its size,
** or -1 when it is below min_size, reaches max_size pixels or fills the
** stack: then what it marked is undone and the caller runs the exact BFS
** (the BFS's order only matters for a piece it cuts at max_size or merges
** below min_size). */
static int64_t flood_piece (const int32_t *seg, int32_t *out, int w, int h, int y, int x,
                            int64_t min_size, int64_t max_size, int32_t *spans, int32_t *stack,
                            int64_t cap, int32_t cur) {
  int32_t label = seg[(size_t)y * w + x];
  int64_t size = 0, nspan = 0, top = 0;
  stack[top++] = y;
  stack[top++] = x;
  while (top > 0) {
    int sx = stack[--top], sy = stack[--top];
    const int32_t *sr = seg + (size_t)sy * w;
    int32_t *orow = out + (size_t)sy * w;
    if (orow[sx] != 0 || sr[sx] != label) continue;
    int x0 = sx, x1 = sx;
    while (x0 > 0 && sr[x0 - 1] == label && orow[x0 - 1] == 0) x0--;
    while (x1 + 1 < w && sr[x1 + 1] == label && orow[x1 + 1] == 0) x1++;
    for (int i = x0; i <= x1; i++) orow[i] = cur;
    spans[3 * nspan] = sy; spans[3 * nspan + 1] = x0; spans[3 * nspan + 2] = x1;
    nspan++;
    size += x1 - x0 + 1;
    if (size >= max_size) goto undo;
    for (int d = -1; d <= 1; d += 2) {
      int ny = sy + d;
      if (ny < 0 || ny >= h) continue;
      const int32_t *nr = seg + (size_t)ny * w;
      const int32_t *no = out + (size_t)ny * w;
      for (int i = x0; i <= x1; i++) {
        if (nr[i] != label || no[i] != 0) continue;
        if (top + 2 > cap) goto undo;
        stack[top++] = ny;
        stack[top++] = i;
        while (i + 1 <= x1 && nr[i + 1] == label && no[i + 1] == 0) i++;
      }
    }
  }
  if (size >= min_size) return size;
undo:
  for (int64_t k = 0; k < nspan; k++) {
    int32_t *orow = out + (size_t)spans[3 * k] * w;
    for (int i = spans[3 * k + 1]; i <= spans[3 * k + 2]; i++) orow[i] = 0;
  }
  return -1;
}

/* skimage's _enforce_label_connectivity_cython, 2-d: pieces in the raster
** order of their first pixel. Most pieces are neither cut nor merged: for
** them a scanline flood marks the same pixels as skimage's BFS, faster;
** the others are undone and grown by the BFS itself. 'list' holds
** 2 max_size ints, 'spans' 3 max_size, 'stack' 'cap'. */
static int enforce_connectivity (const int32_t *seg, int32_t *out, int w, int h,
                                 int64_t min_size, int64_t max_size, int32_t *list,
                                 int32_t *spans, int32_t *stack, int64_t cap, int threads) {
  size_t n = (size_t)w * h;
  zero_image(out, w, h, threads);
  int32_t cur = 1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t p = (size_t)y * w + x;
      if (seg[p] == 0 || out[p] > 0) continue;
      if (flood_piece(seg, out, w, h, y, x, min_size, max_size, spans, stack, cap, cur) >= 0) {
        cur++;
        continue;
      }
      cur = bfs_piece(seg, out, w, h, y, x, min_size, max_size, list, cur);
    }
  int32_t top = 0;
  for (size_t i = 0; i < n; i++) top = out[i] > top ? out[i] : top;
  return top;
}

/* ---------- seeds ---------- */

/* Mask seeds: skimage draws random mask pixels and moves them by k-means
** (_get_mask_centroids, numpy's RandomState(123)); we put them on a square
** grid over the mask's bounding box, its spacing s tuned so that about n
** points fall inside the mask, which the spatial-only pass then spreads as
** skimage's does. skimage's step (the mean nearest-seed offset of its
** k-means seeds) measured 0.58 to 0.71 sqrt(area / n) on astronaut's
** masks; ours is 0.65 s. Returns the number of seeds (at most cap). */
static int grid_in_mask (const uint8_t *m, int w, int ya, int yb, int xa, int xb, double s,
                         double *cy, double *cx, int cap) {
  int k = 0;
  for (double y = ya + s / 2 - 0.5; y <= yb; y += s)
    for (double x = xa + s / 2 - 0.5; x <= xb; x += s) {
      int iy = (int)nearbyint(y), ix = (int)nearbyint(x);
      iy = iy < ya ? ya : iy > yb ? yb : iy;
      ix = ix < xa ? xa : ix > xb ? xb : ix;
      if (!m[(size_t)iy * w + ix]) continue;
      if (cy && k < cap) { cy[k] = iy; cx[k] = ix; }
      k++;
    }
  return k;
}

static int mask_seeds (const uint8_t *m, int w, int h, int n, double *cy, double *cx, int cap,
                       double *step, int64_t *area) {
  int64_t a = 0;
  int ya = h, yb = -1, xa = w, xb = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (m[(size_t)y * w + x]) {
        a++;
        if (y < ya) ya = y;
        if (y > yb) yb = y;
        if (x < xa) xa = x;
        if (x > xb) xb = x;
      }
  *area = a;
  if (a == 0) return 0;
  double s = sqrt((double)a / n);
  for (int it = 0; it < 6 && s > 1; it++) {          /* count -> n: s *= sqrt(count / n) */
    int c = grid_in_mask(m, w, ya, yb, xa, xb, s, NULL, NULL, 0);
    if (c == 0 || (c >= n * 0.97 && c <= n)) break;
    double t = s * sqrt((double)c / n);
    s = t < 1 ? 1 : t;
  }
  if (s < 1) s = 1;
  *step = 0.65 * s > 1 ? 0.65 * s : 1;
  int k = grid_in_mask(m, w, ya, yb, xa, xb, s, cy, cx, cap);
  if (k > cap) k = cap;
  if (k == 0) {                  /* a thin mask between grid points: its first pixel */
    for (size_t p = 0; p < (size_t)w * h; p++)
      if (m[p]) { cy[0] = (double)(p / w); cx[0] = (double)(p % w); return 1; }
  }
  return k;
}

/* Largest |feature| (per chunk) and the fixed-point copy, over rows of planes. */
#define SEG_MAX_CHUNKS 64
typedef struct FqJob { const float *f; int32_t *fq; double scale; size_t w; float *cmax; } FqJob;

SEG_CLONES static void fq_max (void *arg, int chunk, int r0, int r1) {
  FqJob *j = arg;
  /* on the bits: |f| of a non-NaN float orders as its integer; NaN
  ** (above the bits of infinity) counts as 0 */
  int32_t mx = 0;
  for (size_t i = (size_t)r0 * j->w; i < (size_t)r1 * j->w; i++) {
    int32_t b;
    memcpy(&b, j->f + i, 4);
    b &= 0x7fffffff;
    b = b > 0x7f800000 ? 0 : b;
    mx = b > mx ? b : mx;
  }
  float m;
  memcpy(&m, &mx, 4);
  j->cmax[chunk] = m;
}

SEG_CLONES static void fq_rows (void *arg, int r0, int r1) {
  FqJob *j = arg;
  for (size_t i = (size_t)r0 * j->w; i < (size_t)r1 * j->w; i++) {
    double v = (double)j->f[i] * j->scale;     /* truncated: the same for every split */
    j->fq[i] = v == v ? (int32_t)v : 0;
  }
}

/* ---------- driver ---------- */

size_t seg_slic_scratch (const SegBuf *src, const SegSlicOpts *o) {
  int lab = o->convert2lab > 0 || (o->convert2lab < 0 && src->c == 3);
  size_t np = (size_t)src->w * src->h, C = lab ? 3 : (size_t)src->c;
  return sizeof(float) * 3 * np * C + sizeof(int32_t) * 2 * np;
}

int seg_slic (const SegBuf *src, const SegBuf *mask, SegBuf *labels, const SegSlicOpts *o,
              void *scratch, int threads) {
  int w = src->w, h = src->h;
  size_t np = (size_t)w * h;
  int lab = o->convert2lab > 0 || (o->convert2lab < 0 && src->c == 3);
  int C = lab ? 3 : src->c;
  seg_assert(C >= 1 && C <= SEG_SLIC_MAXC && labels->dtype == SEG_I32 && seg_buf_samesize(src, labels));
  seg_assert(!lab || src->c >= 3);
  if (threads < 1) threads = 1;
  int rc = -SEG_ENOMEM;
  Slic s;
  memset(&s, 0, sizeof s);
  s.w = w; s.h = h; s.C = C; s.threads = threads;
  s.colour = 1; s.zero = o->slic_zero;

  /* seeds: skimage's regular grid, or our grid over the mask */
  uint8_t *m = NULL;
  int y0, sy, x0, sx, ncl;
  double step;
  int64_t area = (int64_t)np;
  seg_regular_grid2(h, w, o->n_segments, &y0, &sy, &x0, &sx);
  int gy = (h - y0 + sy - 1) / sy, gx = (w - x0 + sx - 1) / sx;
  int cap = gy * gx;
  if (mask) {
    m = malloc(np);
    if (!m) return -SEG_ENOMEM;
    for (int y = 0; y < h; y++) memcpy(m + (size_t)y * w, seg_row(mask, y), (size_t)w);
    cap = o->n_segments < (int64_t)np ? o->n_segments : (int)np;
  }
  /* everything else in one block */
  size_t nf = np * C;
  float *f = scratch;                         /* nf planar + 2 nf for the smoothing */
  int32_t *lb = (int32_t *)(f + 3 * nf);      /* np labels + np for a strided output */
  double *dbl = malloc(sizeof(double) * (size_t)cap * (4 + 2 * C) + sizeof(double) * (size_t)threads * cap);
  float *flt = malloc(sizeof(float) * ((size_t)cap * (3 + C) + w + (size_t)threads * w));
  int *ints = malloc(sizeof(int) * ((size_t)cap * 4 + (size_t)h / BAND + 2));
  uint8_t *alive = malloc((size_t)cap);
  s.acc = malloc(sizeof(int64_t) * (size_t)threads * cap * (3 + C));
  if (!dbl || !flt || !ints || !alive || !s.acc) goto done;

  if (seg_superpixel_features(src, lab, 1, o->sigma, 1.0 / o->compactness, f, f + nf, threads) != SEG_OK)
    goto done;
  s.f = f;
  s.mask = m;
  s.cy = dbl; s.cx = dbl + cap; s.maxd = dbl + 2 * (size_t)cap; s.cf = dbl + 3 * (size_t)cap;
  s.cmax = dbl + (size_t)cap * (3 + C);       /* threads * cap */
  s.fy = flt; s.fx = flt + cap; s.imd = flt + 2 * (size_t)cap; s.ff = flt + 3 * (size_t)cap;
  s.xf = flt + (size_t)cap * (3 + C);
  s.rowbuf = s.xf + w;
  s.y0 = ints; s.y1 = ints + cap; s.x0 = ints + 2 * (size_t)cap; s.x1 = ints + 3 * (size_t)cap;
  s.nband = (h + BAND - 1) / BAND;
  s.bstart = ints + 4 * (size_t)cap;
  s.alive = alive;
  s.lab = lb;
  for (int x = 0; x < w; x++) s.xf[x] = (float)x;
  zero_image(lb, w, h, threads);

  if (m) {
    ncl = mask_seeds(m, w, h, o->n_segments, s.cy, s.cx, cap, &step, &area);
  } else {
    ncl = 0;
    for (int y = y0; y < h; y += sy)
      for (int x = x0; x < w; x += sx) { s.cy[ncl] = y; s.cx[ncl] = x; ncl++; }
    step = sy > sx ? sy : sx;               /* max(steps), steps_z = 1 */
  }
  s.ncl = ncl;
  for (int k = 0; k < ncl; k++) {
    s.maxd[k] = 1;
    alive[k] = 1;
    for (int c = 0; c < C; c++) s.cf[(size_t)k * C + c] = 0;   /* seeds start with colour 0 */
  }
  if (ncl > 0) {
    /* _slic_cython's boxes use regular_grid(shape, number of seeds) */
    int a0, b0;
    seg_regular_grid2(h, w, ncl, &a0, &s.stepy, &b0, &s.stepx);
    s.sw = (float)(1.0 / ((float)step * (float)step));
    /* band lists: each box spans at most (4 step + 1) rows; nband more ints for filling */
    size_t per = (size_t)(4 * s.stepy + 1) / BAND + 2, most = (size_t)s.nband + 1;
    size_t nlist = (size_t)ncl * (per < most ? per : most) + (size_t)s.nband;
    s.blist = malloc(sizeof(int) * nlist);
    s.xlist = malloc(sizeof(int) * nlist);
    s.xcount = malloc(sizeof(int) * (size_t)((w + BW - 1) / BW + 1));
    if (!s.blist || !s.xlist || !s.xcount) goto done;
    s.cand_stride = 4 * (size_t)ncl + 2 * (size_t)((w + BW - 1) / BW) + 2;
    s.cand = malloc(sizeof(int) * s.cand_stride * (size_t)threads);
    s.lbuf = calloc(LBUF(ncl) * threads, sizeof(float));   /* the slack is read */
    if (!s.cand || !s.lbuf) goto done;
    /* fixed point for the feature sums: |sum| < 2^62 */
    float fmaxabs = 0, cmaxes[SEG_MAX_CHUNKS] = {0};
    FqJob fj = {f, NULL, 0, (size_t)w, cmaxes};
    int tq = threads < SEG_MAX_CHUNKS ? threads : SEG_MAX_CHUNKS;
    seg_parallel_chunks(tq, h * C, 1 + 16384 / w, fq_max, &fj);
    for (int t = 0; t < tq; t++) fmaxabs = cmaxes[t] > fmaxabs ? cmaxes[t] : fmaxabs;
    /* the features in 32-bit fixed point (|f q| < 2^30), summed in 64 bits:
    ** exact and order-free sums; the rounding is below 2^-30 of the range */
    double q = 30.0 - ceil(log2((double)fmaxabs + 1e-30));
    if (q > 40) q = 40;
    s.fscale = exp2(q);
    s.fq = (int32_t *)(f + nf);                 /* the smoothing's scratch, free again */
    fj.fq = s.fq;
    fj.scale = s.fscale;
    seg_parallel_for(threads, h * C, 1 + 16384 / w, fq_rows, &fj);
    if (m) {                                /* update_centroids: spatial-only pass first */
      s.colour = 0;
      iterate(&s, o->max_iter);
      s.colour = 1;
    }
    iterate(&s, o->max_iter);
  }

  int32_t *out = (int32_t *)labels->data;
  int contiguous = labels->stride == (size_t)w * sizeof(int32_t);
  int32_t *dst = contiguous ? out : lb + np;
  if (o->enforce_connectivity && ncl > 0) {
    double segsize = (double)area / ncl;
    int64_t min_size = (int64_t)(o->min_size_factor * segsize);
    int64_t max_size = (int64_t)(o->max_size_factor * segsize);
    if (max_size < 1) max_size = 1;
    if (max_size > (int64_t)np) max_size = (int64_t)np;
    int64_t scap = 4 * max_size + 64;      /* flood stack; when full, the BFS takes over */
    int32_t *list = malloc(sizeof(int32_t) * (5 * (size_t)max_size + (size_t)scap));
    if (!list) goto done;
    rc = enforce_connectivity(lb, dst, w, h, min_size, max_size, list, list + 2 * max_size,
                              list + 5 * max_size, scap, threads);
    free(list);
  } else {
    int32_t top = 0;
    for (size_t i = 0; i < np; i++) { dst[i] = lb[i]; top = lb[i] > top ? lb[i] : top; }
    rc = top;
  }
  if (!contiguous)
    for (int y = 0; y < h; y++) memcpy(seg_row(labels, y), dst + (size_t)y * w, sizeof(int32_t) * w);
done:
  free(m); free(dbl); free(flt); free(ints); free(alive); free(s.acc); free(s.blist); free(s.xlist); free(s.xcount); free(s.cand); free(s.lbuf);
  return rc;
}

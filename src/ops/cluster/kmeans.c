/* kmeans.c — Lloyd's k-means with greedy k-means++ seeding.
**
** Layout: the pixels are first copied to C planes of floats (structure of
** arrays), so the assignment step runs 8 pixels per vector: for each
** centre j, d = sum_c (x_c - m_jc)^2, then a branch-free running minimum.
** Work is split into fixed blocks of pixels (their size depends on the
** pixel count only); each block writes its partial sums to its own slot
** and the slots are added in block order, so results do not depend on the
** thread count. Within a block, chunks of CHUNK pixels go through two
** passes that stay in L1: assignment (labels, distances), then the
** per-cluster sums (masked vector sums for small k, a scatter otherwise). */
#include <float.h>
#include <math.h>
#include <string.h>
#include "ops/cluster/cluster.h"

#define CHUNK 512
#define MAXBLOCKS 256
#define PARTIAL_BUDGET ((size_t)1 << 22)   /* doubles of per-block partials */

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t v8iu __attribute__((vector_size(32), aligned(4), may_alias));

/* Macros, not functions: 32-byte vectors passed by value change the ABI
** of the baseline build (-Wpsabi). */
#define ld(p) ((v8f)*(const v8fu *)(p))
#define stf(p, v) (*(v8fu *)(p) = (v))
#define ldi(p) ((v8i)*(const v8iu *)(p))
#define sti(p, v) (*(v8iu *)(p) = (v))
#define bcf(v) ((v8f){0} + (float)(v))
#define bci(v) ((v8i){0} + (int32_t)(v))
#define sel(m, a, b) ((v8f)(((v8i)(a) & (m)) | ((v8i)(b) & ~(m))))
/* lanes added in order, in double */
static inline double hsum (const v8f *v) {
  double r = 0;
  for (int l = 0; l < 8; l++) r += (*v)[l];
  return r;
}

const char *seg_cluster_strerror (int status) {
  if (status == SEG_EKMEANS_NONFINITE) return "image has NaN or infinite values";
  return seg_strerror(status);
}

/* ---------- random numbers: xoshiro256** (Blackman & Vigna), splitmix64 seeding ---------- */

typedef struct Rng { uint64_t s[4]; } Rng;

static uint64_t splitmix64 (uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static inline uint64_t rotl (uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next (Rng *r) {
  uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return res;
}

static double rng_uniform (Rng *r) {   /* [0, 1) */
  return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* ---------- the passes ---------- */

enum { M_CONVERT, M_ACCUM, M_FINAL, M_DMIN_SET, M_DMIN_MIN, M_POT, M_FAR };

typedef struct Km {
  const SegBuf *src;
  float *X[SEG_KMEANS_MAXC];  /* planes of np floats */
  int C, k, mode;
  size_t n, np, bsz;          /* pixels, padded to 8, pixels per block */
  int nb;
  float *dmin;                /* np: squared distance to the nearest chosen centre */
  double *part;               /* nb * pstride: per-block partial results */
  size_t pstride;
  double *bsum;               /* nb: per-block sums of dmin */
  const float *cen;           /* k * C centres */
  float one[SEG_KMEANS_MAXC]; /* a single centre (seeding passes) */
  int32_t *out;               /* labels to write in M_FINAL, or NULL */
} Km;

/* Labels and squared distances of n8 pixels from 'off' (a multiple of 8,
** padded planes). always_inline so each constant C gets its own loop with
** the pixel's channels held in registers. */
static inline __attribute__((always_inline)) void
assign_body (float *const *X, size_t off, int n8, const float *cen, int k, int C,
             int32_t *lab, float *best) {
  for (int i = 0; i < n8; i += 8) {
    v8f x[4] = {{0}, {0}, {0}, {0}};
    if (C <= 4) for (int c = 0; c < C; c++) x[c] = ld(X[c] + off + (size_t)i);
    v8f bd = {0};
    v8i bl = {0};
    for (int j = 0; j < k; j++) {
      v8f d = {0};
      for (int c = 0; c < C; c++) {
        v8f t = (C <= 4 ? x[c] : ld(X[c] + off + (size_t)i)) - bcf(cen[j * C + c]);
        d += t * t;
      }
      if (j == 0) bd = d;
      else {
        v8i lt = d < bd;
        bd = sel(lt, d, bd);
        bl = (bl & ~lt) | (bci(j) & lt);
      }
    }
    sti(lab + i, bl);
    stf(best + i, bd);
  }
}

SEG_CLONES static void assign_chunk (float *const *X, size_t off, int n8, const float *cen,
                                     int k, int C, int32_t *lab, float *best) {
  switch (C) {
    case 1: assign_body(X, off, n8, cen, k, 1, lab, best); break;
    case 2: assign_body(X, off, n8, cen, k, 2, lab, best); break;
    case 3: assign_body(X, off, n8, cen, k, 3, lab, best); break;
    case 4: assign_body(X, off, n8, cen, k, 4, lab, best); break;
    default: assign_body(X, off, n8, cen, k, C, lab, best); break;
  }
}

/* Squared distances of n8 pixels to one centre m. */
SEG_CLONES static void dist_one (float *const *X, size_t off, int n8, const float *m, int C,
                                 float *restrict d) {
  for (int i = 0; i < n8; i += 8) {
    v8f acc = {0};
    for (int c = 0; c < C; c++) {
      v8f t = ld(X[c] + off + (size_t)i) - bcf(m[c]);
      acc += t * t;
    }
    stf(d + i, acc);
  }
}

/* Per-cluster channel sums and counts of a chunk (lab < 0: padding). */
SEG_CLONES static void accumulate (float *const *X, size_t off, int n8, int len, int k, int C,
                                   const int32_t *lab, double *sums, double *cnt) {
  if (k <= 16) {
    for (int j = 0; j < k; j++) {
      v8i jj = bci(j), nv = {0};
      for (int i = 0; i < n8; i += 8) nv -= ldi(lab + i) == jj;
      double nj = 0;
      for (int l = 0; l < 8; l++) nj += nv[l];
      if (nj == 0) continue;
      cnt[j] += nj;
      for (int c = 0; c < C; c++) {
        const float *x = X[c] + off;
        v8f acc = {0};
        for (int i = 0; i < n8; i += 8) acc += (v8f)((v8i)ld(x + i) & (ldi(lab + i) == jj));
        sums[(size_t)j * (size_t)C + (size_t)c] += hsum(&acc);
      }
    }
  } else {
    for (int i = 0; i < len; i++) {
      int j = lab[i];
      cnt[j] += 1;
      for (int c = 0; c < C; c++) sums[(size_t)j * (size_t)C + (size_t)c] += X[c][off + (size_t)i];
    }
  }
}

static double vsum (const float *a, int n8) {
  v8f s = {0};
  for (int i = 0; i < n8; i += 8) s += ld(a + i);
  return hsum(&s);
}

static void convert_block (Km *m, size_t s, size_t e, double *slot) {
  const SegBuf *b = m->src;
  const int C = m->C;
  int bad = 0;
  size_t y = s / (size_t)b->w, x = s % (size_t)b->w;
  for (size_t i = s; i < e; ) {
    const uint8_t *row = seg_row(b, (int)y);
    size_t xe = (size_t)b->w, run = xe - x < e - i ? xe - x : e - i;
    for (int c = 0; c < C; c++) {
      float *restrict d = m->X[c] + i;
      switch (b->dtype) {
        case SEG_U8: {
          const uint8_t *p = row + x * (size_t)C + (size_t)c;
          for (size_t t = 0; t < run; t++) d[t] = p[t * (size_t)C];
          break;
        }
        case SEG_U16: {
          const uint16_t *p = (const uint16_t *)row + x * (size_t)C + (size_t)c;
          for (size_t t = 0; t < run; t++) d[t] = p[t * (size_t)C];
          break;
        }
        default: {
          const float *p = (const float *)row + x * (size_t)C + (size_t)c;
          for (size_t t = 0; t < run; t++) { d[t] = p[t * (size_t)C]; bad |= !isfinite(d[t]); }
          break;
        }
      }
    }
    i += run;
    x = 0;
    y++;
  }
  slot[0] = bad;
}

static void run_block (Km *m, int b) {
  size_t s = (size_t)b * m->bsz, e = s + m->bsz < m->n ? s + m->bsz : m->n;
  double *slot = m->part + (size_t)b * m->pstride;
  const int C = m->C, k = m->k;
  if (m->mode == M_CONVERT) { convert_block(m, s, e, slot); return; }
  int32_t lab[CHUNK] __attribute__((aligned(32)));
  float best[CHUNK] __attribute__((aligned(32)));
  memset(slot, 0, m->pstride * sizeof *slot);
  double far = -1;
  size_t farix = s;
  for (size_t cs = s; cs < e; cs += CHUNK) {
    int len = (int)(e - cs < CHUNK ? e - cs : CHUNK), n8 = (len + 7) & ~7;
    switch (m->mode) {
      case M_ACCUM: case M_FINAL: case M_FAR:
        assign_chunk(m->X, cs, n8, m->cen, k, C, lab, best);
        for (int i = len; i < n8; i++) { lab[i] = -1; best[i] = 0; }
        if (m->mode == M_ACCUM) {
          accumulate(m->X, cs, n8, len, k, C, lab, slot, slot + (size_t)k * (size_t)C);
          slot[(size_t)k * (size_t)(C + 1)] += vsum(best, n8);
        } else if (m->mode == M_FINAL) {
          slot[0] += vsum(best, n8);
          if (m->out) for (int i = 0; i < len; i++) m->out[cs + (size_t)i] = lab[i] + 1;
        } else {
          for (int i = 0; i < len; i++)
            if (best[i] > far) { far = best[i]; farix = cs + (size_t)i; }
        }
        break;
      default: {   /* seeding: distances to one centre */
        dist_one(m->X, cs, n8, m->one, C, best);
        float *dm = m->dmin + cs;
        if (m->mode == M_DMIN_SET) memcpy(dm, best, (size_t)n8 * sizeof *dm);
        else {
          for (int i = 0; i < n8; i += 8) {
            v8f a = ld(dm + i), d = ld(best + i);
            v8f mn = sel(d < a, d, a);
            if (m->mode == M_DMIN_MIN) stf(dm + i, mn); else stf(best + i, mn);
          }
        }
        for (int i = len; i < n8; i++) { best[i] = 0; dm[i] = 0; }
        slot[0] += vsum(m->mode == M_POT ? best : dm, n8);
        break;
      }
    }
  }
  if (m->mode == M_FAR) { slot[0] = far; slot[1] = (double)farix; }
  if (m->mode == M_DMIN_SET || m->mode == M_DMIN_MIN) m->bsum[b] = slot[0];
}

static void blocks_fn (void *arg, int b0, int b1) {
  for (int b = b0; b < b1; b++) run_block((Km *)arg, b);
}

static void pass (Km *m, int mode, int threads) {
  m->mode = mode;
  seg_parallel_for(threads, m->nb, 1, blocks_fn, m);
}

/* Sum of slot[0] over the blocks, in block order. */
static double total0 (const Km *m) {
  double t = 0;
  for (int b = 0; b < m->nb; b++) t += m->part[(size_t)b * m->pstride];
  return t;
}

static void take_point (const Km *m, size_t i, float *dst) {
  for (int c = 0; c < m->C; c++) dst[c] = m->X[c][i];
}

/* A pixel drawn with probability proportional to dmin (D^2 sampling). */
static size_t sample (const Km *m, Rng *rng, double total) {
  double u = rng_uniform(rng);
  if (!(total > 0) || !isfinite(total)) return (size_t)(u * (double)m->n);
  double r = u * total, acc = 0;
  size_t last = 0;
  for (int b = 0; b < m->nb; b++) {
    size_t s = (size_t)b * m->bsz, e = s + m->bsz < m->n ? s + m->bsz : m->n;
    if (m->bsum[b] <= 0) continue;
    if (acc + m->bsum[b] <= r && b < m->nb - 1) { acc += m->bsum[b]; continue; }
    for (size_t i = s; i < e; i++) {
      if (m->dmin[i] <= 0) continue;
      acc += m->dmin[i];
      last = i;
      if (acc > r) return i;
    }
  }
  return last;    /* r beyond the rounded sum: the last pixel that could be drawn */
}

static void seed_pp (Km *m, Rng *rng, float *cen, int threads) {
  const int C = m->C, k = m->k;
  int trials = 2 + (int)log((double)k);
  take_point(m, (size_t)(rng_uniform(rng) * (double)m->n), cen);
  memcpy(m->one, cen, (size_t)C * sizeof(float));
  pass(m, M_DMIN_SET, threads);
  double total = total0(m);
  for (int j = 1; j < k; j++) {
    double bestpot = INFINITY;
    size_t bi = 0;
    for (int t = 0; t < trials; t++) {
      size_t i = sample(m, rng, total);
      take_point(m, i, m->one);
      pass(m, M_POT, threads);
      double pot = total0(m);
      if (pot < bestpot || t == 0) { bestpot = pot; bi = i; }
    }
    take_point(m, bi, cen + (size_t)j * (size_t)C);
    if (j < k - 1) {
      memcpy(m->one, cen + (size_t)j * (size_t)C, (size_t)C * sizeof(float));
      pass(m, M_DMIN_MIN, threads);
      total = total0(m);
    }
  }
}

/* Blocks: their size depends on n, k and C only (never on threads), at
** most MAXBLOCKS of them, fewer when k * C makes the partials large. */
static void layout (size_t n, int k, int C, size_t *bsz, int *nb) {
  size_t pstride = (size_t)k * (size_t)(C + 1) + 2, maxb = PARTIAL_BUDGET / pstride;
  if (maxb > MAXBLOCKS) maxb = MAXBLOCKS;
  if (maxb < 16) maxb = 16;
  size_t b = (n + maxb - 1) / maxb;
  if (b < 4096) b = 4096;
  b = (b + CHUNK - 1) / CHUNK * CHUNK;
  *bsz = b;
  *nb = (int)((n + b - 1) / b);
}

size_t seg_kmeans_scratch (int w, int h, int c, int k) {
  if (w < 1 || h < 1 || c < 1 || c > SEG_KMEANS_MAXC || k < 1 || k > SEG_KMEANS_MAXK) return 0;
  size_t n = (size_t)w * (size_t)h, np = (n + 7) & ~(size_t)7;
  if (np > SIZE_MAX / sizeof(float) / (size_t)(c + 1) - 64) return 0;
  size_t kc = (size_t)k * (size_t)c, bsz;
  int nb;
  layout(n, k, c, &bsz, &nb);
  size_t b = (size_t)(c + 1) * np * sizeof(float) + 64;
  b += ((size_t)nb * (kc + (size_t)k + 2) + (size_t)nb) * sizeof(double);
  b += 3 * kc * sizeof(float) + (kc + (size_t)k) * sizeof(double) + 256;
  return b;
}

static void *bump (uint8_t **p, size_t bytes) {
  void *r = *p;
  *p += (bytes + 31) & ~(size_t)31;
  return r;
}

int seg_kmeans (const SegBuf *src, const SegKmeansOpts *o, SegBuf *labels, float *centers,
                double *compactness, int *iters_done, void *scratch) {
  seg_assert(seg_buf_samesize(src, labels) && seg_buf_contiguous(labels));
  seg_assert(src->dtype != SEG_I32 && src->c >= 1 && src->c <= SEG_KMEANS_MAXC);
  const int C = src->c, k = o->k, T = o->threads;
  Km m;
  memset(&m, 0, sizeof m);
  m.src = src;
  m.C = C;
  m.k = k;
  m.n = (size_t)src->w * (size_t)src->h;
  seg_assert(k >= 1 && k <= SEG_KMEANS_MAXK && (size_t)k <= m.n);
  m.np = (m.n + 7) & ~(size_t)7;
  layout(m.n, k, C, &m.bsz, &m.nb);
  size_t kc = (size_t)k * (size_t)C;
  m.pstride = kc + (size_t)k + 2;
  uint8_t *p = (uint8_t *)(((uintptr_t)scratch + 31) & ~(uintptr_t)31);
  for (int c = 0; c < C; c++) m.X[c] = bump(&p, m.np * sizeof(float));
  m.dmin = bump(&p, m.np * sizeof(float));
  m.part = bump(&p, (size_t)m.nb * m.pstride * sizeof(double));
  m.bsum = bump(&p, (size_t)m.nb * sizeof(double));
  float *cen = bump(&p, kc * sizeof(float));
  float *nc = bump(&p, kc * sizeof(float));
  float *bestc = bump(&p, kc * sizeof(float));
  double *sums = bump(&p, kc * sizeof(double));
  double *cnt = bump(&p, (size_t)k * sizeof(double));

  for (int c = 0; c < C; c++)
    for (size_t i = m.n; i < m.np; i++) m.X[c][i] = 0;
  pass(&m, M_CONVERT, T);
  if (total0(&m) != 0) return SEG_EKMEANS_NONFINITE;

  Rng rng;
  uint64_t sm = o->seed;
  for (int i = 0; i < 4; i++) rng.s[i] = splitmix64(&sm);
  double bestcomp = INFINITY;
  int bestiters = 0;
  const double eps2 = o->eps * o->eps;
  for (int a = 0; a < o->attempts; a++) {
    seed_pp(&m, &rng, cen, T);
    m.cen = cen;
    int it = 0;
    while (it < o->iters) {
      it++;
      pass(&m, M_ACCUM, T);
      memset(sums, 0, kc * sizeof *sums);
      memset(cnt, 0, (size_t)k * sizeof *cnt);
      for (int b = 0; b < m.nb; b++) {
        const double *s = m.part + (size_t)b * m.pstride;
        for (size_t i = 0; i < kc; i++) sums[i] += s[i];
        for (int j = 0; j < k; j++) cnt[j] += s[kc + (size_t)j];
      }
      int empty = 0;
      for (int j = 0; j < k; j++)
        for (int c = 0; c < C; c++) {
          size_t i = (size_t)j * (size_t)C + (size_t)c;
          nc[i] = cnt[j] > 0 ? (float)(sums[i] / cnt[j]) : cen[i];
          empty |= cnt[j] == 0;
        }
      /* empty clusters take the pixel farthest from its centre, one at a time */
      m.cen = nc;
      for (int j = 0; j < k && empty; j++) {
        if (cnt[j] > 0) continue;
        pass(&m, M_FAR, T);
        double far = -1;
        size_t fi = 0;
        for (int b = 0; b < m.nb; b++) {
          const double *s = m.part + (size_t)b * m.pstride;
          if (s[0] > far) { far = s[0]; fi = (size_t)s[1]; }
        }
        if (!(far > 0)) break;    /* every pixel sits on a centre */
        take_point(&m, fi, nc + (size_t)j * (size_t)C);
      }
      double shift = 0;
      for (int j = 0; j < k; j++) {
        double s = 0;
        for (int c = 0; c < C; c++) {
          double t = (double)nc[j * C + c] - (double)cen[j * C + c];
          s += t * t;
        }
        if (s > shift) shift = s;
      }
      memcpy(cen, nc, kc * sizeof *cen);
      m.cen = cen;
      if (shift <= eps2) break;
    }
    m.out = o->attempts == 1 ? (int32_t *)labels->data : NULL;
    pass(&m, M_FINAL, T);
    double comp = total0(&m);
    if (comp < bestcomp || a == 0) {
      bestcomp = comp;
      bestiters = it;
      memcpy(bestc, cen, kc * sizeof *cen);
    }
  }
  if (o->attempts > 1) {
    m.cen = bestc;
    m.out = (int32_t *)labels->data;
    pass(&m, M_FINAL, T);
  }
  memcpy(centers, bestc, kc * sizeof *centers);
  *compactness = bestcomp;
  *iters_done = bestiters;
  return SEG_OK;
}

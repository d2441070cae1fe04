/* kmeans.c — Lloyd's k-means with greedy k-means++ seeding.
**
** Layout: the pixels are first copied to C planes (structure of arrays)
** of their own type (u8, u16 or f32: the passes are bound by memory, so u8
** planes move a quarter of the bytes of floats), converted to float 8 at a
** time as they are read, so the assignment step runs 8 pixels per vector: for each
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
#define SEG_KMEANS_MAXT 8          /* seeding candidates per centre, at most */
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
#define bcf(v) ((v8f){(v), (v), (v), (v), (v), (v), (v), (v)})
#define bci(v) ((v8i){(v), (v), (v), (v), (v), (v), (v), (v)})
#define sel(m, a, b) ((v8f)(((v8i)(a) & (m)) | ((v8i)(b) & ~(m))))
enum { ST_F32, ST_U8, ST_U16 };
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
  void *X[SEG_KMEANS_MAXC];   /* planes of np values of type st */
  int C, k, mode, st, trials;
  size_t n, np, bsz;          /* pixels, padded to 8, pixels per block */
  int nb;
  float *dmin;                /* np: squared distance to the nearest chosen centre */
  double *part;               /* nb * pstride: per-block partial results */
  size_t pstride;
  double *bsum;               /* nb: per-block sums of dmin */
  const float *cen;           /* k * C centres */
  float one[SEG_KMEANS_MAXC]; /* a single centre (seeding passes) */
  float cand[SEG_KMEANS_MAXT * SEG_KMEANS_MAXC];   /* seeding candidates */
  int32_t *out;               /* labels to write in M_FINAL, or NULL */
  float *tbuf;                /* threads * C * CHUNK floats: chunks as floats */
} Km;

/* Labels and squared distances of n8 pixels from 'off' (a multiple of 8,
** padded planes). always_inline so each constant (st, C) gets its own loop
** with the pixel's channels held in registers. */
static inline __attribute__((always_inline)) void
assign_body (float *const *X, size_t off, int n8, const float *cen, int k, int C,
             int32_t *lab, float *best) {
  for (int i = 0; i < n8; i += 8) {
    size_t ix = off + (size_t)i;
    v8f x[4] = {{0}, {0}, {0}, {0}};
    if (C <= 4) for (int c = 0; c < C; c++) x[c] = ld(X[c] + ix);
    v8f bd = {0};
    v8i bl = {0};
    for (int j = 0; j < k; j++) {
      v8f d = {0};
      for (int c = 0; c < C; c++) {
        v8f t = (C <= 4 ? x[c] : ld(X[c] + ix)) - bcf(cen[j * C + c]);
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

#define ASSIGN_C                                                               \
  switch (C) {                                                                 \
    case 1: assign_body(X, off, n8, cen, k, 1, lab, best); break;          \
    case 2: assign_body(X, off, n8, cen, k, 2, lab, best); break;          \
    case 3: assign_body(X, off, n8, cen, k, 3, lab, best); break;          \
    case 4: assign_body(X, off, n8, cen, k, 4, lab, best); break;          \
    default: assign_body(X, off, n8, cen, k, C, lab, best); break;         \
  }

SEG_CLONES static void assign_chunk (float *const *X, size_t off, int n8,
                                     const float *cen, int k, int C, int32_t *lab, float *best) {
  ASSIGN_C
}

/* Assignment and per-cluster sums in one sweep, for K <= 8 clusters of
** C <= 4 channels: the sums stay in registers (K, C constants after
** inlining). Lanes at or beyond len are padding and count nowhere. */
static inline __attribute__((always_inline)) void
fused_body (float *const *X, int n8, int len, const float *cen, const int K, const int C,
            int32_t *lab, float *best, double *sums, double *cnt) {
  v8f acc[8][4];
  v8i nacc[8];
  memset(acc, 0, sizeof acc);
  const v8i iota = {0, 1, 2, 3, 4, 5, 6, 7}, vlen = bci(len);
  for (int j = 0; j < K; j++) {
    nacc[j] = (v8i){0};
    for (int c = 0; c < C; c++) acc[j][c] = (v8f){0};
  }
  for (int i = 0; i < n8; i += 8) {
    v8f x[4];
    for (int c = 0; c < C; c++) x[c] = ld(X[c] + i);
    v8f bd = {0};
    v8i bl = {0};
    for (int j = 0; j < K; j++) {
      v8f d = {0};
      for (int c = 0; c < C; c++) {
        v8f t = x[c] - bcf(cen[j * C + c]);
        d += t * t;
      }
      if (j == 0) bd = d;
      else {
        v8i lt = d < bd;
        bd = sel(lt, d, bd);
        bl = (bl & ~lt) | (bci(j) & lt);
      }
    }
    v8i valid = (bci(i) + iota) < vlen;
    bl = (bl & valid) | ~valid;            /* padding: -1 */
    sti(lab + i, bl);
    stf(best + i, (v8f)((v8i)bd & valid));
    for (int j = 0; j < K; j++) {
      v8i m = bl == bci(j);
      nacc[j] -= m;
      for (int c = 0; c < C; c++) acc[j][c] += (v8f)((v8i)x[c] & m);
    }
  }
  for (int j = 0; j < K; j++) {
    double nj = 0;
    for (int l = 0; l < 8; l++) nj += nacc[j][l];
    cnt[j] += nj;
    for (int c = 0; c < C; c++) sums[j * C + c] += hsum(&acc[j][c]);
  }
}

#define FUSED_K(CC)                                                                   \
  switch (k) {                                                                        \
    case 1: fused_body(X, n8, len, cen, 1, CC, lab, best, sums, cnt); break;          \
    case 2: fused_body(X, n8, len, cen, 2, CC, lab, best, sums, cnt); break;          \
    case 3: fused_body(X, n8, len, cen, 3, CC, lab, best, sums, cnt); break;          \
    case 4: fused_body(X, n8, len, cen, 4, CC, lab, best, sums, cnt); break;          \
    case 5: fused_body(X, n8, len, cen, 5, CC, lab, best, sums, cnt); break;          \
    case 6: fused_body(X, n8, len, cen, 6, CC, lab, best, sums, cnt); break;          \
    case 7: fused_body(X, n8, len, cen, 7, CC, lab, best, sums, cnt); break;          \
    default: fused_body(X, n8, len, cen, 8, CC, lab, best, sums, cnt); break;         \
  }

/* k <= 8, C <= 4 */
SEG_CLONES static void assign_accumulate (float *const *X, int n8, int len, const float *cen,
                                          int k, int C, int32_t *lab, float *best,
                                          double *sums, double *cnt) {
  switch (C) {
    case 1: FUSED_K(1) break;
    case 2: FUSED_K(2) break;
    case 3: FUSED_K(3) break;
    default: FUSED_K(4) break;
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

/* The chunk of pixels [s, s + n8) of every plane as floats in buf (C rows
** of CHUNK), the conversion GCC vectorises; f32 planes are used in place. */
SEG_CLONES static void chunk_floats (void *const *P, int st, int C, size_t s, int n8, float *buf,
                                     float **xc) {
  for (int c = 0; c < C; c++) {
    float *restrict d = buf + (size_t)c * CHUNK;
    if (st == ST_U8) {
      const uint8_t *restrict p = (const uint8_t *)P[c] + s;
      for (int i = 0; i < n8; i++) d[i] = p[i];
    } else if (st == ST_U16) {
      const uint16_t *restrict p = (const uint16_t *)P[c] + s;
      for (int i = 0; i < n8; i++) d[i] = p[i];
    } else {
      xc[c] = (float *)P[c] + s;
      continue;
    }
    xc[c] = d;
  }
}

static float xval (void *const *X, int st, int c, size_t i) {
  return st == ST_U8 ? ((const uint8_t *)X[c])[i]
       : st == ST_U16 ? ((const uint16_t *)X[c])[i] : ((const float *)X[c])[i];
}

/* Per-cluster channel sums and counts of a chunk (lab < 0: padding). */
SEG_CLONES static void accumulate (float *const *X, int n8, int len, int k, int C,
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
        v8f acc = {0};
        for (int i = 0; i < n8; i += 8) acc += (v8f)((v8i)ld(X[c] + i) & (ldi(lab + i) == jj));
        sums[(size_t)j * (size_t)C + (size_t)c] += hsum(&acc);
      }
    }
  } else {
    for (int i = 0; i < len; i++) {
      int j = lab[i];
      cnt[j] += 1;
      for (int c = 0; c < C; c++) sums[(size_t)j * (size_t)C + (size_t)c] += X[c][i];
    }
  }
}

/* dst[i] = min(a[i], b[i]) (dst may be a or b) */
SEG_CLONES static void vmin (float *dst, const float *a, const float *b, int n8) {
  for (int i = 0; i < n8; i += 8) {
    v8f x = ld(a + i), y = ld(b + i);
    stf(dst + i, sel(y < x, y, x));
  }
}

SEG_CLONES static double vsum (const float *a, int n8) {
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
      switch (b->dtype) {
        case SEG_U8: {
          uint8_t *restrict d = (uint8_t *)m->X[c] + i;
          const uint8_t *p = row + x * (size_t)C + (size_t)c;
          for (size_t t = 0; t < run; t++) d[t] = p[t * (size_t)C];
          break;
        }
        case SEG_U16: {
          uint16_t *restrict d = (uint16_t *)m->X[c] + i;
          const uint16_t *p = (const uint16_t *)row + x * (size_t)C + (size_t)c;
          for (size_t t = 0; t < run; t++) d[t] = p[t * (size_t)C];
          break;
        }
        default: {
          float *restrict d = (float *)m->X[c] + i;
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

static void run_block (Km *m, int b, float *buf) {
  size_t s = (size_t)b * m->bsz, e = s + m->bsz < m->n ? s + m->bsz : m->n;
  double *slot = m->part + (size_t)b * m->pstride;
  const int C = m->C, k = m->k;
  if (m->mode == M_CONVERT) { convert_block(m, s, e, slot); return; }
  int32_t lab[CHUNK] __attribute__((aligned(32)));
  float best[CHUNK] __attribute__((aligned(32)));
  memset(slot, 0, m->pstride * sizeof *slot);
  double far = -1;
  size_t farix = s;
  float *X[SEG_KMEANS_MAXC];
  for (size_t cs = s; cs < e; cs += CHUNK) {
    int len = (int)(e - cs < CHUNK ? e - cs : CHUNK), n8 = (len + 7) & ~7;
    chunk_floats(m->X, m->st, C, cs, n8, buf, X);
    switch (m->mode) {
      case M_ACCUM: case M_FINAL: case M_FAR:
        if (m->mode == M_ACCUM && k <= 8 && C <= 4) {
          assign_accumulate(X, n8, len, m->cen, k, C, lab, best, slot, slot + (size_t)k * (size_t)C);
          slot[(size_t)k * (size_t)(C + 1)] += vsum(best, n8);
          break;
        }
        assign_chunk(X, 0, n8, m->cen, k, C, lab, best);
        for (int i = len; i < n8; i++) { lab[i] = -1; best[i] = 0; }
        if (m->mode == M_ACCUM) {
          accumulate(X, n8, len, k, C, lab, slot, slot + (size_t)k * (size_t)C);
          slot[(size_t)k * (size_t)(C + 1)] += vsum(best, n8);
        } else if (m->mode == M_FINAL) {
          slot[0] += vsum(best, n8);
          if (m->out) for (int i = 0; i < len; i++) m->out[cs + (size_t)i] = lab[i] + 1;
        } else {
          for (int i = 0; i < len; i++)
            if (best[i] > far) { far = best[i]; farix = cs + (size_t)i; }
        }
        break;
      case M_POT: {   /* the potential of each candidate: sum of min(dmin, d) */
        const float *dm = m->dmin + cs;
        for (int t = 0; t < m->trials; t++) {
          dist_one(X, 0, n8, m->cand + (size_t)t * (size_t)C, C, best);
          vmin(best, dm, best, n8);
          for (int i = len; i < n8; i++) best[i] = 0;
          slot[t] += vsum(best, n8);
        }
        break;
      }
      default: {   /* M_DMIN_SET, M_DMIN_MIN: distances to the nearest chosen centre */
        dist_one(X, 0, n8, m->one, C, best);
        float *dm = m->dmin + cs;
        if (m->mode == M_DMIN_SET) memcpy(dm, best, (size_t)n8 * sizeof *dm);
        else vmin(dm, dm, best, n8);
        for (int i = len; i < n8; i++) dm[i] = 0;
        slot[0] += vsum(dm, n8);
        break;
      }
    }
  }
  if (m->mode == M_FAR) { slot[0] = far; slot[1] = (double)farix; }
  if (m->mode == M_DMIN_SET || m->mode == M_DMIN_MIN) m->bsum[b] = slot[0];
}

/* Chunk t of the pool's split owns float buffer t. */
static void blocks_fn (void *arg, int t, int b0, int b1) {
  Km *m = arg;
  float *buf = m->tbuf + (size_t)t * (size_t)m->C * CHUNK;
  for (int b = b0; b < b1; b++) run_block(m, b, buf);
}

static void pass (Km *m, int mode, int threads) {
  m->mode = mode;
  seg_parallel_chunks(threads, m->nb, 1, blocks_fn, m);
}

/* Sum of slot[0] over the blocks, in block order. */
static double total0 (const Km *m) {
  double t = 0;
  for (int b = 0; b < m->nb; b++) t += m->part[(size_t)b * m->pstride];
  return t;
}

static void take_point (const Km *m, size_t i, float *dst) {
  for (int c = 0; c < m->C; c++) dst[c] = xval(m->X, m->st, c, i);
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
  take_point(m, (size_t)(rng_uniform(rng) * (double)m->n), cen);
  memcpy(m->one, cen, (size_t)C * sizeof(float));
  pass(m, M_DMIN_SET, threads);
  double total = total0(m);
  size_t idx[SEG_KMEANS_MAXT];
  for (int j = 1; j < k; j++) {
    /* all candidates drawn first, their potentials in one pass */
    for (int t = 0; t < m->trials; t++) {
      idx[t] = sample(m, rng, total);
      take_point(m, idx[t], m->cand + (size_t)t * (size_t)C);
    }
    pass(m, M_POT, threads);
    double bestpot = INFINITY;
    int bt = 0;
    for (int t = 0; t < m->trials; t++) {
      double pot = 0;
      for (int b = 0; b < m->nb; b++) pot += m->part[(size_t)b * m->pstride + (size_t)t];
      if (pot < bestpot || t == 0) { bestpot = pot; bt = t; }
    }
    take_point(m, idx[bt], cen + (size_t)j * (size_t)C);
    if (j < k - 1) {
      memcpy(m->one, cen + (size_t)j * (size_t)C, (size_t)C * sizeof(float));
      pass(m, M_DMIN_MIN, threads);
      total = total0(m);
    }
  }
}

static int trials_of (int k) {   /* 2 + ln k candidates per centre (scikit-learn's choice) */
  int t = 2 + (int)log((double)k);
  return t > SEG_KMEANS_MAXT ? SEG_KMEANS_MAXT : t;
}

static size_t pstride_of (int k, int C) {
  size_t s = (size_t)k * (size_t)(C + 1) + 2;
  return s < (size_t)SEG_KMEANS_MAXT ? (size_t)SEG_KMEANS_MAXT : s;
}

/* Blocks: their size depends on n, k and C only (never on threads), at
** most MAXBLOCKS of them, fewer when k * C makes the partials large. */
static void layout (size_t n, int k, int C, size_t *bsz, int *nb) {
  size_t pstride = pstride_of(k, C), maxb = PARTIAL_BUDGET / pstride;
  if (maxb > MAXBLOCKS) maxb = MAXBLOCKS;
  if (maxb < 16) maxb = 16;
  size_t b = (n + maxb - 1) / maxb;
  if (b < 4096) b = 4096;
  b = (b + CHUNK - 1) / CHUNK * CHUNK;
  *bsz = b;
  *nb = (int)((n + b - 1) / b);
}

size_t seg_kmeans_scratch (int w, int h, int c, int k, int threads) {
  if (w < 1 || h < 1 || c < 1 || c > SEG_KMEANS_MAXC || k < 1 || k > SEG_KMEANS_MAXK) return 0;
  if (threads < 1) threads = 1;
  size_t n = (size_t)w * (size_t)h, np = (n + 7) & ~(size_t)7;
  if (np > SIZE_MAX / sizeof(float) / (size_t)(c + 1) - 64) return 0;
  size_t kc = (size_t)k * (size_t)c, bsz;
  int nb;
  layout(n, k, c, &bsz, &nb);
  size_t b = (size_t)(c + 1) * np * sizeof(float) + 64;
  b += ((size_t)nb * pstride_of(k, c) + (size_t)nb) * sizeof(double);
  b += 3 * kc * sizeof(float) + (kc + (size_t)k) * sizeof(double) + 256;
  b += (size_t)threads * (size_t)c * CHUNK * sizeof(float) + 32;
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
  m.pstride = pstride_of(k, C);
  m.trials = trials_of(k);
  m.st = src->dtype == SEG_U8 ? ST_U8 : src->dtype == SEG_U16 ? ST_U16 : ST_F32;
  uint8_t *p = (uint8_t *)(((uintptr_t)scratch + 31) & ~(uintptr_t)31);
  size_t esz = seg_dtype_size(src->dtype);
  for (int c = 0; c < C; c++) m.X[c] = bump(&p, m.np * esz);
  m.dmin = bump(&p, m.np * sizeof(float));
  m.part = bump(&p, (size_t)m.nb * m.pstride * sizeof(double));
  m.bsum = bump(&p, (size_t)m.nb * sizeof(double));
  float *cen = bump(&p, kc * sizeof(float));
  float *nc = bump(&p, kc * sizeof(float));
  float *bestc = bump(&p, kc * sizeof(float));
  double *sums = bump(&p, kc * sizeof(double));
  double *cnt = bump(&p, (size_t)k * sizeof(double));
  m.tbuf = bump(&p, (size_t)(T < 1 ? 1 : T) * (size_t)C * CHUNK * sizeof(float));

  for (int c = 0; c < C; c++)
    memset((uint8_t *)m.X[c] + m.n * esz, 0, (m.np - m.n) * esz);
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

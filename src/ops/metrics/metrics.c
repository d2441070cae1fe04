/* metrics.c — comparing segmentations: mask overlap scores, confusion
** matrices, contingency-table scores (adapted Rand error, variation of
** information, as scikit-image) and the Hausdorff distance.
** Inputs are 1-channel u8/u16/i32 buffers; two inputs may differ in dtype,
** so the generic loops read pixels in blocks converted to int32. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"

#define MAXCHUNKS 256   /* parallel.c never runs more chunks than this */
#define BLK 1024        /* pixels per converted block */

static int clampthreads (int t) { return t < 1 ? 1 : t > MAXCHUNKS ? MAXCHUNKS : t; }

/* Pixels x0..x0+n-1 of row y as int32: the row itself for i32 buffers,
** otherwise converted into tmp (n <= BLK). */
static const int32_t *block_i32 (const SegBuf *b, int y, int x0, int n, int32_t *tmp) {
  switch (b->dtype) {
    case SEG_I32: return seg_row_i32(b, y) + x0;
    case SEG_U8: {
      const uint8_t *s = seg_row_u8(b, y) + x0;
      for (int i = 0; i < n; i++) tmp[i] = s[i];
      return tmp;
    }
    case SEG_U16: {
      const uint16_t *s = seg_row_u16(b, y) + x0;
      for (int i = 0; i < n; i++) tmp[i] = s[i];
      return tmp;
    }
    default: {   /* f32: truncated toward zero, as a cast to an integer type */
      const float *s = seg_row_f32(b, y) + x0;
      for (int i = 0; i < n; i++) {
        float v = s[i];
        tmp[i] = v != v ? 0 : v >= 2147483520.f ? INT32_MAX : v <= -2147483648.f ? INT32_MIN
               : (int32_t)v;
      }
      return tmp;
    }
  }
}

/* ---------- mask overlap ---------- */

typedef struct CountJob {
  const SegBuf *p, *t;
  SegMaskCounts part[MAXCHUNKS];
} CountJob;

SEG_CLONES static void counts_u8 (const uint8_t *restrict p, const uint8_t *restrict t, int n,
                                  uint64_t *tp, uint64_t *np, uint64_t *nt) {
  uint32_t a = 0, b = 0, c = 0;   /* n < 2^31: no overflow within a row */
  for (int i = 0; i < n; i++) {
    uint32_t pi = p[i] != 0, ti = t[i] != 0;
    a += pi & ti; b += pi; c += ti;
  }
  *tp += a; *np += b; *nt += c;
}

static void counts_chunk (void *arg, int chunk, int y0, int y1) {
  CountJob *j = arg;
  uint64_t tp = 0, np = 0, nt = 0;
  int w = j->p->w;
  for (int y = y0; y < y1; y++) {
    if (j->p->dtype == SEG_U8 && j->t->dtype == SEG_U8) {
      counts_u8(seg_row_u8(j->p, y), seg_row_u8(j->t, y), w, &tp, &np, &nt);
      continue;
    }
    int32_t tp_[BLK], tt_[BLK];
    for (int x = 0; x < w; x += BLK) {
      int n = w - x < BLK ? w - x : BLK;
      const int32_t *p = block_i32(j->p, y, x, n, tp_), *t = block_i32(j->t, y, x, n, tt_);
      for (int i = 0; i < n; i++) {
        int pi = p[i] != 0, ti = t[i] != 0;
        tp += (unsigned)(pi & ti); np += (unsigned)pi; nt += (unsigned)ti;
      }
    }
  }
  uint64_t all = (uint64_t)w * (uint64_t)(y1 - y0);
  SegMaskCounts *c = &j->part[chunk];
  c->tp = tp; c->fp = np - tp; c->fn = nt - tp; c->tn = all - np - nt + tp;
}

void seg_mask_counts (const SegBuf *pred, const SegBuf *truth, SegMaskCounts *out,
                      int threads) {
  CountJob j;
  memset(&j, 0, sizeof j);
  j.p = pred; j.t = truth;
  seg_parallel_chunks(clampthreads(threads), pred->h, 16, counts_chunk, &j);
  memset(out, 0, sizeof *out);
  for (int i = 0; i < MAXCHUNKS; i++) {
    out->tp += j.part[i].tp; out->fp += j.part[i].fp;
    out->fn += j.part[i].fn; out->tn += j.part[i].tn;
  }
}

double seg_counts_iou (const SegMaskCounts *c) {
  uint64_t u = c->tp + c->fp + c->fn;
  return u ? (double)c->tp / (double)u : 1.0;
}

double seg_counts_dice (const SegMaskCounts *c) {
  uint64_t s = 2 * c->tp + c->fp + c->fn;
  return s ? 2.0 * (double)c->tp / (double)s : 1.0;
}

double seg_counts_precision (const SegMaskCounts *c) {
  uint64_t s = c->tp + c->fp;
  return s ? (double)c->tp / (double)s : 0.0;
}

double seg_counts_recall (const SegMaskCounts *c) {
  uint64_t s = c->tp + c->fn;
  return s ? (double)c->tp / (double)s : 0.0;
}

/* ---------- confusion matrix ---------- */

/* Fewer per-chunk matrices for large k: at most 4M counters in all. */
static int confusion_threads (int k, int threads) {
  int t = clampthreads(threads);
  while (t > 1 && (size_t)k * (size_t)k * (size_t)t > ((size_t)1 << 22)) t--;
  return t;
}

size_t seg_confusion_scratch (int k, int threads) {
  return (size_t)k * (size_t)k * (size_t)confusion_threads(k, threads);
}

typedef struct ConfJob {
  const SegBuf *p, *t;
  int k;
  uint64_t *scratch;
  uint64_t bad[MAXCHUNKS];
} ConfJob;

static void conf_chunk (void *arg, int chunk, int y0, int y1) {
  ConfJob *j = arg;
  uint32_t k = (uint32_t)j->k;
  uint64_t *cm = j->scratch + (size_t)chunk * k * k, bad = 0;
  int32_t tp_[BLK], tt_[BLK];
  int w = j->p->w;
  for (int y = y0; y < y1; y++)
    for (int x = 0; x < w; x += BLK) {
      int n = w - x < BLK ? w - x : BLK;
      const int32_t *p = block_i32(j->p, y, x, n, tp_), *t = block_i32(j->t, y, x, n, tt_);
      for (int i = 0; i < n; i++) {
        uint32_t pi = (uint32_t)p[i], ti = (uint32_t)t[i];   /* negatives wrap above k */
        if (pi < k && ti < k) cm[(size_t)ti * k + pi]++;
        else bad++;
      }
    }
  j->bad[chunk] = bad;
}

uint64_t seg_confusion (const SegBuf *pred, const SegBuf *truth, int k, uint64_t *cm,
                        uint64_t *scratch, int threads) {
  int t = confusion_threads(k, threads);
  size_t kk = (size_t)k * (size_t)k;
  memset(scratch, 0, kk * (size_t)t * sizeof *scratch);
  ConfJob j;
  memset(j.bad, 0, sizeof j.bad);
  j.p = pred; j.t = truth; j.k = k; j.scratch = scratch;
  seg_parallel_chunks(t, pred->h, 16, conf_chunk, &j);
  uint64_t bad = 0;
  memset(cm, 0, kk * sizeof *cm);
  for (int c = 0; c < t; c++) {
    for (size_t i = 0; i < kk; i++) cm[i] += scratch[(size_t)c * kk + i];
    bad += j.bad[c];
  }
  return bad;
}

/* Row sums are true-class areas, column sums predicted-class areas. */
static void class_sums (const uint64_t *cm, int k, int c, uint64_t *tp, uint64_t *row,
                        uint64_t *col) {
  *tp = cm[(size_t)c * k + c]; *row = 0; *col = 0;
  for (int i = 0; i < k; i++) {
    *row += cm[(size_t)c * k + i];
    *col += cm[(size_t)i * k + c];
  }
}

void seg_confusion_iou (const uint64_t *cm, int k, double *iou) {
  for (int c = 0; c < k; c++) {
    uint64_t tp, row, col;
    class_sums(cm, k, c, &tp, &row, &col);
    uint64_t u = row + col - tp;
    iou[c] = u ? (double)tp / (double)u : NAN;
  }
}

void seg_confusion_dice (const uint64_t *cm, int k, double *dice) {
  for (int c = 0; c < k; c++) {
    uint64_t tp, row, col;
    class_sums(cm, k, c, &tp, &row, &col);
    dice[c] = row + col ? 2.0 * (double)tp / (double)(row + col) : NAN;
  }
}

double seg_confusion_mean_iou (const uint64_t *cm, int k) {
  double sum = 0;
  int n = 0;
  for (int c = 0; c < k; c++) {
    uint64_t tp, row, col;
    class_sums(cm, k, c, &tp, &row, &col);
    uint64_t u = row + col - tp;
    if (u) { sum += (double)tp / (double)u; n++; }
  }
  return n ? sum / n : NAN;
}

/* ---------- pixel accuracy ---------- */

typedef struct EqJob {
  const SegBuf *a, *b;
  uint64_t same[MAXCHUNKS];
} EqJob;

static void eq_chunk (void *arg, int chunk, int y0, int y1) {
  EqJob *j = arg;
  int32_t ta[BLK], tb[BLK];
  uint64_t same = 0;
  int w = j->a->w;
  for (int y = y0; y < y1; y++)
    for (int x = 0; x < w; x += BLK) {
      int n = w - x < BLK ? w - x : BLK;
      const int32_t *a = block_i32(j->a, y, x, n, ta), *b = block_i32(j->b, y, x, n, tb);
      uint32_t s = 0;
      for (int i = 0; i < n; i++) s += a[i] == b[i];
      same += s;
    }
  j->same[chunk] = same;
}

double seg_pixel_accuracy (const SegBuf *a, const SegBuf *b, int threads) {
  EqJob j;
  memset(j.same, 0, sizeof j.same);
  j.a = a; j.b = b;
  seg_parallel_chunks(clampthreads(threads), a->h, 16, eq_chunk, &j);
  uint64_t same = 0;
  for (int i = 0; i < MAXCHUNKS; i++) same += j.same[i];
  return (double)same / ((double)a->w * (double)a->h);
}

/* ---------- contingency table ---------- */

/* Counts of (a, b) label pairs in an open-addressing hash table; a key is
** a << 32 | b (labels are non-negative int32, so no key is EMPTY). */
#define EMPTY UINT64_MAX
typedef struct Pair { uint64_t key, n; } Pair;
typedef struct Table { Pair *e; size_t cap, len; uint64_t total; } Table;

static size_t slot (uint64_t key, size_t cap) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static int table_grow (Table *t) {
  size_t cap = t->cap ? t->cap * 2 : 1024;
  Pair *e = malloc(cap * sizeof *e);
  if (!e) return SEG_ENOMEM;
  for (size_t i = 0; i < cap; i++) e[i].key = EMPTY;
  for (size_t i = 0; i < t->cap; i++) {
    if (t->e[i].key == EMPTY) continue;
    size_t s = slot(t->e[i].key, cap);
    while (e[s].key != EMPTY) s = (s + 1) & (cap - 1);
    e[s] = t->e[i];
  }
  free(t->e);
  t->e = e; t->cap = cap;
  return 0;
}

static int table_add (Table *t, uint64_t key, uint64_t n) {
  if (2 * (t->len + 1) > t->cap && table_grow(t) != 0) return SEG_ENOMEM;
  size_t s = slot(key, t->cap);
  while (t->e[s].key != key && t->e[s].key != EMPTY) s = (s + 1) & (t->cap - 1);
  if (t->e[s].key == EMPTY) { t->e[s].key = key; t->e[s].n = 0; t->len++; }
  t->e[s].n += n;
  t->total += n;
  return 0;
}

static int ignored (int32_t v, const int64_t *ignore, int nignore) {
  for (int i = 0; i < nignore; i++) if (ignore[i] == v) return 1;
  return 0;
}

/* Fills t with the pair counts of (a, b), leaving out pixels whose a label
** is ignored. Runs of one pair (most of any segmentation) cost one add. */
static int table_build (Table *t, const SegBuf *a, const SegBuf *b, const int64_t *ignore,
                        int nignore) {
  int32_t ta[BLK], tb[BLK];
  uint64_t run = EMPTY, n = 0;
  int32_t last_a = -1, last_ign = 0;
  memset(t, 0, sizeof *t);
  for (int y = 0; y < a->h; y++)
    for (int x = 0; x < a->w; x += BLK) {
      int m = a->w - x < BLK ? a->w - x : BLK;
      const int32_t *pa = block_i32(a, y, x, m, ta), *pb = block_i32(b, y, x, m, tb);
      for (int i = 0; i < m; i++) {
        if ((pa[i] | pb[i]) < 0) return SEG_METRIC_NEGATIVE;
        if (pa[i] != last_a) { last_a = pa[i]; last_ign = ignored(pa[i], ignore, nignore); }
        if (last_ign) continue;
        uint64_t key = (uint64_t)(uint32_t)pa[i] << 32 | (uint32_t)pb[i];
        if (key == run) { n++; continue; }
        if (n && table_add(t, run, n) != 0) return SEG_METRIC_NOMEM;
        run = key; n = 1;
      }
    }
  if (n && table_add(t, run, n) != 0) return SEG_METRIC_NOMEM;
  /* compact the entries to the front */
  size_t k = 0;
  for (size_t i = 0; i < t->cap; i++) if (t->e[i].key != EMPTY) t->e[k++] = t->e[i];
  return SEG_METRIC_OK;
}

static int cmp_key (const void *x, const void *y) {
  uint64_t a = ((const Pair *)x)->key, b = ((const Pair *)y)->key;
  return (a > b) - (a < b);
}

static void swap_halves (Pair *e, size_t n) {
  for (size_t i = 0; i < n; i++) e[i].key = e[i].key << 32 | e[i].key >> 32;
}

/* Sum over groups of equal high key halves of (group total)^2. */
static uint64_t group_sq (const Pair *e, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n;) {
    uint64_t hi = e[i].key >> 32, g = 0;
    for (; i < n && e[i].key >> 32 == hi; i++) g += e[i].n;
    s += g * g;
  }
  return s;
}

int seg_adapted_rand (const SegBuf *truth, const SegBuf *test, const int64_t *ignore,
                      int nignore, double out[3]) {
  Table t;
  int r = table_build(&t, truth, test, ignore, nignore);
  if (r == SEG_METRIC_OK) {
    /* Every sum is an integer below 2^53 for images below 2^26 pixels,
    ** and scikit-image sums the same integers in float64: the three
    ** doubles below are the ones it divides. */
    uint64_t pij2 = 0, N = t.total;
    for (size_t i = 0; i < t.len; i++) pij2 += t.e[i].n * t.e[i].n;
    if (t.len > 1) qsort(t.e, t.len, sizeof *t.e, cmp_key);
    uint64_t a2 = group_sq(t.e, t.len);
    swap_halves(t.e, t.len);
    if (t.len > 1) qsort(t.e, t.len, sizeof *t.e, cmp_key);
    uint64_t b2 = group_sq(t.e, t.len);
    double sum_pij2 = (double)pij2 - (double)N;
    double sum_a2 = (double)a2 - (double)N, sum_b2 = (double)b2 - (double)N;
    double precision = sum_pij2 / sum_a2, recall = sum_pij2 / sum_b2;
    double fscore = 2. * precision * recall / (precision + recall);
    out[0] = 1. - fscore; out[1] = precision; out[2] = recall;
  }
  free(t.e);
  return r;
}

/* -sum over entries of p_ij log2(p_ij / p_i), p_i the total of the group
** of equal high key halves: the conditional entropy of the low label given
** the high one. */
static double cond_entropy (const Pair *e, size_t n, double N) {
  double h = 0;
  for (size_t i = 0; i < n;) {
    uint64_t hi = e[i].key >> 32, g = 0;
    size_t j = i;
    for (; j < n && e[j].key >> 32 == hi; j++) g += e[j].n;
    double s = 0;
    for (; i < j; i++) {
      double q = (double)e[i].n / (double)g;
      s += q * log2(q);
    }
    h += ((double)g / N) * s;
  }
  return 0.0 - h;   /* h <= 0; -h would give -0.0 for identical maps */
}

int seg_variation_of_information (const SegBuf *a, const SegBuf *b, const int64_t *ignore,
                                  int nignore, double out[2]) {
  Table t;
  int r = table_build(&t, a, b, ignore, nignore);
  if (r == SEG_METRIC_OK) {
    double N = (double)t.total;
    if (t.len > 1) qsort(t.e, t.len, sizeof *t.e, cmp_key);
    double hb_a = cond_entropy(t.e, t.len, N);
    swap_halves(t.e, t.len);
    if (t.len > 1) qsort(t.e, t.len, sizeof *t.e, cmp_key);
    double ha_b = cond_entropy(t.e, t.len, N);
    if (t.total == 0) hb_a = ha_b = NAN;   /* scikit-image divides by zero */
    out[0] = hb_a; out[1] = ha_b;
  }
  free(t.e);
  return r;
}

/* ---------- Hausdorff distance ---------- */

/* Per thread: the lower envelope's parabola columns, heights and
** boundaries (Felzenszwalb & Huttenlocher 2012, "Distance transforms of
** sampled functions"), and one row of set flags; g holds each pixel's
** vertical distance to the nearest set pixel of its column. */
#define GINF INT32_MAX

static size_t rowscratch (int w) { return 3 * (size_t)w + 2 + ((size_t)w + 7) / 8; }

size_t seg_hausdorff_scratch (int w, int h, int threads) {
  return ((size_t)w * (size_t)h + 1) / 2 + (size_t)clampthreads(threads) * rowscratch(w);
}

typedef struct HdJob {
  const SegBuf *src, *dst;  /* distance to src's set sampled on dst's set */
  int32_t *g;
  int64_t *rows;
  int64_t best[MAXCHUNKS];
} HdJob;

/* out[i] = pixel x0+i of row y is non-zero, for i < n. */
static void set_flags (const SegBuf *b, int y, int x0, int n, uint8_t *restrict out) {
  switch (b->dtype) {
    case SEG_U8: {
      const uint8_t *s = seg_row_u8(b, y) + x0;
      for (int i = 0; i < n; i++) out[i] = s[i] != 0;
      break;
    }
    case SEG_U16: {
      const uint16_t *s = seg_row_u16(b, y) + x0;
      for (int i = 0; i < n; i++) out[i] = s[i] != 0;
      break;
    }
    case SEG_I32: {
      const int32_t *s = seg_row_i32(b, y) + x0;
      for (int i = 0; i < n; i++) out[i] = s[i] != 0;
      break;
    }
    default: {
      const float *s = seg_row_f32(b, y) + x0;
      for (int i = 0; i < n; i++) out[i] = s[i] != 0;
      break;
    }
  }
}

/* Column strips: a top-down then a bottom-up sweep along rows, so the
** inner loops run over contiguous x. */
static void hd_columns (void *arg, int x0, int x1) {
  HdJob *j = arg;
  const SegBuf *s = j->src;
  int w = s->w, h = s->h;
  uint8_t set[BLK];
  for (int xb = x0; xb < x1; xb += BLK) {
    int n = x1 - xb < BLK ? x1 - xb : BLK;
    for (int y = 0; y < h; y++) {
      int32_t *restrict g = j->g + (size_t)y * w + xb;
      const int32_t *restrict up = y ? g - w : NULL;
      set_flags(s, y, xb, n, set);
      for (int x = 0; x < n; x++)
        g[x] = set[x] ? 0 : !up || up[x] == GINF ? GINF : up[x] + 1;
    }
    for (int y = h - 2; y >= 0; y--) {
      int32_t *restrict g = j->g + (size_t)y * w + xb;
      const int32_t *restrict dn = g + w;
      for (int x = 0; x < n; x++) {
        int32_t d = dn[x] == GINF ? GINF : dn[x] + 1;
        g[x] = d < g[x] ? d : g[x];
      }
    }
  }
}

static void hd_rows (void *arg, int chunk, int y0, int y1) {
  HdJob *j = arg;
  int w = j->src->w;
  int64_t *v = j->rows + (size_t)chunk * rowscratch(w), *f = v + w;
  double *z = (double *)(f + w);
  uint8_t *set = (uint8_t *)(z + w + 2);
  int64_t best = -1;
  for (int y = y0; y < y1; y++) {
    const int32_t *g = j->g + (size_t)y * w;
    set_flags(j->dst, y, 0, w, set);
    int x = 0;
    while (x < w && !set[x]) x++;
    if (x == w) continue;
    /* envelope of the parabolas (q, g[q]^2) over the columns holding a set pixel */
    int k = -1;
    for (int q = 0; q < w; q++) {
      if (g[q] == GINF) continue;
      int64_t fq = (int64_t)g[q] * g[q];
      double s = 0;
      while (k >= 0) {
        int64_t p = v[k];
        s = ((double)(fq + (int64_t)q * q) - (double)(f[k] + p * p)) / (double)(2 * (q - p));
        if (s > z[k]) break;
        k--;
      }
      k++;
      v[k] = q; f[k] = fq; z[k] = k ? s : -HUGE_VAL;
      z[k + 1] = HUGE_VAL;
    }
    if (k < 0) continue;   /* src empty: the caller never asks */
    int e = 0;
    for (; x < w; x++) {
      if (!set[x]) continue;
      while (z[e + 1] < (double)x) e++;
      int64_t dx = x - v[e], d2 = dx * dx + f[e];
      if (d2 > best) best = d2;
    }
  }
  j->best[chunk] = best;
}

static int any_set (const SegBuf *b) {
  uint8_t set[BLK];
  for (int y = 0; y < b->h; y++)
    for (int x = 0; x < b->w; x += BLK) {
      int n = b->w - x < BLK ? b->w - x : BLK, any = 0;
      set_flags(b, y, x, n, set);
      for (int i = 0; i < n; i++) any |= set[i];
      if (any) return 1;
    }
  return 0;
}

/* Largest squared distance from a set pixel of dst to the set of src. */
static int64_t directed (HdJob *j, const SegBuf *src, const SegBuf *dst, int threads) {
  j->src = src; j->dst = dst;
  for (int i = 0; i < MAXCHUNKS; i++) j->best[i] = -1;
  seg_parallel_for(threads, src->w, 64, hd_columns, j);
  seg_parallel_chunks(threads, src->h, 8, hd_rows, j);
  int64_t best = 0;
  for (int i = 0; i < MAXCHUNKS; i++) if (j->best[i] > best) best = j->best[i];
  return best;
}

double seg_hausdorff (const SegBuf *a, const SegBuf *b, int64_t *scratch, int threads) {
  int ea = !any_set(a), eb = !any_set(b);
  if (ea || eb) return ea && eb ? 0.0 : HUGE_VAL;
  HdJob j;
  j.g = (int32_t *)scratch;
  j.rows = scratch + ((size_t)a->w * (size_t)a->h + 1) / 2;
  threads = clampthreads(threads);
  int64_t ab = directed(&j, b, a, threads), ba = directed(&j, a, b, threads);
  return sqrt((double)(ab > ba ? ab : ba));
}

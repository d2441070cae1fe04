/* multiotsu.c — multi-level Otsu (threshold_multiotsu) and the
** classification of an image by its thresholds.
**
** The search reproduces scikit-image 0.19 in its float32 arithmetic, the
** quirks of its LUT included. The compiler must not contract a*b+c into FMA in these functions for
** that to hold: none of them is cloned for AVX2, and baseline x86-64 has no
** FMA. */
#include <stdlib.h>
#include <string.h>
#include "threshold_internal.h"

/* ---------- multi-level Otsu ---------- */

typedef struct MO {
  const float *z, *f;   /* zeroth and first moments, skimage's P and S rows */
  const int *pos;       /* the occupied bins: the only useful thresholds */
  int m, tc;            /* thresholds are chosen among pos[0 .. m - 1] */
  int cur[32], best[32];
  float smax;
} MO;

/* skimage's LUT entry H(i, j), including its H(0, 0) = 0. */
static inline float var_btw (const MO *m, int i, int j) {
  if (i == 0) {
    if (j == 0) return 0;
    return m->z[j] > 0 ? (m->f[j] * m->f[j]) / m->z[j] : 0;
  }
  float z = m->z[j] - m->z[i - 1];
  if (!(z > 0)) return 0;
  float f = m->f[j] - m->f[i - 1];
  return (f * f) / z;
}

/* skimage tries every increasing tuple of bins and keeps the first best.
** A threshold moved across empty bins leaves every class's z and f the
** same bit for bit, so each score is reached first with the threshold on
** the occupied bin that ends its run: searching only those tuples, in the
** same order, finds the same thresholds in C(occupied - 1, classes - 1)
** steps instead of C(bins - 1, classes - 1). The one exception is skimage's
** H(0, 0) = 0, which makes a first threshold on bin 0 score less than on an
** empty bin 1: bin 1 stays a candidate. */
static void mo_search (MO *m, int k0, int ti, int last) {
  if (ti < m->tc) {
    for (int k = k0; k <= m->m - m->tc + ti; k++) {
      m->cur[ti] = m->pos[k];
      mo_search(m, k + 1, ti + 1, last);
    }
    return;
  }
  float s = var_btw(m, 0, m->cur[0]) + var_btw(m, m->cur[m->tc - 1] + 1, last);
  for (int i = 0; i + 1 < m->tc; i++) s += var_btw(m, m->cur[i] + 1, m->cur[i + 1]);
  if (s > m->smax) { m->smax = s; memcpy(m->best, m->cur, sizeof(int) * (size_t)m->tc); }
}

int seg_multiotsu (const SegHist *h, int classes, double *thresholds) {
  int n = h->n, nv = 0;
  if (n < 1) return SEG_TH_EMPTY;
  float *prob = malloc(sizeof(float) * 3 * (size_t)n + sizeof(int) * (size_t)n);
  if (!prob) return SEG_ENOMEM;
  float *z = prob + n, *f = z + n;
  int *pos = (int *)(f + n);
  int nc = 0;   /* candidate thresholds in pos: occupied bins, and bin 1 */
  for (int i = 0; i < n; i++) {
    prob[i] = (float)((double)h->count[i] / (double)h->total);
    nv += prob[i] > 0;
    if (prob[i] > 0 || i == 1) pos[nc++] = i;
  }
  if (nv < classes) { free(prob); return SEG_TH_FEW_VALUES; }
  if (nv == classes) {
    int k = 0;
    for (int i = 0; i < n && k < classes - 1; i++) if (prob[i] > 0) thresholds[k++] = h->center[i];
    free(prob);
    return SEG_TH_OK;
  }
  /* thresholds lie on candidates below the last bin */
  int m = pos[nc - 1] == n - 1 ? nc - 1 : nc, tc = classes - 1;
  double steps = 1;   /* C(m, tc) tuples of tc + 1 class terms each */
  for (int i = 0; i < tc; i++) steps = steps * (m - i) / (i + 1);
  if (steps * (tc + 1) > SEG_MULTIOTSU_MAX_WORK) { free(prob); return SEG_TH_TOO_MANY; }
  z[0] = prob[0]; f[0] = prob[0];   /* sic: skimage's first moment starts at prob[0] */
  for (int i = 1; i < n; i++) { z[i] = z[i - 1] + prob[i]; f[i] = f[i - 1] + (float)i * prob[i]; }
  MO mo = {z, f, pos, m, tc, {0}, {0}, 0};
  mo_search(&mo, 0, 0, n - 1);
  for (int i = 0; i < tc; i++) thresholds[i] = h->center[mo.best[i]];
  free(prob);
  return SEG_TH_OK;
}

typedef struct CJob { const SegBuf *src; SegBuf *dst; const double *t; int nt; } CJob;

static void classify_rows (void *arg, int y0, int y1) {
  CJob *j = arg;
  const SegBuf *s = j->src;
  for (int y = y0; y < y1; y++) {
    int32_t *d = seg_row_i32(j->dst, y);
    const uint8_t *r = seg_row(s, y);
    for (int x = 0; x < s->w; x++) {
      double v = seg_elem(s->dtype, r, x);
      int k = 1;
      for (int i = 0; i < j->nt; i++) k += v > j->t[i];
      d[x] = k;
    }
  }
}

typedef struct LJ { const SegBuf *src; SegBuf *dst; const int32_t *lut; } LJ;

static void lut_rows (void *arg, int y0, int y1) {
  LJ *j = arg;
  for (int y = y0; y < y1; y++) {
    int32_t *d = seg_row_i32(j->dst, y);
    if (j->src->dtype == SEG_U8) {
      const uint8_t *r = seg_row_u8(j->src, y);
      for (int x = 0; x < j->src->w; x++) d[x] = j->lut[r[x]];
    } else {
      const uint16_t *r = seg_row_u16(j->src, y);
      for (int x = 0; x < j->src->w; x++) d[x] = j->lut[r[x]];
    }
  }
}

void seg_classify (const SegBuf *src, const double *t, int nt, SegBuf *labels, int threads) {
  seg_assert(seg_buf_samesize(src, labels) && labels->dtype == SEG_I32 && labels->c == 1);
  int nv = src->dtype == SEG_U8 ? 256 : src->dtype == SEG_U16 ? 65536 : 0;
  int32_t *lut = nv ? malloc(sizeof(int32_t) * (size_t)nv) : NULL;
  if (lut) {   /* integer images: one label per value */
    for (int v = 0; v < nv; v++) {
      int k = 1;
      for (int i = 0; i < nt; i++) k += v > t[i];
      lut[v] = k;
    }
    LJ j = {src, labels, lut};
    seg_parallel_for(threads, src->h, 16, lut_rows, &j);
    free(lut);
    return;
  }
  CJob j = {src, labels, t, nt};
  seg_parallel_for(threads, src->h, 16, classify_rows, &j);
}

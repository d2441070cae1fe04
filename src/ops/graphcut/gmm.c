/* gmm.c — Gaussian mixtures of 3-d colours and their k-means++ start, as
** OpenCV 4.6's grabcut.cpp (GMM class, initGMMs) and kmeans.cpp
** (generateCentersPP), with our own fixed-seed generator instead of
** cv::theRNG() so the result does not depend on what ran before. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "ops/graphcut/graphcut.h"

void seg_gmm_acc_clear (SegGmmAcc *a) {
  memset(a, 0, sizeof *a);
}

void seg_gmm_acc_add (SegGmmAcc *a, const SegGmmAcc *b, int k) {
  for (int c = 0; c < k; c++) {
    a->n[c] += b->n[c];
    for (int i = 0; i < 3; i++) a->s[c][i] += b->s[c][i];
    for (int i = 0; i < 6; i++) a->p[c][i] += b->p[c][i];
  }
}

static double det3 (const double *c) {
  return c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6])
       + c[2] * (c[3] * c[7] - c[4] * c[6]);
}

/* OpenCV's endLearning + calcInverseCovAndDeterm(ci, 0.01). Where OpenCV
** stops with an assertion (determinant still <= 1e-6 after one 0.01 ridge,
** e.g. a component of one exact colour) the ridge is applied again until
** the covariance is invertible. */
int seg_gmm_learn (SegGmm *g, const SegGmmAcc *a) {
  double total = 0;
  for (int c = 0; c < g->k; c++) total += a->n[c];
  for (int c = 0; c < g->k; c++) {
    double n = a->n[c];
    if (n == 0) { g->coef[c] = 0; continue; }
    double in = 1.0 / n, *m = g->mean[c], *cv = g->cov[c];
    g->coef[c] = n / total;
    for (int i = 0; i < 3; i++) m[i] = a->s[c][i] * in;
    const double *p = a->p[c];
    cv[0] = p[0] * in - m[0] * m[0];
    cv[1] = cv[3] = p[1] * in - m[0] * m[1];
    cv[2] = cv[6] = p[2] * in - m[0] * m[2];
    cv[4] = p[3] * in - m[1] * m[1];
    cv[5] = cv[7] = p[4] * in - m[1] * m[2];
    cv[8] = p[5] * in - m[2] * m[2];
    double d = det3(cv);
    for (int tries = 0; d <= 1e-6; tries++) {
      if (tries == 40) return -1;
      cv[0] += 0.01; cv[4] += 0.01; cv[8] += 0.01;
      d = det3(cv);
    }
    double id = 1.0 / d, *ic = g->icov[c];
    ic[0] = (cv[4] * cv[8] - cv[5] * cv[7]) * id;
    ic[3] = -(cv[3] * cv[8] - cv[5] * cv[6]) * id;
    ic[6] = (cv[3] * cv[7] - cv[4] * cv[6]) * id;
    ic[1] = -(cv[1] * cv[8] - cv[2] * cv[7]) * id;
    ic[4] = (cv[0] * cv[8] - cv[2] * cv[6]) * id;
    ic[7] = -(cv[0] * cv[7] - cv[1] * cv[6]) * id;
    ic[2] = (cv[1] * cv[5] - cv[2] * cv[4]) * id;
    ic[5] = -(cv[0] * cv[5] - cv[2] * cv[3]) * id;
    ic[8] = (cv[0] * cv[4] - cv[1] * cv[3]) * id;
    g->det[c] = d;
    g->lognorm[c] = -0.5 * log(d);
  }
  return 0;
}

/* splitmix64: a fixed stream for a fixed seed. */
static uint64_t rnd (uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}
static double rnd01 (uint64_t *s) { return (double)(rnd(s) >> 11) * (1.0 / 9007199254740992.0); }

static float d2 (const float *a, const float *b) {
  float x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];
  return x * x + y * y + z * z;
}

/* generateCentersPP: first centre uniform, each next one the best (least
** total potential) of 3 candidates drawn with probability ~ D^2. */
static void centres_pp (const float *x, int n, int k, uint64_t *rs, float *cen, float *work) {
  float *dist = work, *tdist = work + n, *tdist2 = work + 2 * (size_t)n;
  int c0 = (int)(rnd(rs) % (uint64_t)n);
  double sum0 = 0;
  for (int i = 0; i < n; i++) sum0 += dist[i] = d2(x + 3 * (size_t)i, x + 3 * (size_t)c0);
  memcpy(cen, x + 3 * (size_t)c0, 3 * sizeof(float));
  for (int c = 1; c < k; c++) {
    double best = DBL_MAX;
    int bc = c0;
    for (int t = 0; t < 3; t++) {
      double p = rnd01(rs) * sum0;
      int ci = n - 1;
      for (int i = 0; i < n - 1; i++)
        if ((p -= dist[i]) <= 0) { ci = i; break; }
      double s = 0;
      const float *xc = x + 3 * (size_t)ci;
      for (int i = 0; i < n; i++) {
        float dd = d2(x + 3 * (size_t)i, xc);
        tdist2[i] = dd < dist[i] ? dd : dist[i];
        s += tdist2[i];
      }
      if (s < best) {
        best = s;
        bc = ci;
        float *tmp = tdist; tdist = tdist2; tdist2 = tmp;
      }
    }
    memcpy(cen + 3 * c, x + 3 * (size_t)bc, 3 * sizeof(float));
    sum0 = best;
    float *tmp = dist; dist = tdist; tdist = tmp;
  }
}

void seg_kmeans3 (const float *x, int n, int k, int iters, uint64_t seed, uint8_t *lab,
                  float *work) {
  float cen[SEG_GMM_MAXK * 3];
  double sum[SEG_GMM_MAXK][3];
  int cnt[SEG_GMM_MAXK];
  uint64_t rs = seed;
  if (k > n) k = n;
  if (k <= 1) { memset(lab, 0, (size_t)n); return; }
  centres_pp(x, n, k, &rs, cen, work);
  for (int it = 0; it <= iters; it++) {
    /* assignment: nearest centre, ties to the lowest index */
    memset(sum, 0, sizeof sum);
    memset(cnt, 0, sizeof cnt);
    for (int i = 0; i < n; i++) {
      const float *p = x + 3 * (size_t)i;
      float bd = d2(p, cen);
      int bc = 0;
      for (int c = 1; c < k; c++) {
        float dd = d2(p, cen + 3 * c);
        if (dd < bd) { bd = dd; bc = c; }
      }
      lab[i] = (uint8_t)bc;
      cnt[bc]++;
      for (int j = 0; j < 3; j++) sum[bc][j] += p[j];
    }
    if (it == iters) break;
    /* update; an empty cluster takes the sample of the largest cluster
    ** farthest from its centre (as cv::kmeans) */
    float old[SEG_GMM_MAXK * 3];
    memcpy(old, cen, sizeof old);
    for (int c = 0; c < k; c++) {
      if (cnt[c] > 0) {
        for (int j = 0; j < 3; j++) cen[3 * c + j] = (float)(sum[c][j] / cnt[c]);
        continue;
      }
      int big = 0;
      for (int q = 1; q < k; q++) if (cnt[q] > cnt[big]) big = q;
      float far = -1;
      int fi = 0;
      for (int i = 0; i < n; i++) {
        if (lab[i] != big) continue;
        float dd = d2(x + 3 * (size_t)i, old + 3 * big);
        if (dd > far) { far = dd; fi = i; }
      }
      cnt[big]--;
      cnt[c] = 1;
      lab[fi] = (uint8_t)c;
      memcpy(cen + 3 * c, x + 3 * (size_t)fi, 3 * sizeof(float));
    }
    float shift = 0;
    for (int c = 0; c < k; c++) {
      float s = d2(cen + 3 * c, old + 3 * c);
      if (s > shift) shift = s;
    }
    if (shift <= FLT_EPSILON) { iters = it + 1; }
  }
}

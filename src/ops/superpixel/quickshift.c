/* quickshift.c — quick shift mode seeking (Vedaldi & Soatto 2008) as
** scikit-image 0.19's skimage.segmentation.quickshift (_quickshift.py,
** _quickshift_cy.pyx): features = rgb2lab(img_as_float) smoothed by a
** gaussian of sigma, times ratio; with w = ceil(3 kernel_size),
**   density(p) = sum over the (2w+1)^2 window clipped to the image of
**                exp(-|f_p - f_q|^2 + |p - q|^2) / (2 kernel_size^2)) + noise,
**   parent(p)  = the nearest q of the window (same distance, raster order
**                for ties) with density(q) > density(p), kept when that
**                distance is <= max_dist, else p is a root;
** labels are the trees, numbered by the raster order of their roots.
**
** The window sums run over rows of the window, each a contiguous run of
** columns that vectorises (a polynomial exp); the parent search keeps the
** row minimum of the distance bits (non-negative floats order as their
** integer bits) and looks for its first position only when it improves.
** Densities are summed in float per window row and in double across rows.
** The tie-breaking noise (normal, sd 1e-5, as skimage) is drawn from a
** counter-based generator on (seed, pixel), so it does not depend on the
** thread count; numpy's draws differ, hence so do the near-ties they break. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/vexp.h"
#include "superpixel.h"

static uint64_t mix64 (uint64_t z) {
  z += UINT64_C(0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A standard normal for pixel i (Box-Muller on two uniforms in (0, 1]). */
static double noise (uint64_t seed, size_t i) {
  uint64_t a = mix64(seed ^ mix64((uint64_t)i * 2)), b = mix64(seed ^ mix64((uint64_t)i * 2 + 1));
  double u1 = ((a >> 11) + 1) * (1.0 / 9007199254740992.0), u2 = (b >> 11) * (1.0 / 9007199254740992.0);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

typedef struct QS {
  int w, h, C, kw;
  const float *f;          /* planar features */
  float inv;               /* -0.5 / kernel_size^2 */
  float *dens;
  int32_t *parent;
  float *dpar;
  uint64_t seed;
  double *work;            /* per chunk: w doubles and w floats */
} QS;

/* acc[c] += exp((|f(r, c) - f(r + dr, c + dc)|^2 + dr^2 + dc^2) * inv) for
** c in [c0, c1): one window offset for a run of centre pixels. */
SEG_CLONES static void offset_density (const float *const *restrict fp, const float *const *restrict fq,
                                       int C, int c0, int c1, int dc, float d2, float inv,
                                       float *restrict acc) {
  if (C == 3) {
    const float *restrict p0 = fp[0], *restrict p1 = fp[1], *restrict p2 = fp[2];
    const float *restrict q0 = fq[0] + dc, *restrict q1 = fq[1] + dc, *restrict q2 = fq[2] + dc;
    for (int c = c0; c < c1; c++) {
      float t0 = p0[c] - q0[c], t1 = p1[c] - q1[c], t2 = p2[c] - q2[c];
      acc[c] += seg_exp_neg((t0 * t0 + t1 * t1 + t2 * t2 + d2) * inv);
    }
  } else {
    for (int c = c0; c < c1; c++) {
      float dist = d2;
      for (int k = 0; k < C; k++) {
        float t = fp[k][c] - fq[k][c + dc];
        dist += t * t;
      }
      acc[c] += seg_exp_neg(dist * inv);
    }
  }
}

/* The parent search for one offset: where density(q) > density(p) and the
** distance is strictly below the best so far, q becomes the best. Offsets
** come in raster order of q, as skimage's loop. */
SEG_CLONES static void offset_parent (const float *const *restrict fp, const float *restrict dp,
                                      const float *const *restrict fq, const float *restrict dq,
                                      int C, int c0, int c1, int dc, float d2,
                                      float *restrict best, int32_t *restrict at, int32_t qbase) {
  if (C == 3) {
    const float *restrict p0 = fp[0], *restrict p1 = fp[1], *restrict p2 = fp[2];
    const float *restrict q0 = fq[0] + dc, *restrict q1 = fq[1] + dc, *restrict q2 = fq[2] + dc;
    const float *restrict dd = dq + dc;
    for (int c = c0; c < c1; c++) {
      float t0 = p0[c] - q0[c], t1 = p1[c] - q1[c], t2 = p2[c] - q2[c];
      float dist = t0 * t0 + t1 * t1 + t2 * t2 + d2;
      int better = (dd[c] > dp[c]) & (dist < best[c]);
      best[c] = better ? dist : best[c];
      at[c] = better ? qbase + c + dc : at[c];
    }
  } else {
    for (int c = c0; c < c1; c++) {
      float dist = d2;
      for (int k = 0; k < C; k++) {
        float t = fp[k][c] - fq[k][c + dc];
        dist += t * t;
      }
      int better = (dq[c + dc] > dp[c]) & (dist < best[c]);
      best[c] = better ? dist : best[c];
      at[c] = better ? qbase + c + dc : at[c];
    }
  }
}

/* Rows of densities: per window row, the offsets' terms summed in float,
** then added in double (skimage sums all in double). */
static void density_rows (void *arg, int chunk, int r0, int r1) {
  QS *q = arg;
  int w = q->w, h = q->h, C = q->C, kw = q->kw;
  size_t plane = (size_t)w * h;
  const float *fp[SEG_SLIC_MAXC], *fq[SEG_SLIC_MAXC];
  double *sum = q->work + (size_t)chunk * ((size_t)w + (w + 1) / 2);   /* w doubles, w floats */
  float *acc = (float *)(sum + w);
  for (int r = r0; r < r1; r++) {
    for (int c = 0; c < w; c++) sum[c] = 1e-5 * noise(q->seed, (size_t)r * w + c);
    for (int k = 0; k < C; k++) fp[k] = q->f + k * plane + (size_t)r * w;
    for (int dr = -kw; dr <= kw; dr++) {
      int rr = r + dr;
      if (rr < 0 || rr >= h) continue;
      for (int k = 0; k < C; k++) fq[k] = q->f + k * plane + (size_t)rr * w;
      for (int c = 0; c < w; c++) acc[c] = 0;
      for (int dc = -kw; dc <= kw; dc++) {
        int c0 = dc < 0 ? -dc : 0, c1 = dc > 0 ? w - dc : w;
        if (c0 >= c1) continue;
        offset_density(fp, fq, C, c0, c1, dc, (float)(dr * dr + dc * dc), q->inv, acc);
      }
      for (int c = 0; c < w; c++) sum[c] += acc[c];
    }
    for (int c = 0; c < w; c++) q->dens[(size_t)r * w + c] = (float)sum[c];
  }
}

static void parent_rows (void *arg, int r0, int r1) {
  QS *q = arg;
  int w = q->w, h = q->h, C = q->C, kw = q->kw;
  size_t plane = (size_t)w * h;
  const float *fp[SEG_SLIC_MAXC], *fq[SEG_SLIC_MAXC];
  for (int r = r0; r < r1; r++) {
    float *best = q->dpar + (size_t)r * w;
    int32_t *at = q->parent + (size_t)r * w;
    for (int c = 0; c < w; c++) { best[c] = FLT_MAX; at[c] = (int32_t)((size_t)r * w + c); }
    for (int k = 0; k < C; k++) fp[k] = q->f + k * plane + (size_t)r * w;
    for (int dr = -kw; dr <= kw; dr++) {
      int rr = r + dr;
      if (rr < 0 || rr >= h) continue;
      for (int k = 0; k < C; k++) fq[k] = q->f + k * plane + (size_t)rr * w;
      for (int dc = -kw; dc <= kw; dc++) {
        int c0 = dc < 0 ? -dc : 0, c1 = dc > 0 ? w - dc : w;
        if (c0 >= c1) continue;
        offset_parent(fp, q->dens + (size_t)r * w, fq, q->dens + (size_t)rr * w, C, c0, c1, dc,
                      (float)(dr * dr + dc * dc), best, at, (int32_t)((size_t)rr * w));
      }
    }
    for (int c = 0; c < w; c++) best[c] = best[c] == FLT_MAX ? FLT_MAX : sqrtf(best[c]);
  }
}

int seg_quickshift (const SegBuf *src, SegBuf *labels, const SegQuickshiftOpts *o, int threads) {
  int w = src->w, h = src->h;
  size_t np = (size_t)w * h;
  int lab = o->convert2lab > 0 || (o->convert2lab < 0 && src->c == 3);
  int C = lab ? 3 : src->c;
  seg_assert(C >= 1 && C <= SEG_SLIC_MAXC && labels->dtype == SEG_I32 && seg_buf_samesize(src, labels));
  int rc = -SEG_ENOMEM;
  float *f = malloc(sizeof(float) * np * C * 3);
  float *dens = malloc(sizeof(float) * np * 2);
  int32_t *parent = malloc(sizeof(int32_t) * np);
  if (threads < 1) threads = 1;
  double *work = malloc(sizeof(double) * (size_t)threads * ((size_t)w + (w + 1) / 2));
  if (!f || !dens || !parent || !work) goto done;
  if (seg_superpixel_features(src, lab, 0, o->sigma, o->ratio, f, f + np * C, threads) != SEG_OK)
    goto done;
  QS q = {w, h, C, (int)ceil(3 * o->kernel_size), f, (float)(-0.5 / (o->kernel_size * o->kernel_size)),
          dens, parent, dens + np, o->seed, work};
  int grain = 1 + 64 / (w > 0 ? w : 1);
  seg_parallel_chunks(threads, h, grain, density_rows, &q);
  seg_parallel_for(threads, h, grain, parent_rows, &q);
  for (size_t i = 0; i < np; i++)
    if (q.dpar[i] > o->max_dist) parent[i] = (int32_t)i;
  /* roots numbered in raster order; parents have higher density, so
  ** following them ends; each path is compressed as it is walked */
  int32_t *out = (int32_t *)dens;          /* densities no longer needed */
  int32_t n = 0;
  for (size_t i = 0; i < np; i++) out[i] = parent[i] == (int32_t)i ? ++n : 0;
  for (size_t i = 0; i < np; i++) {
    int32_t r = (int32_t)i;
    while (parent[r] != r) r = parent[r];
    int32_t s = (int32_t)i;
    while (parent[s] != r) { int32_t t = parent[s]; parent[s] = r; s = t; }
    seg_row_i32(labels, (int)(i / w))[i % w] = out[r];
  }
  rc = n;
done:
  free(f); free(dens); free(parent); free(work);
  return rc;
}

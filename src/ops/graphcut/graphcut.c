/* graphcut.c — interactive segmentation by one minimum cut (Boykov & Jolly,
** "Interactive Graph Cuts for Optimal Boundary & Region Segmentation of
** Objects in N-D Images", ICCV 2001).
**
** E(L) = sum_p R_p(L_p) + sum_{p~q, L_p != L_q} B_pq with
**   R_p(fg) = -ln P(I_p | fg seeds), R_p(bg) = -ln P(I_p | bg seeds) from
**   Laplace-smoothed colour histograms of the seeds,
**   B_pq = lambda exp(-|I_p - I_q|^2 / (2 sigma^2)) / |p - q|,
** and hard constraints at the seeds (their terminal arc K = 1 + the largest
** sum of boundary weights at any pixel, so no cut severs it). Intensities
** are scaled to 0..1 (u8 / 255, u16 / 65535, f32 by the image's range), so
** sigma is in those units; sigma <= 0 takes sqrt of the mean |I_p - I_q|^2
** over the 4-neighbour pairs (GrabCut's beta). The minimum cut is the
** global minimum of E; its value is returned as the energy. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "ops/graphcut/graphcut.h"

static const int dx4[4] = {1, 0, -1, 0}, dy4[4] = {0, 1, 0, -1};

static size_t al64 (size_t n) { return (n + 63) & ~(size_t)63; }

static size_t nbins (int channels, int bins) {
  return channels >= 3 ? (size_t)bins * bins * bins : (size_t)bins;
}

size_t seg_graphcut_scratch (int w, int h, int K, int channels, int bins) {
  size_t mf = seg_maxflow_scratch(w, h);
  if (mf == 0) return 0;
  size_t n = (size_t)w * (size_t)h;
  return al64(n * (size_t)K * sizeof(SegCap)) + 3 * al64(n * sizeof(SegCap))
       + al64(n) + al64(n * 3 * sizeof(float)) + al64(n * sizeof(int32_t))
       + al64(2 * nbins(channels, bins) * sizeof(double)) + mf + 128;
}

typedef struct Feat {
  int w, h, nc;
  float *f;       /* nc floats per pixel, 0..1 */
  int32_t *bin;
} Feat;

static void features (const SegBuf *img, const SegGraphcutOpts *o, Feat *F) {
  const int c = img->c, nc = c >= 3 ? 3 : 1, w = img->w, h = img->h;
  double lo = 0, hi = img->dtype == SEG_U8 ? 255 : img->dtype == SEG_U16 ? 65535 : 1;
  if (img->dtype == SEG_F32 || img->dtype == SEG_I32) {
    lo = DBL_MAX; hi = -DBL_MAX;
    for (int y = 0; y < h; y++) {
      const uint8_t *row = seg_row(img, y);
      for (int x = 0; x < w; x++)
        for (int j = 0; j < nc; j++) {
          double v = seg_elem(img->dtype, row, (size_t)x * c + j);
          if (isfinite(v)) { lo = v < lo ? v : lo; hi = v > hi ? v : hi; }
        }
    }
    if (!(hi > lo)) { lo = 0; hi = 1; }
  }
  const double sc = 1.0 / (hi - lo);
  const int B = o->bins;
  F->w = w; F->h = h; F->nc = nc;
  for (int y = 0; y < h; y++) {
    const uint8_t *row = seg_row(img, y);
    for (int x = 0; x < w; x++) {
      size_t p = (size_t)y * w + x;
      int32_t b = 0;
      for (int j = 0; j < nc; j++) {
        double v = (seg_elem(img->dtype, row, (size_t)x * c + j) - lo) * sc;
        v = v > 0 ? (v < 1 ? v : 1) : 0;   /* NaN counts as the low end */
        F->f[p * nc + j] = (float)v;
        int q = (int)(v * B);
        b = b * B + (q >= B ? B - 1 : q);
      }
      F->bin[p] = b;
    }
  }
}

static double fdist2 (const Feat *F, size_t p, size_t q) {
  double s = 0;
  for (int j = 0; j < F->nc; j++) {
    double d = (double)F->f[p * F->nc + j] - F->f[q * F->nc + j];
    s += d * d;
  }
  return s;
}

static int seedof (const SegBuf *s, int x, int y) {
  double v = seg_elem(s->dtype, seg_row(s, y), (size_t)x * s->c);
  return v == 1 ? 1 : v == 2 ? 2 : 0;
}

/* Builds the graph: cap (w*h*K arcs), src and snk (terminal capacities). */
static int build (const SegBuf *img, const SegBuf *seeds, const SegGraphcutOpts *o,
                  void *scratch, SegCap **capo, SegCap **srco, SegCap **snko, void **rest) {
  const int w = img->w, h = img->h, K = o->connectivity == 4 ? 4 : 8;
  const size_t n = (size_t)w * (size_t)h;
  uint8_t *p = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  SegCap *cap = (SegCap *)p; p += al64(n * (size_t)K * sizeof(SegCap));
  SegCap *src = (SegCap *)p; p += al64(n * sizeof(SegCap));
  SegCap *snk = (SegCap *)p; p += al64(n * sizeof(SegCap));
  SegCap *tr = (SegCap *)p; p += al64(n * sizeof(SegCap));
  uint8_t *side = p; p += al64(n);
  Feat F;
  F.f = (float *)p; p += al64(n * 3 * sizeof(float));
  F.bin = (int32_t *)p; p += al64(n * sizeof(int32_t));
  const size_t nb = nbins(img->c, o->bins);
  double *hf = (double *)p, *hb = hf + nb;
  p += al64(2 * nb * sizeof(double));
  rest[0] = tr; rest[1] = side; rest[2] = p;
  *capo = cap; *srco = src; *snko = snk;

  features(img, o, &F);
  memset(hf, 0, 2 * nb * sizeof(double));
  double nf = 0, nbg = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int s = seedof(seeds, x, y);
      if (s == 1) { hf[F.bin[(size_t)y * w + x]]++; nf++; }
      else if (s == 2) { hb[F.bin[(size_t)y * w + x]]++; nbg++; }
    }
  if (nf == 0 && nbg == 0) return SEG_GC_ENOSEEDS;
  if (nf == 0) return SEG_GC_ENOFG;
  if (nbg == 0) return SEG_GC_ENOBG;
  /* -ln of the Laplace-smoothed bin probabilities */
  for (size_t b = 0; b < nb; b++) {
    hf[b] = -log((hf[b] + 1) / (nf + (double)nb));
    hb[b] = -log((hb[b] + 1) / (nbg + (double)nb));
  }

  double sigma = o->sigma;
  if (!(sigma > 0)) {
    double s = 0, cnt = 0;
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        size_t q = (size_t)y * w + x;
        if (x > 0) { s += fdist2(&F, q, q - 1); cnt++; }
        if (y > 0) { s += fdist2(&F, q, q - w); cnt++; }
      }
    sigma = cnt > 0 && s > 0 ? sqrt(s / cnt) : 1;
  }
  const double k2 = -1.0 / (2 * sigma * sigma);
  double maxsum = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t q = (size_t)y * w + x;
      double sum = 0;
      for (int k = 0; k < K; k++) {
        int ddx = K == 4 ? dx4[k] : seg_gc_dx[k], ddy = K == 4 ? dy4[k] : seg_gc_dy[k];
        int xx = x + ddx, yy = y + ddy;
        SegCap v = 0;
        if (xx >= 0 && xx < w && yy >= 0 && yy < h) {
          double dist = ddx && ddy ? sqrt(2.0) : 1.0;
          v = (SegCap)(o->lambda * exp(k2 * fdist2(&F, q, (size_t)yy * w + xx)) / dist);
        }
        cap[q * K + k] = v;
        sum += v;
      }
      if (sum > maxsum) maxsum = sum;
    }
  const double hard = 1 + maxsum;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t q = (size_t)y * w + x;
      int s = seedof(seeds, x, y);
      if (s == 1) { src[q] = (SegCap)hard; snk[q] = 0; }
      else if (s == 2) { src[q] = 0; snk[q] = (SegCap)hard; }
      else { src[q] = (SegCap)hb[F.bin[q]]; snk[q] = (SegCap)hf[F.bin[q]]; }
    }
  return SEG_OK;
}

int seg_graphcut_graph (const SegBuf *img, const SegBuf *seeds, const SegGraphcutOpts *o,
                        void *scratch, SegBuf *cap, SegBuf *src, SegBuf *snk) {
  SegCap *c, *s, *t;
  void *rest[3];
  int rc = build(img, seeds, o, scratch, &c, &s, &t, rest);
  if (rc != SEG_OK) return rc;
  const size_t n = (size_t)img->w * (size_t)img->h, K = (size_t)cap->c;
  for (int y = 0; y < img->h; y++) {
    memcpy(seg_row(cap, y), c + (size_t)y * img->w * K, (size_t)img->w * K * sizeof(float));
    memcpy(seg_row(src, y), s + (size_t)y * img->w, (size_t)img->w * sizeof(float));
    memcpy(seg_row(snk, y), t + (size_t)y * img->w, (size_t)img->w * sizeof(float));
  }
  (void)n;
  return SEG_OK;
}

int seg_graphcut (const SegBuf *img, const SegBuf *seeds, SegBuf *mask,
                  const SegGraphcutOpts *o, void *scratch, double *energy) {
  SegCap *cap, *src, *snk;
  void *rest[3];
  int rc = build(img, seeds, o, scratch, &cap, &src, &snk, rest);
  if (rc != SEG_OK) return rc;
  const int w = img->w, h = img->h;
  const size_t n = (size_t)w * (size_t)h;
  SegCap *tr = rest[0];
  uint8_t *side = rest[1];
  double flow0 = 0;
  for (size_t q = 0; q < n; q++) {
    flow0 += src[q] < snk[q] ? src[q] : snk[q];
    tr[q] = src[q] - snk[q];
  }
  SegGrid g = {w, h, o->connectivity == 4 ? 4 : 8, cap, tr, flow0, rest[2]};
  seg_maxflow(&g, side);
  for (int y = 0; y < h; y++) memcpy(seg_row_u8(mask, y), side + (size_t)y * w, (size_t)w);
  *energy = g.flow;
  return SEG_OK;
}

const char *seg_graphcut_strerror (int status) {
  switch (status) {
    case SEG_GC_ENOSEEDS: return "no seeds (1 = foreground, 2 = background)";
    case SEG_GC_ENOFG: return "no foreground pixel";
    case SEG_GC_ENOBG: return "no background pixel";
    default: return seg_strerror(status);
  }
}

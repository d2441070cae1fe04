/* graphcut.h — graph cuts on pixel grids: the Boykov–Kolmogorov max-flow
** solver (maxflow.c), Boykov–Jolly seeded segmentation (graphcut.c),
** colour Gaussian mixtures (gmm.c) and GrabCut (grabcut.c).
** Plain C: no Lua, flat arrays, no per-node allocation. */
#ifndef SEG_GRAPHCUT_H
#define SEG_GRAPHCUT_H

#include <stddef.h>
#include <stdint.h>
#include "core/segk.h"

/* ---------- maxflow.c ---------- */

/* Capacities are float: exact for integer capacities whose sums stay below
** 2^24; the flow is accumulated in double. */
typedef float SegCap;

/* Direction k of a node p = y*w + x reaches p + dx[k] + dy[k]*w; k and
** (k + K/2) % K are opposite. 4-connected: right, down, left, up.
** 8-connected: right, down, down-right, down-left, left, up, up-left,
** up-right. */
extern const int seg_gc_dx[8], seg_gc_dy[8];

/* A w x h grid graph with K = 4 or 8 arcs per node. The caller fills
** cap[p*K + k] (residual capacity of the arc from p in direction k; arcs
** leaving the grid must be 0) and tr[p] (source capacity minus sink
** capacity, as Boykov–Kolmogorov's add_tweights), and sets 'flow' to the
** sum over nodes of min(source cap, sink cap). seg_maxflow then leaves the
** residual graph in cap/tr and the maximum flow in 'flow'. */
typedef struct SegGrid {
  int w, h, K;
  SegCap *cap;        /* w*h*K */
  SegCap *tr;         /* w*h */
  double flow;
  void *work;         /* seg_maxflow_scratch(w, h) bytes */
} SegGrid;

/* Scratch bytes seg_maxflow needs for a w x h grid (0 on overflow). */
size_t seg_maxflow_scratch (int w, int h);
/* Boykov & Kolmogorov, "An Experimental Comparison of Min-Cut/Max-Flow
** Algorithms for Energy Minimization in Vision", PAMI 26(9), 2004.
** Writes side[p] = 0 for the nodes with a residual path to the sink at the
** end (the sink tree), 1 for all others: the minimum cut with the largest
** source side (BK's default segment SOURCE, and OpenCV's GCGraph for nodes
** no tree reached). */
void seg_maxflow (SegGrid *g, uint8_t *side);
/* Capacity of the cut 'side' in the original graph given by cap0/src/snk
** (for checks: equals the flow when 'side' is a minimum cut). */
double seg_cut_value (int w, int h, int K, const SegCap *cap0, const SegCap *src,
                      const SegCap *snk, const uint8_t *side);

/* ---------- graphcut.c: Boykov–Jolly ---------- */

typedef struct SegGraphcutOpts {
  double lambda;      /* weight of the boundary term */
  double sigma;       /* intensity scale of the boundary term; <= 0: estimated */
  int connectivity;   /* 4 or 8 */
  int bins;           /* histogram bins per channel */
  int threads;
} SegGraphcutOpts;

enum { SEG_GC_ENOSEEDS = SEG_EFAMILY, SEG_GC_ENOFG, SEG_GC_ENOBG };

/* Scratch bytes for seg_graphcut on a w x h image (0 on overflow). */
size_t seg_graphcut_scratch (int w, int h, int K, int channels, int bins);
/* Seeds: 1 foreground, 2 background, anything else unknown (i32 or any
** integer buffer read through seg_elem). Writes the 0/1 mask and the
** max-flow value (the minimum energy) to *energy. */
int seg_graphcut (const SegBuf *img, const SegBuf *seeds, SegBuf *mask,
                  const SegGraphcutOpts *o, void *scratch, double *energy);
/* The graph seg_graphcut cuts: cap (f32, K channels: arc capacity in
** direction k), src and snk (f32, terminal capacities). Same scratch. */
int seg_graphcut_graph (const SegBuf *img, const SegBuf *seeds, const SegGraphcutOpts *o,
                        void *scratch, SegBuf *cap, SegBuf *src, SegBuf *snk);

/* ---------- gmm.c: Gaussian mixtures of colours ---------- */

#define SEG_GMM_MAXK 16

/* One mixture of up to SEG_GMM_MAXK 3-d Gaussians, as OpenCV's GMM class
** in grabcut.cpp: weights, means, covariances, their inverses and
** determinants. */
typedef struct SegGmm {
  int k;
  double coef[SEG_GMM_MAXK], mean[SEG_GMM_MAXK][3], cov[SEG_GMM_MAXK][9];
  double icov[SEG_GMM_MAXK][9], det[SEG_GMM_MAXK];
  double lognorm[SEG_GMM_MAXK];  /* -0.5 log det */
} SegGmm;

/* Sufficient statistics of one mixture's samples. */
typedef struct SegGmmAcc {
  double n[SEG_GMM_MAXK], s[SEG_GMM_MAXK][3], p[SEG_GMM_MAXK][6];
} SegGmmAcc;

void seg_gmm_acc_clear (SegGmmAcc *a);
void seg_gmm_acc_add (SegGmmAcc *a, const SegGmmAcc *b, int k);
/* Estimates the mixture from accumulated samples (OpenCV's endLearning,
** with its 0.01 ridge on singular covariances). Returns 0, or -1 when a
** covariance stays singular. */
int seg_gmm_learn (SegGmm *g, const SegGmmAcc *a);
/* k-means++ (3 trials per centre, as OpenCV's KMEANS_PP_CENTERS) then 10
** Lloyd iterations on n colours (3 floats each) with a fixed-seed generator;
** writes the cluster of each sample to lab. Work: k * n floats. */
void seg_kmeans3 (const float *x, int n, int k, int iters, uint64_t seed, uint8_t *lab,
                  float *work);

/* ---------- grabcut.c ---------- */

/* OpenCV's trimap values. */
enum { SEG_GC_BGD = 0, SEG_GC_FGD = 1, SEG_GC_PR_BGD = 2, SEG_GC_PR_FGD = 3 };

typedef struct SegGrabcutOpts {
  int iters, components, connectivity, threads;
  double gamma, lambda;        /* lambda < 0: 9 * gamma (OpenCV) */
} SegGrabcutOpts;

typedef struct SegGrabcutStats {
  double flow[64];             /* per iteration (first 64) */
  double t_gmm, t_flow, t_init;/* seconds: GMM steps (assignment, learning), cuts, start */
  double t_learn;              /* the learning part of t_gmm */
} SegGrabcutStats;

size_t seg_grabcut_scratch (int w, int h, int K, int components);
/* img: u8, u16 or f32 with 1, 3 or 4 channels (alpha ignored; u16 and f32
** are scaled to 0..255 as u8). trimap: in/out u8 trimap of GC values.
** mask: the 0/1 foreground. Returns SEG_GC_ENOFG / SEG_GC_ENOBG when the
** trimap has no foreground or background pixel. */
int seg_grabcut (const SegBuf *img, SegBuf *trimap, SegBuf *mask, const SegGrabcutOpts *o,
                 void *scratch, SegGrabcutStats *st);

const char *seg_graphcut_strerror (int status);

#endif

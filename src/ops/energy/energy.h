/* energy.h — energy-minimising segmentations: the random walker
** (random_walker.c), Chan–Vese level sets (chan_vese.c) and the
** morphological active contours with their edge map (morph_snakes.c).
** Kernels only: no Lua. Each follows scikit-image 0.19's function of the
** same name; the files say where and why they differ. */
#ifndef SEG_ENERGY_H
#define SEG_ENERGY_H

#include "core/segk.h"

/* Family status codes (seg_energy_strerror names them). */
enum {
  SEG_ENERGY_ENOSEED = SEG_EFAMILY,   /* random walker: no positive marker */
  SEG_ENERGY_ENONFINITE               /* an input holds NaN or infinity */
};
const char *seg_energy_strerror (int status);

/* ---------- random_walker.c ---------- */

typedef struct SegRwOpts {
  double beta;          /* >= 0: edge weight exp(-beta / (10 std) * |grad|^2 / sqrt(C)) */
  double tol;           /* >= 0: CG stops at ||r|| <= tol ||b|| (scipy's cg, atol = 0) */
  int jacobi;           /* 1: cg_j (Jacobi preconditioner), 0: plain cg */
  int threads;
} SegRwOpts;

/* Bytes of scratch seg_random_walker needs for a w x h image (0 on overflow). */
size_t seg_rw_scratch (int w, int h);

/* skimage.segmentation.random_walker(data, markers, beta, mode, tol,
** channel_axis=-1 when data has several channels) on a 2-D image:
** 'data' any dtype but i32, any channels, scaled as img_as_float; 'markers'
** i32 of the same size (0 unlabelled, > 0 seeds, < 0 inactive). 'out' (i32)
** gets the marker value of the most probable seed label at every
** unlabelled pixel, the markers at the seeds, and 0 at inactive pixels and
** at unlabelled ones no seed can reach. 'prob', when not NULL, is an f32
** image of *nlabels channels (ask seg_rw_count first), the probability of
** each label in increasing order of label value. Returns SEG_OK,
** SEG_ENERGY_ENOSEED, SEG_ENERGY_ENONFINITE or SEG_ENOMEM; *iters (may be
** NULL) gets the most CG iterations any label took. */
int seg_random_walker (const SegBuf *data, const SegBuf *markers, SegBuf *out, SegBuf *prob,
                       const SegRwOpts *o, void *scratch, int *iters);
/* Distinct positive marker values (the channels 'prob' needs); -1 when
** memory runs out. */
int seg_rw_count (const SegBuf *markers);

/* ---------- chan_vese.c ---------- */

enum { SEG_CV_CHECKERBOARD, SEG_CV_DISK, SEG_CV_SMALL_DISK, SEG_CV_USER };

typedef struct SegCvOpts {
  double mu, lambda1, lambda2, tol, dt;
  int iters;            /* max_num_iter */
  int init;             /* SEG_CV_*; SEG_CV_USER reads 'init_phi' */
  const SegBuf *init_phi;   /* 1 channel, the image's size, any dtype but i32 */
  int threads;
} SegCvOpts;

/* Bytes of scratch for a w x h image. */
size_t seg_cv_scratch (int w, int h);

/* skimage.segmentation.chan_vese(image, mu, lambda1, lambda2, tol,
** max_num_iter, dt, init_level_set) on a 1-channel image (any dtype but
** i32), in float64 whatever the dtype. 'mask' (u8 0/1) is phi > 0, 'phi'
** (f32) the final level set. 'energies', when not NULL, gets one value per
** iteration done (at most o->iters), as skimage's extended_output. Returns
** the iterations done, or -SEG_ENERGY_ENONFINITE. */
int seg_chan_vese (const SegBuf *image, SegBuf *mask, SegBuf *phi, double *energies,
                   const SegCvOpts *o, void *scratch);

/* ---------- morph_snakes.c ---------- */

enum { SEG_MS_CHECKERBOARD, SEG_MS_DISK, SEG_MS_USER };

typedef struct SegMsOpts {
  int iters;            /* num_iter */
  int smoothing;        /* curvature passes per iteration */
  int init;             /* SEG_MS_*; SEG_MS_USER reads 'init_mask' */
  const SegBuf *init_mask;  /* u8, the image's size, > 0 is inside */
  double lambda1, lambda2;  /* morphological_chan_vese */
  double threshold;     /* geodesic: balloon threshold; NaN: 40th percentile */
  double balloon;       /* geodesic: > 0 inflates, < 0 deflates */
  int threads;
} SegMsOpts;

size_t seg_ms_scratch (int w, int h);

/* skimage.segmentation.morphological_chan_vese(image, iters, init,
** smoothing, lambda1, lambda2) on a 1-channel image (u8 and u16 scaled as
** img_as_float). 'out' is a u8 0/1 mask. Returns SEG_OK or SEG_ENOMEM. */
int seg_morph_chan_vese (const SegBuf *image, SegBuf *out, const SegMsOpts *o, void *scratch);
/* skimage.segmentation.morphological_geodesic_active_contour(gimage, ...). */
int seg_morph_gac (const SegBuf *gimage, SegBuf *out, const SegMsOpts *o, void *scratch);

/* skimage.segmentation.inverse_gaussian_gradient(image, alpha, sigma):
** 1 / sqrt(1 + alpha |grad G_sigma * image|), scipy's
** gaussian_gradient_magnitude with mode 'nearest' and truncate 4, in
** float64 on img_as_float values; 'dst' f32, 1 channel. */
size_t seg_igg_scratch (int w, int h);
int seg_inverse_gaussian_gradient (const SegBuf *src, SegBuf *dst, double alpha, double sigma,
                                   int threads, void *scratch);
/* Kernel radius of a sigma (int(4 sigma + 0.5)). */
int seg_igg_radius (double sigma);

#endif

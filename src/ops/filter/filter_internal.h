/* filter_internal.h — what the files of the filter family share: the row
** driver (rowpass.c), the float separable engine (separable.c) and scipy's
** Gaussian kernel (gaussian.c). Private to src/ops/filter/; the bindings
** include filter.h. */
#ifndef SEG_FILTER_INTERNAL_H
#define SEG_FILTER_INTERNAL_H

#include "filter.h"

#define ALIGN64(n) (((n) + 63) & ~(size_t)63)
#define XBLOCK 512          /* elements per block of the vertical passes */

typedef struct RowPass RowPass;
typedef void (*HFn) (const RowPass *p, const uint8_t *ext, void *out, void *tmp);
typedef void (*VFn) (const RowPass *p, const void *const *rows, uint8_t *drow, void *tmp);

struct RowPass {
  const SegBuf *src; SegBuf *dst;
  int rx, ry, border;
  size_t hbytes;         /* one ring row */
  size_t tbytes;         /* per-thread scratch for h/v */
  HFn h; VFn v;
  const void *k;         /* operator's coefficients */
  int fail;              /* a band could not get its scratch memory */
};

/* Runs p over every row of p->dst on up to 'threads' threads: p->h filters
** each source row (extended by p->rx border pixels) into a ring row of
** p->hbytes, p->v combines the 2 p->ry + 1 ring rows around an output row.
** Returns 0, or SEG_ENOMEM when a band could not get its scratch. */
int seg_rowpass_run (RowPass *p, int threads);

typedef struct SepK { const float *kx, *ky; int nx, ny; float gain; int acc; } SepK;

/* Row as floats: a copy for f32, a conversion otherwise (into tmp). */
const float *seg_row_float (SegDtype t, const uint8_t *ext, int n, float *tmp);
/* The passes of seg_sepfilter, p->k a SepK; tbytes as seg_sepfilter sets. */
void seg_sep_h (const RowPass *p, const uint8_t *ext, void *out, void *tmp);
void seg_sep_v (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp);

/* scipy's _gaussian_kernel1d(sigma, order 0 or 2, radius), in double then
** rounded to float, into k of cap floats (the radius shrinks to fit).
** Returns the radius, or -1 when scratch could not be allocated. */
int seg_scipy_kernel (double sigma, double truncate, int order, float *k, int cap);
#define MAXK 4097   /* taps of the scipy-style kernels' buffers */

#endif

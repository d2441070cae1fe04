/* stats.h — histograms, moments, mask counts and bounding boxes. */
#ifndef SEG_STATS_H
#define SEG_STATS_H

#include "core/segk.h"

/* ---------- stats.c ---------- */
/* Histogram of one channel into 'bins' bins over [lo, hi]; values outside
** are ignored; for integer types with lo/hi their full range and bins equal
** to the range, bin i counts value lo+i. */
void seg_histogram (const SegBuf *src, int ch, int bins, double lo, double hi,
                    uint64_t *counts, int threads);
/* Smallest and largest finite value over all channels; 0 (and lo = hi =
** 0) when the image holds no finite value. */
int seg_finite_range (const SegBuf *src, double *lo, double *hi);
/* Per-channel min, max, mean and population standard deviation. */
void seg_stats (const SegBuf *src, double *mn, double *mx, double *mean,
                double *sd, int threads);
uint64_t seg_mask_count (const SegBuf *m, int threads);
/* Bounding box of non-zero pixels; returns 0 when the mask is empty. */
int seg_mask_bbox (const SegBuf *m, int *x, int *y, int *w, int *h);

#endif

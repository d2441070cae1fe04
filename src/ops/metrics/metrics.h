/* metrics.h — comparing segmentations (kernel layer, no Lua).
**
** Inputs are 1-channel u8/u16/i32 buffers (Masks, Labels or integer
** Images) of one size; two inputs may differ in dtype. Masks count non-zero
** pixels as set. Nothing here allocates pixel memory; the contingency-table
** kernels (adapted Rand, variation of information) grow a private hash table
** with malloc and free it on every path. */
#ifndef SEG_METRICS_H
#define SEG_METRICS_H

#include "core/segk.h"

/* Pixel counts of a predicted against a true mask (non-zero = set). */
typedef struct SegMaskCounts { uint64_t tp, fp, fn, tn; } SegMaskCounts;
void seg_mask_counts (const SegBuf *pred, const SegBuf *truth, SegMaskCounts *out,
                      int threads);

/* Scores from mask counts. Two empty masks agree perfectly: iou and dice
** are 1. Precision without predicted pixels and recall without true pixels
** are 0 (scikit-learn's zero_division=0). */
double seg_counts_iou (const SegMaskCounts *c);
double seg_counts_dice (const SegMaskCounts *c);
double seg_counts_precision (const SegMaskCounts *c);
double seg_counts_recall (const SegMaskCounts *c);

/* Confusion matrix of class maps with values in 0..k-1, as scikit-learn's
** confusion_matrix(truth, pred, labels=range(k)): cm[t*k + p] counts pixels
** of true class t predicted as p. Pixels where either value is outside
** 0..k-1 are not counted; their number is returned. 'scratch' holds
** seg_confusion_scratch(k, threads) uint64 elements. */
size_t seg_confusion_scratch (int k, int threads);
uint64_t seg_confusion (const SegBuf *pred, const SegBuf *truth, int k, uint64_t *cm,
                        uint64_t *scratch, int threads);
/* Per-class intersection over union and Dice from a confusion matrix; a
** class absent from both maps gets NaN. seg_confusion_mean_iou averages the
** classes that are not NaN (NaN when none is). */
void seg_confusion_iou (const uint64_t *cm, int k, double *iou);
void seg_confusion_dice (const uint64_t *cm, int k, double *dice);
double seg_confusion_mean_iou (const uint64_t *cm, int k);

/* Fraction of pixels where a and b hold the same value. */
double seg_pixel_accuracy (const SegBuf *a, const SegBuf *b, int threads);

/* Return codes of the contingency-table kernels. */
enum { SEG_METRIC_OK = SEG_OK, SEG_METRIC_NOMEM = SEG_ENOMEM, SEG_METRIC_NEGATIVE = SEG_EFAMILY };

/* scikit-image's adapted_rand_error(truth, test, ignore_labels=ignore):
** out = {error, precision, recall}. Pixels whose true label is one of the
** 'nignore' values are not counted. Labels must be >= 0 (SEG_METRIC_NEGATIVE
** otherwise, as scipy refuses negative indices). Exactly equal to
** scikit-image: the pair sums are exact integers. */
int seg_adapted_rand (const SegBuf *truth, const SegBuf *test, const int64_t *ignore,
                      int nignore, double out[3]);

/* scikit-image's variation_of_information(a, b, ignore_labels=ignore):
** out = {H(b|a), H(a|b)} in bits (false splits, false merges), pixels of a
** with an ignored label left out. Equal to scikit-image up to rounding. */
int seg_variation_of_information (const SegBuf *a, const SegBuf *b, const int64_t *ignore,
                                  int nignore, double out[2]);

/* Hausdorff distance between the non-zero pixels of a and b, exactly as
** scikit-image's hausdorff_distance: 0 when both are empty, +inf when one
** is. Computed as the largest exact Euclidean distance transform value of
** one set sampled on the other (Felzenszwalb & Huttenlocher), both ways.
** 'scratch' holds seg_hausdorff_scratch(w, h, threads) int64 elements. */
size_t seg_hausdorff_scratch (int w, int h, int threads);
double seg_hausdorff (const SegBuf *a, const SegBuf *b, int64_t *scratch, int threads);

#endif

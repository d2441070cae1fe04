/* threshold.h — global, multi-level, local and hysteresis thresholds.
** Kernels only: no Lua. Every method follows a named peer (scikit-image
** 0.19 or OpenCV 4.6) closely enough to give the same answer; the notes
** in each file (histogram.c, global.c, multiotsu.c, local.c, hysteresis.c)
** say where and why floating-point order was copied. */
#ifndef SEG_THRESHOLD_H
#define SEG_THRESHOLD_H

#include "core/segk.h"

/* Global methods, in the order of seg.thresholds(). */
enum {
  SEG_TH_OTSU, SEG_TH_TRIANGLE, SEG_TH_LI, SEG_TH_YEN, SEG_TH_ISODATA,
  SEG_TH_MEAN, SEG_TH_MINIMUM, SEG_TH_NGLOBAL
};

/* Failure codes of the histogram methods: a SegStatus (SEG_ENOMEM when
** scratch could not be allocated) or one of these. */
enum {
  SEG_TH_OK = SEG_OK,
  SEG_TH_EMPTY = SEG_EFAMILY,  /* no finite pixel */
  SEG_TH_NO_MAXIMA,   /* minimum: the smoothed histogram never has two peaks */
  SEG_TH_NO_ISODATA,  /* isodata: no bin satisfies the fixed-point condition */
  SEG_TH_FEW_VALUES,  /* multiotsu: fewer distinct values than classes */
  SEG_TH_TOO_MANY     /* multiotsu: the exhaustive search would not end in time */
};
const char *seg_threshold_error (int code);

/* The histogram scikit-image thresholds see (skimage.exposure.histogram
** with source_range='image'): for u8/u16 one bin per integer value from the
** image minimum to its maximum; for f32 256 equal bins over [min, max] with
** numpy's float32 edges and centres. NaN and infinite pixels are skipped. */
#define SEG_HIST_MAXBINS 65536
typedef struct SegHist {
  int n;          /* bins in use */
  int isint;      /* 1 for u8/u16 */
  double lo, hi;  /* smallest and largest counted value */
  uint64_t total; /* pixels counted */
  uint64_t *count;  /* seg_hist_cap(src) bins each, stored after the struct */
  double *center;
} SegHist;

/* Bins a histogram of src can need: 256 for u8 and f32, 65536 for u16. */
int seg_hist_cap (const SegBuf *src);
/* Bytes for a SegHist of src, its bins included (4 KiB for u8, 1 MiB for
** u16), and the SegHist laid out in such a block of memory. */
size_t seg_hist_bytes (const SegBuf *src);
SegHist *seg_hist_init (void *mem, const SegBuf *src);

/* Fills h (from seg_hist_init for src) from the single-channel u8, u16 or
** f32 image src. Returns SEG_TH_OK, SEG_TH_EMPTY or SEG_ENOMEM. */
int seg_hist_image (const SegBuf *src, SegHist *h, int threads);

/* Bytes of scratch seg_threshold_global needs for this image and method:
** a few arrays of seg_hist_cap(src) bins, and for Li on f32 images a
** sorted copy of the pixels. */
size_t seg_threshold_scratch (const SegBuf *src, int method);
/* Bin-smoothings the minimum method may spend (10000 smoothings of 4096
** bins); see minimum() in global.c. */
#define SEG_MINIMUM_WORK (10000 * 4096)
/* One global threshold, as skimage.filters.threshold_<method>; h is the
** histogram of src. Returns SEG_TH_OK with *t set, or a failure code. */
int seg_threshold_global (const SegBuf *src, const SegHist *h, int method,
                          void *scratch, double *t, int threads);

/* Thresholds of threshold_multiotsu (classes-1 values, increasing) from the
** histogram; exhaustive search as scikit-image (Liao et al. 2001) in its
** float32 arithmetic, over the occupied bins only (same result). Returns
** SEG_TH_OK, SEG_TH_FEW_VALUES, SEG_ENOMEM, or SEG_TH_TOO_MANY when the search would
** take more than SEG_MULTIOTSU_MAX_WORK class terms (about a second: 5
** classes of a u8 image pass, 6 do not). */
#define SEG_MULTIOTSU_MAX_WORK 1e9
int seg_multiotsu (const SegHist *h, int classes, double *thresholds);
/* labels = 1 + number of thresholds t[i] with v > t[i]. */
void seg_classify (const SegBuf *src, const double *t, int nt, SegBuf *labels, int threads);

/* Local thresholds. mask = src > T(x, y) where, for a centred window of
** odd size w:
**   ADAPTIVE_MEAN      T = box mean (replicated border) - offset;
**                      u8: the mean is rounded to u8 first (cv2.adaptiveThreshold)
**   ADAPTIVE_GAUSSIAN  T = Gaussian mean, sigma = 0.3((w-1)/2 - 1) + 0.8
**                      (cv2.getGaussianKernel), replicated border - offset
**   NIBLACK            T = m - k s                       (reflected border,
**   SAUVOLA            T = m (1 + k (s / r - 1))          as skimage _mean_std)
**   WOLF               T = m - k (m - M)(1 - s / R)      Wolf & Jolion 2004:
**                      M = image minimum, R = largest s over the image
** minus 'offset' for the last three as well. */
enum { SEG_LOCAL_MEAN, SEG_LOCAL_GAUSSIAN, SEG_LOCAL_NIBLACK, SEG_LOCAL_SAUVOLA,
       SEG_LOCAL_WOLF };
typedef struct SegLocalOpts {
  int method, window;
  double k, r, offset;
} SegLocalOpts;
/* mask: u8 w*h; thresh: f32 w*h or NULL. Scratch is allocated inside with
** malloc and freed before returning; returns SEG_OK or SEG_ENOMEM. */
int seg_threshold_local (const SegBuf *src, const SegLocalOpts *o, SegBuf *mask,
                         SegBuf *thresh, int threads);

/* apply_hysteresis_threshold: pixels > low connected (4 or 8) to a pixel
** > high (NaN is below both). 'scratch': seg_hysteresis_scratch bytes,
** 4-byte aligned; that is 0 when the image is too large to label. */
size_t seg_hysteresis_scratch (int w, int h, int threads);
void seg_hysteresis (const SegBuf *src, double low, double high, int connectivity,
                     SegBuf *mask, void *scratch, int threads);

#endif

/* regions.h — per-label measurements over a label map (kernel layer).
**
** Definitions follow scikit-image 0.19's measure.regionprops; rows are y and
** columns x, and moment arrays are indexed [row power][column power] in the
** region's bounding-box coordinates, as skimage's. Labels <= 0 are
** background. Every array below is indexed by label (entry 0 unused) and
** sized max_label + 1 by the caller. */
#ifndef SEG_REGIONS_H
#define SEG_REGIONS_H

#include "core/segk.h"

/* Largest label value in a label map (0 when there is none). */
int32_t seg_labels_max (const SegBuf *labels, int threads);

typedef struct SegRegionBasic {
  int64_t area;
  int minx, miny, maxx, maxy;    /* inclusive bounding box */
  int64_t sx, sy;                /* sums of x and y over the pixels */
  int64_t runs;                  /* maximal horizontal runs */
} SegRegionBasic;

typedef struct SegRegionMoments {
  long double m[4][4];           /* raw, local (x - minx, y - miny) */
  long double mu[4][4];          /* central */
  int tie;                       /* mu[2][0] == mu[0][2] exactly (orientation) */
} SegRegionMoments;

typedef struct SegRegionIntensity {
  double sum, min, max, sx, sy;  /* sum of v, of v*x, of v*y */
} SegRegionIntensity;

/* Shape measures derived from the moments (skimage's formulas). */
typedef struct SegRegionShape {
  double orientation, major, minor, eccentricity;
  double nu[4][4];               /* normalized central moments (NaN for order < 2) */
  double hu[7];
} SegRegionShape;

/* One pass over the label map: area, bbox, coordinate sums, and when 'mom'
** is not NULL the moments. 'basic' is required. Returns 0. */
int seg_regions_basic (const SegBuf *labels, int32_t nlab, SegRegionBasic *basic,
                       SegRegionMoments *mom);
/* Intensity statistics over a 1-channel image of the same size. */
void seg_regions_intensity (const SegBuf *labels, const SegBuf *img, int32_t nlab,
                            SegRegionIntensity *out);
/* skimage.measure.perimeter(region, 4) for every label; 'rows' is scratch of
** 3 * w bytes. */
void seg_regions_perimeter (const SegBuf *labels, int32_t nlab, double *perim,
                            uint8_t *rows);
/* skimage.measure.euler_number(region, connectivity=2) for every label. */
void seg_regions_euler (const SegBuf *labels, int32_t nlab, int64_t *euler);
/* Area of skimage's convex_image (pixel centres inside or on the convex hull
** of the pixels' edge midpoints) for every label. Needs 'basic' filled.
** Allocates scratch with malloc and frees it; returns SEG_OK, or SEG_ENOMEM when out of
** memory. */
int seg_regions_convex (const SegBuf *labels, int32_t nlab, const SegRegionBasic *basic,
                        int64_t *convex_area);
/* Orientation, axis lengths, eccentricity, normalized and Hu moments. */
void seg_region_shape (const SegRegionMoments *m, SegRegionShape *out);

/* ---------- label-map edits (edits.c) ---------- */

/* Whether a table indexed by label value (nlab + 1 entries, nlab the
** largest label) stays within a small multiple of the pixel count; when
** not, label-map edits work on the sorted distinct values instead, so that
** memory and time follow the pixels, never the values. */
static inline int seg_labels_dense (int32_t nlab, int64_t npix) {
  return (int64_t)nlab <= 2 * npix + 4096;
}

/* skimage.segmentation.relabel_sequential: labels > 0 renumbered 1..n in
** increasing order of value; 'map' is scratch of seg_relabel_scratch int32
** (nlab = largest label). Returns n. dst may be src only for dense labels.
** For sparse ones (!seg_labels_dense) map[0 .. n) holds the label values
** afterwards: new label i was map[i - 1]. */
size_t seg_relabel_scratch (const SegBuf *src, int32_t nlab);
int32_t seg_relabel (const SegBuf *src, SegBuf *dst, int32_t nlab, int32_t *map);
/* dst (u8 mask) = 1 where src == id. */
void seg_label_mask (const SegBuf *src, SegBuf *dst, int32_t id, int threads);
/* dst = src where keep[src] (src in 1..nlab), 0 elsewhere. dst may be src. */
void seg_label_keep (const SegBuf *src, SegBuf *dst, int32_t nlab, const uint8_t *keep);
/* The same for sparse labels: vals[0 .. n) their sorted values (as left by
** seg_relabel), keep[i] for the label vals[i]; every label > 0 of src is
** among vals. */
void seg_label_keep_sparse (const SegBuf *src, SegBuf *dst, const int32_t *vals, int32_t n,
                            const uint8_t *keep);
/* Index of v in the sorted vals[0 .. n), or -1. */
int32_t seg_label_find (const int32_t *vals, int32_t n, int64_t v);
/* skimage.segmentation.clear_border: the 8-connected components of equal
** value (as skimage.measure.label, background 0) of 'src' (i32 labels or u8
** mask) that touch the band of 'buffer' + 1 pixels along the image border
** become 'bgval', and so does the background when the band holds some
** (skimage's behaviour); other pixels are copied. 'comp' is an i32 image the size of
** src receiving those components, 'scratch' holds seg_label_scratch
** elements (binary = src is u8) for 'threads', 'hit' has w*h/2 + 2 bytes. */
void seg_clear_border (const SegBuf *src, SegBuf *dst, int buffer, int32_t bgval,
                       SegBuf *comp, int32_t *scratch, uint8_t *hit, int threads);
enum { SEG_BOUND_THICK, SEG_BOUND_INNER, SEG_BOUND_OUTER };
/* skimage.segmentation.find_boundaries(labels, connectivity=1, mode,
** background=0): dst (u8 mask) = 1 on boundary pixels. */
void seg_find_boundaries (const SegBuf *labels, SegBuf *dst, int mode, int threads);
/* skimage.segmentation.expand_labels: background pixels within 'distance'
** (Euclidean, <=) of a label take the label of the nearest labelled pixel,
** given the nearest-zero indices 'idx' of seg_distance on (labels == 0). */
void seg_expand_labels (const SegBuf *labels, const SegBuf *idx, double distance,
                        SegBuf *dst);

#endif

/* regions.h — per-label measurements over a label map (kernel layer).
**
** Definitions follow scikit-image 0.19's measure.regionprops; rows are y and
** columns x, and moment arrays are indexed [row power][column power] in the
** region's bounding-box coordinates, as skimage's. Labels <= 0 are
** background. Every array below is indexed by label (entry 0 unused) and
** sized max_label + 1 by the caller. */
#ifndef SEG_REGIONS_H
#define SEG_REGIONS_H

#include "segk.h"

/* Largest label value in a label map (0 when there is none). */
int32_t seg_labels_max (const SegBuf *labels, int threads);

typedef struct SegRegionBasic {
  int64_t area;
  int minx, miny, maxx, maxy;    /* inclusive bounding box */
  int64_t sx, sy;                /* sums of x and y over the pixels */
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
** Allocates scratch with malloc and frees it; returns 0, or -1 when out of
** memory. */
int seg_regions_convex (const SegBuf *labels, int32_t nlab, const SegRegionBasic *basic,
                        int64_t *convex_area);
/* Orientation, axis lengths, eccentricity, normalized and Hu moments. */
void seg_region_shape (const SegRegionMoments *m, SegRegionShape *out);

#endif

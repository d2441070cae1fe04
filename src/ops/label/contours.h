/* contours.h — iso-contours by marching squares (kernel layer, no Lua),
** exactly as skimage.measure.find_contours: the same segment cases, vertex
** interpolation and assembly into contours, in the same order. */
#ifndef SEG_CONTOURS_H
#define SEG_CONTOURS_H

#include "core/segk.h"

/* One assembled contour point; 'next' links the points of a contour. */
typedef struct SegCPoint { double y, x; int32_t next; } SegCPoint;

/* The result: contours 0..n-1 in skimage's order; contour i starts at point
** first[i] (-1: merged into another, skip it) and has len[i] points. */
typedef struct SegContours {
  int32_t n;
  int32_t *first, *last, *len;
  SegCPoint *pts;
} SegContours;

/* Number of segments crossing 'level' in a 1-channel image (any dtype);
** 'high': fully_connected='high'. -1 if more than INT32_MAX / 16. */
int64_t seg_contour_segments (const SegBuf *img, double level, int high);
/* Bytes of scratch seg_contours needs for nseg segments. */
size_t seg_contours_scratch (int w, int64_t nseg);
/* Assembles the contours into 'out', all arrays inside 'scratch'. */
void seg_contours (const SegBuf *img, double level, int high, int64_t nseg,
                   void *scratch, SegContours *out);

#endif

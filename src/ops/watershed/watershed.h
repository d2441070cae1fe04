/* watershed.h — marker-controlled watershed by priority flood, exactly as
** skimage.segmentation.watershed (scikit-image 0.19.3, _watershed_cy.pyx).
**
**   SegWatershedOpts o = {8, 0.0, 0, 0};
**   uint8_t *state = ...seg_watershed_scratch(w, h, elev.dtype) bytes...;
**   int st = seg_watershed(&elev, &markers, mask_or_NULL, &labels, &o, state);
**
** Pixels leave the queue by (value, age): the elevation (for compact
** watershed: elevation + compactness * Euclidean distance to the seed),
** then the order in which they entered it. Markers all enter with age 0,
** in raster order, so markers of equal elevation tie on both keys: their
** order is whatever skimage's binary heap (heap_general.pxi) makes of
** them, and it decides which marker claims a contested pixel. To give the
** same labels everywhere, the queue here is that binary heap, operation
** for operation (same sift-up, same sift-down, same strict comparisons),
** as long as two queued markers tie; from then on every key is distinct,
** the pop order is the sorted order whatever the queue, and u8/u16
** elevations continue on a bucket queue (FIFO per level = age order). */
#ifndef SEG_WATERSHED_H
#define SEG_WATERSHED_H

#include "core/segk.h"

typedef struct SegWatershedOpts {
  int connectivity;     /* 4 or 8 (skimage connectivity=1 / 2) */
  double compactness;   /* >= 0, finite; > 0: compact watershed */
  int lines;            /* 1: watershed_line=True, line pixels get 0 */
  int raster_ties;      /* 1: markers of equal elevation leave in raster
                        ** order (not skimage's heap order); u8/u16 then
                        ** run on the bucket queue from the start */
} SegWatershedOpts;

/* Bytes of caller scratch for a w*h image of elevations of type t (a
** state byte per pixel; for u8/u16 also elevation and state side by
** side), 64-byte aligned at its start. */
size_t seg_watershed_scratch (int w, int h, SegDtype t);

/* elev: 1 channel, any dtype; markers: 1 channel u8, u16 or i32, nonzero =
** seed (its value is the label); mask: NULL or 1 channel u8, nonzero =
** inside (seeds outside are dropped, pixels outside get 0); dst: i32, 1
** channel. All contiguous and of one size, w*h < 2^32. Returns SEG_OK or
** SEG_ENOMEM (the queue grows with malloc and is freed on every path). */
int seg_watershed (const SegBuf *elev, const SegBuf *markers, const SegBuf *mask,
                   SegBuf *dst, const SegWatershedOpts *o, uint8_t *state);

/* skimage.util.regular_seeds((h, w), n) into dst (i32, zero-filled by
** the caller): about n seeds on a regular grid (regular_grid's steps and
** offsets), labelled 1.. in raster order; every pixel when n >= w*h,
** none when n < 1. */
void seg_regular_seeds (SegBuf *dst, int64_t n);

#endif

/* region.h — region operators (kernel layer, no Lua): flood fill, seeded
** region growing, confidence-connected segmentation.
**
** Connectivity is 4 or 8 (8: the eight neighbours, skimage's
** connectivity=2). Outputs are allocated and zeroed by the caller. Every
** kernel here is sequential (a flood has no useful row parallelism) and
** returns SEG_OK or SEG_ENOMEM (its queue could not grow). */
#ifndef SEG_REGION_H
#define SEG_REGION_H

#include "core/segk.h"

/* ---------- flood.c ---------- */

/* Pixel bounds of a flood, per channel, in the image's own dtype (the
** doubles hold values of that dtype exactly): a pixel passes when
** lo[c] <= v[c] <= hi[c] for every channel c. NaN never passes. */
#define SEG_FLOOD_MAXC 64
typedef struct SegFloodBounds {
  double lo[SEG_FLOOD_MAXC], hi[SEG_FLOOD_MAXC];
} SegFloodBounds;

/* skimage.segmentation.flood's bounds for seed value s and tolerance t
** (t < 0: equality): lo = max(min, s - t), hi = min(max, s + t) in
** double, then converted to the dtype as numpy/Cython do: truncated for
** integer types, rounded to nearest for f32. Fills b for every channel of
** the pixel at (x, y). */
void seg_flood_bounds (const SegBuf *src, int x, int y, double tol, SegFloodBounds *b);

/* Marks in dst (u8 0/1, zeroed, src's size) the pixels connected to the
** seeds (xy: nseeds (x, y) pairs inside the image) through pixels that
** pass b. A seed that does not pass is marked anyway when 'force' (skimage:
** the seed is always in its flood) and skipped otherwise (ITK). Scanline
** fill: each filled run is scanned again from at most its two neighbour
** rows, so the work is linear in the filled area. u8, u16, i32, f32, any
** channel count up to SEG_FLOOD_MAXC. */
int seg_flood_fill (const SegBuf *src, const SegFloodBounds *b, const int *xy, int nseeds,
                    int force, int conn, SegBuf *dst);

/* ---------- grow.c ---------- */

/* Seeded region growing (Adams & Bischof 1994, IEEE TPAMI 16(6)). 'lab'
** (i32, src's size) holds the seeds on entry (labels 1..maxlabel, 0 free)
** and the regions on return. One priority queue holds the free pixels
** that touch a region, keyed by (delta, insertion number): delta is the
** Euclidean distance, over the channels, of the pixel's value to the
** nearest mean among its labelled neighbours' regions when it was queued.
** The smallest key leaves the queue and joins the region of nearest
** current mean among its labelled neighbours (ties: the smaller label),
** unless that distance exceeds max_distance (then it stays free and may
** be queued again when another neighbour joins a region); the region's
** mean is updated and its free neighbours not yet queued are queued.
** src: u8, u16 or f32, any channel count. Distances are computed in double
** with no fused multiply-add, exactly as spec/refs/make_region_refs.py. */
int seg_region_grow (const SegBuf *src, SegBuf *lab, int32_t maxlabel, int conn,
                     double max_distance);

/* ---------- confidence.c ---------- */

typedef struct SegConfidenceOpts {
  double multiplier;   /* k in mean +- k sigma */
  int iters;           /* re-estimations after the first flood */
  int radius;          /* ITK's InitialNeighborhoodRadius (0: the seed values) */
  int conn;            /* 4 (ITK's face connectivity) or 8 */
} SegConfidenceOpts;

/* ITK's ConfidenceConnectedImageFilter on a 1-channel u8, u16 or f32 image
** (xy: nseeds seeds inside the image, repeats allowed). dst: zeroed u8
** mask. *lower, *upper receive the bounds of the last flood. */
int seg_confidence_connected (const SegBuf *src, const int *xy, int nseeds,
                              const SegConfidenceOpts *o, SegBuf *dst,
                              double *lower, double *upper);

#endif

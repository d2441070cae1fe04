/* skeleton.h — thinning and convex hull of binary masks (kernel layer). */
#ifndef SEG_SKELETON_H
#define SEG_SKELETON_H

#include "core/segk.h"

/* skimage.morphology.skeletonize (2-D, 0.19): Zhang-Suen thinning driven by
** scikit-image's 256-entry lookup table, two sub-passes per iteration, each
** reading a snapshot of the previous one, until an iteration removes
** nothing. 'work' holds seg_skeleton_scratch(w, h) bytes. */
size_t seg_skeleton_scratch (int w, int h);
void seg_skeleton (const SegBuf *src, SegBuf *dst, void *work, int threads);

/* skimage.morphology.convex_hull_image (offset_coordinates=True): the pixels
** whose centres lie inside or on the convex hull of the corners-of-edges of
** the foreground pixels. 'pts' holds seg_hull_scratch(w, h) bytes. Empty
** mask -> empty hull. */
size_t seg_hull_scratch (int w, int h);
void seg_convex_hull (const SegBuf *src, SegBuf *dst, void *pts);

#endif

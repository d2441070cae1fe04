/* label.h — connected-component labelling (kernel layer, no Lua).
**
** Usage from C (or another binding):
**
**   SegLabelOpts o = {8, 1, 1, 0};           (8-conn, binary, background 0)
**   size_t n = seg_label_scratch(w, h, &o, threads);   (int32 elements)
**   int32_t *scratch = ...n elements...;
**   int32_t count = seg_label(&mask, &labels, &o, threads, scratch);
**
** 'labels' is an i32 1-channel buffer of the same size as 'src'; every pixel
** is written. Labels are numbered 1..count in raster order of each
** component's first pixel, which is exactly scikit-image's
** measure.label (and scipy.ndimage.label) numbering. */
#ifndef SEG_LABEL_H
#define SEG_LABEL_H

#include "core/segk.h"

typedef struct SegLabelOpts {
  int connectivity;   /* 4 or 8 */
  int binary;         /* 1: src is u8 and every non-zero pixel is foreground,
                      ** all of one class (a Mask). 0: pixels are connected
                      ** when their values are equal (any dtype, 1 channel;
                      ** f32 values are truncated toward zero first, as
                      ** skimage casts to intp). */
  int has_bg;         /* 0: every pixel is labelled (binary ignores this) */
  int64_t bg;         /* value left unlabelled (0) when has_bg */
} SegLabelOpts;

/* Number of int32 elements of scratch that seg_label needs for a w*h image
** with these options on 'threads' threads; 0 when the image is too large
** for 32-bit provisional labels (w*h must stay below 2^31 - 2^20). */
size_t seg_label_scratch (int w, int h, const SegLabelOpts *o, int threads);

/* Labels src into dst (i32, same size) and returns the number of labels.
** 'threads' must be the value given to seg_label_scratch. */
int32_t seg_label (const SegBuf *src, SegBuf *dst, const SegLabelOpts *o,
                   int threads, int32_t *scratch);

/* ---------- mask clean-up on the components ---------- */

/* int32 elements of scratch for seg_fill_holes and seg_remove_small on a
** w*h mask with 'threads' (the same value given to them); 0 when the mask
** is too large to label. */
size_t seg_mask_clean_scratch (int w, int h, int threads);

/* scipy.ndimage.binary_fill_holes: the zero pixels not 4-connected to the
** image border become 1. dst is a u8 mask of src's size. */
void seg_fill_holes (const SegBuf *src, SegBuf *dst, int threads, int32_t *scratch);

/* The components of (src == value) (value 1: the mask, 0: its zero pixels;
** 4- or 8-connected) smaller than min_area pixels flip to !value: for 1
** skimage's remove_small_objects, for 0 its remove_small_holes. */
void seg_remove_small (const SegBuf *src, SegBuf *dst, int64_t min_area, int value,
                       int connectivity, int threads, int32_t *scratch);

/* The components of the mask src (4- or 8-connected) that hold at least one
** pixel equal to 'mark' become 1 in dst, every other pixel 0 (src may be
** dst). Scratch as seg_mask_clean_scratch. */
void seg_keep_marked (const SegBuf *src, SegBuf *dst, uint8_t mark, int connectivity, int threads,
                      int32_t *scratch);

#endif

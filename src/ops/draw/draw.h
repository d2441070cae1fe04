/* draw.h — pictures of segmentations (kernel layer, no Lua): label
** colours, overlays and boundary marks, all into RGB u8 buffers.
**
** Colouring labels is three calls, the binding allocating in between:
**
**   int32_t mx = seg_labels_max(&lab, threads);         (regions.h; 0: none)
**   uint8_t *lut = ...4 * (mx + 1) bytes...;
**   seg_colorize_lut(&lab, mx, NULL, seed, lut, threads);  (SEG_OK, or SEG_ENOMEM)
**   seg_apply_lut(&lab, lut, mx, &rgb, threads);
**
** Labels far above the pixel count (regions.h: seg_labels_dense) are first
** renumbered 1..n by seg_relabel, whose scratch then holds the values, and
** 'vals' gives them: the colours are those of the values, the table has
** n + 1 entries. */
#ifndef SEG_DRAW_H
#define SEG_DRAW_H

#include "core/segk.h"

/* Base colour of label 'id' (> 0) under 'seed', RGB in rgb[0..2]: points
** of a 3-d low-discrepancy sequence (Roberts' generalised golden ratio)
** over hue, lightness and chroma in OKLab, so consecutive ids, which
** touch most often in raster-ordered labellings, land far apart; any
** number of ids gets distinct colours. 'attempt' > 0 gives alternatives. */
void seg_palette_color (int64_t id, uint32_t seed, int attempt, uint8_t rgb[3]);

/* Fills lut[4*id .. 4*id+2] for ids 0..mx (0 is black) with the palette,
** then, walking ids upwards, replaces the colour of any label that touches
** (8-neighbourhood) an already coloured label closer than SEG_DRAW_MIN_DIST
** in RGB by the farthest of its alternatives. Deterministic for a given
** map and seed. Returns SEG_OK, or SEG_ENOMEM when out of memory for the adjacency
** (the LUT then holds the plain palette). */
#define SEG_DRAW_MIN_DIST 64
int seg_colorize_lut (const SegBuf *lab, int32_t mx, const int32_t *vals, uint32_t seed,
                      uint8_t *lut, int threads);

/* rgb = lut colour of each label; labels outside 1..mx are black. */
void seg_apply_lut (const SegBuf *lab, const uint8_t *lut, int32_t mx, SegBuf *rgb, int threads);

/* RGB u8 view of any 1-4 channel image: gray (and gray+alpha) replicated,
** alpha dropped; u16 divided by 257, rounded; i32 and f32 stretched from
** their min..max to 0..255 (a constant image gives 0). */
void seg_draw_base (const SegBuf *src, SegBuf *rgb, int threads);

/* rgb = round(rgb (1 - alpha) + colour alpha) where the mask is set,
** computed in double as NumPy would. */
void seg_blend_mask (SegBuf *rgb, const SegBuf *mask, const uint8_t color[3], double alpha,
                     int threads);
/* The same with each label's LUT colour, over labels 1..mx. */
void seg_blend_labels (SegBuf *rgb, const SegBuf *lab, const uint8_t *lut, int32_t mx,
                       double alpha, int threads);
/* rgb = colour where 'marks' (u8) is non-zero. */
void seg_paint (SegBuf *rgb, const SegBuf *marks, const uint8_t color[3], int threads);
/* rgb = the LUT colour of the label under each non-zero mark. */
void seg_paint_labels (SegBuf *rgb, const SegBuf *marks, const SegBuf *lab, const uint8_t *lut,
                       int32_t mx, int threads);

#endif

/* annotate.h — drawing on pixel buffers (kernel layer, no Lua): lines,
** rectangles, circles and bitmap text, in place, clipped at the borders.
**
** Coordinates are 0-based pixel centres (x right, y down), int64 within
** +-SEG_DRAW_MAXCOORD (the binding checks), so every product below fits in
** 64 bits. Work is bounded by the image, never by the coordinates: a line
** from -1e9 to 1e9 costs what its visible part costs. */
#ifndef SEG_ANNOTATE_H
#define SEG_ANNOTATE_H

#include "core/segk.h"

#define SEG_DRAW_MAXCOORD ((int64_t)1 << 30)
#define SEG_INK_MAXC 16

/* One pixel value in the buffer's dtype, ready to copy: 'bytes' bytes. */
typedef struct SegInk {
  size_t bytes;
  union { uint8_t b[SEG_INK_MAXC * 4]; uint64_t align; } px;
} SegInk;

/* The ink for c channels of dtype t from c values already in range for t
** (integers rounded by the caller; c <= SEG_INK_MAXC). */
void seg_ink (SegDtype t, int c, const double *v, SegInk *ink);

/* Pixels x0..x1 (inclusive) of row y, clipped to the buffer. */
void seg_draw_span (SegBuf *b, int64_t y, int64_t x0, int64_t x1, const SegInk *ink);

/* skimage.draw.line (Bresenham): point i of max(|dx|, |dy|) + 1 steps is
** (x0 + sx*i, y0 + sy*round_half_up(i*dminor/dmajor)) along the major axis,
** so the visible range of i is found analytically. Pixel-exact with
** skimage 0.19, including the asymmetric tie rule (direction matters). */
void seg_draw_line (SegBuf *b, int64_t x0, int64_t y0, int64_t x1, int64_t y1,
                    const SegInk *ink);
/* Thick line: every pixel whose centre lies within 'thickness'/2 of the
** segment, boundary included (a capsule: round caps), so an axis-aligned
** line of odd thickness t is t pixels across, of even t, t + 1. Not any
** peer's exact rasterisation (cv2's LINE_8 thick lines are about t + 2
** across). */
void seg_draw_capsule (SegBuf *b, double x0, double y0, double x1, double y1,
                       double thickness, const SegInk *ink);

/* Rectangle x..x+w-1, y..y+h-1; filled, or an outline 'thickness' pixels
** wide drawn inside those bounds (Pillow's ImageDraw.rectangle width=). */
void seg_draw_rect (SegBuf *b, int64_t x, int64_t y, int64_t w, int64_t h,
                    int64_t thickness, int fill, const SegInk *ink);

/* cv2.circle(thickness=1 or -1, LINE_8): OpenCV's midpoint circle, whose
** octant points are (dx, dy) for dy = 0..floor(sqrt(r*r/2)) with
** dx = floor(sqrt(r*r - dy*dy)) (its error recurrence has this closed
** form), drawn in all eight octants; filled, the pixels with
** dx*dx + dy*dy <= r*r. Both pixel-exact with OpenCV 4.6. */
void seg_draw_circle (SegBuf *b, int64_t cx, int64_t cy, int64_t r, int fill,
                      const SegInk *ink);
/* Thick outline: the pixels whose centre lies within thickness/2 of the
** circle, r - t/2 <= d <= r + t/2 (d the distance to the centre), as the
** capsule of a thick line. */
void seg_draw_ring (SegBuf *b, int64_t cx, int64_t cy, int64_t r, double thickness,
                    const SegInk *ink);

/* Built-in font: printable ASCII 32..126, 5x7 glyphs in a 6x8 cell. */
#define SEG_FONT_CW 6
#define SEG_FONT_CH 8
extern const uint8_t seg_font5x7[95][7];
/* Text with its first cell's top-left corner at (x, y), each font pixel a
** scale x scale block; '\n' starts a new line under x; bytes outside
** 32..126 are '?', a UTF-8 sequence one '?'. bg (NULL: none) fills the
** cells first. */
void seg_draw_text (SegBuf *b, int64_t x, int64_t y, const char *s, size_t len,
                    int64_t scale, const SegInk *fg, const SegInk *bg);
/* Width and height of that text's cells in pixels (0, 0 for ""). */
void seg_text_size (const char *s, size_t len, int64_t scale, int64_t *w, int64_t *h);

#endif

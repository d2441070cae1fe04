/* convert.h — dtype, colour and channel conversions, windows and resizing. */
#ifndef SEG_CONVERT_H
#define SEG_CONVERT_H

#include "core/segk.h"

/* ---------- convert.c: dtype, colour and channel conversions ---------- */

/* dst = saturate(round(src * scale)); same w, h, c; any dtypes. Rounding is
** to nearest, ties to even (as OpenCV's cvRound). */
void seg_convert (const SegBuf *src, SegBuf *dst, double scale, int threads);
/* RGB(A) -> gray with BT.601 weights, bit-exact with OpenCV's cvtColor
** (14-bit fixed point for u8/u16). Gray+alpha -> first channel. */
void seg_gray (const SegBuf *src, SegBuf *dst, int threads);
/* gray/gray+alpha -> replicated RGB; RGBA -> RGB; dst has 3 channels. */
void seg_rgb (const SegBuf *src, SegBuf *dst, int threads);
/* dst (1 channel) = channel ch of src. */
void seg_extract_channel (const SegBuf *src, SegBuf *dst, int ch);
/* dst channel ch = src (1 channel). */
void seg_insert_channel (const SegBuf *src, SegBuf *dst, int ch);
/* Copies a w*h window at (x, y) of src into dst (dst sized w*h). */
void seg_copy_window (const SegBuf *src, int x, int y, SegBuf *dst);

/* ---------- resize.c ---------- */
enum { SEG_RESIZE_NEAREST, SEG_RESIZE_BILINEAR, SEG_RESIZE_AREA };
/* dst sized by the caller; all dtypes, any channel count. Coordinates follow
** OpenCV's resize (pixel centres at +0.5). Returns SEG_OK, or SEG_ENOMEM when out of
** memory for scratch tables. */
int seg_resize (const SegBuf *src, SegBuf *dst, int method, int threads);

#endif

/* edge.h — gradient operators and Canny (edge.c). Kernels only: no Lua. */
#ifndef SEG_EDGE_H
#define SEG_EDGE_H

#include "core/segk.h"

enum { SEG_EDGE_SOBEL, SEG_EDGE_SCHARR, SEG_EDGE_PREWITT };
enum { SEG_AXIS_X, SEG_AXIS_Y, SEG_AXIS_MAGNITUDE, SEG_AXIS_DIRECTION };

/* scikit-image 0.19 filters.sobel/scharr/prewitt on a 1-channel src (any
** dtype but i32): values scaled as img_as_float (u8 / 255, u16 / 65535),
** kernels edge [1, 0, -1] x smoothing [1,2,1]/4, [3,10,3]/16 or [1,1,1]/3,
** border 'reflect'. x: f(x+1) - f(x-1) smoothed along y; y: likewise down
** the rows; magnitude: sqrt((x^2 + y^2) / 2); direction: atan2(y, x) in
** radians. dst: f32, 1 channel. Returns SEG_OK or SEG_ENOMEM. */
int seg_edge3 (const SegBuf *src, SegBuf *dst, int op, int axis, int threads);

/* Canny as cv2.Canny(gaussian(src, sigma), low, high, L2gradient=true):
** Sobel 3x3 with replicated borders, non-maximum suppression with OpenCV's
** tangent tests and tie rules, hysteresis over 8-neighbours. 'smooth' is a
** caller-allocated buffer of src's shape and dtype used when sigma > 0
** (sigma <= 0 skips smoothing). src: 1 channel u8 (integer arithmetic,
** bit-exact with OpenCV), u16 or f32 (float gradients, same rules).
** mask: u8 0/1. Returns SEG_OK or SEG_ENOMEM. */
int seg_canny (const SegBuf *src, SegBuf *smooth, SegBuf *mask, double sigma,
               double low, double high, int threads);

#endif

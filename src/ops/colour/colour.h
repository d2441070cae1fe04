/* colour.h — colour spaces as scikit-image 0.19's skimage.color: CIE L*a*b*
** (rgb2lab, D65 white, 2-degree observer), HSV (rgb2hsv) and colour
** deconvolution into haematoxylin, eosin and DAB (rgb2hed), and their
** inverses. Kernels only: no Lua.
**
** Forward conversions read 3-channel u8, u16 or f32 RGB and write a
** 3-channel f32 dst of the same size. Input values are taken as
** img_as_float does: u8 / 255, u16 / 65535, f32 as given (0..1 nominal,
** out-of-range values pass through the formulas as in scikit-image).
** Inverses read 3-channel pixels of any of those dtypes (scaled the same
** way, as skimage's _prepare_colorarray) and write f32 RGB in 0..1
** (clipped as lab2rgb and hed2rgb; hsv2rgb does not clip). Rows are
** processed in parallel on up to 'threads' threads; each pixel's result
** does not depend on the thread count. */
#ifndef SEG_COLOUR_H
#define SEG_COLOUR_H

#include "core/segk.h"

typedef enum { SEG_COLOUR_LAB = 0, SEG_COLOUR_HSV = 1, SEG_COLOUR_HED = 2 } SegColourSpace;

void seg_rgb_to_lab (const SegBuf *src, SegBuf *dst, int threads);
void seg_rgb_to_hsv (const SegBuf *src, SegBuf *dst, int threads);
void seg_rgb_to_hed (const SegBuf *src, SegBuf *dst, int threads);
void seg_lab_to_rgb (const SegBuf *src, SegBuf *dst, int threads);
void seg_hsv_to_rgb (const SegBuf *src, SegBuf *dst, int threads);
void seg_hed_to_rgb (const SegBuf *src, SegBuf *dst, int threads);

/* The general form: each input value v (raw u8/u16 integer or f32) is
** first mapped to v * gain + offset (gain 1/255, offset 0 gives
** img_as_float for u8), then converted from RGB to 'space' (inverse = 0)
** or from 'space' to RGB (inverse = 1). SLIC uses gain and offset for
** scikit-image's rescaling of the image to 0..1 before rgb2lab. */
void seg_colour_convert (const SegBuf *src, SegBuf *dst, SegColourSpace space, int inverse,
                         double gain, double offset, int threads);

/* The forward conversion (float64 path, as seg_colour_convert) written
** planar: channel c of pixel (x, y) at planes[c w h + y w + x], as
** (float)value * scale. */
void seg_colour_planar (const SegBuf *src, float *planes, float scale, SegColourSpace space,
                        double gain, double offset, int threads);

/* 1/255, 1/65535 or 1: img_as_float's scale for a dtype. */
double seg_colour_unit (SegDtype t);

#endif

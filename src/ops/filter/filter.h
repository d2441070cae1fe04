/* filter.h — linear and rank filters (gaussian.c, separable.c, box.c,
** median.c, bilateral.c, laplacian.c). Kernels only: no Lua.
** All take a source and a caller-allocated destination of the same width
** and height, work row-parallel on up to 'threads' threads, and return SEG_OK,
** or SEG_ENOMEM when scratch memory could not be allocated. */
#ifndef SEG_FILTER_H
#define SEG_FILTER_H

#include "core/segk.h"

/* Border extrapolation, named as OpenCV (scipy's name in brackets). */
enum {
  SEG_BORDER_REFLECT101,  /* gfedcb|abcdefgh|gfedcb  cv2 default ("mirror") */
  SEG_BORDER_REFLECT,     /* fedcba|abcdefgh|hgfedc  ("reflect") */
  SEG_BORDER_REPLICATE    /* aaaaaa|abcdefgh|hhhhhh  ("nearest") */
};

/* Index of the pixel that stands in for position p of a line of n pixels.
** O(1) however far p lies outside: the reflections repeat with period 2n
** (reflect) or 2n - 2 (reflect101), so a kernel much wider than the image
** costs no more per tap than a small one. */
static inline int seg_border_index (int p, int n, int mode) {
  if ((unsigned)p < (unsigned)n) return p;
  if (n == 1) return 0;
  if (mode == SEG_BORDER_REPLICATE) return p < 0 ? 0 : n - 1;
  int d = mode == SEG_BORDER_REFLECT101;
  int64_t per = 2 * (int64_t)n - 2 * d, q = (int64_t)p % per;
  if (q < 0) q += per;
  return (int)(q < n ? q : per - 1 + d - q);
}

/* OpenCV's kernel size for GaussianBlur(ksize=(0,0), sigma): odd,
** cvRound(sigma*(u8 ? 3 : 4)*2 + 1) | 1. */
int seg_gaussian_ksize (double sigma, SegDtype t);

/* cv2.GaussianBlur(src, (0,0), sigma, borderType=border); dst has src's
** shape and dtype. u8 and u16 use OpenCV's bit-exact fixed point (8 and 16
** fraction bits, error-diffused kernel), f32 a float kernel. Any channels. */
int seg_gaussian (const SegBuf *src, SegBuf *dst, double sigma, int border, int threads);

/* scipy.ndimage.gaussian_filter-style smoothing into an f32 dst: kernel
** radius int(truncate*sigma + 0.5), normalised exp(-x^2/2sigma^2), values
** multiplied by 'scale' first; 'border' as above. */
int seg_gaussian_scipy (const SegBuf *src, SegBuf *dst, double sigma, double truncate,
                        int border, double scale, int threads);

/* Generic separable correlation into an f32 dst (any src dtype, any
** channels): dst = (acc ? dst : 0) + gain * sum ky[j] kx[i] src(x+i-nx/2,
** y+j-ny/2). nx, ny odd. */
int seg_sepfilter (const SegBuf *src, SegBuf *dst, const float *kx, int nx,
                   const float *ky, int ny, int border, float gain, int acc, int threads);

/* cv2.blur(src, (2r+1, 2r+1)), BORDER_REFLECT_101, running sums (O(1) per
** pixel); same dtype as src; u8 rounding as OpenCV's 16-bit sum path. */
int seg_box (const SegBuf *src, SegBuf *dst, int r, int threads);

/* Median over the (2r+1)^2 window, border replicated (cv2.medianBlur,
** scipy median_filter mode='nearest'). Exact for every dtype. */
int seg_median (const SegBuf *src, SegBuf *dst, int r, int threads);

/* cv2.bilateralFilter(src, d, sigma_color, sigma_space), BORDER_REFLECT_101.
** 1 or 3 channels; u8 (integer colour-distance table), f32 and u16 (OpenCV's
** interpolated table over the image's value range). */
int seg_bilateral (const SegBuf *src, SegBuf *dst, int d, double sigma_color,
                   double sigma_space, int threads);

/* cv2.Laplacian(src, CV_32F, ksize) for ksize 1, 3, 5, 7; f32 dst. */
int seg_laplacian (const SegBuf *src, SegBuf *dst, int ksize, int threads);

/* scipy.ndimage.gaussian_laplace(src, sigma, mode='reflect', truncate=4);
** f32 dst, computed on the raw values. */
int seg_log (const SegBuf *src, SegBuf *dst, double sigma, int threads);

/* skimage.filters.difference_of_gaussians(src, s1, s2): values scaled as
** img_as_float (u8 / 255, u16 / 65535), mode 'nearest', truncate 4; f32. */
int seg_dog (const SegBuf *src, SegBuf *dst, double s1, double s2, int threads);

#endif

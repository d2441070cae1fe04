/* meanshift.c — mean-shift filtering, the level-0 pass of OpenCV 4.6's
** cv::pyrMeanShiftFiltering (imgproc/src/segmentation.cpp), reproduced to
** the bit: the same window bounds (cvRound of float x -+ sp), the same
** colour test (squared distance <= cvRound(sr^2)), the same rounding of the
** means (cvRound of sum * (1/count) in double, ties to even) and the same
** stopping rule. Every pixel reads the unfiltered source only, so pixels
** are independent: rows run in parallel and the result never depends on
** the thread count. OpenCV takes 3 channels only; one channel is run as
** OpenCV runs the gray image replicated into 3 channels (each squared grey
** difference counts three times), so that too is bit-exact. */
#include <math.h>
#include <stdlib.h>
#include "ops/graphseg/graphseg.h"

typedef struct {
  const SegBuf *src;
  SegBuf *dst;
  float sp;
  int isr2, iters;
  double eps;
} MsJob;

static inline int rnd (double v) { return (int)lrint(v); }
static inline int rndf (float v) { return (int)lrintf(v); }
static inline int sq (int v) { return v * v; }

/* One pixel; C is 1 or 3 (constant after inlining). */
static inline void shift_pixel (const MsJob *j, int C, int x0, int y0, uint8_t *out) {
  const SegBuf *src = j->src;
  int W = src->w, H = src->h;
  const uint8_t *s = seg_row_u8(src, y0) + (size_t)x0 * C;
  int c0 = s[0], c1 = C == 3 ? s[1] : 0, c2 = C == 3 ? s[2] : 0;
  float sp = j->sp;
  int isr2 = j->isr2;
  for (int it = 0; it < j->iters; it++) {
    int minx = rndf((float)x0 - sp), miny = rndf((float)y0 - sp);
    int maxx = rndf((float)x0 + sp), maxy = rndf((float)y0 + sp);
    if (minx < 0) minx = 0;
    if (miny < 0) miny = 0;
    if (maxx > W - 1) maxx = W - 1;
    if (maxy > H - 1) maxy = H - 1;
    /* Row sums fit int32 (a window row holds at most 32769 pixels: the
    ** binding bounds sp); window sums are int64, exact where OpenCV's int
    ** sums are. x is summed relative to minx for the same reason. */
    int64_t count = 0, s0 = 0, s1 = 0, s2 = 0, sx = 0, sy = 0;
    for (int y = miny; y <= maxy; y++) {
      const uint8_t *restrict r = seg_row_u8(src, y);
      int rc = 0, a0 = 0, a1 = 0, a2 = 0, ax = 0;
      for (int x = minx; x <= maxx; x++) {   /* branch-free: vectorizes */
        const uint8_t *p = r + (size_t)x * C;
        int t0 = p[0], t1 = C == 3 ? p[1] : 0, t2 = C == 3 ? p[2] : 0;
        int d = C == 3 ? sq(t0 - c0) + sq(t1 - c1) + sq(t2 - c2) : 3 * sq(t0 - c0);
        int m = d <= isr2;
        rc += m;
        a0 += m * t0;
        a1 += m * t1;
        a2 += m * t2;
        ax += m * (x - minx);
      }
      count += rc;
      s0 += a0; s1 += a1; s2 += a2;
      sx += ax + (int64_t)minx * rc;
      sy += (int64_t)y * rc;
    }
    if (count == 0) break;
    double ic = 1.0 / (double)count;
    int x1 = rnd((double)sx * ic), y1 = rnd((double)sy * ic);
    int m0 = rnd((double)s0 * ic), m1 = rnd((double)s1 * ic), m2 = rnd((double)s2 * ic);
    if (C == 1) { m1 = m2 = m0; c1 = c2 = c0; }
    int stop = (x0 == x1 && y0 == y1) ||
               abs(x1 - x0) + abs(y1 - y0) + sq(m0 - c0) + sq(m1 - c1) + sq(m2 - c2) <= j->eps;
    x0 = x1; y0 = y1;
    c0 = m0; c1 = m1; c2 = m2;
    if (stop) break;
  }
  out[0] = (uint8_t)c0;
  if (C == 3) { out[1] = (uint8_t)c1; out[2] = (uint8_t)c2; }
}

static void ms_rows (void *arg, int y0, int y1) {
  const MsJob *j = arg;
  int W = j->src->w, C = j->src->c;
  for (int y = y0; y < y1; y++) {
    uint8_t *o = seg_row_u8(j->dst, y);
    if (C == 3)
      for (int x = 0; x < W; x++) shift_pixel(j, 3, x, y, o + (size_t)x * 3);
    else
      for (int x = 0; x < W; x++) shift_pixel(j, 1, x, y, o + x);
  }
}

void seg_meanshift (const SegBuf *src, SegBuf *dst, double sp, double sr, int iters,
                    double eps, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && src->dtype == SEG_U8 && dst->dtype == SEG_U8);
  seg_assert((src->c == 1 || src->c == 3) && dst->c == src->c);
  MsJob j;
  j.src = src;
  j.dst = dst;
  j.sp = (float)sp < 1 ? 1.0f : (float)sp;
  j.isr2 = rnd(sr * sr);
  j.iters = iters < 1 ? 1 : iters > 100 ? 100 : iters;
  j.eps = eps < 0 ? 0 : eps;
  seg_parallel_for(threads, src->h, 1, ms_rows, &j);
}

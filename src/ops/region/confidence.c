/* confidence.c — ITK's ConfidenceConnectedImageFilter (itkConfidence
** ConnectedImageFilter.hxx, GenerateData), step by step:
**  1. mean and variance: with radius r > 0, the average over the seeds of
**     each seed's (2r+1)^2 neighbourhood mean and unbiased variance (ITK's
**     MeanImageFunction / VarianceImageFunction, zero-flux Neumann border:
**     coordinates clamped); with r = 0, the mean and unbiased variance of
**     the seed values;
**  2. [lower, upper] = mean -+ multiplier * sqrt(variance), widened to
**     contain every seed value, clipped to the dtype's range and cast to
**     it (truncation for integers, as static_cast);
**  3. flood from the seeds through pixels in [lower, upper];
**  4. 'iters' times: mean and unbiased variance of the flooded pixels; stop
**     when that variance is 0 (ITK: AlmostEquals(var, 0)); else steps 2-3.
** Sums run in raster order in double (exact for u8 and u16). Where ITK
** divides by zero (one sample) or takes the root of a negative rounding
** residue, the variance counts as 0 here. A neighbourhood sum weights each
** clamped pixel by how many offsets land on it: the same value as ITK's
** loop, exact for integer pixels. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <float.h>
#include <math.h>
#include <string.h>
#include "ops/region/region.h"

/* 0.1 * DBL_EPSILON: itk::Math::FloatAlmostEqual's absolute tolerance */
#define ITK_ALMOST_ZERO (0.1 * DBL_EPSILON)

static double vmin (SegDtype t) { return t == SEG_F32 ? -FLT_MAX : 0; }
static double vmax (SegDtype t) { return t == SEG_U8 ? 255 : t == SEG_U16 ? 65535 : FLT_MAX; }

static double px (const SegBuf *s, int x, int y) {
  return seg_elem(s->dtype, seg_row(s, y), (size_t)x);
}

/* How many of the offsets -r..r from coordinate v land on i (v + o
** clamped to [0, n-1]), for i in [max(0, v-r), min(n-1, v+r)]. */
static double mult (int i, int v, int r, int n) {
  double m = 1;
  if (i == 0 && v - r < 0) m += (double)(r - v);
  if (i == n - 1 && v + r > n - 1) m += (double)(v + r - (n - 1));
  return m;
}

static void neighbourhood (const SegBuf *s, int x, int y, int r, double *mean, double *var) {
  int x0 = x - r < 0 ? 0 : x - r, x1 = x + r > s->w - 1 ? s->w - 1 : x + r;
  int y0 = y - r < 0 ? 0 : y - r, y1 = y + r > s->h - 1 ? s->h - 1 : y + r;
  double sum = 0, sq = 0, num = (double)(2 * r + 1) * (double)(2 * r + 1);
  for (int yy = y0; yy <= y1; yy++) {
    double my = mult(yy, y, r, s->h);
    for (int xx = x0; xx <= x1; xx++) {
      double m = my * mult(xx, x, r, s->w), v = px(s, xx, yy);
      sum += m * v;
      sq += m * (v * v);
    }
  }
  *mean = sum / num;
  *var = (sq - (sum * sum / num)) / (num - 1.0);
}

/* Bounds of step 2 as doubles holding values of the dtype. */
static void bounds (SegDtype t, double mean, double var, double k, double lowest,
                    double highest, double *lo, double *hi) {
  if (!(var > 0)) var = 0;           /* NaN (one sample) or a negative residue */
  double sd = sqrt(var);
  double l = mean - k * sd, u = mean + k * sd;
  if (l > lowest) l = lowest;
  if (u < highest) u = highest;
  if (l < vmin(t)) l = vmin(t);
  if (u > vmax(t)) u = vmax(t);
  if (t == SEG_F32) { l = (double)(float)l; u = (double)(float)u; }
  else { l = trunc(l); u = trunc(u); }
  *lo = l;
  *hi = u;
}

int seg_confidence_connected (const SegBuf *src, const int *xy, int nseeds,
                              const SegConfidenceOpts *o, SegBuf *dst,
                              double *lower, double *upper) {
  seg_assert(src->c == 1 && src->dtype != SEG_I32 && nseeds >= 1);
  seg_assert(seg_buf_samesize(src, dst));
  const SegDtype t = src->dtype;
  double mean = 0, var = 0;
  if (o->radius > 0) {
    for (int k = 0; k < nseeds; k++) {
      double m, v;
      neighbourhood(src, xy[2 * k], xy[2 * k + 1], o->radius, &m, &v);
      mean += m;
      var += v;
    }
    mean /= nseeds;
    var /= nseeds;
  } else {
    double sum = 0, sq = 0;
    for (int k = 0; k < nseeds; k++) {
      double v = px(src, xy[2 * k], xy[2 * k + 1]);
      sum += v;
      sq += v * v;
    }
    mean = sum / nseeds;
    var = (sq - (sum * sum / nseeds)) / (nseeds - 1.0);
  }
  /* ITK starts lowest at max() and highest at NonpositiveMin() */
  double lowest = vmax(t), highest = vmin(t);
  for (int k = 0; k < nseeds; k++) {
    double v = px(src, xy[2 * k], xy[2 * k + 1]);
    if (lowest > v) lowest = v;
    if (highest < v) highest = v;
  }
  double lo, hi;
  bounds(t, mean, var, o->multiplier, lowest, highest, &lo, &hi);
  SegFloodBounds b;
  b.lo[0] = lo;
  b.hi[0] = hi;
  int st = seg_flood_fill(src, &b, xy, nseeds, 0, o->conn, dst);
  for (int it = 0; it < o->iters && st == SEG_OK; it++) {
    double sum = 0, sq = 0, num = 0;
    for (int y = 0; y < src->h; y++) {
      const uint8_t *m = seg_row_u8(dst, y);
      for (int x = 0; x < src->w; x++) {
        if (!m[x]) continue;
        double v = px(src, x, y);
        sum += v;
        sq += v * v;
        num += 1;
      }
    }
    if (num < 2) break;
    mean = sum / num;
    var = (sq - (sum * sum / num)) / (num - 1.0);
    if (fabs(var) <= ITK_ALMOST_ZERO) break;
    double nlo, nhi;
    bounds(t, mean, var, o->multiplier, lowest, highest, &nlo, &nhi);
    if (nlo == lo && nhi == hi) break;    /* the same flood again: a fixed point */
    lo = nlo;
    hi = nhi;
    b.lo[0] = lo;
    b.hi[0] = hi;
    for (int y = 0; y < dst->h; y++) memset(seg_row(dst, y), 0, (size_t)dst->w);
    st = seg_flood_fill(src, &b, xy, nseeds, 0, o->conn, dst);
  }
  *lower = lo;
  *upper = hi;
  return st;
}

/* global.c — one global threshold from a histogram (otsu, triangle, li,
** yen, isodata, mean, minimum), and the family's failure messages.
**
** The methods reproduce scikit-image 0.19's threshold_* on the same
** histogram, in the same floating-point types and order of operations
** (float32 where skimage uses float32), so u8 and u16 images give
** bit-identical thresholds. Integer images get one bin per value (skimage's
** bincount path: nbins is ignored there), f32 images 256 bins with numpy's
** float32 edges. The compiler must not contract a*b+c into FMA in these functions for
** that to hold: none of them is cloned for AVX2, and baseline x86-64 has no
** FMA. */
#include <math.h>
#include <string.h>
#include "threshold_internal.h"

const char *seg_threshold_error (int code) {
  switch (code) {
    case SEG_TH_EMPTY: return "image has no finite pixel";
    case SEG_TH_NO_MAXIMA: return "unable to find two maxima in histogram";
    case SEG_TH_NO_ISODATA: return "no isodata threshold in histogram";
    case SEG_TH_FEW_VALUES: return "image has fewer distinct values than classes";
    case SEG_TH_TOO_MANY: return "too many classes for the image's distinct values (search too long)";
    default: return seg_strerror(code);
  }
}

/* ---------- global methods ---------- */

/* threshold_otsu: first maximum of w1 w2 (m1 - m2)^2 over bin splits. */
static double otsu (const SegHist *h, double *work) {
  int n = h->n;
  double *m1 = work, *m2 = work + n, *w1 = work + 2 * n, *w2 = work + 3 * n;
  double cw = 0, cm = 0;
  for (int i = 0; i < n; i++) {
    cw += (double)h->count[i]; cm += (double)h->count[i] * h->center[i];
    w1[i] = cw; m1[i] = cm / cw;
  }
  cw = 0; cm = 0;
  for (int i = n - 1; i >= 0; i--) {
    cw += (double)h->count[i]; cm += (double)h->count[i] * h->center[i];
    w2[i] = cw; m2[i] = cm / cw;
  }
  int best = 0;
  double bv = -1;
  for (int i = 0; i + 1 < n; i++) {
    double d = m1[i] - m2[i + 1];
    double v = w1[i] * w2[i + 1] * (d * d);
    if (v > bv) { bv = v; best = i; }
  }
  return h->center[best];
}

/* threshold_yen, in float32 as skimage. */
static double yen (const SegHist *h, double *work) {
  int n = h->n;
  if (n == 1) return h->center[0];
  float *pmf = (float *)work, *p1 = pmf + n, *p1sq = p1 + n, *p2sq = p1sq + n;
  float tot = (float)(double)h->total;
  float a = 0, b = 0;
  for (int i = 0; i < n; i++) {
    pmf[i] = (float)h->count[i] / tot;
    a += pmf[i]; p1[i] = a;
    b += pmf[i] * pmf[i]; p1sq[i] = b;
  }
  b = 0;
  for (int i = n - 1; i >= 0; i--) { b += pmf[i] * pmf[i]; p2sq[i] = b; }
  int best = 0;
  float bv = -INFINITY;
  for (int i = 0; i + 1 < n; i++) {
    float q = p1[i] * (1.0f - p1[i]);
    float c = logf((1.0f / (p1sq[i] * p2sq[i + 1])) * (q * q));
    if (c != c) { best = i; break; }   /* numpy's argmax stops at a NaN */
    if (c > bv) { bv = c; best = i; }
  }
  return h->center[best];
}

/* threshold_isodata: the first bin t with 0 <= (mean_below + mean_above)/2 - t
** < bin width. Counts and their cumulative sums are float32 as in skimage;
** intensities float64 for integer images (float32 * int64 promotes), float32
** for float images. */
static int isodata (const SegHist *h, double *work, double *t) {
  int n = h->n;
  if (n == 1) { *t = h->center[0]; return SEG_TH_OK; }
  float *csuml = (float *)work;
  float acc = 0;
  for (int i = 0; i < n; i++) { acc += (float)h->count[i]; csuml[i] = acc; }
  if (h->isint) {
    double *ci = work + n;
    double s = 0;
    for (int i = 0; i < n; i++) { s += (double)(float)h->count[i] * h->center[i]; ci[i] = s; }
    double bw = h->center[1] - h->center[0];
    for (int i = 0; i + 1 < n; i++) {
      float csumh = csuml[n - 1] - csuml[i];
      double lower = ci[i] / (double)csuml[i];
      double higher = (ci[n - 1] - ci[i]) / (double)csumh;
      double d = (lower + higher) / 2.0 - h->center[i];
      if (d >= 0 && d < bw) { *t = h->center[i]; return SEG_TH_OK; }
    }
  } else {
    float *ci = (float *)(work + n);
    float s = 0;
    for (int i = 0; i < n; i++) { s += (float)h->count[i] * (float)h->center[i]; ci[i] = s; }
    float bw = (float)h->center[1] - (float)h->center[0];
    for (int i = 0; i + 1 < n; i++) {
      float csumh = csuml[n - 1] - csuml[i];
      float lower = ci[i] / csuml[i];
      float higher = (ci[n - 1] - ci[i]) / csumh;
      float d = (lower + higher) / 2.0f - (float)h->center[i];
      if (d >= 0 && d < bw) { *t = h->center[i]; return SEG_TH_OK; }
    }
  }
  return SEG_TH_NO_ISODATA;
}

/* threshold_triangle (Zack et al. 1977), as skimage: the bin farthest below
** the line from the peak to the far end of the longer tail. */
static double triangle (const SegHist *h) {
  int n = h->n;
  int peak = 0, low = -1, high = -1;
  for (int i = 0; i < n; i++) {
    if (h->count[i] > h->count[peak]) peak = i;
    if (h->count[i] > 0) { if (low < 0) low = i; high = i; }
  }
  int64_t ph = (int64_t)h->count[peak];
  int flip = peak - low < high - peak;
  if (flip) { low = n - high - 1; peak = n - peak - 1; }
  int64_t width = peak - low;
  if (width == 0) return h->center[flip ? n - low - 1 : low];
  double norm = sqrt((double)(ph * ph + width * width));
  double phn = (double)ph / norm, wn = (double)width / norm;
  int best = 0;
  double bv = -INFINITY;
  for (int x = 0; x < width; x++) {
    int i = x + low;
    double y = (double)h->count[flip ? n - 1 - i : i];
    double len = phn * x - wn * y;
    if (len > bv) { bv = len; best = x; }
  }
  int lvl = best + low;
  if (flip) lvl = n - lvl - 1;
  return h->center[lvl];
}

/* threshold_minimum: smooth with scipy's uniform_filter1d(size 3, reflect),
** whose running sum we copy, until fewer than three maxima remain.
** skimage stops after 10000 smoothings; we also stop after
** SEG_MINIMUM_WORK / bins of them, so that a sparse u16 histogram (65536
** bins, 625 smoothings) fails in milliseconds rather than seconds: up to
** 4096 bins (u8, f32 and 12-bit images) the result is skimage's. */
static int minimum (const SegHist *h, double *work, double *t) {
  int n = h->n;
  double *s = work, *e = work + n;   /* e: n + 2 extended samples */
  for (int i = 0; i < n; i++) s[i] = (double)h->count[i];
  int nmax = 0, m0 = 0, m1 = 0, counter;
  const int maxit = n <= SEG_MINIMUM_WORK / 10000 ? 10000 : SEG_MINIMUM_WORK / n;
  for (counter = 0; counter < maxit; counter++) {
    e[0] = s[0];
    memcpy(e + 1, s, sizeof(double) * (size_t)n);
    e[n + 1] = s[n - 1];
    double acc = 0.0;
    acc += e[0]; acc += e[1]; acc += e[2];
    s[0] = acc / 3;
    for (int l = 1; l < n; l++) { acc += e[l + 2] - e[l - 1]; s[l] = acc / 3; }
    nmax = 0;
    int dir = 1;
    for (int i = 0; i + 1 < n; i++) {
      if (dir > 0) {
        if (s[i + 1] < s[i]) {
          dir = -1;
          if (nmax == 0) m0 = i; else if (nmax == 1) m1 = i;
          nmax++;
        }
      } else if (s[i + 1] > s[i]) dir = 1;
    }
    if (nmax < 3) break;
  }
  if (nmax != 2 || counter == maxit - 1) return SEG_TH_NO_MAXIMA;
  int best = m0;
  for (int i = m0; i <= m1; i++) if (s[i] < s[best]) best = i;
  *t = h->center[best];
  return SEG_TH_OK;
}

/* threshold_li on an integer image: skimage iterates on the histogram of the
** image shifted to start at 0, where every sum is an exact integer. */
static double li_int (const SegHist *h) {
  int n = h->n;
  double tol = 0.5;
  uint64_t s = 0;
  for (int i = 0; i < n; i++) s += h->count[i] * (uint64_t)i;
  double tnext = (double)s / (double)h->total, tcur = -2 * tol;
  while (fabs(tnext - tcur) > tol) {
    tcur = tnext;
    double wf = 0, sf = 0, wb = 0, sb = 0;
    for (int i = 0; i < n; i++) {
      double c = (double)h->count[i];
      if (i > tcur) { wf += c; sf += c * i; } else { wb += c; sb += c * i; }
    }
    if (wf == 0 || wb == 0) break;
    double mf = sf / wf, mb = sb / wb;
    tnext = (mb - mf) / (log(mb) - log(mf));
  }
  return tnext + h->lo;
}

/* LSD radix sort of non-negative floats by their bit patterns. */
static void sort_f32 (uint32_t *a, uint32_t *tmp, size_t n) {
  for (int shift = 0; shift < 32; shift += 8) {
    size_t cnt[257] = {0};
    for (size_t i = 0; i < n; i++) cnt[((a[i] >> shift) & 255) + 1]++;
    for (int b = 0; b < 256; b++) cnt[b + 1] += cnt[b];
    for (size_t i = 0; i < n; i++) tmp[cnt[(a[i] >> shift) & 255]++] = a[i];
    uint32_t *x = a; a = tmp; tmp = x;
  }
}

/* threshold_li on a float image: the same iteration on the pixels shifted
** by the minimum (in float32, as skimage), with the tolerance half the
** smallest gap between distinct values. Sums are double where skimage sums
** float32, so the result agrees to float32 rounding, not bit for bit. */
static double li_f32 (const SegBuf *src, const SegHist *h, float *buf) {
  size_t n = 0;
  float mn = (float)h->lo;
  for (int y = 0; y < src->h; y++) {
    const float *r = seg_row_f32(src, y);
    for (int x = 0; x < src->w; x++) if (isfinite(r[x])) buf[n++] = r[x] - mn;
  }
  float *tmp = buf + n;
  sort_f32((uint32_t *)buf, (uint32_t *)tmp, n);   /* 4 passes: result in buf */
  float gap = INFINITY;
  double total = 0;
  for (size_t i = 0; i < n; i++) {
    total += buf[i];
    if (i && buf[i] != buf[i - 1] && buf[i] - buf[i - 1] < gap) gap = buf[i] - buf[i - 1];
  }
  double tol = gap / 2;
  double tnext = total / (double)n, tcur = -2 * tol;
  while (fabs(tnext - tcur) > tol) {
    tcur = tnext;
    size_t lo = 0, hi = n;   /* first index with buf[i] > tcur */
    while (lo < hi) { size_t m = (lo + hi) / 2; if (buf[m] > tcur) hi = m; else lo = m + 1; }
    if (lo == 0 || lo == n) break;
    double sb = 0;
    for (size_t i = 0; i < lo; i++) sb += buf[i];
    double mb = sb / (double)lo, mf = (total - sb) / (double)(n - lo);
    tnext = (mb - mf) / (log(mb) - log(mf));
  }
  return tnext + mn;
}

static double mean_f32 (const SegBuf *src) {
  double s = 0;
  uint64_t n = 0;
  for (int y = 0; y < src->h; y++) {
    const float *r = seg_row_f32(src, y);
    double rs = 0;
    for (int x = 0; x < src->w; x++) if (isfinite(r[x])) { rs += r[x]; n++; }
    s += rs;
  }
  return s / (double)n;
}

size_t seg_threshold_scratch (const SegBuf *src, int method) {
  size_t b = sizeof(double) * 4 * ((size_t)seg_hist_cap(src) + 2);
  if (method == SEG_TH_LI && src->dtype == SEG_F32)
    b += 2 * sizeof(float) * (size_t)src->w * (size_t)src->h;
  return b;
}

int seg_threshold_global (const SegBuf *src, const SegHist *h, int method,
                          void *scratch, double *t, int threads) {
  (void)threads;
  double *work = scratch;
  if (h->total == 0) return SEG_TH_EMPTY;
  /* a constant image is its own threshold (skimage's otsu and li say so) */
  if (h->lo == h->hi) { *t = h->lo; return SEG_TH_OK; }
  switch (method) {
    case SEG_TH_OTSU: *t = otsu(h, work); return SEG_TH_OK;
    case SEG_TH_YEN: *t = yen(h, work); return SEG_TH_OK;
    case SEG_TH_ISODATA: return isodata(h, work, t);
    case SEG_TH_TRIANGLE: *t = triangle(h); return SEG_TH_OK;
    case SEG_TH_MINIMUM: return minimum(h, work, t);
    case SEG_TH_LI:
      *t = h->isint ? li_int(h) : li_f32(src, h, (float *)(work + 4 * (seg_hist_cap(src) + 2)));
      return SEG_TH_OK;
    default:   /* mean */
      if (h->isint) {
        uint64_t s = 0;
        for (int i = 0; i < h->n; i++) s += h->count[i] * (uint64_t)h->center[i];
        *t = (double)s / (double)h->total;
      } else *t = mean_f32(src);
      return SEG_TH_OK;
  }
}

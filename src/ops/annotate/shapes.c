/* shapes.c — lines, rectangles and circles drawn in place, clipped.
** Every shape is a set of pixels computed per visible row or column, never
** by walking coordinates outside the buffer. */
#include <math.h>
#include <string.h>
#include "annotate.h"

void seg_ink (SegDtype t, int c, const double *v, SegInk *ink) {
  seg_assert(c >= 1 && c <= SEG_INK_MAXC);
  memset(&ink->px, 0, sizeof ink->px);
  ink->bytes = (size_t)c * seg_dtype_size(t);
  for (int i = 0; i < c; i++) {
    switch (t) {
      case SEG_U8: ink->px.b[i] = (uint8_t)v[i]; break;
      case SEG_U16: { uint16_t e = (uint16_t)v[i]; memcpy(ink->px.b + 2 * i, &e, 2); break; }
      case SEG_I32: { int32_t e = (int32_t)v[i]; memcpy(ink->px.b + 4 * i, &e, 4); break; }
      default: { float e = (float)v[i]; memcpy(ink->px.b + 4 * i, &e, 4); break; }
    }
  }
}

/* n pixels from p. One pixel is written, then the filled prefix is copied
** onto the rest in doubling blocks: O(log n) large memcpy calls for any
** pixel size, where a per-pixel loop of 3- or 6-byte copies is slow. */
static void fill (uint8_t *p, int64_t n, const SegInk *ink) {
  size_t ps = ink->bytes, total = (size_t)n * ps;
  if (ps == 1) { memset(p, ink->px.b[0], (size_t)n); return; }
  if (n <= 0) return;
  if (n < 8) {
    const uint8_t *s = ink->px.b;
    switch (ps) {
      case 3: for (int64_t i = 0; i < n; i++) memcpy(p + i * 3, s, 3); break;
      case 4: for (int64_t i = 0; i < n; i++) memcpy(p + i * 4, s, 4); break;
      default: for (int64_t i = 0; i < n; i++) memcpy(p + (size_t)i * ps, s, ps);
    }
    return;
  }
  memcpy(p, ink->px.b, ps);
  size_t done = ps;
  while (done < total) {
    size_t k = done < total - done ? done : total - done;
    memcpy(p + done, p, k);
    done += k;
  }
}

/* One pixel; constant-size copies for the common pixel sizes. */
static inline void put (SegBuf *b, int64_t x, int64_t y, const SegInk *ink) {
  uint8_t *p = seg_row(b, (int)y) + (size_t)x * ink->bytes;
  const uint8_t *s = ink->px.b;
  switch (ink->bytes) {
    case 1: *p = s[0]; break;
    case 2: memcpy(p, s, 2); break;
    case 3: memcpy(p, s, 3); break;
    case 4: memcpy(p, s, 4); break;
    default: memcpy(p, s, ink->bytes);
  }
}

static inline int inside (const SegBuf *b, int64_t x, int64_t y) {
  return x >= 0 && y >= 0 && x < b->w && y < b->h;
}

void seg_draw_span (SegBuf *b, int64_t y, int64_t x0, int64_t x1, const SegInk *ink) {
  if (y < 0 || y >= b->h) return;
  if (x0 < 0) x0 = 0;
  if (x1 > b->w - 1) x1 = b->w - 1;
  if (x0 > x1) return;
  fill(seg_row(b, (int)y) + (size_t)x0 * ink->bytes, x1 - x0 + 1, ink);
}

/* ---------- one-pixel lines ---------- */

/* Minor offset of step i: round_half_up(i * dm / n), as skimage's error
** term gives it. 2*dm*i + n < 2^64 for coordinates within 2^30. */
static inline int64_t minor_at (uint64_t i, uint64_t dm, uint64_t n) {
  return (int64_t)((2 * dm * i + n) / (2 * n));
}

void seg_draw_line (SegBuf *b, int64_t x0, int64_t y0, int64_t x1, int64_t y1,
                    const SegInk *ink) {
  int64_t dx = x1 > x0 ? x1 - x0 : x0 - x1, dy = y1 > y0 ? y1 - y0 : y0 - y1;
  int64_t sx = x1 - x0 > 0 ? 1 : -1, sy = y1 - y0 > 0 ? 1 : -1;
  if (dx == 0 && dy == 0) {
    if (inside(b, x0, y0)) put(b, x0, y0, ink);
    return;
  }
  int steep = dy > dx;    /* skimage: the major axis is y only when strictly longer */
  int64_t a0 = steep ? y0 : x0, m0 = steep ? x0 : y0;
  int64_t n = steep ? dy : dx, dm = steep ? dx : dy;
  int64_t sa = steep ? sy : sx, sm = steep ? sx : sy;
  int64_t alim = steep ? b->h : b->w, mlim = steep ? b->w : b->h;
  /* steps whose major coordinate is inside */
  int64_t lo = sa > 0 ? -a0 : a0 - (alim - 1), hi = sa > 0 ? alim - 1 - a0 : a0;
  if (lo < 0) lo = 0;
  if (hi > n) hi = n;
  if (lo > hi) return;
  /* minor offsets k inside: [klo, khi]; k(i) never decreases, so the steps
  ** with k inside are an interval, found by bisection */
  int64_t klo = sm > 0 ? -m0 : m0 - (mlim - 1), khi = sm > 0 ? mlim - 1 - m0 : m0;
  int64_t l = lo, r = hi + 1;           /* first i with k(i) >= klo */
  while (l < r) {
    int64_t mid = l + (r - l) / 2;
    if (minor_at((uint64_t)mid, (uint64_t)dm, (uint64_t)n) >= klo) r = mid; else l = mid + 1;
  }
  lo = l;
  l = lo; r = hi + 1;                   /* first i with k(i) > khi */
  while (l < r) {
    int64_t mid = l + (r - l) / 2;
    if (minor_at((uint64_t)mid, (uint64_t)dm, (uint64_t)n) > khi) r = mid; else l = mid + 1;
  }
  hi = l - 1;
  if (lo > hi) return;
  /* incremental: num = 2*dm*i + n = k*(2n) + rem */
  uint64_t twon = 2 * (uint64_t)n, num = 2 * (uint64_t)dm * (uint64_t)lo + (uint64_t)n;
  int64_t k = (int64_t)(num / twon);
  uint64_t rem = num % twon;
  for (int64_t i = lo; i <= hi; i++) {
    int64_t a = a0 + sa * i, m = m0 + sm * k;
    if (steep) put(b, m, a, ink); else put(b, a, m, ink);
    rem += 2 * (uint64_t)dm;
    if (rem >= twon) { rem -= twon; k++; }   /* dm <= n: at most one step */
  }
}

/* ---------- thick lines ---------- */

/* Pixel centres within R of the segment: on each row the union of the two
** end disks' and the central slab's intervals, a single interval since the
** capsule is convex. The slab's bounds are linear in the row, so each row
** costs a few multiply-adds; a tolerance of 1e-9 px keeps exact boundary
** points. Written once for double (coordinates below 2^24, whose squares
** are exact) and once for long double (any coordinate within 2^30, exact
** on x86-64). */
#define CAPSULE(NAME, T, SQRT, FLOOR, CEIL)                                        \
static void NAME (SegBuf *b, T x0, T y0, T x1, T y1, T R, const SegInk *ink) {    \
  const T eps = (T)1e-9, INF = (T)INFINITY;                                        \
  T ytop = (y0 < y1 ? y0 : y1) - R, ybot = (y0 > y1 ? y0 : y1) + R;               \
  T ya_ = CEIL(ytop - eps), yb_ = FLOOR(ybot + eps);                               \
  if (ya_ < 0) ya_ = 0;                                                            \
  if (yb_ > (T)(b->h - 1)) yb_ = (T)(b->h - 1);                                    \
  int64_t ya = (int64_t)ya_, yb = (int64_t)yb_;                                    \
  T ux = x1 - x0, uy = y1 - y0, len = SQRT(ux * ux + uy * uy);                     \
  T ex = len > 0 ? ux / len : 0, ey = len > 0 ? uy / len : 0;                      \
  /* slab: along = (x - x0)ex + dy ey in [0, len], across = -(x - x0)ey + dy ex   \
  ** in [-R, R], dy = y - y0; for ex != 0 (ey != 0) each gives an x interval     \
  ** whose ends move by -ey/ex (ex/ey) per row */                                 \
  int has_a = ex > 1e-12 || ex < -1e-12, has_c = ey > 1e-12 || ey < -1e-12;        \
  T ia = has_a ? 1 / ex : 0, ic = has_c ? 1 / ey : 0;                              \
  for (int64_t y = ya; y <= yb; y++) {                                             \
    T lo = INF, hi = -INF, dy = (T)y - y0;                                         \
    T d0 = dy, q0 = R * R - d0 * d0;                                               \
    if (q0 >= -eps) {                                                              \
      T s = SQRT(q0 > 0 ? q0 : 0);                                                 \
      lo = x0 - s; hi = x0 + s;                                                    \
    }                                                                              \
    T d1 = (T)y - y1, q1 = R * R - d1 * d1;                                        \
    if (q1 >= -eps) {                                                              \
      T s = SQRT(q1 > 0 ? q1 : 0);                                                 \
      if (x1 - s < lo) lo = x1 - s;                                                \
      if (x1 + s > hi) hi = x1 + s;                                                \
    }                                                                              \
    if (len > 0) {                                                                 \
      T slo = -INF, shi = INF, a, z;                                               \
      if (has_a) {                                                                 \
        a = x0 - dy * ey * ia; z = x0 + (len - dy * ey) * ia;                      \
        if (a > z) { T t_ = a; a = z; z = t_; }                                    \
        slo = a; shi = z;                                                          \
      } else if (dy * ey < -eps || dy * ey > len + eps) slo = INF;                 \
      if (has_c) {                                                                 \
        a = x0 + (dy * ex - R) * ic; z = x0 + (dy * ex + R) * ic;                  \
        if (a > z) { T t_ = a; a = z; z = t_; }                                    \
        if (a > slo) slo = a;                                                      \
        if (z < shi) shi = z;                                                      \
      } else if (dy * ex < -R - eps || dy * ex > R + eps) slo = INF;               \
      if (slo <= shi) { if (slo < lo) lo = slo; if (shi > hi) hi = shi; }          \
    }                                                                              \
    if (lo > hi) continue;                                                         \
    if (lo < -1) lo = -1;                                                          \
    if (hi > (T)b->w) hi = (T)b->w;                                                \
    seg_draw_span(b, y, (int64_t)CEIL(lo - eps), (int64_t)FLOOR(hi + eps), ink);   \
  }                                                                                \
}

CAPSULE(capsule_d, double, sqrt, floor, ceil)
CAPSULE(capsule_ld, long double, sqrtl, floorl, ceill)

void seg_draw_capsule (SegBuf *b, double x0, double y0, double x1, double y1,
                       double thickness, const SegInk *ink) {
  const double small = 16777216.0;   /* 2^24 */
  if (fabs(x0) < small && fabs(y0) < small && fabs(x1) < small && fabs(y1) < small &&
      thickness < small)
    capsule_d(b, x0, y0, x1, y1, thickness / 2, ink);
  else
    capsule_ld(b, x0, y0, x1, y1, (long double)thickness / 2, ink);
}

/* ---------- rectangles ---------- */

void seg_draw_rect (SegBuf *b, int64_t x, int64_t y, int64_t w, int64_t h,
                    int64_t thickness, int fill, const SegInk *ink) {
  if (w <= 0 || h <= 0) return;
  int64_t x1 = x + w - 1, y1 = y + h - 1, t = thickness;
  if (fill || 2 * t >= w || 2 * t >= h) t = h;   /* the outline covers it all */
  int64_t ya = y > 0 ? y : 0, yb = y1 < b->h - 1 ? y1 : b->h - 1;
  for (int64_t r = ya; r <= yb; r++) {
    if (r < y + t || r > y1 - t) seg_draw_span(b, r, x, x1, ink);
    else {
      seg_draw_span(b, r, x, x + t - 1, ink);
      seg_draw_span(b, r, x1 - t + 1, x1, ink);
    }
  }
}

/* ---------- circles ---------- */

/* floor(sqrt(v)) for v < 2^62, exact. */
static int64_t isqrt64 (int64_t v) {
  if (v <= 0) return 0;
  int64_t r = (int64_t)sqrt((double)v);
  while (r > 0 && r * r > v) r--;
  while ((r + 1) * (r + 1) <= v) r++;
  return r;
}

void seg_draw_circle (SegBuf *b, int64_t cx, int64_t cy, int64_t r, int fill,
                      const SegInk *ink) {
  int64_t r2 = r * r;
  if (fill) {
    int64_t ya = cy - r > 0 ? cy - r : 0, yb = cy + r < b->h - 1 ? cy + r : b->h - 1;
    for (int64_t y = ya; y <= yb; y++) {
      int64_t h = isqrt64(r2 - (y - cy) * (y - cy));
      seg_draw_span(b, y, cx - h, cx + h, ink);
    }
    return;
  }
  /* octant points (dx(t), t) for t = 0..tmax, mirrored: rows cy +- t carry
  ** x = cx +- dx(t), columns cx +- t carry y = cy +- dx(t) */
  int64_t tmax = isqrt64(r2 / 2);
  int64_t ya = cy - tmax > 0 ? cy - tmax : 0, yb = cy + tmax < b->h - 1 ? cy + tmax : b->h - 1;
  int64_t xa = cx - tmax > 0 ? cx - tmax : 0, xb = cx + tmax < b->w - 1 ? cx + tmax : b->w - 1;
  for (int64_t y = ya; y <= yb; y++) {
    int64_t t = y > cy ? y - cy : cy - y;
    int64_t d = isqrt64(r2 - t * t);
    if (inside(b, cx - d, y)) put(b, cx - d, y, ink);
    if (inside(b, cx + d, y)) put(b, cx + d, y, ink);
  }
  for (int64_t x = xa; x <= xb; x++) {
    int64_t t = x > cx ? x - cx : cx - x;
    int64_t d = isqrt64(r2 - t * t);
    if (inside(b, x, cy - d)) put(b, x, cy - d, ink);
    if (inside(b, x, cy + d)) put(b, x, cy + d, ink);
  }
}

void seg_draw_ring (SegBuf *b, int64_t cx, int64_t cy, int64_t r, double thickness,
                    const SegInk *ink) {
  /* long double: squares of coordinates up to 2^31 stay exact on x86-64 */
  const long double eps = 1e-9L;
  long double ro = (long double)r + thickness / 2, ri = (long double)r - thickness / 2;
  long double ro2 = ro * ro, ri2 = ri > 0 ? ri * ri : -1;
  int64_t ya = (int64_t)fmaxl(0, ceill((long double)cy - ro - eps));
  int64_t yb = (int64_t)fminl(b->h - 1, floorl((long double)cy + ro + eps));
  for (int64_t y = ya; y <= yb; y++) {
    long double dy = (long double)(y - cy), q = ro2 - dy * dy;
    if (q < -eps) continue;
    int64_t ho = (int64_t)fminl(floorl(sqrtl(fmaxl(q, 0)) + eps), 4.0L * SEG_DRAW_MAXCOORD);
    long double qi = ri2 - dy * dy;
    if (ri2 < 0 || qi < 0) { seg_draw_span(b, y, cx - ho, cx + ho, ink); continue; }
    /* the hole: centres with d < ri, |dx| < sqrt(qi) */
    int64_t hin = (int64_t)ceill(sqrtl(qi) - eps);
    if (hin > ho) continue;
    seg_draw_span(b, y, cx - ho, cx - hin, ink);
    seg_draw_span(b, y, cx + hin, cx + ho, ink);
  }
}

/* skeleton.c — Zhang-Suen thinning as scikit-image 0.19's skeletonize, and
** the convex hull image as its convex_hull_image. */
#include <stdlib.h>
#include <string.h>
#include "skeleton.h"

/* ---------- skeleton ---------- */

/* scikit-image's table (morphology/_skeletonize_cy.pyx): for the 8-bit
** neighbourhood code (1 NW, 2 N, 4 NE, 8 E, 16 SE, 32 S, 64 SW, 128 W),
** 1 = removable in the first sub-pass, 2 = in the second, 3 = in both. */
static const uint8_t lut[256] = {
  0, 0, 0, 1, 0, 0, 1, 3, 0, 0, 3, 1, 1, 0, 1, 3, 0, 0, 0, 0, 0, 0,
  0, 0, 2, 0, 2, 0, 3, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 2, 2, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0,
  0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 2, 0, 0, 0, 3, 1,
  0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 1, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 1, 3, 0, 0,
  1, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 2, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3,
  0, 1, 0, 0, 0, 0, 2, 2, 0, 0, 2, 0, 0, 0};

/* One zero-bordered (w+2) x (h+2) plane (bit 0: set, bit 1: listed as a
** candidate), then the candidate and removal lists (int32 each). */
size_t seg_skeleton_scratch (int w, int h) {
  size_t pw = (size_t)w + 2, ph = (size_t)h + 2;
  return pw * ph + 2 * pw * ph * sizeof(int32_t) + 16;
}

/* Only a set pixel with a background neighbour can go (lut[255] = 0), so
** each sub-pass looks at the current border pixels only: the candidate
** list starts as the border and gains the set neighbours of every removed
** pixel. All of a sub-pass's decisions are taken before any removal, which
** is the snapshot semantics of scikit-image's two-buffer loop. Total work
** is about the area plus the skeleton's length times the iterations. */
void seg_skeleton (const SegBuf *src, SegBuf *dst, void *work, int threads) {
  (void)threads;
  int w = src->w, h = src->h;
  size_t pw = (size_t)w + 2, ph = (size_t)h + 2;
  uint8_t *a = work;
  int32_t *cand = (int32_t *)(((uintptr_t)(a + pw * ph) + 3) & ~(uintptr_t)3);
  int32_t *rem = cand + pw * ph;
  const ptrdiff_t W = (ptrdiff_t)pw;
  const ptrdiff_t nb[8] = {-W - 1, -W, -W + 1, 1, W + 1, W, W - 1, -1};
  memset(a, 0, pw * ph);
  for (int y = 0; y < h; y++) {
    const uint8_t *s = seg_row_u8(src, y);
    uint8_t *p = a + (size_t)(y + 1) * pw + 1;
    for (int x = 0; x < w; x++) p[x] = s[x] != 0;
  }
  size_t nc = 0;
  for (size_t y = 1; y + 1 < ph; y++)
    for (size_t x = 1; x + 1 < pw; x++) {
      size_t p = y * pw + x;
      if (!a[p]) continue;
      int border = 0;
      for (int k = 0; k < 8; k++) border |= !(a[(ptrdiff_t)p + nb[k]] & 1);
      if (border) { a[p] |= 2; cand[nc++] = (int32_t)p; }
    }
  int removed = 1;
  while (removed) {
    removed = 0;
    for (int sub = 0; sub < 2; sub++) {
      int want = sub ? 2 : 1;
      size_t nr = 0;
      for (size_t i = 0; i < nc; i++) {
        ptrdiff_t p = cand[i];
        int code = 0;
        for (int k = 0; k < 8; k++) code |= (a[p + nb[k]] & 1) << k;
        int t = lut[code];
        if (t == 3 || t == want) rem[nr++] = (int32_t)p;
      }
      if (nr == 0) continue;
      removed = 1;
      for (size_t i = 0; i < nr; i++) a[rem[i]] = 0;
      /* drop removed candidates, then list the newly exposed pixels */
      size_t k = 0;
      for (size_t i = 0; i < nc; i++) if (a[cand[i]] & 1) cand[k++] = cand[i];
      nc = k;
      for (size_t i = 0; i < nr; i++)
        for (int j = 0; j < 8; j++) {
          ptrdiff_t q = rem[i] + nb[j];
          if (a[q] == 1) { a[q] = 3; cand[nc++] = (int32_t)q; }
        }
    }
  }
  for (int y = 0; y < h; y++) {
    const uint8_t *p = a + (size_t)(y + 1) * pw + 1;
    uint8_t *d = seg_row_u8(dst, y);
    for (int x = 0; x < w; x++) d[x] = p[x] & 1;
  }
}

/* ---------- convex hull ---------- */

/* Coordinates are doubled so the mid-edge points (x +- 1/2, y), (x, y +- 1/2)
** are integers; every test below is exact. */
typedef struct Pt { int64_t x, y; } Pt;

size_t seg_hull_scratch (int w, int h) {
  /* up to 2 pixels per row and per column, 4 points each, plus the hull */
  size_t n = 4 * (2 * (size_t)h + 2 * (size_t)w) + 8;
  return 2 * n * sizeof(Pt) + (size_t)w * 2 * sizeof(int) + 16;
}

static int cmp_pt (const void *a, const void *b) {
  const Pt *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return 0;
}

static int64_t cross (Pt o, Pt a, Pt b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

static int64_t floor_div (int64_t a, int64_t b) {  /* b > 0 */
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
static int64_t ceil_div (int64_t a, int64_t b) {  /* b > 0 */
  int64_t q = a / b;
  return (a % b != 0 && a > 0) ? q + 1 : q;
}

void seg_convex_hull (const SegBuf *src, SegBuf *dst, void *scratch) {
  int w = src->w, h = src->h;
  Pt *pts = (Pt *)(((uintptr_t)scratch + 15) & ~(uintptr_t)15);
  size_t cap = 4 * (2 * (size_t)h + 2 * (size_t)w) + 8;
  Pt *hull = pts + cap;
  int *cmin = (int *)(hull + cap), *cmax = cmin + w;
  size_t n = 0;
  for (int x = 0; x < w; x++) { cmin[x] = h; cmax[x] = -1; }
  /* skimage's possible_hull: the first and last pixel of every row and column */
  for (int y = 0; y < h; y++) {
    const uint8_t *s = seg_row_u8(src, y);
    int first = -1, last = -1;
    for (int x = 0; x < w; x++)
      if (s[x]) {
        if (first < 0) first = x;
        last = x;
        if (y < cmin[x]) cmin[x] = y;
        cmax[x] = y;
      }
    if (first < 0) continue;
    pts[n++] = (Pt){2 * (int64_t)first, 2 * (int64_t)y};
    if (last != first) pts[n++] = (Pt){2 * (int64_t)last, 2 * (int64_t)y};
  }
  for (int x = 0; x < w; x++) {
    if (cmax[x] < 0) continue;
    pts[n++] = (Pt){2 * (int64_t)x, 2 * (int64_t)cmin[x]};
    if (cmax[x] != cmin[x]) pts[n++] = (Pt){2 * (int64_t)x, 2 * (int64_t)cmax[x]};
  }
  for (int y = 0; y < h; y++) memset(seg_row_u8(dst, y), 0, (size_t)w);
  if (n == 0) return;
  size_t m = n;
  for (size_t i = 0; i < m; i++) {
    Pt p = pts[i];
    pts[i] = (Pt){p.x - 1, p.y};
    pts[n++] = (Pt){p.x + 1, p.y};
    pts[n++] = (Pt){p.x, p.y - 1};
    pts[n++] = (Pt){p.x, p.y + 1};
  }
  qsort(pts, n, sizeof(Pt), cmp_pt);
  /* Andrew's monotone chain, collinear points dropped */
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
    hull[k++] = pts[i];
  }
  for (size_t i = n - 1, t = k + 1; i-- > 0; ) {
    while (k >= t && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
    hull[k++] = pts[i];
  }
  k--;  /* the last point repeats the first */
  /* Each row's extent: the polygon cut by the line Y = 2y, boundary included. */
  int64_t ymin = hull[0].y, ymax = hull[0].y;
  for (size_t i = 1; i < k; i++) {
    if (hull[i].y < ymin) ymin = hull[i].y;
    if (hull[i].y > ymax) ymax = hull[i].y;
  }
  for (int y = 0; y < h; y++) {
    int64_t Y = 2 * (int64_t)y;
    if (Y < ymin || Y > ymax) continue;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < k; i++) {
      Pt a = hull[i], b = hull[(i + 1) % k];
      if (a.y > b.y) { Pt t = a; a = b; b = t; }
      if (Y < a.y || Y > b.y) continue;
      if (a.y == b.y) {
        int64_t l = a.x < b.x ? a.x : b.x, r = a.x < b.x ? b.x : a.x;
        if (ceil_div(l, 2) < lo) lo = ceil_div(l, 2);
        if (floor_div(r, 2) > hi) hi = floor_div(r, 2);
        continue;
      }
      /* X = a.x + (Y - a.y) (b.x - a.x) / (b.y - a.y); column = X / 2 */
      int64_t den = 2 * (b.y - a.y);
      int64_t num = a.x * (b.y - a.y) + (Y - a.y) * (b.x - a.x);
      int64_t c0 = ceil_div(num, den), c1 = floor_div(num, den);
      if (c0 < lo) lo = c0;
      if (c1 > hi) hi = c1;
    }
    if (lo < 0) lo = 0;
    if (hi > w - 1) hi = w - 1;
    if (lo <= hi) memset(seg_row_u8(dst, y) + lo, 1, (size_t)(hi - lo + 1));
  }
}

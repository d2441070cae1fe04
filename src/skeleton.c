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

/* Two zero-bordered (w+2) x (h+2) planes, then one "last changed" pass
** number per padded row. */
size_t seg_skeleton_scratch (int w, int h) {
  size_t pw = (size_t)w + 2, ph = (size_t)h + 2;
  return 2 * pw * ph + ph * sizeof(int) + 16;
}

typedef struct Sk {
  uint8_t *a, *b;     /* snapshot, cleaned */
  int *changed;       /* per padded row: last pass that removed a pixel there */
  size_t pw;
  int h, pass;
  int removed;        /* per pass, any thread (written only as 1) */
} Sk;

static void sk_rows (void *arg, int r0, int r1) {
  Sk *k = arg;
  int want = k->pass & 1 ? 2 : 1, any = 0;
  for (int r = r0 + 1; r < r1 + 1; r++) {
    /* a row whose 3x3 neighbourhood has not changed since the last pass of
    ** the same kind gives the same (empty) answer: skip it */
    if (k->pass >= 2) {
      int since = k->pass - 2;
      if (k->changed[r - 1] < since && k->changed[r] < since && k->changed[r + 1] < since)
        continue;
    }
    const uint8_t *u = k->a + (size_t)(r - 1) * k->pw, *m = u + k->pw, *d = m + k->pw;
    uint8_t *o = k->b + (size_t)r * k->pw;
    int rowany = 0;
    for (size_t x = 1; x + 1 < k->pw; x++) {
      if (!m[x]) continue;
      int code = u[x - 1] | u[x] << 1 | u[x + 1] << 2 | m[x + 1] << 3 |
                 d[x + 1] << 4 | d[x] << 5 | d[x - 1] << 6 | m[x - 1] << 7;
      int t = lut[code];
      if (t == 3 || t == want) { o[x] = 0; rowany = 1; }
    }
    if (rowany) { k->changed[r] = k->pass; any = 1; }
  }
  if (any) k->removed = 1;
}

static void sk_copy (void *arg, int r0, int r1) {
  Sk *k = arg;
  for (int r = r0 + 1; r < r1 + 1; r++)
    if (k->changed[r] == k->pass)
      memcpy(k->a + (size_t)r * k->pw, k->b + (size_t)r * k->pw, k->pw);
}

void seg_skeleton (const SegBuf *src, SegBuf *dst, void *work, int threads) {
  int w = src->w, h = src->h;
  size_t pw = (size_t)w + 2, ph = (size_t)h + 2;
  Sk k = {(uint8_t *)work, (uint8_t *)work + pw * ph, NULL, pw, h, 0, 0};
  k.changed = (int *)(((uintptr_t)(k.b + pw * ph) + 7) & ~(uintptr_t)7);
  memset(k.a, 0, pw * ph);
  for (int y = 0; y < h; y++) {
    const uint8_t *s = seg_row_u8(src, y);
    uint8_t *p = k.a + (size_t)(y + 1) * pw + 1;
    for (int x = 0; x < w; x++) p[x] = s[x] != 0;
  }
  memcpy(k.b, k.a, pw * ph);
  for (size_t r = 0; r < ph; r++) k.changed[r] = -1;
  /* An iteration is two sub-passes; stop after one that removed nothing. */
  int removed = 1;
  while (removed) {
    removed = 0;
    for (int sub = 0; sub < 2; sub++) {
      k.removed = 0;
      seg_parallel_for(threads, h, 64, sk_rows, &k);
      seg_parallel_for(threads, h, 256, sk_copy, &k);
      removed |= k.removed;
      k.pass++;
    }
  }
  for (int y = 0; y < h; y++)
    memcpy(seg_row_u8(dst, y), k.a + (size_t)(y + 1) * pw + 1, (size_t)w);
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

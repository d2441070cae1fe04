/* regions.c — region measurements in one pass per property group, as
** scikit-image 0.19's measure.regionprops defines them.
**
** Area, bounding box, centroid and moments are accumulated run by run (a
** maximal horizontal run of one label), so their cost grows with the number
** of runs, not with bounding boxes. Sums of powers over a run come from
** Faulhaber's closed forms in exact 128-bit integers; second-order central
** moments are exact (so orientation's a == c test sees what skimage sees on
** symmetric shapes), higher orders are carried in long double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "regions.h"
#include "label.h"

typedef __int128 i128;

int32_t seg_labels_max (const SegBuf *labels, int threads) {
  (void)threads;
  int32_t mx = 0;
  for (int y = 0; y < labels->h; y++) {
    const int32_t *restrict l = seg_row_i32(labels, y);
    int32_t m = 0;
    for (int x = 0; x < labels->w; x++) m = l[x] > m ? l[x] : m;
    if (m > mx) mx = m;
  }
  return mx;
}

/* Sum of x^j for x in [0, n), as polynomials in n (valid for any integer n,
** so that sum over [a, b) = F(b) - F(a) also for negative a). */
static inline void faulhaber (int64_t n, i128 F[4]) {
  i128 N = n;
  F[0] = N;
  F[1] = N * (N - 1) / 2;
  F[2] = (N - 1) * N * (2 * N - 1) / 6;
  F[3] = F[1] * F[1];
}

/* Exact second-order sums, kept per label while scanning; coordinates are
** relative to the label's first pixel (x0f, miny) so they stay small. */
typedef struct Acc2 { int x0f; i128 sx, sxx, sy, syy, sxy; } Acc2;

int seg_regions_basic (const SegBuf *labels, int32_t nlab, SegRegionBasic *basic,
                       SegRegionMoments *mom) {
  for (int32_t i = 0; i <= nlab; i++) {
    SegRegionBasic *b = &basic[i];
    memset(b, 0, sizeof *b);
    b->minx = b->miny = INT32_MAX;
    b->maxx = b->maxy = -1;
  }
  Acc2 *acc = NULL;
  if (mom) {
    memset(mom, 0, sizeof *mom * (size_t)(nlab + 1));
    acc = calloc((size_t)nlab + 1, sizeof *acc);
    if (!acc) return SEG_ENOMEM;
  }
  const int w = labels->w;
  for (int y = 0; y < labels->h; y++) {
    const int32_t *l = seg_row_i32(labels, y);
    int x = 0;
    while (x < w) {
      int32_t v = l[x];
      int x1 = x + 1;
      while (x1 < w && l[x1] == v) x1++;
      if (v > 0 && v <= nlab) {
        SegRegionBasic *b = &basic[v];
        int64_t n = x1 - x;
        if (b->area == 0) { b->miny = y; if (acc) acc[v].x0f = x; }
        b->area += n;
        b->runs++;
        b->sx += (int64_t)(x + x1 - 1) * n / 2;
        b->sy += (int64_t)y * n;
        if (x < b->minx) b->minx = x;
        if (x1 - 1 > b->maxx) b->maxx = x1 - 1;
        b->maxy = y;
        if (mom) {
          Acc2 *a = &acc[v];
          i128 Fa[4], Fb[4], S[4];
          faulhaber(x - a->x0f, Fa);
          faulhaber(x1 - a->x0f, Fb);
          for (int j = 0; j < 4; j++) S[j] = Fb[j] - Fa[j];
          i128 yl = y - b->miny;
          a->sx += S[1]; a->sxx += S[2]; a->sy += yl * n; a->syy += yl * yl * n;
          a->sxy += yl * S[1];
          long double *m = &mom[v].m[0][0];
          long double ypow = 1, Sl[4] = {(long double)S[0], (long double)S[1],
                                         (long double)S[2], (long double)S[3]};
          for (int i = 0; i < 4; i++, ypow *= (long double)yl)
            for (int j = 0; j < 4; j++) m[i * 4 + j] += ypow * Sl[j];
        }
      }
      x = x1;
    }
  }
  if (!mom) return 0;
  static const double C[4][4] = {{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 2, 1, 0}, {1, 3, 3, 1}};
  for (int32_t v = 1; v <= nlab; v++) {
    if (!basic[v].area) continue;
    SegRegionMoments *M = &mom[v];
    /* columns: from x - x0f to x - minx */
    long double d = (long double)(acc[v].x0f - basic[v].minx), loc[4][4];
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) {
        long double s = 0, dp = 1;
        for (int b = j; b >= 0; b--, dp *= d) s += C[j][b] * dp * M->m[i][b];
        loc[i][j] = s;
      }
    memcpy(M->m, loc, sizeof loc);
    /* central moments about the local centroid */
    long double n = M->m[0][0], rc = M->m[1][0] / n, cc = M->m[0][1] / n;
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) {
        long double s = 0, rp = 1;
        for (int a = i; a >= 0; a--, rp *= -rc) {
          long double cp = 1;
          for (int b = j; b >= 0; b--, cp *= -cc) s += C[i][a] * C[j][b] * rp * cp * M->m[a][b];
        }
        M->mu[i][j] = s;
      }
    /* exact second order: n*mu = n*S2 - S1*S1 (translation invariant) */
    Acc2 *a = &acc[v];
    i128 N = basic[v].area;
    i128 ncc = N * a->sxx - a->sx * a->sx, nrr = N * a->syy - a->sy * a->sy,
         nrc = N * a->sxy - a->sx * a->sy;
    M->mu[0][2] = (long double)ncc / (long double)N;
    M->mu[2][0] = (long double)nrr / (long double)N;
    M->mu[1][1] = (long double)nrc / (long double)N;
    M->mu[0][1] = M->mu[1][0] = 0;
    M->tie = ncc == nrr;
  }
  free(acc);
  return 0;
}

/* ---------- intensity ---------- */

#define INTENSITY_LOOP(T)                                                      \
  for (int y = 0; y < labels->h; y++) {                                        \
    const int32_t *l = seg_row_i32(labels, y);                                 \
    const T *s = (const T *)seg_row(img, y);                                   \
    for (int x = 0; x < labels->w; x++) {                                      \
      int32_t v = l[x];                                                        \
      if (v <= 0 || v > nlab) continue;                                        \
      double p = (double)s[x];                                                 \
      SegRegionIntensity *o = &out[v];                                         \
      o->sum += p; o->sx += p * x; o->sy += p * y;                             \
      if (p < o->min) o->min = p;                                              \
      if (p > o->max) o->max = p;                                              \
    }                                                                          \
  }

void seg_regions_intensity (const SegBuf *labels, const SegBuf *img, int32_t nlab,
                            SegRegionIntensity *out) {
  for (int32_t i = 0; i <= nlab; i++) {
    out[i].sum = out[i].sx = out[i].sy = 0;
    out[i].min = INFINITY; out[i].max = -INFINITY;
  }
  switch (img->dtype) {
    case SEG_U8: INTENSITY_LOOP(uint8_t) break;
    case SEG_U16: INTENSITY_LOOP(uint16_t) break;
    case SEG_I32: INTENSITY_LOOP(int32_t) break;
    default: INTENSITY_LOOP(float) break;
  }
}

/* ---------- perimeter ---------- */


/* Border pixels: in a region, with a 4-neighbour outside it (ndimage's
** binary_erosion with a cross and border_value 0). */
static void border_row (const SegBuf *L, int y, uint8_t *out) {
  const int w = L->w;
  const int32_t *l = seg_row_i32(L, y);
  const int32_t *up = y > 0 ? seg_row_i32(L, y - 1) : NULL;
  const int32_t *dn = y + 1 < L->h ? seg_row_i32(L, y + 1) : NULL;
  for (int x = 0; x < w; x++) {
    int32_t v = l[x];
    int edge = x == 0 || x == w - 1 || !up || !dn;
    out[x] = v > 0 && (edge || l[x - 1] != v || l[x + 1] != v || up[x] != v || dn[x] != v);
  }
}

/* Benkrid & Crookes as skimage: each border pixel is coded 1 + 2 * (border
** 4-neighbours) + 10 * (border diagonal neighbours) of its own region, and
** the codes are weighted. */
void seg_regions_perimeter (const SegBuf *labels, int32_t nlab, double *perim,
                            uint8_t *rows) {
  double wt[50] = {0};
  wt[5] = wt[7] = wt[15] = wt[17] = wt[25] = wt[27] = 1;
  wt[21] = wt[33] = sqrt(2.0);
  wt[13] = wt[23] = (1 + sqrt(2.0)) / 2;
  for (int32_t i = 0; i <= nlab; i++) perim[i] = 0;
  const int w = labels->w, h = labels->h;
  uint8_t *B[3] = {rows, rows + w, rows + 2 * (size_t)w};   /* rows y-1, y, y+1 */
  memset(B[0], 0, (size_t)w);
  border_row(labels, 0, B[1]);
  for (int y = 0; y < h; y++) {
    if (y + 1 < h) border_row(labels, y + 1, B[2]);
    else memset(B[2], 0, (size_t)w);
    const int32_t *row[3] = {y > 0 ? seg_row_i32(labels, y - 1) : NULL,
                             seg_row_i32(labels, y),
                             y + 1 < h ? seg_row_i32(labels, y + 1) : NULL};
    for (int x = 0; x < w; x++) {
      if (!B[1][x]) continue;
      int32_t v = row[1][x];
      int code = 1;
      /* B is 0 outside the image, so B[..][xx] guards the row pointers */
      for (int dy = 0; dy < 3; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          int xx = x + dx;
          if ((dy == 1 && !dx) || xx < 0 || xx >= w || !B[dy][xx] || row[dy][xx] != v) continue;
          code += dx && dy != 1 ? 10 : 2;
        }
      if (v <= nlab) perim[v] += wt[code];
    }
    uint8_t *t = B[0]; B[0] = B[1]; B[1] = B[2]; B[2] = t;
  }
}

/* ---------- Euler number ---------- */

/* skimage's 2x2-configuration count with EULER_COEFS2D_8 over the padded
** region: +1 for a window whose only region pixel is the top-left one, -1
** for windows whose top-right and bottom-left pixels are in the region and
** the bottom-right is not (codes 6 and 14). */
void seg_regions_euler (const SegBuf *labels, int32_t nlab, int64_t *euler) {
  for (int32_t i = 0; i <= nlab; i++) euler[i] = 0;
  const int w = labels->w, h = labels->h;
  for (int y = 0; y <= h; y++) {
    const int32_t *up = y > 0 ? seg_row_i32(labels, y - 1) : NULL;
    const int32_t *cu = y < h ? seg_row_i32(labels, y) : NULL;
    for (int x = 0; x <= w; x++) {
      int32_t a = 0, b = 0, c = 0, d = 0;
      if (x > 0 && x < w && up && cu) {       /* interior: the common case */
        a = up[x - 1]; b = up[x]; c = cu[x - 1]; d = cu[x];
        if (a == b && c == d && a == c) continue;
      } else {
        if (up) { if (x > 0) a = up[x - 1]; if (x < w) b = up[x]; }
        if (cu) { if (x > 0) c = cu[x - 1]; if (x < w) d = cu[x]; }
        if (a == b && b == c && c == d) continue;
      }
      if (a > 0 && a <= nlab && a != b && a != c && a != d) euler[a]++;
      if (b > 0 && b <= nlab && b == c && b != d) euler[b]--;
    }
  }
}

/* ---------- convex area ---------- */

typedef struct Run { int y, x0, x1; } Run;         /* x1 inclusive */
typedef struct Pt { int64_t Y, X; } Pt;             /* doubled coordinates */

static int cmp_pt (const void *pa, const void *pb) {
  const Pt *a = pa, *b = pb;
  if (a->Y != b->Y) return a->Y < b->Y ? -1 : 1;
  return (a->X > b->X) - (a->X < b->X);
}

static inline int64_t cross (Pt o, Pt a, Pt b) {
  return (a.Y - o.Y) * (b.X - o.X) - (a.X - o.X) * (b.Y - o.Y);
}

static inline int64_t floor_div (int64_t a, int64_t b) {   /* b > 0 */
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* X of the chain at row Y as num/den (den > 0); the chain is Y-monotone and
** spans Y; *k is advanced past edges that end before Y. */
static void chain_at (const Pt *c, int n, int *k, int64_t Y, int64_t *num, int64_t *den) {
  while (*k + 1 < n && c[*k + 1].Y < Y) (*k)++;
  while (*k + 1 < n && c[*k + 1].Y == c[*k].Y) (*k)++;   /* horizontal edge */
  Pt p = c[*k], q = *k + 1 < n ? c[*k + 1] : c[*k];
  if (q.Y == p.Y) { *num = p.X; *den = 1; return; }
  *den = q.Y - p.Y;
  *num = p.X * *den + (Y - p.Y) * (q.X - p.X);
}

/* Number of pixel centres (even doubled coordinates) inside or on the
** convex hull of pts (skimage: qhull of the diamond points, then
** grid_points_in_poly, which counts edge and vertex points as inside). */
static int64_t hull_count (Pt *pts, int n, Pt *lo, Pt *hi, int miny, int maxy) {
  qsort(pts, (size_t)n, sizeof *pts, cmp_pt);
  int nl = 0, nh = 0;
  for (int i = 0; i < n; i++) {
    while (nl >= 2 && cross(lo[nl - 2], lo[nl - 1], pts[i]) <= 0) nl--;
    lo[nl++] = pts[i];
    while (nh >= 2 && cross(hi[nh - 2], hi[nh - 1], pts[i]) >= 0) nh--;
    hi[nh++] = pts[i];
  }
  /* lo: smallest X for each Y (left chain); hi: largest (right chain) */
  int kl = 0, kh = 0;
  int64_t count = 0;
  for (int r = miny; r <= maxy; r++) {
    int64_t Y = 2 * (int64_t)r, ln, ld, rn, rd;
    chain_at(lo, nl, &kl, Y, &ln, &ld);
    chain_at(hi, nh, &kh, Y, &rn, &rd);
    /* columns c with ln/ld <= 2c <= rn/rd */
    int64_t c0 = -floor_div(-ln, 2 * ld), c1 = floor_div(rn, 2 * rd);
    if (c1 >= c0) count += c1 - c0 + 1;
  }
  return count;
}

int seg_regions_convex (const SegBuf *labels, int32_t nlab, const SegRegionBasic *basic,
                        int64_t *convex_area) {
  const int w = labels->w;
  size_t *start = calloc((size_t)nlab + 2, sizeof *start);
  if (!start) return SEG_ENOMEM;
  for (int32_t v = 1; v <= nlab; v++) start[v + 1] = (size_t)basic[v].runs;
  size_t maxruns = 0;
  for (int32_t v = 1; v <= nlab + 1; v++) {
    if (start[v] > maxruns) maxruns = start[v];
    start[v] += start[v - 1];
  }
  size_t total = start[nlab + 1];
  Run *runs = malloc((total ? total : 1) * sizeof *runs);
  size_t *fill = malloc(((size_t)nlab + 1) * sizeof *fill);
  Pt *pts = malloc((6 * maxruns + 6) * 3 * sizeof *pts);
  if (!runs || !fill || !pts) { free(start); free(runs); free(fill); free(pts); return SEG_ENOMEM; }
  memcpy(fill, start, ((size_t)nlab + 1) * sizeof *fill);
  /* runs in raster order, bucketed by label */
  for (int y = 0; y < labels->h; y++) {
    const int32_t *l = seg_row_i32(labels, y);
    int x = 0;
    while (x < w) {
      int32_t v = l[x];
      int x1 = x + 1;
      while (x1 < w && l[x1] == v) x1++;
      if (v > 0 && v <= nlab) runs[fill[v]++] = (Run){y, x, x1 - 1};
      x = x1;
    }
  }
  Pt *lo = pts + 6 * maxruns + 6, *hi = lo + 6 * maxruns + 6;
  convex_area[0] = 0;
  for (int32_t v = 1; v <= nlab; v++) {
    convex_area[v] = 0;
    if (!basic[v].area) continue;
    int n = 0;
    for (size_t i = start[v]; i < start[v + 1]; ) {
      int y = runs[i].y, xl = runs[i].x0, xr = runs[i].x1;
      for (i++; i < start[v + 1] && runs[i].y == y; i++) xr = runs[i].x1;
      int64_t Y = 2 * (int64_t)y;
      pts[n++] = (Pt){Y, 2 * (int64_t)xl - 1};
      pts[n++] = (Pt){Y, 2 * (int64_t)xr + 1};
      pts[n++] = (Pt){Y - 1, 2 * (int64_t)xl};
      pts[n++] = (Pt){Y + 1, 2 * (int64_t)xl};
      if (xr != xl) {
        pts[n++] = (Pt){Y - 1, 2 * (int64_t)xr};
        pts[n++] = (Pt){Y + 1, 2 * (int64_t)xr};
      }
    }
    convex_area[v] = hull_count(pts, n, lo, hi, basic[v].miny, basic[v].maxy);
  }
  free(start); free(runs); free(fill); free(pts);
  return 0;
}

/* ---------- derived shape measures ---------- */

void seg_region_shape (const SegRegionMoments *m, SegRegionShape *o) {
  double mu0 = (double)m->mu[0][0];
  /* inertia tensor [[a, b], [b, c]] as skimage: a = mu02/mu0, c = mu20/mu0 */
  double a = (double)m->mu[0][2] / mu0, b = -(double)m->mu[1][1] / mu0,
         c = (double)m->mu[2][0] / mu0;
  double hd = (a - c) / 2, rt = sqrt(hd * hd + b * b);
  double l1 = (a + c) / 2 + rt, l2 = (a + c) / 2 - rt;
  if (l1 < 0) l1 = 0;
  if (l2 < 0) l2 = 0;
  if (m->tie) o->orientation = b < 0 ? -M_PI / 4 : M_PI / 4;
  else o->orientation = 0.5 * atan2(-2 * b, c - a);
  o->major = 4 * sqrt(l1);
  o->minor = 4 * sqrt(l2);
  o->eccentricity = l1 == 0 ? 0 : sqrt(1 - l2 / l1);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      o->nu[i][j] = i + j < 2 ? NAN
                  : (double)(m->mu[i][j] / powl(m->mu[0][0], (i + j) / 2.0L + 1));
  const double (*nu)[4] = (const double (*)[4])o->nu;
  double t0 = nu[3][0] + nu[1][2], t1 = nu[2][1] + nu[0][3];
  double q0 = t0 * t0, q1 = t1 * t1, n4 = 4 * nu[1][1];
  double s = nu[2][0] + nu[0][2], d = nu[2][0] - nu[0][2];
  double *hu = o->hu;
  hu[0] = s;
  hu[1] = d * d + n4 * nu[1][1];
  hu[3] = q0 + q1;
  hu[5] = d * (q0 - q1) + n4 * t0 * t1;
  t0 *= q0 - 3 * q1;
  t1 *= 3 * q0 - q1;
  q0 = nu[3][0] - 3 * nu[1][2];
  q1 = 3 * nu[2][1] - nu[0][3];
  hu[2] = q0 * q0 + q1 * q1;
  hu[4] = q0 * t0 + q1 * t1;
  hu[6] = q1 * t0 - q0 * t1;
}

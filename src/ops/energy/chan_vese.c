/* chan_vese.c — Chan–Vese level-set segmentation, as scikit-image 0.19's
** skimage.segmentation.chan_vese (_chan_vese.py): the same semi-implicit
** update (Getreuer 2012, "Chan–Vese segmentation", IPOL), the same
** edge-replicated differences, delta and stopping rule, in float64.
**
** Differences from the peer, none of which changes the iteration:
** - one fused pass per iteration computes the new level set, its RMS change
**   (on AVX-512 CPUs eight pixels at a time in registers, else in blocks
**   whose square roots go through the vector sqrt; the same doubles either way)
**   and the region sums of the next iteration's averages; skimage's energy
**   (arctan Heaviside and curvature, about half of its time) only feeds the
**   optional energies output, so it runs only when they are asked for;
** - sums are taken per row, then over rows in order (numpy sums pairwise):
**   the averages may differ in the last bits, never with the thread count;
** - f32 images run in float64 too (skimage keeps float32 there);
** - a "disk" on an image under 3 pixels a side has radius 0: skimage
**   divides by it (NaN), we leave the signed distance unscaled. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off", "no-math-errno")
#endif
#include <math.h>
#include <string.h>
#include "energy.h"

#define CV_ETA 1e-16

/* sqrt of a block: GCC keeps libm's sqrt scalar unless errno is off for the
** whole compilation, so x86-64 takes the vector sqrtpd (correctly rounded,
** as sqrt) directly, as wide as the CPU has it. */
typedef void (*SqrtFn) (double *d, int n);
#ifdef SEG_X86_TARGETS
#include <immintrin.h>
static void sqrt_sse2 (double *d, int n) {
  int x = 0;
  for (; x + 2 <= n; x += 2) _mm_storeu_pd(d + x, _mm_sqrt_pd(_mm_loadu_pd(d + x)));
  for (; x < n; x++) d[x] = sqrt(d[x]);
}
__attribute__((target("avx"))) static void sqrt_avx (double *d, int n) {
  int x = 0;
  for (; x + 4 <= n; x += 4) _mm256_storeu_pd(d + x, _mm256_sqrt_pd(_mm256_loadu_pd(d + x)));
  for (; x < n; x++) d[x] = sqrt(d[x]);
}
__attribute__((target("avx512f"))) static void sqrt_avx512 (double *d, int n) {
  int x = 0;
  for (; x + 8 <= n; x += 8) _mm512_storeu_pd(d + x, _mm512_sqrt_pd(_mm512_loadu_pd(d + x)));
  for (; x < n; x++) d[x] = sqrt(d[x]);
}
/* The whole update of 8 pixels in registers, the same operations in the
** same order as cv_row's loops (so the same doubles): o[x] for x in
** [0, w8), w8 a multiple of 8. */
__attribute__((target("avx512f")))
static void cv_span_avx512 (const double *c, const double *u, const double *d, const double *I,
                            double *o, int w8, const double prm[6]) {
  const __m512d eta = _mm512_set1_pd(CV_ETA), half = _mm512_set1_pd(0.5), one = _mm512_set1_pd(1.0);
  const __m512d c1 = _mm512_set1_pd(prm[0]), c2 = _mm512_set1_pd(prm[1]), mu = _mm512_set1_pd(prm[2]);
  const __m512d nl1 = _mm512_set1_pd(-prm[3]), l2 = _mm512_set1_pd(prm[4]), dt = _mm512_set1_pd(prm[5]);
  const __m512d mudt = _mm512_set1_pd(prm[2] * prm[5]);
  for (int x = 0; x < w8; x += 8) {
    __m512d cc = _mm512_loadu_pd(c + x), cr = _mm512_loadu_pd(c + x + 1), cl = _mm512_loadu_pd(c + x - 1);
    __m512d uu = _mm512_loadu_pd(u + x), dd = _mm512_loadu_pd(d + x);
    __m512d px = _mm512_sub_pd(cr, cc), pn = _mm512_sub_pd(cc, cl);
    __m512d p0 = _mm512_mul_pd(_mm512_sub_pd(cr, cl), half);      /* (r - l) / 2.0, exactly */
    __m512d py = _mm512_sub_pd(dd, cc), pyn = _mm512_sub_pd(cc, uu);
    __m512d py0 = _mm512_mul_pd(_mm512_sub_pd(dd, uu), half);
    __m512d py02 = _mm512_mul_pd(py0, py0), p02 = _mm512_mul_pd(p0, p0);
    __m512d C1 = _mm512_div_pd(one, _mm512_sqrt_pd(_mm512_add_pd(_mm512_add_pd(eta, _mm512_mul_pd(px, px)), py02)));
    __m512d C2 = _mm512_div_pd(one, _mm512_sqrt_pd(_mm512_add_pd(_mm512_add_pd(eta, _mm512_mul_pd(pn, pn)), py02)));
    __m512d C3 = _mm512_div_pd(one, _mm512_sqrt_pd(_mm512_add_pd(_mm512_add_pd(eta, p02), _mm512_mul_pd(py, py))));
    __m512d C4 = _mm512_div_pd(one, _mm512_sqrt_pd(_mm512_add_pd(_mm512_add_pd(eta, p02), _mm512_mul_pd(pyn, pyn))));
    __m512d K = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(cr, C1), _mm512_mul_pd(cl, C2)),
                                            _mm512_mul_pd(dd, C3)), _mm512_mul_pd(uu, C4));
    __m512d II = _mm512_loadu_pd(I + x), a = _mm512_sub_pd(II, c1), b = _mm512_sub_pd(II, c2);
    __m512d diff = _mm512_add_pd(_mm512_mul_pd(nl1, _mm512_mul_pd(a, a)), _mm512_mul_pd(l2, _mm512_mul_pd(b, b)));
    __m512d delta = _mm512_div_pd(one, _mm512_add_pd(one, _mm512_mul_pd(cc, cc)));
    __m512d num = _mm512_add_pd(cc, _mm512_mul_pd(_mm512_mul_pd(dt, delta), _mm512_add_pd(_mm512_mul_pd(mu, K), diff)));
    __m512d S = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(C1, C2), C3), C4);
    __m512d den = _mm512_add_pd(one, _mm512_mul_pd(_mm512_mul_pd(mudt, delta), S));
    _mm512_storeu_pd(o + x, _mm512_div_pd(num, den));
  }
}
#define CV_HAVE_AVX512 1

static SqrtFn pick_sqrt (void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return sqrt_avx512;
  if (__builtin_cpu_supports("avx")) return sqrt_avx;
  return sqrt_sse2;
}
#else
static void sqrt_scalar (double *d, int n) {
  for (int x = 0; x < n; x++) d[x] = sqrt(d[x]);
}
static SqrtFn pick_sqrt (void) { return sqrt_scalar; }
#endif


/* Working rows hold w + 2 doubles: column -1 and column w repeat the
** row's ends (np.pad mode 'edge'), so the stencils need no edge cases. */
static int rowsz (int w) { return (w + 2 + 3) & ~3; }

size_t seg_cv_scratch (int w, int h) {
  if (w <= 0 || h <= 0) return 0;
  size_t n = (size_t)rowsz(w) * (size_t)h;
  if (n > ((size_t)1 << 40)) return 0;
  return (3 * n + 8 * (size_t)h + 16) * sizeof(double);
}

/* Rows of the working arrays are rowsz(w) doubles apart. */
typedef struct Cv {
  int w, h, ld;
  const double *img;
  const double *phi;        /* the current level set */
  double *next;             /* the one being computed */
  double c1, c2;            /* averages inside (phi > 0) and outside */
  double mu, l1, l2, dt;
  double *part;             /* per row: sum (next-phi)^2, sum img [next>0], count, sum img [next<=0] */
  double *epart;            /* per row, energy passes: sums */
  SqrtFn sqrt_block;
  int avx512;               /* cv_span_avx512 does the row's multiples of 8 */
} Cv;

#define CV_BLOCK 256

/* One row of _cv_calculate_variation: the new level set of row y into
** v->next, in blocks whose square roots go through sqrt_block. Term order
** as numpy evaluates the Python expressions, so roundings agree. */
SEG_CLONES static void cv_row (const Cv *v, int y) {
  int w = v->w;
  const double *c = v->phi + (size_t)y * v->ld;
  const double *u = y > 0 ? c - v->ld : c;
  const double *d = y + 1 < v->h ? c + v->ld : c;
  const double *I = v->img + (size_t)y * v->ld;
  double *restrict o = v->next + (size_t)y * v->ld;
  double q[4 * CV_BLOCK];
  double c1 = v->c1, c2 = v->c2, mu = v->mu, l1 = v->l1, l2 = v->l2, dt = v->dt;
  int start = 0;
#ifdef CV_HAVE_AVX512
  if (v->avx512) {
    const double prm[6] = {c1, c2, mu, l1, l2, dt};
    start = w & ~7;
    cv_span_avx512(c, u, d, I, o, start, prm);
  }
#endif
  for (int x0 = start; x0 < w; x0 += CV_BLOCK) {
    int n = w - x0 < CV_BLOCK ? w - x0 : CV_BLOCK;
    const double *cc = c + x0, *uu = u + x0, *dd = d + x0;
    double *restrict q1 = q, *restrict q2 = q + CV_BLOCK, *restrict q3 = q + 2 * CV_BLOCK,
           *restrict q4 = q + 3 * CV_BLOCK;
    for (int i = 0; i < n; i++) {
      double phixp = cc[i + 1] - cc[i], phixn = cc[i] - cc[i - 1], phix0 = (cc[i + 1] - cc[i - 1]) / 2.0;
      double phiyp = dd[i] - cc[i], phiyn = cc[i] - uu[i], phiy0 = (dd[i] - uu[i]) / 2.0;
      q1[i] = CV_ETA + phixp * phixp + phiy0 * phiy0;
      q2[i] = CV_ETA + phixn * phixn + phiy0 * phiy0;
      q3[i] = CV_ETA + phix0 * phix0 + phiyp * phiyp;
      q4[i] = CV_ETA + phix0 * phix0 + phiyn * phiyn;
    }
    v->sqrt_block(q1, n); v->sqrt_block(q2, n); v->sqrt_block(q3, n); v->sqrt_block(q4, n);
    const double *II = I + x0;
    double *oo = o + x0;
    for (int i = 0; i < n; i++) {
      double C1 = 1. / q1[i], C2 = 1. / q2[i], C3 = 1. / q3[i], C4 = 1. / q4[i];
      double K = cc[i + 1] * C1 + cc[i - 1] * C2 + dd[i] * C3 + uu[i] * C4;
      double a = II[i] - c1, b = II[i] - c2;
      double diff = -l1 * (a * a) + l2 * (b * b);
      double delta = 1. / (1. + cc[i] * cc[i]);
      double num = cc[i] + (dt * delta) * (mu * K + diff);
      oo[i] = num / (1 + mu * dt * delta * (C1 + C2 + C3 + C4));
    }
  }
  o[-1] = o[0];
  o[w] = o[w - 1];
  /* the row's sums over eight fixed lanes (independent additions; the
  ** order depends on the row only); m * I is I or 0 exactly */
  double s2[8] = {0}, si[8] = {0}, so[8] = {0}, cn[8] = {0};
  int x = 0;
  for (; x + 8 <= w; x += 8)
    for (int k = 0; k < 8; k++) {
      double dd2 = o[x + k] - c[x + k], m = o[x + k] > 0 ? 1.0 : 0.0;
      s2[k] += dd2 * dd2;
      si[k] += m * I[x + k];
      so[k] += I[x + k] - m * I[x + k];
      cn[k] += m;
    }
  for (; x < w; x++) {
    double dd2 = o[x] - c[x], m = o[x] > 0 ? 1.0 : 0.0;
    s2[x & 7] += dd2 * dd2;
    si[x & 7] += m * I[x];
    so[x & 7] += I[x] - m * I[x];
    cn[x & 7] += m;
  }
#define SUM8(a) (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])))
  double *p = v->part + 4 * (size_t)y;
  p[0] = SUM8(s2); p[1] = SUM8(si); p[2] = SUM8(cn); p[3] = SUM8(so);
#undef SUM8
}

static void cv_rows (void *arg, int b, int e) {
  for (int y = b; y < e; y++) cv_row((const Cv *)arg, y);
}

/* Sums of the inside/outside split of 'phi' (phi > 0), per row. */
static void cv_split_rows (void *arg, int b, int e) {
  const Cv *v = arg;
  for (int y = b; y < e; y++) {
    const double *c = v->phi + (size_t)y * v->ld, *I = v->img + (size_t)y * v->ld;
    double si = 0, so = 0, cnt = 0;
    for (int x = 0; x < v->w; x++) {
      int in = c[x] > 0;
      si += in ? I[x] : 0;
      so += in ? 0 : I[x];
      cnt += in;
    }
    double *p = v->part + 4 * (size_t)y;
    p[1] = si; p[2] = cnt; p[3] = so;
  }
}

static void averages (Cv *v) {
  double si = 0, so = 0, cnt = 0;
  for (int y = 0; y < v->h; y++) {
    si += v->part[4 * (size_t)y + 1];
    cnt += v->part[4 * (size_t)y + 2];
    so += v->part[4 * (size_t)y + 3];
  }
  double out = (double)v->w * v->h - cnt;
  v->c1 = cnt != 0 ? si / cnt : si;
  v->c2 = out != 0 ? so / out : so;
}

/* ---------- energy (_cv_energy), only for the energies output ---------- */

static inline double heavyside (double x) { return 0.5 * (1. + (2. / M_PI) * atan(x)); }

static void energy_sums (void *arg, int b, int e) {
  const Cv *v = arg;
  for (int y = b; y < e; y++) {
    const double *c = v->phi + (size_t)y * v->ld, *I = v->img + (size_t)y * v->ld;
    double sh = 0, sih = 0, sinv = 0, siinv = 0;
    for (int x = 0; x < v->w; x++) {
      double H = heavyside(c[x]);
      sh += H; sih += I[x] * H;
      sinv += 1. - H; siinv += I[x] * (1. - H);
    }
    double *p = v->epart + 4 * (size_t)y;
    p[0] = sh; p[1] = sih; p[2] = sinv; p[3] = siinv;
  }
}

static void energy_rows (void *arg, int b, int e) {
  const Cv *v = arg;
  int w = v->w, h = v->h;
  for (int y = b; y < e; y++) {
    const double *c = v->phi + (size_t)y * v->ld, *I = v->img + (size_t)y * v->ld;
    const double *u = y > 0 ? c - v->ld : c, *d = y + 1 < h ? c + v->ld : c;
    double avg = 0, len = 0;
    for (int x = 0; x < w; x++) {
      int xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
      double H = heavyside(c[x]);
      double a = I[x] - v->c1, bb = I[x] - v->c2;
      avg += v->l1 * (a * a) * H + v->l2 * (bb * bb) * (1. - H);
      double fy = (d[x] - u[x]) / 2.0, fx = (c[xr] - c[xl]) / 2.0;
      double fyy = d[x] + u[x] - 2 * c[x], fxx = c[xr] + c[xl] - 2 * c[x];
      double fxy = .25 * (d[xr] + u[xl] - u[xr] - d[xl]);
      double g2 = fx * fx + fy * fy;
      double K = (fxx * (fy * fy) - 2 * fxy * fx * fy + fyy * (fx * fx)) / (g2 * sqrt(g2) + 1e-8);
      len += v->mu * K;
    }
    v->epart[4 * (size_t)y] = avg;
    v->epart[4 * (size_t)y + 1] = len;
  }
}

static double cv_energy (Cv *v, int threads) {
  seg_parallel_for(threads, v->h, 16, energy_sums, v);
  double s[4] = {0, 0, 0, 0};
  for (int y = 0; y < v->h; y++)
    for (int k = 0; k < 4; k++) s[k] += v->epart[4 * (size_t)y + k];
  double c1 = v->c1, c2 = v->c2;
  v->c1 = s[0] != 0 ? s[1] / s[0] : s[1];
  v->c2 = s[2] != 0 ? s[3] / s[2] : s[3];
  seg_parallel_for(threads, v->h, 16, energy_rows, v);
  double avg = 0, len = 0;
  for (int y = 0; y < v->h; y++) {
    avg += v->epart[4 * (size_t)y];
    len += v->epart[4 * (size_t)y + 1];
  }
  v->c1 = c1; v->c2 = c2;
  return avg + len;
}

/* ---------- set-up ---------- */

static int load_image (const SegBuf *im, double *dst, int ld) {
  double mn = INFINITY, mx = -INFINITY;
  for (int y = 0; y < im->h; y++) {
    const uint8_t *row = seg_row(im, y);
    double *o = dst + (size_t)y * ld;
    for (int x = 0; x < im->w; x++) {
      double v = seg_elem(im->dtype, row, (size_t)x * im->c);
      if (!isfinite(v)) return -1;
      o[x] = v;
      mn = v < mn ? v : mn;
    }
  }
  for (int y = 0; y < im->h; y++) {
    double *o = dst + (size_t)y * ld;
    for (int x = 0; x < im->w; x++) {
      o[x] = o[x] - mn;
      mx = o[x] > mx ? o[x] : mx;
    }
  }
  if (mx != 0)
    for (int y = 0; y < im->h; y++) {
      double *o = dst + (size_t)y * ld;
      for (int x = 0; x < im->w; x++) o[x] = o[x] / mx;
    }
  return 0;
}

/* _cv_checkerboard(shape, 5), _cv_large_disk, _cv_small_disk or the user's. */
static int init_phi (const SegCvOpts *o, double *phi, int w, int h, int ld) {
  if (o->init == SEG_CV_USER) {
    for (int y = 0; y < h; y++) {
      const uint8_t *row = seg_row(o->init_phi, y);
      for (int x = 0; x < w; x++) {
        double v = seg_elem(o->init_phi->dtype, row, (size_t)x * o->init_phi->c);
        if (!isfinite(v)) return -1;
        phi[(size_t)y * ld + x] = v;
      }
    }
    return 0;
  }
  if (o->init == SEG_CV_CHECKERBOARD) {
    /* sin(x pi/5) of row 0 computed once, kept in the last row's slots
    ** until that row is written (its values are the same products) */
    double sf = M_PI / 5, *sx = phi + (size_t)(h - 1) * ld;
    for (int x = 0; x < w; x++) sx[x] = sin((double)x * sf);
    for (int y = 0; y < h; y++) {
      double sy = sin((double)y * sf);
      double *row = phi + (size_t)y * ld;
      for (int x = 0; x < w; x++) row[x] = sy * sx[x];
    }
    return 0;
  }
  int cy = (h - 1) / 2, cx = (w - 1) / 2;
  double radius = (double)(cx < cy ? cx : cy), den;
  if (o->init == SEG_CV_SMALL_DISK) { radius = radius / 2.0; den = radius * 3; }
  else den = radius;
  if (den == 0) den = 1;   /* skimage: division by zero */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double dy = y - cy, dx = x - cx;
      phi[(size_t)y * ld + x] = (radius - sqrt(dy * dy + dx * dx)) / den;
    }
  return 0;
}

int seg_chan_vese (const SegBuf *image, SegBuf *mask, SegBuf *phiout, double *energies,
                   const SegCvOpts *o, void *scratch) {
  int w = image->w, h = image->h, ld = rowsz(w);
  seg_assert(seg_buf_samesize(image, mask) && seg_buf_samesize(image, phiout));
  size_t n = (size_t)ld * (size_t)h;
  /* one double before img: column -1 of its first row (see rowsz) */
  double *img = (double *)scratch + 1, *a = img + n, *b = a + n, *part = b + n;
  Cv v = {0};
  v.w = w; v.h = h; v.ld = ld; v.img = img; v.part = part; v.epart = part + 4 * (size_t)h;
  v.sqrt_block = pick_sqrt();
#ifdef CV_HAVE_AVX512
  v.avx512 = __builtin_cpu_supports("avx512f");
#endif
  v.mu = o->mu; v.l1 = o->lambda1; v.l2 = o->lambda2; v.dt = o->dt;
  if (load_image(image, img, ld) != 0 || init_phi(o, a, w, h, ld) != 0)
    return -SEG_ENERGY_ENONFINITE;
  for (int y = 0; y < h; y++) {
    double *r = a + (size_t)y * ld;
    r[-1] = r[0]; r[w] = r[w - 1];
  }
  v.phi = a;
  seg_parallel_for(o->threads, h, 16, cv_split_rows, &v);
  averages(&v);
  double old_energy = energies ? cv_energy(&v, o->threads) : 0;
  double phivar = o->tol + 1, npx = (double)w * h;
  int i = 0;
  double *cur = a, *nxt = b;
  while (phivar > o->tol && i < o->iters) {
    v.phi = cur; v.next = nxt;
    seg_parallel_for(o->threads, h, 8, cv_rows, &v);
    double s2 = 0;
    for (int y = 0; y < h; y++) s2 += part[4 * (size_t)y];
    phivar = sqrt(s2 / npx);
    averages(&v);                 /* of the new level set: next step's c1, c2 */
    double *t = cur; cur = nxt; nxt = t;
    if (energies) {
      v.phi = cur;
      energies[i] = old_energy;
      old_energy = cv_energy(&v, o->threads);
    }
    i++;
  }
  for (int y = 0; y < h; y++) {
    const double *p = cur + (size_t)y * ld;
    uint8_t *m = seg_row_u8(mask, y);
    float *f = seg_row_f32(phiout, y);
    for (int x = 0; x < w; x++) { m[x] = p[x] > 0; f[x] = (float)p[x]; }
  }
  return i;
}

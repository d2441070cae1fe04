/* morph_snakes.c — morphological active contours (Márquez-Neila, Baumela
** & Álvarez 2014, "A morphological approach to curvature-based evolution
** of curves and surfaces", PAMI), as scikit-image 0.19's morphsnakes.py:
** morphological_chan_vese, morphological_geodesic_active_contour and
** inverse_gaussian_gradient, in 2-D.
**
** The contours are binary and every decision is a sign, so the results are
** meant to be equal to skimage's, not close: the image terms are computed
** in the precision and order numpy uses for the same array (u8/u16 in
** exact integers and float64; f32 in float32, sums pairwise over 8192-
** element blocks as numpy's add.reduce).
**
** Two choices of ours:
** - skimage cycles its two curvature operators (SI o IS, then IS o SI)
**   through one module-level iterator, so a call's result depends on how
**   many smoothing steps earlier calls in the process made. Every call here
**   starts with SI o IS, as the first call of a fresh Python process.
** - the state (contour, operator phase) is deterministic, so once it
**   repeats (Brent's cycle detection) the remaining iterations are skipped
**   exactly: a converged contour costs nothing more, whatever the count.
** np.gradient refuses an axis of length 1; here that axis' gradient is 0. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off", "no-math-errno")
#endif
#include <math.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "energy.h"

/* ---------- padded binary images ---------- */

/* A contour is (w + 2) x (h + 2) bytes, 0/1, with a frame of zeros that
** stands for the outside (scipy's binary_erosion/dilation border_value 0):
** pixel (x, y) at (y + 1) * W + x + 1, W = w + 2. */
typedef struct Ms {
  int w, h, W;
  int threads;
  uint8_t *src, *dst;       /* operator in/out for the row workers */
  int op;
} Ms;

static size_t padded (int w, int h) { return (size_t)(w + 2) * (size_t)(h + 2); }

enum { OP_IS, OP_SI, OP_DILATE, OP_ERODE };

/* IS: the infimum over the four line directions of the supremum along the
** line (dilations by 3-pixel segments, then their minimum); SI dually. */
SEG_CLONES static void op_row (const uint8_t *restrict u, const uint8_t *restrict a,
                               const uint8_t *restrict b, uint8_t *restrict o, int w, int op) {
  if (op == OP_IS) {
    for (int x = 1; x <= w; x++)
      o[x] = u[x] | ((u[x - 1] | u[x + 1]) & (a[x] | b[x]) & (a[x - 1] | b[x + 1]) &
                     (a[x + 1] | b[x - 1]));
  } else if (op == OP_SI) {
    for (int x = 1; x <= w; x++)
      o[x] = u[x] & ((u[x - 1] & u[x + 1]) | (a[x] & b[x]) | (a[x - 1] & b[x + 1]) |
                     (a[x + 1] & b[x - 1]));
  } else if (op == OP_DILATE) {
    for (int x = 1; x <= w; x++)
      o[x] = u[x - 1] | u[x] | u[x + 1] | a[x - 1] | a[x] | a[x + 1] | b[x - 1] | b[x] | b[x + 1];
  } else {
    for (int x = 1; x <= w; x++)
      o[x] = u[x - 1] & u[x] & u[x + 1] & a[x - 1] & a[x] & a[x + 1] & b[x - 1] & b[x] & b[x + 1];
  }
}

static void op_rows (void *arg, int b, int e) {
  const Ms *m = arg;
  for (int y = b; y < e; y++) {
    const uint8_t *u = m->src + (size_t)(y + 1) * m->W;
    op_row(u, u - m->W, u + m->W, m->dst + (size_t)(y + 1) * m->W, m->w, m->op);
  }
}

static void apply (Ms *m, const uint8_t *src, uint8_t *dst, int op) {
  m->src = (uint8_t *)src; m->dst = dst; m->op = op;
  seg_parallel_for(m->threads, m->h, 64, op_rows, m);
}

/* 'smoothing' curvature steps on u (tmp: a second padded image); *phase
** says which composition comes next and flips at each step. */
static void smooth (Ms *m, uint8_t *u, uint8_t *tmp, int smoothing, int *phase) {
  for (int s = 0; s < smoothing; s++) {
    if (*phase == 0) { apply(m, u, tmp, OP_IS); apply(m, tmp, u, OP_SI); }
    else { apply(m, u, tmp, OP_SI); apply(m, tmp, u, OP_IS); }
    *phase ^= 1;
  }
}

/* ---------- initial level sets ---------- */

static void init_contour (const SegMsOpts *o, uint8_t *u, int w, int h, int def) {
  int W = w + 2, init = o->init;
  memset(u, 0, padded(w, h));
  if (init < 0) init = def;
  for (int y = 0; y < h; y++) {
    uint8_t *row = u + (size_t)(y + 1) * W + 1;
    if (init == SEG_MS_USER) {
      const uint8_t *s = seg_row(o->init_mask, y);
      for (int x = 0; x < w; x++)
        row[x] = seg_elem(o->init_mask->dtype, s, (size_t)x * o->init_mask->c) > 0;
    } else if (init == SEG_MS_CHECKERBOARD) {
      /* checkerboard_level_set(shape, 5) */
      for (int x = 0; x < w; x++) row[x] = ((y / 5) ^ (x / 5)) & 1;
    } else {
      /* disk_level_set(shape): centre shape // 2, radius 3/8 of the shorter side */
      double radius = (w < h ? w : h) * 3.0 / 8.0;
      int cy = h / 2, cx = w / 2;
      for (int x = 0; x < w; x++) {
        long dy = y - cy, dx = x - cx;
        row[x] = radius - sqrt((double)(dy * dy + dx * dx)) > 0;
      }
    }
  }
}

/* ---------- numpy's float32 sum ---------- */

/* numpy's pairwise summation (loops_utils.h) of n floats, in float. */
static float pairwise_f (const float *a, size_t n) {
  if (n < 8) {
    float r = 0.f;
    for (size_t i = 0; i < n; i++) r += a[i];
    return r;
  }
  if (n <= 128) {
    float r[8];
    size_t i;
    for (int k = 0; k < 8; k++) r[k] = a[k];
    for (i = 8; i < n - (n % 8); i += 8)
      for (int k = 0; k < 8; k++) r[k] += a[i + k];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_f(a, n2) + pairwise_f(a + n2, n - n2);
}

/* ndarray.sum() of a contiguous float32 array: the reduction loop sees
** blocks of 8192 elements (the iterator's buffer) and adds each block's
** pairwise sum to the running float total. */
static float numpy_sum_f32 (const float *a, size_t n) {
  float r = 0.f;
  for (size_t i = 0; i < n; i += 8192) r += pairwise_f(a + i, n - i < 8192 ? n - i : 8192);
  return r;
}

/* ---------- morphological Chan–Vese ---------- */

typedef struct Mcv {
  Ms *m;
  int isfloat;
  const float *If;          /* f32 image, contiguous */
  const SegBuf *im;         /* u8/u16 image */
  const uint8_t *u;
  uint8_t *v;
  double c0, c1, l1, l2;
  int64_t *isum;            /* per row: sum I u, count u, sum I (1-u) */
  float *in, *out;          /* f32: I u and I (1-u), contiguous */
} Mcv;

static void mcv_sums (void *arg, int b, int e) {
  const Mcv *c = arg;
  int w = c->m->w, W = c->m->W;
  for (int y = b; y < e; y++) {
    const uint8_t *u = c->u + (size_t)(y + 1) * W + 1;
    if (c->isfloat) {
      const float *I = c->If + (size_t)y * w;
      float *pin = c->in + (size_t)y * w, *pout = c->out + (size_t)y * w;
      for (int x = 0; x < w; x++) {
        pin[x] = u[x] ? I[x] : 0.f;
        pout[x] = u[x] ? 0.f : I[x];
      }
    } else {
      const uint8_t *row = seg_row(c->im, y);
      int64_t si = 0, so = 0, n = 0;
      for (int x = 0; x < w; x++) {
        int64_t I = c->im->dtype == SEG_U8 ? row[x] : ((const uint16_t *)row)[x];
        si += u[x] ? I : 0; so += u[x] ? 0 : I; n += u[x];
      }
      c->isum[3 * (size_t)y] = si; c->isum[3 * (size_t)y + 1] = n; c->isum[3 * (size_t)y + 2] = so;
    }
  }
}

/* Sign of lambda1 (I - c1)^2 - lambda2 (I - c0)^2 as numpy computes it. */
static inline int mcv_sign (const Mcv *c, int x, int y) {
  if (c->isfloat) {
    float I = c->If[(size_t)y * c->m->w + x];
    float a = I - (float)c->c1, b = I - (float)c->c0;
    float d = (float)c->l1 * (a * a) - (float)c->l2 * (b * b);
    return (d > 0) - (d < 0);
  }
  const uint8_t *row = seg_row(c->im, y);
  double I = c->im->dtype == SEG_U8 ? row[x] : ((const uint16_t *)row)[x];
  double a = I - c->c1, b = I - c->c0;
  double d = c->l1 * (a * a) - c->l2 * (b * b);
  return (d > 0) - (d < 0);
}

/* Rows above and below for np.gradient along y: central inside, one-sided
** at the ends, nothing on a single row. */
static void grad_rows (int y, int h, int *ya, int *yb) {
  *ya = y > 0 ? y - 1 : 0;
  *yb = y + 1 < h ? y + 1 : h - 1;
}

static void mcv_attach (void *arg, int b, int e) {
  const Mcv *c = arg;
  int w = c->m->w, h = c->m->h, W = c->m->W;
  for (int y = b; y < e; y++) {
    int ya, yb;
    grad_rows(y, h, &ya, &yb);
    const uint8_t *u = c->u + (size_t)(y + 1) * W + 1;
    const uint8_t *ua = c->u + (size_t)(ya + 1) * W + 1, *ub = c->u + (size_t)(yb + 1) * W + 1;
    uint8_t *v = c->v + (size_t)(y + 1) * W + 1;
    for (int x = 0; x < w; x++) {
      int xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
      v[x] = u[x];
      if (ub[x] == ua[x] && u[xr] == u[xl]) continue;   /* |grad u| = 0: aux = 0 */
      int s = mcv_sign(c, x, y);
      if (s < 0) v[x] = 1;
      else if (s > 0) v[x] = 0;
    }
  }
}

/* Brent's cycle detection over the states (contour, phase) of an
** iteration 'step': runs n iterations from u, or fewer and then exactly
** the ones that land where n would. 'save' holds the tortoise. */
typedef void (*StepFn) (void *ctx, uint8_t *u, int *phase);

static void iterate (StepFn step, void *ctx, uint8_t *u, uint8_t *save, size_t bytes, int n) {
  int phase = 0, sphase = 0;
  long power = 1, lam = 0;
  memcpy(save, u, bytes);
  for (int done = 0; done < n; ) {
    step(ctx, u, &phase);
    done++; lam++;
    if (phase == sphase && memcmp(u, save, bytes) == 0) {
      /* state(done) == state(done - lam): period lam from here on */
      for (long r = (n - done) % lam; r > 0; r--) step(ctx, u, &phase);
      return;
    }
    if (lam == power) {
      memcpy(save, u, bytes); sphase = phase;
      power *= 2; lam = 0;
    }
  }
}

typedef struct McvCtx { Mcv c; uint8_t *v, *tmp; int smoothing; } McvCtx;

static void mcv_step (void *arg, uint8_t *u, int *phase) {
  McvCtx *k = arg;
  Mcv *c = &k->c;
  Ms *m = c->m;
  int w = m->w, h = m->h;
  size_t n = (size_t)w * h;
  c->u = u;
  seg_parallel_for(m->threads, h, 64, mcv_sums, c);
  double n1 = 0, s1, s0;
  if (c->isfloat) {
    for (int y = 0; y < h; y++) {
      const uint8_t *r = u + (size_t)(y + 1) * m->W + 1;
      for (int x = 0; x < w; x++) n1 += r[x];
    }
    s1 = numpy_sum_f32(c->in, n);
    s0 = numpy_sum_f32(c->out, n);
  } else {
    int64_t a = 0, b = 0, d = 0;
    for (int y = 0; y < h; y++) {
      a += c->isum[3 * (size_t)y]; b += c->isum[3 * (size_t)y + 1]; d += c->isum[3 * (size_t)y + 2];
    }
    s1 = (double)a; n1 = (double)b; s0 = (double)d;
  }
  /* c0 = (image * (1 - u)).sum() / float((1 - u).sum() + 1e-8), c1 alike */
  c->c0 = s0 / ((double)n - n1 + 1e-8);
  c->c1 = s1 / (n1 + 1e-8);
  c->v = k->v;
  seg_parallel_for(m->threads, h, 64, mcv_attach, c);
  memcpy(u, k->v, padded(w, h));
  smooth(m, u, k->tmp, k->smoothing, phase);
}

size_t seg_ms_scratch (int w, int h) {
  if (w <= 0 || h <= 0) return 0;
  size_t n = (size_t)w * (size_t)h, p = padded(w, h);
  /* five contours (u, tortoise, two temporaries, balloon mask), three
  ** doubles per pixel (gradients and percentile copy, or f32 copies), per-row
  ** sums, and the 64-byte alignment of each of at most 12 pieces */
  return 5 * p + 3 * n * sizeof(double) + 3 * (size_t)h * sizeof(int64_t) + 12 * 64;
}

static uint8_t *carve (uint8_t **p, size_t bytes) {
  uint8_t *r = *p;
  *p += (bytes + 63) & ~(size_t)63;
  return r;
}

static void to_out (const uint8_t *u, SegBuf *out, int w, int h) {
  for (int y = 0; y < h; y++) memcpy(seg_row_u8(out, y), u + (size_t)(y + 1) * (w + 2) + 1, (size_t)w);
}

int seg_morph_chan_vese (const SegBuf *image, SegBuf *out, const SegMsOpts *o, void *scratch) {
  int w = image->w, h = image->h;
  seg_assert(seg_buf_samesize(image, out) && image->c == 1 && image->dtype != SEG_I32);
  size_t n = (size_t)w * h, p = padded(w, h);
  uint8_t *s = scratch;
  Ms m = {w, h, w + 2, o->threads, NULL, NULL, 0};
  McvCtx k;
  memset(&k, 0, sizeof k);
  uint8_t *u = carve(&s, p), *save = carve(&s, p);
  k.v = carve(&s, p); k.tmp = carve(&s, p);
  memset(k.v, 0, p); memset(k.tmp, 0, p);
  k.smoothing = o->smoothing;
  k.c.m = &m; k.c.im = image; k.c.l1 = o->lambda1; k.c.l2 = o->lambda2;
  k.c.isfloat = image->dtype == SEG_F32;
  if (k.c.isfloat) {
    float *If = (float *)carve(&s, n * sizeof(float));
    for (int y = 0; y < h; y++) memcpy(If + (size_t)y * w, seg_row(image, y), (size_t)w * sizeof(float));
    k.c.If = If;
    k.c.in = (float *)carve(&s, n * sizeof(float));
    k.c.out = (float *)carve(&s, n * sizeof(float));
  } else {
    k.c.isum = (int64_t *)carve(&s, 3 * (size_t)h * sizeof(int64_t));
  }
  init_contour(o, u, w, h, SEG_MS_CHECKERBOARD);
  iterate(mcv_step, &k, u, save, p, o->iters);
  to_out(u, out, w, h);
  return SEG_OK;
}

/* ---------- morphological geodesic active contour ---------- */

typedef struct Gac {
  Ms *m;
  const double *gy, *gx;    /* np.gradient of the edge map */
  const uint8_t *bmask;     /* image > threshold / |balloon| (padded) */
  double balloon;
  uint8_t *v, *tmp;
  const uint8_t *u;
  int smoothing;
} Gac;

static void gac_attach (void *arg, int b, int e) {
  const Gac *g = arg;
  int w = g->m->w, h = g->m->h, W = g->m->W;
  for (int y = b; y < e; y++) {
    int ya, yb;
    grad_rows(y, h, &ya, &yb);
    double fy = (yb - ya == 2) ? 0.5 : 1.0;
    const uint8_t *u = g->u + (size_t)(y + 1) * W + 1;
    const uint8_t *ua = g->u + (size_t)(ya + 1) * W + 1, *ub = g->u + (size_t)(yb + 1) * W + 1;
    uint8_t *v = g->v + (size_t)(y + 1) * W + 1;
    const double *gy = g->gy + (size_t)y * w, *gx = g->gx + (size_t)y * w;
    for (int x = 0; x < w; x++) {
      int xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
      double fx = (xr - xl == 2) ? 0.5 : 1.0;
      double duy = (ub[x] - ua[x]) * fy, dux = (u[xr] - u[xl]) * fx;
      double aux = gy[x] * duy + gx[x] * dux;
      v[x] = aux > 0 ? 1 : aux < 0 ? 0 : u[x];
    }
  }
}

static void gac_step (void *arg, uint8_t *u, int *phase) {
  Gac *g = arg;
  Ms *m = g->m;
  size_t p = padded(m->w, m->h);
  if (g->balloon != 0) {
    apply(m, u, g->v, g->balloon > 0 ? OP_DILATE : OP_ERODE);
    for (size_t i = 0; i < p; i++) u[i] = g->bmask[i] ? g->v[i] : u[i];
  }
  g->u = u;
  seg_parallel_for(m->threads, m->h, 64, gac_attach, g);
  memcpy(u, g->v, p);
  smooth(m, u, g->tmp, g->smoothing, phase);
}

static int cmp_double (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* np.percentile(values, 40) with its linear method, as numpy evaluates it
** for this dtype ('f32': the neighbours' difference in float32). */
static double percentile40 (double *v, size_t n, int f32) {
  double vi = (double)(n - 1) * 0.4;
  double prev = floor(vi);
  size_t i = (size_t)prev, j = i + 1 < n ? i + 1 : n - 1;
  qsort(v, n, sizeof *v, cmp_double);
  double a = v[i], b = v[j], g = vi - prev;
  double d = f32 ? (double)((float)b - (float)a) : b - a;
  return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

int seg_morph_gac (const SegBuf *gimage, SegBuf *out, const SegMsOpts *o, void *scratch) {
  int w = gimage->w, h = gimage->h;
  seg_assert(seg_buf_samesize(gimage, out) && gimage->c == 1 && gimage->dtype != SEG_I32);
  size_t n = (size_t)w * h, p = padded(w, h);
  int f32 = gimage->dtype == SEG_F32;
  uint8_t *s = scratch;
  Ms m = {w, h, w + 2, o->threads, NULL, NULL, 0};
  Gac g;
  memset(&g, 0, sizeof g);
  g.m = &m; g.smoothing = o->smoothing; g.balloon = o->balloon;
  uint8_t *u = carve(&s, p), *save = carve(&s, p);
  g.v = carve(&s, p); g.tmp = carve(&s, p);
  memset(g.v, 0, p); memset(g.tmp, 0, p);
  double *gy = (double *)carve(&s, n * sizeof(double)), *gx = (double *)carve(&s, n * sizeof(double));
  /* np.gradient(image): central differences halved, one-sided at the ends,
  ** in float32 for f32 (numpy's loop), exact for integers */
  for (int y = 0; y < h; y++) {
    int ya, yb;
    grad_rows(y, h, &ya, &yb);
    const uint8_t *ra = seg_row(gimage, ya), *rb = seg_row(gimage, yb), *r = seg_row(gimage, y);
    for (int x = 0; x < w; x++) {
      int xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
      if (f32) {
        float dy = ((const float *)rb)[x] - ((const float *)ra)[x];
        float dx = ((const float *)r)[xr] - ((const float *)r)[xl];
        gy[(size_t)y * w + x] = yb - ya == 2 ? (double)(dy / 2.f) : (double)dy;
        gx[(size_t)y * w + x] = xr - xl == 2 ? (double)(dx / 2.f) : (double)dx;
      } else {
        double dy = seg_elem(gimage->dtype, rb, x) - seg_elem(gimage->dtype, ra, x);
        double dx = seg_elem(gimage->dtype, r, xr) - seg_elem(gimage->dtype, r, xl);
        gy[(size_t)y * w + x] = yb - ya == 2 ? dy / 2. : dy;
        gx[(size_t)y * w + x] = xr - xl == 2 ? dx / 2. : dx;
      }
    }
  }
  g.gy = gy; g.gx = gx;
  if (o->balloon != 0) {
    uint8_t *bm = carve(&s, p);
    memset(bm, 0, p);
    double thr = o->threshold;
    int hasnan = 0;
    if (isnan(thr)) {
      double *vals = (double *)carve(&s, n * sizeof(double));
      size_t k = 0;
      for (int y = 0; y < h; y++) {
        const uint8_t *r = seg_row(gimage, y);
        for (int x = 0; x < w; x++) {
          double v = seg_elem(gimage->dtype, r, x);
          if (isnan(v)) hasnan = 1;
          vals[k++] = v;
        }
      }
      /* numpy's percentile of data holding NaN is NaN: no pixel passes */
      thr = hasnan ? NAN : percentile40(vals, n, f32);
    }
    double t = thr / fabs(o->balloon);
    /* numpy compares a float32 array with a float64 scalar in float32
    ** when the scalar fits there */
    int inf32 = f32 && fabs(t) <= FLT_MAX;
    float tf = (float)(inf32 ? t : 0);
    for (int y = 0; y < h; y++) {
      const uint8_t *r = seg_row(gimage, y);
      uint8_t *b = bm + (size_t)(y + 1) * (w + 2) + 1;
      for (int x = 0; x < w; x++) {
        double v = seg_elem(gimage->dtype, r, x);
        b[x] = inf32 ? (float)v > tf : v > t;
      }
    }
    g.bmask = bm;
  }
  init_contour(o, u, w, h, SEG_MS_DISK);
  iterate(gac_step, &g, u, save, p, o->iters);
  to_out(u, out, w, h);
  return SEG_OK;
}

/* ---------- inverse Gaussian gradient ---------- */

int seg_igg_radius (double sigma) { return (int)(4.0 * sigma + 0.5); }

size_t seg_igg_scratch (int w, int h) {
  if (w <= 0 || h <= 0) return 0;
  return (size_t)w * (size_t)h * sizeof(double) + 64;
}

typedef struct Igg {
  int w, h, r;
  const double *I;
  const double *g, *dg;     /* correlation weights at offsets -r..-1 (index r - j for -j) */
  double alpha;
  SegBuf *dst;
  int failed;               /* a row worker ran out of memory */
} Igg;

/* scipy's correlate1d for a symmetric (sum) and an antisymmetric (diff)
** kernel, mode 'nearest': far taps first, as ni_filters.c. */
/* The vertical pass of row y into o0 (smoothed) and o1 (derived). */
SEG_CLONES static void igg_col_row (const Igg *k, int y, double *restrict o0, double *restrict o1) {
  int w = k->w, h = k->h, r = k->r;
  const double *c = k->I + (size_t)y * w;
  double gc = k->g[r], dc = k->dg[r];
  for (int x = 0; x < w; x++) { o0[x] = c[x] * gc; o1[x] = c[x] * dc; }
  for (int j = r; j >= 1; j--) {
    int ya = y - j < 0 ? 0 : y - j, yb = y + j >= h ? h - 1 : y + j;
    const double *restrict a = k->I + (size_t)ya * w, *restrict bb = k->I + (size_t)yb * w;
    double gj = k->g[r - j], dj = k->dg[r - j];
    for (int x = 0; x < w; x++) {
      o0[x] += (a[x] + bb[x]) * gj;
      o1[x] += (a[x] - bb[x]) * dj;
    }
  }
}

/* The horizontal pass on edge-padded copies of the row (r replicas each
** side), so every tap is a vector loop over x; the accumulation order per
** pixel stays scipy's (centre, then the far taps first). */
SEG_CLONES static void igg_row (const Igg *k, int y, const double *v0, const double *v1,
                                double *restrict a0, double *restrict a1,
                                double *restrict gx, double *restrict gy) {
  int w = k->w, r = k->r;
  for (int i = 0; i < w + 2 * r; i++) {
    int x = i - r < 0 ? 0 : i - r >= w ? w - 1 : i - r;
    a0[i] = v0[x]; a1[i] = v1[x];
  }
  double dc = k->dg[r], gc = k->g[r];
  for (int x = 0; x < w; x++) { gx[x] = a0[x + r] * dc; gy[x] = a1[x + r] * gc; }
  for (int j = r; j >= 1; j--) {
    double dj = k->dg[r - j], gj = k->g[r - j];
    const double *restrict l0 = a0 + r - j, *restrict r0 = a0 + r + j;
    const double *restrict l1 = a1 + r - j, *restrict r1 = a1 + r + j;
    for (int x = 0; x < w; x++) {
      gx[x] += (l0[x] - r0[x]) * dj;
      gy[x] += (l1[x] + r1[x]) * gj;
    }
  }
  float *o = seg_row_f32(k->dst, y);
  for (int x = 0; x < w; x++) {
    double mag = sqrt(gy[x] * gy[x] + gx[x] * gx[x]);
    o[x] = (float)(1.0 / sqrt(1.0 + k->alpha * mag));
  }
}

static void igg_rows (void *arg, int b, int e) {
  const Igg *k = arg;
  size_t n = (size_t)k->w + 2 * (size_t)k->r;
  size_t w = (size_t)k->w;
  double *buf = malloc((2 * n + 4 * w) * sizeof(double));
  if (!buf) { ((Igg *)k)->failed = 1; return; }
  double *v0 = buf + 2 * n + 2 * w, *v1 = v0 + w;
  for (int y = b; y < e; y++) {
    igg_col_row(k, y, v0, v1);
    igg_row(k, y, v0, v1, buf, buf + n, buf + 2 * n, buf + 2 * n + w);
  }
  free(buf);
}

static double pairwise_d (const double *a, size_t n) {
  if (n < 8) {
    double r = 0.;
    for (size_t i = 0; i < n; i++) r += a[i];
    return r;
  }
  if (n <= 128) {
    double r[8];
    size_t i;
    for (int k = 0; k < 8; k++) r[k] = a[k];
    for (i = 8; i < n - (n % 8); i += 8)
      for (int k = 0; k < 8; k++) r[k] += a[i + k];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_d(a, n2) + pairwise_d(a + n2, n - n2);
}

int seg_inverse_gaussian_gradient (const SegBuf *src, SegBuf *dst, double alpha, double sigma,
                                   int threads, void *scratch) {
  int w = src->w, h = src->h, r = seg_igg_radius(sigma);
  seg_assert(seg_buf_samesize(src, dst) && src->c == 1 && dst->dtype == SEG_F32);
  double *I = scratch;
  if (r < 0) r = 0;
  double *g = calloc((size_t)(2 * r + 1) * 2, sizeof(double));
  if (!g) return SEG_ENOMEM;
  double *dg = g + 2 * r + 1;
  /* _gaussian_kernel1d(sigma, order, r), reversed for correlate1d: the
  ** weight of offset o is phi(o) (order 0) and o / sigma^2 phi(o) (order 1) */
  double s2 = sigma * sigma;
  for (int i = 0; i <= 2 * r; i++) {
    double x = i - r;
    g[i] = exp(-0.5 / s2 * (x * x));
  }
  double sum = pairwise_d(g, (size_t)(2 * r + 1));
  for (int i = 0; i <= 2 * r; i++) g[i] = g[i] / sum;
  for (int i = 0; i <= 2 * r; i++) {
    double x = r - i;                       /* kernel index of the reversed tap */
    dg[i] = (x * (1. / -s2)) * g[2 * r - i];
  }
  double scale = src->dtype == SEG_U8 ? 1. / 255 : src->dtype == SEG_U16 ? 1. / 65535 : 1.;
  for (int y = 0; y < h; y++) {
    const uint8_t *row = seg_row(src, y);
    for (int x = 0; x < w; x++) {
      double v = seg_elem(src->dtype, row, x);
      I[(size_t)y * w + x] = src->dtype == SEG_F32 ? v : v * scale;
    }
  }
  Igg k = {w, h, r, I, g, dg, alpha, dst, 0};
  seg_parallel_for(threads, h, 4, igg_rows, &k);
  free(g);
  return k.failed ? SEG_ENOMEM : SEG_OK;
}

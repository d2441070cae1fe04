/* ops_resize.c — Resize (opsets 10 to 19) and Upsample (7, 9).
**
** Semantics are those of ONNX's reference implementation
** (onnx/reference/ops/op_resize.py), which the backend tests were made
** with: each resized axis maps output coordinate x to a source coordinate
** x_ori by the coordinate transformation mode, in double precision and with
** the same expressions (ties of the nearest modes and align_corners' use of
** the unrounded output width scale * in depend on it); the output is the
** tensor product of one-dimensional filters (nearest, linear, cubic with
** coefficient A, their antialiased versions stretched by 1 / scale when
** downscaling) over edge-padded input, optionally without the taps outside
** the input (exclude_outside), or extrapolation_value where
** tf_crop_and_resize maps outside it. Upsample and Resize-10 are
** asymmetric; their nearest takes floor(x_ori), or ceil when downscaling,
** as onnxruntime does.
**
** Per axis a table holds each output coordinate's taps (clamped source
** indices, weights) and whether it lies outside. Three paths use them:
**   - f32, only the last two axes resized, at most two taps each (nearest,
**     bilinear): rows of the output over threads; bilinear interpolates
**     each source row horizontally once into a two-row cache, then blends
**     the pair of rows each output row needs; nearest gathers a row (or
**     duplicates pixels for x2, or copies the previous output row);
**   - nearest, any element type and rank: a gather of whole elements;
**   - anything else: one separable pass per resized axis, in double.
**
** The output shape needs the values of scales or sizes: when they are not
** constant at plan time infer returns NN_DYNAMIC. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/segk.h"
#include "nn/nn.h"

#define MAXEL ((int64_t)1 << 40)
/* Largest taps table of one axis (antialiasing a huge downscale). */
#define MAXTAPS ((int64_t)1 << 27)

/* seg_parallel_for over [0, n) for n past INT_MAX, in slices. */
typedef void (*RowFn) (void *arg, int64_t begin, int64_t end);
typedef struct Par { RowFn fn; void *arg; int64_t base; } Par;

static void par_slice (void *arg, int b, int e) {
  const Par *p = arg;
  p->fn(p->arg, p->base + b, p->base + e);
}

static void par_rows (int threads, int64_t n, int grain, RowFn fn, void *arg) {
  const int64_t slice = (int64_t)1 << 30;
  for (int64_t b = 0; b < n; b += slice) {
    Par p = {fn, arg, b};
    seg_parallel_for(threads, (int)(n - b < slice ? n - b : slice), grain, par_slice, &p);
  }
}

/* ---------- attributes ---------- */

enum { M_NEAREST, M_LINEAR, M_CUBIC };
enum { T_HALF_PIXEL, T_HALF_PIXEL_SYM, T_PYTORCH, T_ALIGN, T_ASYM, T_TF_NN, T_TF_CROP };
enum { R_PREFER_FLOOR, R_PREFER_CEIL, R_FLOOR, R_CEIL, R_SIMPLE };
enum { K_STRETCH, K_NOT_LARGER, K_NOT_SMALLER };

static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
static const char *const ctms[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                                   "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize", NULL};
static const char *const nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", NULL};
static const char *const keeps[] = {"stretch", "not_larger", "not_smaller", NULL};

typedef struct Attrs {
  int upsample;             /* Upsample, not Resize */
  int mode, ctm, nearest, keep, exclude, antialias;
  double cubic_a, extrap;
} Attrs;

static int pick (const char *s, const char *const *names) {
  for (int i = 0; names[i]; i++)
    if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

static int read_attrs (NnNode *n, NnCtx *c, Attrs *A) {
  memset(A, 0, sizeof *A);
  A->upsample = strcmp(n->op, "Upsample") == 0;
  const char *m = nn_attr_str(n, "mode", "nearest");
  A->mode = A->upsample && strcmp(m, "bilinear") == 0 ? M_LINEAR : pick(m, modes);
  if (A->mode < 0 || (A->mode == M_CUBIC && (A->upsample || n->opset < 11)))
    return nn_fail(c, n, "unknown mode '%s'", m);
  A->cubic_a = -0.75;
  if (A->upsample || n->opset < 11) {   /* Upsample, Resize-10 */
    A->ctm = T_ASYM;
    A->nearest = R_SIMPLE;
    return NN_OK;
  }
  const char *t = nn_attr_str(n, "coordinate_transformation_mode", "half_pixel");
  if ((A->ctm = pick(t, ctms)) < 0) return nn_fail(c, n, "unknown coordinate_transformation_mode '%s'", t);
  const char *r = nn_attr_str(n, "nearest_mode", "round_prefer_floor");
  if ((A->nearest = pick(r, nearests)) < 0) return nn_fail(c, n, "unknown nearest_mode '%s'", r);
  const char *k = nn_attr_str(n, "keep_aspect_ratio_policy", "stretch");
  if ((A->keep = pick(k, keeps)) < 0) return nn_fail(c, n, "unknown keep_aspect_ratio_policy '%s'", k);
  A->cubic_a = nn_attr_float(n, "cubic_coeff_a", -0.75f);
  A->exclude = nn_attr_int(n, "exclude_outside", 0) != 0;
  A->antialias = nn_attr_int(n, "antialias", 0) != 0 && A->mode != M_NEAREST;
  A->extrap = nn_attr_float(n, "extrapolation_value", 0.0f);
  return NN_OK;
}

static int check_resize (NnNode *n, NnCtx *c) {
  Attrs A;
  if (read_attrs(n, c, &A)) return NN_ERR;
  if (A.upsample && n->opset < 9) {
    const float *v;
    if (nn_attr_floats(n, "scales", &v) < 0) return nn_fail(c, n, "needs a scales attribute");
  }
  return NN_OK;
}

/* ---------- geometry: output shape, scales, roi ---------- */

typedef struct Geo {
  int rank;
  int64_t in[NN_MAXRANK], out[NN_MAXRANK];
  double scale[NN_MAXRANK];           /* what the coordinate transform divides by */
  float roi0[NN_MAXRANK], roi1[NN_MAXRANK];
} Geo;

static const NnTensor *opt_in (const NnNode *n, NnTensor **in, int k) {
  if (k >= n->nin || n->in[k] < 0 || !in[k] || nn_numel(in[k]) == 0) return NULL;
  return in[k];
}

static int is_float (int t) { return t == NN_F32 || t == NN_F64; }
static int is_int (int t) {
  return t == NN_I64 || t == NN_I32 || t == NN_I16 || t == NN_I8 || t == NN_U8 || t == NN_U16 ||
         t == NN_U32 || t == NN_U64;
}

/* Output shape and per-axis scales (and roi when want_roi) from the inputs.
** NN_DYNAMIC when a value it needs is not known yet. */
static int geometry (NnNode *n, NnTensor **in, NnCtx *c, const Attrs *A, Geo *g, int want_roi) {
  const NnTensor *x = in[0];
  int r = x->rank, na = r, axes[NN_MAXRANK];
  g->rank = r;
  for (int d = 0; d < r; d++) {
    g->in[d] = g->out[d] = x->dims[d];
    g->scale[d] = 1;
    g->roi0[d] = 0;
    g->roi1[d] = 1;
    axes[d] = d;
  }
  if (!A->upsample && n->opset >= 18) {
    const int64_t *v;
    int m = nn_attr_ints(n, "axes", &v);
    if (m >= 0) {
      if (m > r) return nn_fail(c, n, "%d axes for rank %d", m, r);
      int seen[NN_MAXRANK] = {0};
      for (int i = 0; i < m; i++) {
        if (v[i] < -r || v[i] >= r) return nn_fail(c, n, "axis %lld is out of range for rank %d", (long long)v[i], r);
        axes[i] = (int)(v[i] < 0 ? v[i] + r : v[i]);
        if (seen[axes[i]]++) return nn_fail(c, n, "axis %d repeated", axes[i]);
      }
      na = m;
    }
  }
  const NnTensor *ts = NULL, *tz = NULL, *troi = NULL;
  double sc[NN_MAXRANK];
  int64_t sz[NN_MAXRANK];
  int have_sc = 0;
  if (A->upsample && n->opset < 9) {
    const float *v;
    int m = nn_attr_floats(n, "scales", &v);
    if (m != r) return nn_fail(c, n, "scales has %d values for rank %d", m < 0 ? 0 : m, r);
    for (int i = 0; i < m; i++) sc[i] = v[i];
    have_sc = 1;
  } else if (A->upsample || n->opset < 11) {
    ts = opt_in(n, in, 1);
  } else {
    troi = opt_in(n, in, 1);
    ts = opt_in(n, in, 2);
    tz = opt_in(n, in, 3);
  }
  if (ts && tz) return nn_fail(c, n, "takes scales or sizes, not both");
  if (!ts && !tz && !have_sc) return nn_fail(c, n, "needs scales or sizes");
  if (ts) {
    if (!is_float(ts->type)) return nn_fail(c, n, "scales must be float, not %s", nn_type_name(ts->type));
    if (nn_numel(ts) != na) return nn_fail(c, n, "scales has %lld values for %d axes", (long long)nn_numel(ts), na);
    if (!ts->data) return NN_DYNAMIC;
    for (int i = 0; i < na; i++) sc[i] = nn_getd(ts, i);
    have_sc = 1;
  }
  if (have_sc) {
    for (int i = 0; i < na; i++) {
      int a = axes[i];
      if (!(sc[i] > 0) || !isfinite(sc[i])) return nn_fail(c, n, "scale %g is not positive", sc[i]);
      double o = sc[i] * (double)g->in[a];
      if (o >= (double)MAXEL) return nn_fail(c, n, "output has too many elements");
      g->scale[a] = sc[i];
      g->out[a] = (int64_t)o;
    }
  } else {
    if (!is_int(tz->type)) return nn_fail(c, n, "sizes must be integers, not %s", nn_type_name(tz->type));
    if (nn_numel(tz) != na) return nn_fail(c, n, "sizes has %lld values for %d axes", (long long)nn_numel(tz), na);
    if (!tz->data) return NN_DYNAMIC;
    double ext = A->keep == K_NOT_LARGER ? INFINITY : 0;
    for (int i = 0; i < na; i++) {
      int a = axes[i];
      sz[i] = nn_geti(tz, i);
      if (sz[i] < 0 || sz[i] > MAXEL) return nn_fail(c, n, "size %lld is out of range", (long long)sz[i]);
      if (g->in[a] == 0) {
        if (sz[i] != 0) return nn_fail(c, n, "cannot resize an empty dimension to %lld", (long long)sz[i]);
        continue;
      }
      double s = (double)sz[i] / (double)g->in[a];
      g->scale[a] = s;
      g->out[a] = sz[i];
      if (A->keep == K_NOT_LARGER ? s < ext : s > ext) ext = s;
    }
    if (A->keep != K_STRETCH) {
      for (int i = 0; i < na; i++) {
        int a = axes[i];
        if (g->in[a] == 0) continue;
        double o = ext * (double)g->in[a] + 0.5;
        if (!(ext > 0) || o >= (double)MAXEL) return nn_fail(c, n, "bad sizes for keep_aspect_ratio_policy");
        g->scale[a] = ext;
        g->out[a] = (int64_t)o;
      }
    }
  }
  for (int d = 0; d < r; d++)
    if (g->out[d] > 0 && g->in[d] == 0) return nn_fail(c, n, "cannot resize an empty dimension");
  int64_t e = 1;
  for (int d = 0; d < r; d++) {
    if (g->out[d] && e > MAXEL / g->out[d]) return nn_fail(c, n, "output has too many elements");
    e *= g->out[d];
  }
  if (want_roi && A->ctm == T_TF_CROP) {
    if (!troi) return nn_fail(c, n, "tf_crop_and_resize needs roi");
    if (!is_float(troi->type)) return nn_fail(c, n, "roi must be float, not %s", nn_type_name(troi->type));
    if (nn_numel(troi) != 2 * na) return nn_fail(c, n, "roi has %lld values for %d axes", (long long)nn_numel(troi), na);
    if (!troi->data) return NN_DYNAMIC;
    for (int i = 0; i < na; i++) {
      g->roi0[axes[i]] = (float)nn_getd(troi, i);
      g->roi1[axes[i]] = (float)nn_getd(troi, na + i);
    }
  }
  return NN_OK;
}

static int infer_resize (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  Attrs A;
  Geo g;
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (read_attrs(n, c, &A)) return NN_ERR;
  int t = in[0]->type;
  if (nn_type_size(t) == 0) return nn_fail(c, n, "element type %s is not supported", nn_type_name(t));
  if (A.mode != M_NEAREST && t == NN_BOOL) return nn_fail(c, n, "%s mode on booleans", modes[A.mode]);
  int rc = geometry(n, in, c, &A, &g, 0);
  if (rc != NN_OK) return rc;
  nn_setshape(out[0], t, g.rank, g.out);
  return NN_OK;
}

/* ---------- per-axis tables ---------- */

typedef struct Axis {
  int64_t nin, nout;
  int ntap;
  int identity;             /* out[x] = in[x] exactly */
  int any_out;
  int64_t *idx;             /* nout * ntap source indices, clamped */
  double *w;                /* nout * ntap weights */
  uint8_t *outside;         /* nout flags: extrapolation_value there */
} Axis;

/* The source coordinate of output coordinate x, as the reference computes it. */
static double source_coord (const Attrs *A, const Geo *g, int a, double x, int *outside) {
  double s = g->scale[a], in = (double)g->in[a], ow = s * in;
  *outside = 0;
  switch (A->ctm) {
    case T_ALIGN: return ow == 1 ? 0 : x * (in - 1) / (ow - 1);
    case T_ASYM: return x / s;
    case T_TF_NN: return (x + 0.5) / s;
    case T_PYTORCH: return ow == 1 ? -0.5 : (x + 0.5) / s - 0.5;
    case T_HALF_PIXEL_SYM: {
      double adj = (double)g->out[a] / ow, center = in / 2, off = center * (1 - adj);
      return off + (x + 0.5) / s - 0.5;
    }
    case T_TF_CROP: {
      double span = (double)(g->roi1[a] - g->roi0[a]);   /* a float difference, as numpy's */
      double v = ow == 1 ? span * (in - 1) / 2 : x * span * (in - 1) / (ow - 1);
      v += (double)g->roi0[a] * (in - 1);
      if (v < 0 || v > in - 1) *outside = 1;
      return v;
    }
    default: return (x + 0.5) / s - 0.5;
  }
}

static double cubic_w (double x, double a) {   /* Keys' kernel */
  x = fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

static void free_axis (Axis *ax) {
  free(ax->idx);
  ax->idx = NULL;
  ax->w = NULL;
  ax->outside = NULL;
}

static int build_axis (const Attrs *A, const Geo *g, int a, Axis *ax) {
  int64_t nin = g->in[a], nout = g->out[a];
  double s = g->scale[a];
  int aa = A->antialias && s < 1, start;
  int64_t ntap;
  memset(ax, 0, sizeof *ax);
  ax->nin = nin;
  ax->nout = nout;
  if (A->mode == M_NEAREST) ntap = 1, start = 0;
  else if (A->mode == M_LINEAR) {
    if (aa) {
      double st = floor(-1 / s) + 1;
      if (st < -(double)MAXTAPS) return -1;
      start = (int)st;
    } else start = 0;
    ntap = 2 - 2 * (int64_t)start;
  } else {
    if (aa) {
      double st = floor(-2 / s) + 1;
      if (st < -(double)MAXTAPS) return -1;
      start = (int)st;
    } else start = -1;
    ntap = 2 - 2 * (int64_t)start;
  }
  if (nout > 0 && ntap > MAXTAPS / nout) return -1;
  ax->ntap = (int)ntap;
  size_t cnt = (size_t)(nout * ntap);
  char *mem = malloc(cnt * (sizeof(int64_t) + sizeof(double)) + (size_t)nout + 1);
  if (!mem) return -1;
  ax->idx = (int64_t *)mem;
  ax->w = (double *)(mem + cnt * sizeof(int64_t));
  ax->outside = (uint8_t *)(mem + cnt * (sizeof(int64_t) + sizeof(double)));
  int identity = nin == nout;
  for (int64_t x = 0; x < nout; x++) {
    int out;
    double xo = source_coord(A, g, a, (double)x, &out);
    int64_t *ix = ax->idx + x * ntap;
    double *w = ax->w + x * ntap;
    ax->outside[x] = (uint8_t)out;
    ax->any_out |= out;
    if (!isfinite(xo)) xo = 0;
    if (xo > 4e18) xo = 4e18;
    if (xo < -4e18) xo = -4e18;
    double fl = floor(xo);
    int integral = xo == fl;
    /* taps at base + start + j; the ratio t = xo - base is in (0, 1] */
    int64_t base = (int64_t)fl - integral;
    double t = integral ? 1 : xo - fl;
    if (A->mode == M_NEAREST) {
      int64_t k;
      if (A->nearest == R_SIMPLE) k = s < 1 ? (int64_t)ceil(xo) : (int64_t)fl;
      else if (integral) k = base + 1;
      else {
        int up = A->nearest == R_PREFER_FLOOR ? t > 0.5 : A->nearest == R_PREFER_CEIL ? t >= 0.5
               : A->nearest == R_CEIL;
        k = base + up;
      }
      ix[0] = k;
      w[0] = 1;
    } else {
      double sum = 0;
      for (int j = 0; j < ntap; j++) {
        ix[j] = base + start + j;
        double d = (double)(start + j) - t;    /* tap minus source coordinate */
        if (aa) w[j] = A->mode == M_LINEAR ? fmax(0, 1 - fabs(d * s)) : cubic_w(d * s, A->cubic_a);
        else if (A->mode == M_LINEAR) w[j] = j == 0 ? 1 - t : t;
        else {
          double c = A->cubic_a, u = j < 2 ? t : 1 - t, v = j == 0 || j == 3 ? u + 1 : u;
          w[j] = j == 0 || j == 3 ? ((c * v - 5 * c) * v + 8 * c) * v - 4 * c
                                  : ((c + 2) * v - (c + 3)) * v * v + 1;
        }
        if (A->exclude && (ix[j] < 0 || ix[j] >= nin)) w[j] = 0;
        sum += w[j];
      }
      if ((aa || A->exclude) && sum != 0)
        for (int j = 0; j < ntap; j++) w[j] /= sum;
    }
    double self = 0;
    for (int j = 0; j < ntap; j++) {
      if (ix[j] < 0) ix[j] = 0;
      if (ix[j] > nin - 1) ix[j] = nin - 1;
      if (w[j] != 0 && ix[j] != x) identity = 0;
      if (ix[j] == x) self += w[j];
    }
    if (self != 1 || out) identity = 0;
  }
  ax->identity = identity;
  return 0;
}

/* ---------- the f32 fast path: last two axes, at most two taps ---------- */

typedef struct Fast {
  const float *src;
  float *dst;
  int64_t ih, iw, oh, ow;
  int32_t *x0, *x1, *y0, *y1;
  float *wx0, *wx1, *wy0, *wy1;
  int nearest;
  int xkind;                /* nearest: 0 gather, 1 copy, 2 duplicate pairs */
  float *scratch;           /* bilinear: 2 rows per chunk */
} Fast;

enum { X_GATHER, X_COPY, X_DUP2 };

static void hrow (const Fast *f, const float *restrict r, float *restrict h) {
  const int32_t *restrict x0 = f->x0, *restrict x1 = f->x1;
  const float *restrict w0 = f->wx0, *restrict w1 = f->wx1;
  for (int64_t x = 0; x < f->ow; x++) h[x] = w0[x] * r[x0[x]] + w1[x] * r[x1[x]];
}

static void fast_linear (void *arg, int chunk, int b, int e) {
  const Fast *f = arg;
  float *h[2] = {f->scratch + (size_t)chunk * 2 * (size_t)f->ow, f->scratch + ((size_t)chunk * 2 + 1) * (size_t)f->ow};
  int64_t tag[2] = {-1, -1};
  for (int it = b; it < e; it++) {
    int64_t p = it / f->oh, oy = it % f->oh;
    float *restrict d = f->dst + (int64_t)it * f->ow;
    int64_t ta = p * f->ih + f->y0[oy], tb = p * f->ih + f->y1[oy];
    float wa = f->wy0[oy], wb = f->wy1[oy];
    int ia = tag[0] == ta ? 0 : tag[1] == ta ? 1 : -1;
    if (ia < 0) {
      ia = tag[0] == tb ? 1 : 0;
      hrow(f, f->src + ta * f->iw, h[ia]);
      tag[ia] = ta;
    }
    const float *restrict ha = h[ia];
    if (wb == 0 || tb == ta) {
      float w = wa + wb;
      if (w == 1) memcpy(d, ha, (size_t)f->ow * sizeof *d);
      else for (int64_t x = 0; x < f->ow; x++) d[x] = w * ha[x];
      continue;
    }
    int ib = ia ^ 1;
    if (tag[ib] != tb) {
      hrow(f, f->src + tb * f->iw, h[ib]);
      tag[ib] = tb;
    }
    const float *restrict hb = h[ib];
    for (int64_t x = 0; x < f->ow; x++) d[x] = wa * ha[x] + wb * hb[x];
  }
}

static void fast_nearest (void *arg, int chunk, int b, int e) {
  const Fast *f = arg;
  (void)chunk;
  for (int it = b; it < e; it++) {
    int64_t p = it / f->oh, oy = it % f->oh;
    float *restrict d = f->dst + (int64_t)it * f->ow;
    if (it > b && oy > 0 && f->y0[oy] == f->y0[oy - 1]) {
      memcpy(d, d - f->ow, (size_t)f->ow * sizeof *d);
      continue;
    }
    const float *restrict r = f->src + (p * f->ih + f->y0[oy]) * f->iw;
    if (f->xkind == X_COPY) memcpy(d, r, (size_t)f->ow * sizeof *d);
    else if (f->xkind == X_DUP2)
      for (int64_t x = 0; x < f->iw; x++) d[2 * x] = d[2 * x + 1] = r[x];
    else {
      const int32_t *restrict x0 = f->x0;
      for (int64_t x = 0; x < f->ow; x++) d[x] = r[x0[x]];
    }
  }
}

/* Two taps of axis ax into i0/i1/w0/w1 (a zero first weight moves the
** second tap first, so one-row cases read one row). */
static void two_taps (const Axis *ax, int32_t *i0, int32_t *i1, float *w0, float *w1) {
  for (int64_t x = 0; x < ax->nout; x++) {
    const int64_t *ix = ax->idx + x * ax->ntap;
    const double *w = ax->w + x * ax->ntap;
    int64_t a = ix[0], b = ax->ntap > 1 ? ix[1] : ix[0];
    double wa = w[0], wb = ax->ntap > 1 ? w[1] : 0;
    if (ax->identity) a = b = x, wa = 1, wb = 0;
    if (wa == 0) a = b, wa = wb, wb = 0;
    if (b == a && wb != 0) wa += wb, wb = 0;
    i0[x] = (int32_t)a;
    i1[x] = (int32_t)(wb != 0 ? b : a);
    w0[x] = (float)wa;
    w1[x] = (float)wb;
  }
}

/* True when it took the fast path (or failed: rc set). */
static int try_fast (const Attrs *A, const Geo *g, const Axis *ax, const NnTensor *x, NnTensor *y, NnCtx *c, int *rc) {
  int r = g->rank;
  if (x->type != NN_F32 || r < 2) return 0;
  for (int d = 0; d < r - 2; d++)
    if (!ax[d].identity) return 0;
  const Axis *ah = &ax[r - 2], *aw = &ax[r - 1];
  if (ah->ntap > 2 || aw->ntap > 2 || ah->any_out || aw->any_out) return 0;
  if (g->in[r - 1] > INT32_MAX || g->in[r - 2] > INT32_MAX) return 0;
  int64_t planes = 1;
  for (int d = 0; d < r - 2; d++) planes *= g->out[d];
  int64_t oh = g->out[r - 2], ow = g->out[r - 1];
  if (planes * oh > INT32_MAX) return 0;
  Fast f;
  memset(&f, 0, sizeof f);
  f.src = x->data;
  f.dst = y->data;
  f.ih = g->in[r - 2];
  f.iw = g->in[r - 1];
  f.oh = oh;
  f.ow = ow;
  f.nearest = A->mode == M_NEAREST;
  size_t nb = (size_t)(oh + ow) * 2 * (sizeof(int32_t) + sizeof(float));
  int threads = c->threads < 1 ? 1 : c->threads;
  if (!f.nearest) nb += (size_t)threads * 2 * (size_t)ow * sizeof(float);
  char *mem = malloc(nb);
  if (!mem) {
    *rc = NN_ERR;
    return 1;
  }
  f.x0 = (int32_t *)mem;
  f.x1 = f.x0 + ow;
  f.y0 = f.x1 + ow;
  f.y1 = f.y0 + oh;
  f.wx0 = (float *)(f.y1 + oh);
  f.wx1 = f.wx0 + ow;
  f.wy0 = f.wx1 + ow;
  f.wy1 = f.wy0 + oh;
  f.scratch = f.wy1 + oh;
  two_taps(aw, f.x0, f.x1, f.wx0, f.wx1);
  two_taps(ah, f.y0, f.y1, f.wy0, f.wy1);
  if (f.nearest) {
    int copy = ow == f.iw, dup = ow == 2 * f.iw;
    for (int64_t i = 0; i < ow; i++) {
      copy &= f.x0[i] == i;
      dup &= f.x0[i] == i / 2;
    }
    f.xkind = copy ? X_COPY : dup ? X_DUP2 : X_GATHER;
  }
  int grain = (int)(ow >= 8192 ? 1 : 8192 / ow);
  seg_parallel_chunks(threads, (int)(planes * oh), grain, f.nearest ? fast_nearest : fast_linear, &f);
  free(mem);
  *rc = NN_OK;
  return 1;
}

/* ---------- nearest, any type: gather whole elements ---------- */

typedef struct Gather {
  const uint8_t *src;
  uint8_t *dst;
  size_t es;
  int rank;
  int64_t istr[NN_MAXRANK], out[NN_MAXRANK];
  const Axis *ax;
  uint8_t fill[8];          /* extrapolation_value in the element type */
} Gather;

static void gather_rows (void *arg, int64_t b, int64_t e) {
  const Gather *G = arg;
  int r = G->rank, L = r - 1;
  int64_t ow = G->out[L];
  const Axis *al = &G->ax[L];
  size_t es = G->es;
  for (int64_t it = b; it < e; it++) {
    int64_t rem = it, off = 0;
    int outside = 0;
    for (int d = L - 1; d >= 0; d--) {
      int64_t xo = rem % G->out[d];
      rem /= G->out[d];
      outside |= G->ax[d].outside[xo];
      off += G->ax[d].idx[xo] * G->istr[d];
    }
    uint8_t *d = G->dst + (size_t)it * (size_t)ow * es;
    const uint8_t *s = G->src + (size_t)off * es;
    for (int64_t x = 0; x < ow; x++) {
      const uint8_t *v = outside || al->outside[x] ? G->fill : s + (size_t)al->idx[x] * es;
      switch (es) {
        case 1: d[x] = *v; break;
        case 2: memcpy(d + 2 * x, v, 2); break;
        case 4: memcpy(d + 4 * x, v, 4); break;
        default: memcpy(d + 8 * x, v, 8); break;
      }
    }
  }
}

static void run_gather (const Attrs *A, const Geo *g, const Axis *ax, const NnTensor *x, NnTensor *y, NnCtx *c) {
  Gather G;
  memset(&G, 0, sizeof G);
  G.src = x->data;
  G.dst = y->data;
  G.es = nn_type_size(x->type);
  G.rank = g->rank;
  G.ax = ax;
  int64_t s = 1, rows = 1;
  for (int d = g->rank - 1; d >= 0; d--) {
    G.istr[d] = s;
    s *= g->in[d];
    G.out[d] = g->out[d];
    if (d < g->rank - 1) rows *= g->out[d];
  }
  NnTensor f = {.type = x->type, .rank = 0, .data = G.fill};
  nn_setd(&f, 0, A->extrap);
  int grain = (int)(g->out[g->rank - 1] >= 16384 ? 1 : 16384 / g->out[g->rank - 1]);
  par_rows(c->threads, rows, grain, gather_rows, &G);
}

/* ---------- general: separable passes in double ---------- */

typedef struct Pass {
  const double *src;
  double *dst;
  int64_t nin, nout, inner;
  const Axis *ax;
  double extrap;
} Pass;

static void pass_rows (void *arg, int64_t b, int64_t e) {
  const Pass *P = arg;
  const Axis *ax = P->ax;
  int64_t inner = P->inner;
  for (int64_t it = b; it < e; it++) {
    int64_t o = it / P->nout, x = it % P->nout;
    double *restrict d = P->dst + it * inner;
    if (ax->outside[x]) {
      for (int64_t i = 0; i < inner; i++) d[i] = P->extrap;
      continue;
    }
    const int64_t *ix = ax->idx + x * ax->ntap;
    const double *w = ax->w + x * ax->ntap;
    for (int64_t i = 0; i < inner; i++) d[i] = 0;
    for (int k = 0; k < ax->ntap; k++) {
      const double *restrict s = P->src + (o * P->nin + ix[k]) * inner;
      double wk = w[k];
      for (int64_t i = 0; i < inner; i++) d[i] += wk * s[i];
    }
  }
}

static int run_separable (const Attrs *A, const Geo *g, const Axis *ax, const NnTensor *x, NnTensor *y, NnCtx *c) {
  int r = g->rank;
  int64_t cur[NN_MAXRANK], n = nn_numel(x), most = n;
  for (int d = 0; d < r; d++) cur[d] = g->in[d];
  for (int d = 0; d < r; d++) {
    if (ax[d].identity) continue;
    cur[d] = g->out[d];
    int64_t e = 1;
    for (int k = 0; k < r; k++) e *= cur[k];
    if (e > most) most = e;
  }
  double *a = malloc((size_t)most * sizeof *a), *b = malloc((size_t)most * sizeof *b);
  if (!a || !b) {
    free(a);
    free(b);
    return -1;
  }
  if (x->type == NN_F32) {
    const float *s = x->data;
    for (int64_t i = 0; i < n; i++) a[i] = s[i];
  } else if (x->type == NN_F64) memcpy(a, x->data, (size_t)n * sizeof *a);
  else for (int64_t i = 0; i < n; i++) a[i] = nn_getd(x, i);
  for (int d = 0; d < r; d++) cur[d] = g->in[d];
  for (int d = 0; d < r; d++) {
    if (ax[d].identity) continue;
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < d; k++) outer *= cur[k];
    for (int k = d + 1; k < r; k++) inner *= cur[k];
    Pass P = {a, b, g->in[d], g->out[d], inner, &ax[d], A->extrap};
    int grain = (int)(inner >= 8192 ? 1 : 8192 / inner);
    par_rows(c->threads, outer * g->out[d], grain, pass_rows, &P);
    cur[d] = g->out[d];
    double *t = a;
    a = b;
    b = t;
  }
  int64_t m = nn_numel(y);
  if (y->type == NN_F32) {
    float *o = y->data;
    for (int64_t i = 0; i < m; i++) o[i] = (float)a[i];
  } else if (y->type == NN_F64) memcpy(y->data, a, (size_t)m * sizeof *a);
  else   /* integers: rounded half to even, saturated (as the reference) */
    for (int64_t i = 0; i < m; i++) nn_setd(y, i, nearbyint(a[i]));
  free(a);
  free(b);
  return 0;
}

/* ---------- run ---------- */

static int run_resize (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  Attrs A;
  Geo g;
  if (read_attrs(n, c, &A)) return NN_ERR;
  int rc = geometry(n, in, c, &A, &g, 1);
  if (rc == NN_DYNAMIC) return nn_fail(c, n, "scales, sizes or roi unknown at run time");
  if (rc != NN_OK) return rc;
  NnTensor *x = in[0], *y = out[0];
  for (int d = 0; d < g.rank; d++)
    if (y->dims[d] != g.out[d] || y->rank != g.rank) return nn_fail(c, n, "output shape changed since planning");
  if (nn_numel(y) == 0) return NN_OK;
  if (g.rank == 0) {
    memcpy(y->data, x->data, nn_type_size(x->type));
    return NN_OK;
  }
  Axis ax[NN_MAXRANK];
  memset(ax, 0, sizeof ax);
  for (int d = 0; d < g.rank; d++)
    if (build_axis(&A, &g, d, &ax[d]) != 0) {
      for (int k = 0; k < d; k++) free_axis(&ax[k]);
      return nn_fail(c, n, "the filter of axis %d is too large for memory", d);
    }
  int fail = 0;
  if (try_fast(&A, &g, ax, x, y, c, &rc)) fail = rc != NN_OK;
  else if (A.mode == M_NEAREST) run_gather(&A, &g, ax, x, y, c);
  else fail = run_separable(&A, &g, ax, x, y, c) != 0;
  for (int d = 0; d < g.rank; d++) free_axis(&ax[d]);
  if (fail) return nn_fail(c, n, "not enough memory");
  return NN_OK;
}

const NnOp nn_ops_resize[] = {
  {"Resize", NN_F_PURE, check_resize, infer_resize, run_resize, NULL},
  {"Upsample", NN_F_PURE, check_resize, infer_resize, run_resize, NULL},
  {NULL, 0, NULL, NULL, NULL, NULL}
};

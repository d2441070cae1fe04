/* ops_dnnl.c — convolutions, matrix products, pooling and normalisation:
** Conv, ConvTranspose, MatMul, Gemm, MaxPool, AveragePool,
** GlobalAveragePool, GlobalMaxPool, BatchNormalization,
** InstanceNormalization, LayerNormalization.
**
** The heavy ones run as oneDNN primitives (dnnl_common.c): each node keeps
** its primitive in n->state, built for the shapes, layouts and thread count
** of the last run and rebuilt when they change, with constant weights
** reordered once into the layout the primitive chose. Conv, ConvTranspose,
** MatMul and Gemm apply the fused activations and residual adds as
** oneDNN post-ops (ConvTranspose adds its bias and posts in C: oneDNN 2.6
** does that to a deconvolution in a reference loop, 40x slower). Conv,
** ConvTranspose, the pools and BatchNormalization read blocked
** (nChw8c/nChw16c) and channels-last (NHWC) inputs and write those layouts
** when the plan allows: convolutions choose by kernel (conv_layout), the
** others keep their input's.
** InstanceNormalization (long rows, where C is as fast), pooling cases
** oneDNN has no form for (Indices, count_include_pad windows cut by
** ceil_mode, more than 3 spatial dims, other types) and the training mode
** of BatchNormalization are plain C. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/segk.h"
#include "nn/dnnl_internal.h"
#include "nn/nn.h"
#include "nn/nn_internal.h"   /* nn_block_size */

#define MAXEL NN_MAXEL
#define MAXSP (NN_MAXRANK - 2)

/* ---------- small helpers ---------- */

static int has_out (const NnNode *n, int k) {
  return k < n->nout && n->out[k] >= 0;
}

static int need_f32 (NnNode *n, NnCtx *c, const NnTensor *t, const char *what) {
  if (t->type != NN_F32)
    return nn_fail(c, n, "%s must be float32, not %s", what, nn_type_name(t->type));
  return NN_OK;
}

/* Whether input k is a constant of the graph (its data never changes). */
static int is_const_in (const NnNode *n, const NnCtx *c, int k) {
  return c->g && k < n->nin && n->in[k] >= 0 && c->g->values[n->in[k]].is_const;
}

/* A plain copy of a possibly blocked tensor: *t itself when plain, else
** tmp (allocated; the caller frees it). */
static int plain_of (NnNode *n, NnCtx *c, const NnTensor *t, NnTensor *tmp, const NnTensor **res) {
  *res = t;
  if (t->fmt == NN_PLAIN) return NN_OK;
  *tmp = *t;
  tmp->fmt = NN_PLAIN;
  tmp->data = NULL;
  tmp->cap = 0;
  if (nn_alloc(tmp) != 0) return nn_fail(c, n, "not enough memory");
  nn_reformat(t, tmp, c->threads);
  *res = tmp;
  return NN_OK;
}

/* ---------- geometry of sliding windows ---------- */

typedef struct Geom {
  int k;                                  /* spatial dims */
  int64_t in[MAXSP], ker[MAXSP], str[MAXSP], dil[MAXSP];
  int64_t pl[MAXSP], pr[MAXSP];           /* ONNX pads (begin, end) */
  int64_t out[MAXSP];
  int64_t dpr[MAXSP];                     /* oneDNN's padding_r: consistent with out */
  int64_t wker[MAXSP];                    /* W's kernel dims (ker may be a trimmed part) */
  int64_t woff;                           /* elements from W's data to the trimmed part */
} Geom;

enum { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID };

static int auto_pad (NnNode *n, NnCtx *c, int *ap) {
  const char *s = nn_attr_str(n, "auto_pad", "NOTSET");
  if (strcmp(s, "NOTSET") == 0) *ap = PAD_NOTSET;
  else if (strcmp(s, "SAME_UPPER") == 0) *ap = PAD_SAME_UPPER;
  else if (strcmp(s, "SAME_LOWER") == 0) *ap = PAD_SAME_LOWER;
  else if (strcmp(s, "VALID") == 0) *ap = PAD_VALID;
  else return nn_fail(c, n, "auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", s);
  return NN_OK;
}

/* An INTS attribute of k values (or 2k for pads) into v, def when absent. */
static int ints_attr (NnNode *n, NnCtx *c, const char *name, int k, int64_t def, int64_t min, int64_t *v) {
  const int64_t *a;
  int cnt = nn_attr_ints(n, name, &a);
  for (int i = 0; i < k; i++) v[i] = def;
  if (cnt < 0) return NN_OK;
  if (cnt != k) return nn_fail(c, n, "%s has %d values, %d expected", name, cnt, k);
  for (int i = 0; i < k; i++) {
    if (a[i] < min || a[i] > ((int64_t)1 << 31))
      return nn_fail(c, n, "%s value %lld is out of range", name, (long long)a[i]);
    v[i] = a[i];
  }
  return NN_OK;
}

/* Strides, dilations and pads (explicit or auto) of a window of g->ker over
** g->in; sets g->out (ceil_mode rounding up, as PyTorch: a last window
** starting in the end padding is dropped). Fails on an empty output. */
static int window_geom (NnNode *n, NnCtx *c, Geom *g, int ceil_mode, int dilations) {
  int ap, k = g->k;
  int64_t pads[2 * MAXSP];
  if (auto_pad(n, c, &ap) != NN_OK) return NN_ERR;
  if (ints_attr(n, c, "strides", k, 1, 1, g->str) != NN_OK) return NN_ERR;
  if (dilations) {
    if (ints_attr(n, c, "dilations", k, 1, 1, g->dil) != NN_OK) return NN_ERR;
  } else {
    for (int i = 0; i < k; i++) g->dil[i] = 1;
  }
  if (ints_attr(n, c, "pads", 2 * k, 0, 0, pads) != NN_OK) return NN_ERR;
  for (int i = 0; i < k; i++) {
    int64_t eff = (g->ker[i] - 1) * g->dil[i] + 1, in = g->in[i], s = g->str[i];
    if (ap == PAD_SAME_UPPER || ap == PAD_SAME_LOWER) {
      int64_t out = (in + s - 1) / s, tot = (out - 1) * s + eff - in;
      if (tot < 0) tot = 0;
      g->pl[i] = ap == PAD_SAME_UPPER ? tot / 2 : tot - tot / 2;
      g->pr[i] = tot - g->pl[i];
    } else if (ap == PAD_VALID) {
      g->pl[i] = g->pr[i] = 0;
    } else {
      g->pl[i] = pads[i];
      g->pr[i] = pads[k + i];
    }
    int64_t span = in + g->pl[i] + g->pr[i] - eff;
    if (span < 0) return nn_fail(c, n, "window of %lld exceeds the padded input of %lld", (long long)eff,
                                 (long long)(in + g->pl[i] + g->pr[i]));
    int64_t out = span / s + 1;
    if (ceil_mode && span % s) {
      out++;
      if ((out - 1) * s >= in + g->pl[i]) out--;
    }
    g->out[i] = out;
    g->dpr[i] = (out - 1) * s + eff - in - g->pl[i];
    if (g->dpr[i] < g->pr[i] && g->pr[i] - g->dpr[i] < s) g->dpr[i] = g->pr[i];
  }
  return NN_OK;
}

/* ---------- oneDNN state kept by a node ---------- */

/* What a primitive was built for; compared whole (memset before filling). */
typedef struct Key {
  int threads, fmt[4], flags;
  int64_t dims[4][NN_MAXRANK];
  int64_t geom[4][MAXSP];
} Key;

typedef struct Prep {
  Key key;
  int built;
  DnPrim p;
  int ndn;            /* posts applied by oneDNN */
  int sum;            /* SUM operand copied into dst first (-1: none) */
  float *aux;         /* op-specific buffer (Gemm's scaled bias) */
  const void *auxsrc;
} Prep;

static void prep_release (NnNode *n) {
  Prep *s = n->state;
  if (!s) return;
  dn_prim_free(&s->p);
  free(s->aux);
  free(s);
  n->state = NULL;
}

/* The node's Prep, reset when 'key' differs from what it was built for:
** NULL when out of memory. *fresh tells whether to build. */
static Prep *prep_get (NnNode *n, const Key *key, int *fresh) {
  Prep *s = n->state;
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return NULL;
    n->state = s;
  }
  *fresh = !s->built || memcmp(&s->key, key, sizeof *key) != 0;
  if (*fresh) {
    dn_prim_free(&s->p);
    free(s->aux);
    s->aux = NULL;
    s->auxsrc = NULL;
    s->built = 0;
    s->key = *key;
  }
  return s;
}

static void key_tensor (Key *k, int i, const NnTensor *t) {
  if (!t) return;
  k->fmt[i] = t->fmt + 1;
  for (int d = 0; d < t->rank; d++) k->dims[i][d] = t->dims[d];
  k->dims[i][NN_MAXRANK - 1] += (int64_t)t->rank << 40;
}

/* Runs a built Prep: data in bind order; the SUM operand (if any) into
** dst first; posts oneDNN could not take in C afterwards. */
static int prep_exec (NnNode *n, NnTensor **in, NnTensor *y, Prep *s, void *const *data, NnCtx *c) {
  dnnl_memory_desc_t smd;
  const void *sum = NULL;
  if (s->sum >= 0) {
    const NnTensor *t = dn_sum_operand(n, in, s->sum);
    if (!t || t->type != NN_F32 || !nn_sameshape(t, y)) return nn_fail(c, n, "fused Add operand does not match");
    /* laid out as Y: as the primitive's view of Y (which may have
    ** another rank, as MatMul's of a 1-D operand) */
    const dnnl_memory_desc_t *ymd = t->fmt == y->fmt ? dn_user_md(&s->p, DNNL_ARG_DST) : NULL;
    if (ymd) smd = *ymd;
    else if (dn_md(t, 0, NULL, &smd) != 0) return nn_fail(c, n, "fused Add operand has no oneDNN layout");
    sum = t->data;
  }
  dn_threads(c->threads);
  dnnl_status_t st = dn_exec(&s->p, data, sum ? &smd : NULL, sum);
  if (st != dnnl_success) return dn_fail(c, n, "execution", st);
  if (s->ndn < n->npost) return dn_posts_tail(n, in, y, s->ndn, NULL, c);
  return NN_OK;
}

/* ---------- Conv and ConvTranspose ---------- */

static int conv_check (NnNode *n, NnCtx *c) {
  int ap;
  if (auto_pad(n, c, &ap) != NN_OK) return NN_ERR;
  if (nn_attr_int(n, "group", 1) < 1) return nn_fail(c, n, "group must be positive");
  return NN_OK;
}

/* Shapes of a convolution (transpose: ConvTranspose): the window geometry
** and the output dims. */
static int conv_shape (NnNode *n, NnCtx *c, NnTensor **in, int transpose, Geom *g, int64_t *ydims) {
  NnTensor *X = in[0], *W = in[1], *B = nn_opt_in(n, in, 2);
  if (!X || !W) return nn_fail(c, n, "X and W are required");
  if (need_f32(n, c, X, "X") || need_f32(n, c, W, "W")) return NN_ERR;
  if (X->rank < 3 || X->rank > 5) return nn_fail(c, n, "X must have 1 to 3 spatial dimensions, not rank %d", X->rank);
  if (W->rank != X->rank) return nn_fail(c, n, "W has rank %d, X rank %d", W->rank, X->rank);
  int64_t G = nn_attr_int(n, "group", 1), C = X->dims[1], M;
  if (G < 1 || C % G) return nn_fail(c, n, "group %lld does not divide the %lld input channels", (long long)G, (long long)C);
  if (transpose) {
    if (W->dims[0] != C) return nn_fail(c, n, "W has %lld input channels, X %lld", (long long)W->dims[0], (long long)C);
    M = W->dims[1] * G;
  } else {
    M = W->dims[0];
    if (W->dims[1] * G != C)
      return nn_fail(c, n, "W expects %lld input channels, X has %lld", (long long)(W->dims[1] * G), (long long)C);
    if (M % G) return nn_fail(c, n, "group %lld does not divide the %lld output channels", (long long)G, (long long)M);
  }
  if (B && (B->type != NN_F32 || nn_numel(B) != M)) return nn_fail(c, n, "B must hold %lld float32 values", (long long)M);
  g->k = X->rank - 2;
  g->woff = 0;
  const int64_t *ks;
  int nk = nn_attr_ints(n, "kernel_shape", &ks);
  if (nk >= 0 && nk != g->k) return nn_fail(c, n, "kernel_shape has %d values, %d expected", nk, g->k);
  for (int i = 0; i < g->k; i++) {
    g->in[i] = X->dims[2 + i];
    g->ker[i] = g->wker[i] = W->dims[2 + i];
    if (nk >= 0 && ks[i] != g->ker[i]) return nn_fail(c, n, "kernel_shape does not match W");
    if (g->ker[i] < 1) return nn_fail(c, n, "empty kernel");
  }
  ydims[0] = X->dims[0];
  ydims[1] = M;
  if (!transpose) {
    if (window_geom(n, c, g, 0, 1) != NN_OK) return NN_ERR;
    for (int i = 0; i < g->k; i++) ydims[2 + i] = g->out[i];
    return NN_OK;
  }
  /* ConvTranspose: out = s (in - 1) + output_padding + eff - pads, or
  ** output_shape (or in * s for SAME_*) with pads derived from it */
  int ap, k = g->k;
  int64_t op[MAXSP], pads[2 * MAXSP];
  if (auto_pad(n, c, &ap) != NN_OK) return NN_ERR;
  if (ints_attr(n, c, "strides", k, 1, 1, g->str) || ints_attr(n, c, "dilations", k, 1, 1, g->dil) ||
      ints_attr(n, c, "pads", 2 * k, 0, 0, pads) || ints_attr(n, c, "output_padding", k, 0, 0, op))
    return NN_ERR;
  const int64_t *os;
  int nos = nn_attr_ints(n, "output_shape", &os);
  if (nos >= 0 && nos != k && nos != k + 2) return nn_fail(c, n, "output_shape has %d values, %d expected", nos, k);
  for (int i = 0; i < k; i++) {
    int64_t eff = (g->ker[i] - 1) * g->dil[i] + 1, s = g->str[i], li = g->in[i];
    if (op[i] >= s && op[i] >= g->dil[i]) return nn_fail(c, n, "output_padding must be smaller than stride or dilation");
    int64_t full = s * (li - 1) + op[i] + eff, out;
    if (nos >= 0 || ap == PAD_SAME_UPPER || ap == PAD_SAME_LOWER) {
      out = nos >= 0 ? os[nos - k + i] : li * s;
      if (out < 0 || out > MAXEL) return nn_fail(c, n, "bad output_shape");
      int64_t tot = full - out;
      if (tot < 0) tot = 0;
      /* the odd one at the end for SAME_UPPER, else at the start (ONNX) */
      g->pl[i] = ap == PAD_SAME_UPPER ? tot / 2 : tot - tot / 2;
      g->pr[i] = tot - g->pl[i];
    } else {
      if (ap == PAD_VALID) g->pl[i] = g->pr[i] = 0;
      else {
        g->pl[i] = pads[i];
        g->pr[i] = pads[k + i];
      }
      out = full - g->pl[i] - g->pr[i];
      if (out < 0) return nn_fail(c, n, "pads exceed the output");
    }
    g->out[i] = out;
    /* oneDNN: out = s (in - 1) + eff - pl - pr, pr may be negative */
    g->dpr[i] = s * (li - 1) + eff - g->pl[i] - out;
    ydims[2 + i] = out;
  }
  return NN_OK;
}

/* Whether c channels fill blocks of b with at most a third of padding. */
static int blocks_fill (int64_t c, int64_t b) {
  return 2 * ((c + b - 1) / b * b) <= 3 * c;
}

/* The layout of a 2-D convolution's output when blocked (b) is allowed,
** from conv-micro's timings of oneDNN 2.6 (avx512): 3x3 and wider kernels
** run fastest channels last (brgconv, 10-20% over the blocked kernels, 2-5x
** over plain with 8 channels); 1x1 and depthwise ones blocked. A change of
** layout between X and Y costs a reorder or a slow kernel, so wide kernels
** keep X's layout when it is NHWC or blocked, and go blocked from plain
** (a 3-channel stem is twice as fast blocked) unless M leaves blocks empty. */
static int conv_layout (const NnNode *n, const NnTensor *X, const NnTensor *W, const int64_t *yd, int b,
                        int transpose) {
  int64_t G = nn_attr_int(n, "group", 1), M = yd[1];
  int fill = blocks_fill(M, b);
  int pointwise = !transpose && W->rank == 4 && W->dims[2] == 1 && W->dims[3] == 1;
  if (pointwise || (G > 1 && !transpose))       /* 1x1, depthwise and grouped */
    return fill ? b : NN_NHWC;
  if (X->fmt != NN_NHWC && fill) return b;     /* a stem from plain, or a blocked chain */
  return NN_NHWC;
}

static int conv_infer_any (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c, int transpose) {
  Geom g;
  int64_t yd[NN_MAXRANK];
  if (conv_shape(n, c, in, transpose, &g, yd) != NN_OK) return NN_ERR;
  if (nn_set_out(n, c, out[0], NN_F32, in[0]->rank, yd) != NN_OK) return NN_ERR;
  /* where the plan allows: blocked when the channels fill blocks well
  ** (padding them to whole blocks would waste a third: a 1-channel map
  ** would be written 16 times over), else channels last; both have fast
  ** kernels where plain NCHW has slow ones */
  int64_t b = n->outfmt[0];
  if (in[0]->rank == 4 && b != NN_PLAIN) out[0]->fmt = conv_layout(n, in[0], in[1], yd, (int)b, transpose);
  return NN_OK;
}

static int conv_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  return conv_infer_any(n, in, out, c, 0);
}

static int convt_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  return conv_infer_any(n, in, out, c, 1);
}

/* How good a convolution implementation is for this kernel: 0 a direct
** JIT one, 1 im2col + GEMM with a kernel wider than 1, 2 the reference. */
static int conv_impl_grade (const_dnnl_primitive_desc_t pd, const Geom *g) {
  const char *s = dn_impl(pd);
  if (strncmp(s, "ref", 3) == 0) return 2;
  if (!strstr(s, "gemm")) return 0;
  for (int i = 0; i < g->k; i++)
    if (g->ker[i] > 1) return 1;
  return 0;
}

static dnnl_status_t conv_desc (int transpose, dnnl_convolution_desc_t *d, const dnnl_memory_desc_t *x,
                                const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *b,
                                const dnnl_memory_desc_t *y, const Geom *g) {
  dnnl_dims_t st, dl, pl, pr;
  for (int i = 0; i < g->k; i++) {
    st[i] = g->str[i];
    dl[i] = g->dil[i] - 1;
    pl[i] = g->pl[i];
    pr[i] = g->dpr[i] > 0 ? g->dpr[i] : 0;
  }
  if (transpose)
    return dnnl_dilated_deconvolution_forward_desc_init(d, dnnl_forward_inference, dnnl_deconvolution_direct, x, w,
                                                        b, y, st, dl, pl, pr);
  return dnnl_dilated_convolution_forward_desc_init(d, dnnl_forward_inference, dnnl_convolution_direct, x, w, b, y,
                                                    st, dl, pl, pr);
}

/* Whether a padding is as wide as the kernel's reach, leaving output rows
** that see no input: oneDNN 2.6's brgconv crashes on those with a sum and
** an eltwise post-op, so such convolutions keep their posts in C. */
static int pad_beyond_kernel (const Geom *g) {
  for (int i = 0; i < g->k; i++) {
    int64_t eff = (g->ker[i] - 1) * g->dil[i] + 1;
    if (g->pl[i] >= eff || g->dpr[i] >= eff) return 1;
  }
  return 0;
}

/* Where output_padding reaches past everything the kernel touches (oneDNN's
** padding_r would be negative), the primitive writes the region it covers
** (cut dims) through a view of Y, and the rest is the bias alone. */
static int conv_cut (const Geom *g, const NnTensor *Y, int64_t *cut) {
  int any = 0;
  for (int d = 0; d < Y->rank; d++) cut[d] = Y->dims[d];
  for (int i = 0; i < g->k; i++)
    if (g->dpr[i] < 0) {
      cut[2 + i] += g->dpr[i];
      any = 1;
    }
  return any;
}

/* Drops the kernel taps that read only padding at every output position
** (a dilated 3x3 whose outer taps fall outside a small map is a 1x1: the
** ASPP branches of DeepLabV3 on 16x16 features): ker becomes the taps that
** matter, woff where they start in W, the pads shift with them. */
static void conv_trim (Geom *g) {
  int64_t step = 1, off = 0;
  Geom t = *g;
  for (int i = g->k - 1; i >= 0; i--) {
    int64_t lo = -1, hi = -1;
    for (int64_t kk = 0; kk < g->ker[i]; kk++) {
      int64_t first = kk * g->dil[i] - g->pl[i], last = first + (g->out[i] - 1) * g->str[i];
      if (last >= 0 && first < g->in[i] && (first >= 0 || (-first + g->str[i] - 1) / g->str[i] * g->str[i] + first < g->in[i])) {
        if (lo < 0) lo = kk;
        hi = kk;
      }
    }
    if (lo < 0) return;                   /* nothing reads the input: keep as is */
    t.ker[i] = hi - lo + 1;
    t.pl[i] = g->pl[i] - lo * g->dil[i];
    t.dpr[i] = (g->out[i] - 1) * g->str[i] + (t.ker[i] - 1) * g->dil[i] + 1 - g->in[i] - t.pl[i];
    if (t.pl[i] < 0 || t.dpr[i] < 0) return;
    if (t.ker[i] == 1) t.dil[i] = 1;      /* one tap: no dilation (1x1 kernels) */
    off += lo * step;
    step *= g->wker[i];
  }
  t.woff = off;
  *g = t;
}

/* Builds the primitive: X and Y in their tensors' layouts, W as the
** primitive likes (reordered once when constant). If that gives a slow
** implementation and a side is plain, X and Y go through reorders into the
** layouts a fast one takes. */
static int conv_build (NnNode *n, NnTensor **in, NnTensor *Y, Prep *s, const Geom *g, int transpose, NnCtx *c) {
  const NnTensor *X = in[0], *B = nn_opt_in(n, in, 2);
  int64_t G = nn_attr_int(n, "group", 1), M = Y->dims[1], C = X->dims[1];
  int64_t wd[NN_MAXRANK + 1], ws[NN_MAXRANK + 1], cut[NN_MAXRANK];
  int wr = 0, k = g->k, cutting = conv_cut(g, Y, cut);
  int64_t K = 1;
  for (int i = 0; i < k; i++) K *= g->wker[i];
  /* logical weights (g,) o, i, k...: ONNX stores Conv's as [M][C/G][k],
  ** ConvTranspose's as [C][M/G][k] = [G][C/G][M/G][k]; strides are W's
  ** (the kernel may be a trimmed view of it) */
  if (G > 1) wd[wr++] = G;
  wd[wr++] = M / G;
  wd[wr++] = C / G;
  for (int i = 0; i < k; i++) wd[wr++] = g->ker[i];
  {
    int64_t acc = 1;
    for (int i = wr - 1; i >= wr - k; i--) {
      ws[i] = acc;
      acc *= g->wker[i - (wr - k)];
    }
    int o = G > 1 ? 1 : 0;
    if (transpose) {
      ws[o] = K;                          /* o */
      ws[o + 1] = (M / G) * K;            /* i */
    } else {
      ws[o + 1] = K;
      ws[o] = (C / G) * K;
    }
    if (G > 1) ws[0] = (M / G) * (C / G) * K;
  }
  dnnl_memory_desc_t xmd, ymd, wmd, wany, bmd, xany, yany;
  if (dn_md(X, 0, NULL, &xmd) || dn_md(Y, 0, NULL, &ymd) || dn_md_plain(&wmd, wr, wd, ws, dnnl_f32) ||
      dn_md_any(&wany, wr, wd, dnnl_f32) || dn_md_any(&xany, X->rank, X->dims, dnnl_f32) ||
      dn_md_any(&yany, Y->rank, cut, dnnl_f32) || dn_md_plain(&bmd, 1, &M, NULL, dnnl_f32))
    return nn_fail(c, n, "shapes oneDNN cannot describe");
  if (cutting) {
    /* the covered region goes to a buffer of its own */
    NnTensor t = *Y;
    for (int i = 0; i < Y->rank; i++) t.dims[i] = cut[i];
    free(s->aux);
    s->aux = malloc(nn_bytes(&t));
    if (!s->aux) return nn_fail(c, n, "not enough memory");
    if (dn_md(&t, 0, NULL, &ymd)) return nn_fail(c, n, "shapes oneDNN cannot describe");
  }
  dnnl_convolution_desc_t d;
  dnnl_primitive_attr_t attr;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_status_t st = dnnl_primitive_attr_create(&attr);
  if (st != dnnl_success) return dn_fail(c, n, "attributes", st);
  s->ndn = 0;
  s->sum = -1;
  if (!transpose && !pad_beyond_kernel(g)) s->ndn = dn_posts(n, attr, 0, &s->sum);
  if (transpose) B = NULL;          /* oneDNN 2.6 adds these slowly to a deconvolution */
  dn_threads(c->threads);
  /* X of several channels goes through a reorder into Y's layout where one
  ** of them is channels last: oneDNN 2.6 has no fast kernel mixing them */
  dnnl_memory_desc_t xprim = xmd;
  if (X->rank == 4 && C > 1 && X->fmt != Y->fmt && (Y->fmt == NN_NHWC || X->fmt == NN_NHWC) && !cutting) {
    dnnl_dims_t xd = {X->dims[0], X->dims[1], X->dims[2], X->dims[3]};
    dnnl_format_tag_t tag = Y->fmt == NN_NHWC ? dnnl_acdb : Y->fmt == NN_BLOCK16 ? dnnl_nChw16c
                          : Y->fmt == NN_BLOCK8 ? dnnl_nChw8c : dnnl_abcd;
    if (dnnl_memory_desc_init_by_tag(&xprim, 4, xd, dnnl_f32, tag)) xprim = xmd;
  }
  st = conv_desc(transpose, &d, &xprim, &wany, B ? &bmd : NULL, &ymd, g);
  if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, attr, dn_engine(), NULL);
  if (st != dnnl_success && s->ndn > 0) {
    /* posts oneDNN refuses here run in C */
    dnnl_primitive_attr_destroy(attr);
    st = dnnl_primitive_attr_create(&attr);
    s->ndn = 0;
    s->sum = -1;
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, attr, dn_engine(), NULL);
  }
  /* A slow kernel for these layouts: the same through reorders, into the
  ** blocked layout when the channels fill blocks well enough (2-D), else
  ** plain (for im2col + GEMM rather than the reference kernel), else what
  ** oneDNN picks. */
  int grade = st == dnnl_success ? conv_impl_grade(pd, g) : 2;
  for (int alt = -1; alt < 3 && st == dnnl_success && grade > 0; alt++) {
    dnnl_memory_desc_t xa = xany, ya = yany;
    int64_t bs = nn_block_size();
    if (alt == -1) {                      /* channels last on both sides */
      if (X->rank != 4 || (X->fmt != NN_NHWC && Y->fmt != NN_NHWC)) continue;
      dnnl_dims_t xd = {X->dims[0], X->dims[1], X->dims[2], X->dims[3]}, yd = {cut[0], cut[1], cut[2], cut[3]};
      if (dnnl_memory_desc_init_by_tag(&xa, 4, xd, dnnl_f32, dnnl_acdb) ||
          dnnl_memory_desc_init_by_tag(&ya, 4, yd, dnnl_f32, dnnl_acdb))
        continue;
    } else if (alt == 0) {
      if (X->rank != 4 || !blocks_fill(C, bs) || !blocks_fill(M, bs)) continue;
      dnnl_dims_t xd = {X->dims[0], X->dims[1], X->dims[2], X->dims[3]}, yd = {cut[0], cut[1], cut[2], cut[3]};
      dnnl_format_tag_t tag = bs == 16 ? dnnl_nChw16c : dnnl_nChw8c;
      if (dnnl_memory_desc_init_by_tag(&xa, 4, xd, dnnl_f32, tag) || dnnl_memory_desc_init_by_tag(&ya, 4, yd, dnnl_f32, tag))
        continue;
    } else if (alt == 1) {
      if (grade < 2 || (X->fmt == NN_PLAIN && Y->fmt == NN_PLAIN && !cutting)) continue;
      if (dn_md_plain(&xa, X->rank, X->dims, NULL, dnnl_f32) || dn_md_plain(&ya, Y->rank, cut, NULL, dnnl_f32)) continue;
    } else if (grade < 2) {
      continue;                           /* oneDNN's own pick only over the reference */
    }
    dnnl_primitive_desc_t pd2 = NULL;
    if (conv_desc(transpose, &d, &xa, &wany, B ? &bmd : NULL, &ya, g) == dnnl_success &&
        dnnl_primitive_desc_create(&pd2, &d, attr, dn_engine(), NULL) == dnnl_success) {
      int g2 = conv_impl_grade(pd2, g);
      if (g2 < grade) {
        dnnl_primitive_desc_destroy(pd);
        pd = pd2;
        grade = g2;
      } else {
        dnnl_primitive_desc_destroy(pd2);
      }
    }
  }
  dnnl_primitive_attr_destroy(attr);
  if (st != dnnl_success) return dn_fail(c, n, transpose ? "deconvolution" : "convolution", st);
  st = dn_prim(&s->p, pd);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_SRC, &xmd, 0);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_WEIGHTS, &wmd, is_const_in(n, c, 1) ? DN_KEEP : 0);
  if (st == dnnl_success && B) st = dn_bind(&s->p, pd, DNNL_ARG_BIAS, &bmd, 0);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_DST, &ymd, DN_OUT);
  dnnl_primitive_desc_destroy(pd);
  if (st != dnnl_success) return dn_fail(c, n, "binding", st);
  s->built = 1;
  return NN_OK;
}

/* Offset of element (n, c, i) of a rank >= 3 tensor with 'sp' spatial
** elements, i the flat spatial index, in its layout. */
static int64_t at_nc (const NnTensor *t, int64_t n, int64_t ch, int64_t i, int64_t sp) {
  if (t->fmt == NN_PLAIN) return (n * t->dims[1] + ch) * sp + i;
  if (t->fmt == NN_NHWC) return (n * sp + i) * t->dims[1] + ch;
  int64_t b = t->fmt, CB = (t->dims[1] + b - 1) / b;
  return ((n * CB + ch / b) * sp + i) * b + ch % b;
}

/* Y = the covered region from buf (dims cut, Y's layout), zero elsewhere. */
static void paste_cut (NnTensor *Y, const float *buf, const int64_t *cut) {
  int64_t sp = 1, csp = 1, N = Y->dims[0], M = Y->dims[1];
  int k = Y->rank - 2;
  NnTensor ct = *Y;
  for (int i = 0; i < k; i++) {
    sp *= Y->dims[2 + i];
    csp *= cut[2 + i];
    ct.dims[2 + i] = cut[2 + i];
  }
  float *y = Y->data;
  memset(y, 0, nn_bytes(Y));
  for (int64_t i = 0; i < sp; i++) {
    int64_t r = i, ci = 0, mul = 1, inside = 1;
    for (int d = k - 1; d >= 0; d--) {
      int64_t x = r % Y->dims[2 + d];
      if (x >= cut[2 + d]) inside = 0;
      ci += x * mul;
      mul *= cut[2 + d];
      r /= Y->dims[2 + d];
    }
    if (inside)
      for (int64_t nn = 0; nn < N; nn++)
        for (int64_t m = 0; m < M; m++) y[at_nc(Y, nn, m, i, sp)] = buf[at_nc(&ct, nn, m, ci, csp)];
  }
}

static int conv_run_any (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c, int transpose) {
  Geom g;
  int64_t yd[NN_MAXRANK], cut[NN_MAXRANK];
  NnTensor *Y = out[0], *B = nn_opt_in(n, in, 2);
  if (conv_shape(n, c, in, transpose, &g, yd) != NN_OK) return NN_ERR;
  if (nn_numel(Y) == 0) return NN_OK;
  if (!transpose) conv_trim(&g);
  int cutting = conv_cut(&g, Y, cut);
  for (int d = 0; d < Y->rank; d++)
    if (cut[d] <= 0 || nn_numel(in[0]) == 0 || nn_numel(in[1]) == 0) {
      /* nothing reaches the output: the bias alone */
      memset(Y->data, 0, nn_bytes(Y));
      return dn_posts_tail(n, in, Y, 0, B ? B->data : NULL, c);
    }
  Key key;
  memset(&key, 0, sizeof key);
  key.threads = c->threads;
  key.flags = (B ? 1 : 0) | (is_const_in(n, c, 1) ? 2 : 0);
  key_tensor(&key, 0, in[0]);
  key_tensor(&key, 1, in[1]);
  key_tensor(&key, 2, Y);
  for (int i = 0; i < g.k; i++) {
    key.geom[0][i] = g.pl[i];
    key.geom[1][i] = g.dpr[i];
    key.geom[2][i] = g.ker[i];
  }
  int fresh;
  Prep *s = prep_get(n, &key, &fresh);
  if (!s) return nn_fail(c, n, "not enough memory");
  if (fresh && conv_build(n, in, Y, s, &g, transpose, c) != NN_OK) return NN_ERR;
  void *data[4];
  int k = 0;
  data[k++] = in[0]->data;
  data[k++] = (float *)in[1]->data + g.woff;
  if (B && !transpose) data[k++] = B->data;
  data[k++] = cutting ? (void *)s->aux : Y->data;
  if (!transpose) return prep_exec(n, in, Y, s, data, c);
  /* ConvTranspose: bias and posts in C */
  dn_threads(c->threads);
  dnnl_status_t st = dn_exec(&s->p, data, NULL, NULL);
  if (st != dnnl_success) return dn_fail(c, n, "execution", st);
  if (cutting) paste_cut(Y, s->aux, cut);
  return dn_posts_tail(n, in, Y, 0, B ? B->data : NULL, c);
}

static int conv_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  return conv_run_any(n, in, out, c, 0);
}

static int convt_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  return conv_run_any(n, in, out, c, 1);
}

/* ---------- MatMul and Gemm ---------- */

/* Builds a matmul primitive: Y[yd] = scale (A[ad] x B[bd] + bias[1, N])
** with n's posts (after 'presum', a sum post-op of the caller's). Ranks
** are equal; as/bs are strides (NULL: dense). B is reordered once into the
** primitive's layout when constant and unbatched. */
static int mm_build (NnNode *n, NnCtx *c, Prep *s, int R, const int64_t *ad, const int64_t *as, const int64_t *bd,
                     const int64_t *bs, int bconst, const int64_t *yd, int bias, float scale, int presum) {
  dnnl_memory_desc_t amd, bmd, bany, ymd, cmd;
  int64_t cd[2] = {1, yd[R - 1]};
  int keep = bconst;
  for (int i = 0; i < R - 2; i++) keep &= bd[i] == 1;
  if (dn_md_plain(&amd, R, ad, as, dnnl_f32) || dn_md_plain(&bmd, R, bd, bs, dnnl_f32) ||
      dn_md_any(&bany, R, bd, dnnl_f32) || dn_md_plain(&ymd, R, yd, NULL, dnnl_f32))
    return nn_fail(c, n, "shapes oneDNN cannot describe");
  if (bias) {
    int64_t bdims[NN_MAXRANK];
    for (int i = 0; i < R; i++) bdims[i] = 1;
    bdims[R - 1] = cd[1];
    if (dn_md_plain(&cmd, R, bdims, NULL, dnnl_f32)) return nn_fail(c, n, "shapes oneDNN cannot describe");
  }
  dnnl_matmul_desc_t d;
  dnnl_primitive_attr_t attr;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_status_t st = dnnl_primitive_attr_create(&attr);
  if (st != dnnl_success) return dn_fail(c, n, "attributes", st);
  if (scale != 1.f) st = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &scale);
  s->sum = -1;
  s->ndn = 0;
  if (st == dnnl_success) {
    if (presum) {
      dnnl_post_ops_t po;
      st = dnnl_post_ops_create(&po);
      if (st == dnnl_success) {
        st = dnnl_post_ops_append_sum(po, 1.f);
        if (st == dnnl_success) st = dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
      }
    } else {
      s->ndn = dn_posts(n, attr, 0, &s->sum);
    }
  }
  dn_threads(c->threads);
  if (st == dnnl_success) st = dnnl_matmul_desc_init(&d, &amd, keep ? &bany : &bmd, bias ? &cmd : NULL, &ymd);
  if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, attr, dn_engine(), NULL);
  dnnl_primitive_attr_destroy(attr);
  if (st != dnnl_success) return dn_fail(c, n, "matmul", st);
  st = dn_prim(&s->p, pd);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_SRC, &amd, 0);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_WEIGHTS, &bmd, keep ? DN_KEEP : 0);
  if (st == dnnl_success && bias) st = dn_bind(&s->p, pd, DNNL_ARG_BIAS, &cmd, 0);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_DST, &ymd, DN_OUT);
  dnnl_primitive_desc_destroy(pd);
  if (st != dnnl_success) return dn_fail(c, n, "binding", st);
  s->built = 1;
  return NN_OK;
}

/* MatMul's operands as equal-rank matrices with batch dims: 1-D A is
** [1, K], 1-D B is [K, 1] (the added dim is dropped from Y). */
static int mm_shape (NnNode *n, NnCtx *c, const NnTensor *A, const NnTensor *B, int *R, int64_t *ad, int64_t *bd,
                     int64_t *yd, int *yr, int64_t *ydims) {
  if (need_f32(n, c, A, "A") || need_f32(n, c, B, "B")) return NN_ERR;
  if (A->rank < 1 || B->rank < 1) return nn_fail(c, n, "operands must have rank 1 or more");
  int ra = A->rank < 2 ? 2 : A->rank, rb = B->rank < 2 ? 2 : B->rank, r = ra > rb ? ra : rb;
  for (int i = 0; i < r; i++) ad[i] = bd[i] = 1;
  if (A->rank == 1) ad[r - 1] = A->dims[0];
  else for (int i = 0; i < A->rank; i++) ad[r - A->rank + i] = A->dims[i];
  if (B->rank == 1) bd[r - 2] = B->dims[0];
  else for (int i = 0; i < B->rank; i++) bd[r - B->rank + i] = B->dims[i];
  if (ad[r - 1] != bd[r - 2])
    return nn_fail(c, n, "A has %lld columns, B %lld rows", (long long)ad[r - 1], (long long)bd[r - 2]);
  int k = 0;
  for (int i = 0; i < r - 2; i++) {
    if (ad[i] != bd[i] && ad[i] != 1 && bd[i] != 1)
      return nn_fail(c, n, "batch dimensions %lld and %lld do not broadcast", (long long)ad[i], (long long)bd[i]);
    yd[i] = ad[i] == 1 ? bd[i] : ad[i];
    ydims[k++] = yd[i];
  }
  yd[r - 2] = ad[r - 2];
  yd[r - 1] = bd[r - 1];
  if (A->rank > 1) ydims[k++] = yd[r - 2];
  if (B->rank > 1) ydims[k++] = yd[r - 1];
  *R = r;
  *yr = k;
  return NN_OK;
}

static int matmul_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int R, yr;
  int64_t ad[NN_MAXRANK], bd[NN_MAXRANK], yd[NN_MAXRANK], ydims[NN_MAXRANK];
  if (!in[0] || !in[1]) return nn_fail(c, n, "A and B are required");
  if (mm_shape(n, c, in[0], in[1], &R, ad, bd, yd, &yr, ydims) != NN_OK) return NN_ERR;
  return nn_set_out(n, c, out[0], NN_F32, yr, ydims);
}

static int matmul_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int R, yr;
  int64_t ad[NN_MAXRANK], bd[NN_MAXRANK], yd[NN_MAXRANK], ydims[NN_MAXRANK];
  NnTensor *Y = out[0];
  if (mm_shape(n, c, in[0], in[1], &R, ad, bd, yd, &yr, ydims) != NN_OK) return NN_ERR;
  if (nn_numel(Y) == 0) return NN_OK;
  if (ad[R - 1] == 0) {
    memset(Y->data, 0, nn_bytes(Y));
    return dn_posts_tail(n, in, Y, 0, NULL, c);
  }
  Key key;
  memset(&key, 0, sizeof key);
  key.threads = c->threads;
  key.flags = is_const_in(n, c, 1);
  key_tensor(&key, 0, in[0]);
  key_tensor(&key, 1, in[1]);
  int fresh;
  Prep *s = prep_get(n, &key, &fresh);
  if (!s) return nn_fail(c, n, "not enough memory");
  if (fresh && mm_build(n, c, s, R, ad, NULL, bd, NULL, is_const_in(n, c, 1), yd, 0, 1.f, 0) != NN_OK)
    return NN_ERR;
  void *data[3] = {in[0]->data, in[1]->data, Y->data};
  return prep_exec(n, in, Y, s, data, c);
}

/* Gemm: Y = alpha A' B' + beta C, C broadcast to [M, N]. */
static int gemm_shape (NnNode *n, NnCtx *c, NnTensor **in, int64_t *M, int64_t *K, int64_t *N) {
  const NnTensor *A = in[0], *B = in[1], *C = nn_opt_in(n, in, 2);
  if (!A || !B) return nn_fail(c, n, "A and B are required");
  if (need_f32(n, c, A, "A") || need_f32(n, c, B, "B")) return NN_ERR;
  if (A->rank != 2 || B->rank != 2) return nn_fail(c, n, "A and B must be matrices");
  int ta = nn_attr_int(n, "transA", 0) != 0, tb = nn_attr_int(n, "transB", 0) != 0;
  *M = A->dims[ta ? 1 : 0];
  *K = A->dims[ta ? 0 : 1];
  *N = B->dims[tb ? 0 : 1];
  if (B->dims[tb ? 1 : 0] != *K)
    return nn_fail(c, n, "A' has %lld columns, B' %lld rows", (long long)*K, (long long)B->dims[tb ? 1 : 0]);
  if (C) {
    if (need_f32(n, c, C, "C")) return NN_ERR;
    if (C->rank > 2) return nn_fail(c, n, "C must have rank 2 or less");
    int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
    if ((cm != 1 && cm != *M) || (cn != 1 && cn != *N)) return nn_fail(c, n, "C does not broadcast to [M, N]");
  }
  return NN_OK;
}

static int gemm_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int64_t M = 0, K = 0, N = 0;
  if (gemm_shape(n, c, in, &M, &K, &N) != NN_OK) return NN_ERR;
  int64_t yd[2] = {M, N};
  return nn_set_out(n, c, out[0], NN_F32, 2, yd);
}

/* dst[M, N] = beta * C broadcast. */
static void fill_c (float *dst, const NnTensor *C, float beta, int64_t M, int64_t N) {
  const float *cv = C->data;
  int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) dst[i * N + j] = beta * cv[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
}

static int gemm_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int64_t M = 0, K = 0, N = 0;
  NnTensor *Y = out[0], *C = nn_opt_in(n, in, 2);
  if (gemm_shape(n, c, in, &M, &K, &N) != NN_OK) return NN_ERR;
  float alpha = nn_attr_float(n, "alpha", 1.f), beta = nn_attr_float(n, "beta", 1.f);
  if (beta == 0.f) C = NULL;
  if (M * N == 0) return NN_OK;
  if (K == 0 || alpha == 0.f) {
    if (C) fill_c(Y->data, C, beta, M, N);
    else memset(Y->data, 0, nn_bytes(Y));
    return dn_posts_tail(n, in, Y, 0, NULL, c);
  }
  /* C as a bias row (scaled by beta / alpha: oneDNN scales after adding
  ** it), or written whole into Y for a sum post-op */
  int row = C && (C->rank < 2 || C->dims[0] == 1), full = C && !row;
  int ta = nn_attr_int(n, "transA", 0) != 0, tb = nn_attr_int(n, "transB", 0) != 0;
  Key key;
  memset(&key, 0, sizeof key);
  key.threads = c->threads;
  key.flags = is_const_in(n, c, 1) | row << 1 | full << 2;
  key_tensor(&key, 0, in[0]);
  key_tensor(&key, 1, in[1]);
  int fresh;
  Prep *s = prep_get(n, &key, &fresh);
  if (!s) return nn_fail(c, n, "not enough memory");
  if (fresh) {
    int64_t ad[2] = {M, K}, as[2] = {ta ? 1 : K, ta ? M : 1}, bd[2] = {K, N}, bs[2] = {tb ? 1 : N, tb ? K : 1};
    int64_t yd[2] = {M, N};
    if (mm_build(n, c, s, 2, ad, as, bd, bs, is_const_in(n, c, 1), yd, row, alpha, full) != NN_OK) return NN_ERR;
    if (row && !(s->aux = malloc((size_t)N * sizeof(float)))) return nn_fail(c, n, "not enough memory");
  }
  if (row) fill_c(s->aux, C, beta / alpha, 1, N);
  if (full) fill_c(Y->data, C, beta, M, N);
  void *data[4];
  int k = 0;
  data[k++] = in[0]->data;
  data[k++] = in[1]->data;
  if (row) data[k++] = s->aux;
  data[k++] = Y->data;
  return prep_exec(n, in, Y, s, data, c);
}

/* ---------- pooling ---------- */

enum { POOL_MAX, POOL_AVG, POOL_GMAX, POOL_GAVG };

static int pool_kind (const NnNode *n) {
  if (strcmp(n->op, "MaxPool") == 0) return POOL_MAX;
  if (strcmp(n->op, "AveragePool") == 0) return POOL_AVG;
  if (strcmp(n->op, "GlobalMaxPool") == 0) return POOL_GMAX;
  return POOL_GAVG;
}

static int pool_check (NnNode *n, NnCtx *c) {
  int ap, kind = pool_kind(n);
  if (kind == POOL_GMAX || kind == POOL_GAVG) return NN_OK;
  if (auto_pad(n, c, &ap) != NN_OK) return NN_ERR;
  const int64_t *ks;
  if (nn_attr_ints(n, "kernel_shape", &ks) < 1) return nn_fail(c, n, "kernel_shape is required");
  int64_t so = nn_attr_int(n, "storage_order", 0);
  if (so != 0 && so != 1) return nn_fail(c, n, "storage_order must be 0 or 1");
  return NN_OK;
}

/* Window geometry of a pool over X (global: the whole of each plane). */
static int pool_geom (NnNode *n, NnCtx *c, const NnTensor *X, Geom *g) {
  int kind = pool_kind(n);
  if (!X) return nn_fail(c, n, "X is required");
  if (X->rank < 3) return nn_fail(c, n, "X must have rank 3 or more, not %d", X->rank);
  int t = X->type;
  if (kind == POOL_MAX ? !(t == NN_F32 || t == NN_F64 || t == NN_U8 || t == NN_I8) : !(t == NN_F32 || t == NN_F64))
    return nn_fail(c, n, "element type %s is not supported", nn_type_name(t));
  g->k = X->rank - 2;
  for (int i = 0; i < g->k; i++) g->in[i] = X->dims[2 + i];
  if (kind == POOL_GMAX || kind == POOL_GAVG) {
    for (int i = 0; i < g->k; i++) {
      g->ker[i] = g->in[i] > 0 ? g->in[i] : 1;
      g->str[i] = g->dil[i] = 1;
      g->pl[i] = g->pr[i] = g->dpr[i] = 0;
      g->out[i] = 1;
    }
    return NN_OK;
  }
  const int64_t *ks;
  int nk = nn_attr_ints(n, "kernel_shape", &ks);
  if (nk != g->k) return nn_fail(c, n, "kernel_shape has %d values, %d expected", nk, g->k);
  for (int i = 0; i < g->k; i++) {
    if (ks[i] < 1 || ks[i] > ((int64_t)1 << 31)) return nn_fail(c, n, "bad kernel_shape");
    g->ker[i] = ks[i];
  }
  return window_geom(n, c, g, nn_attr_int(n, "ceil_mode", 0) != 0, 1);
}

/* Whether oneDNN computes this pool exactly as ONNX defines it. */
static int pool_dnnl_ok (const NnNode *n, const NnTensor *X, const Geom *g) {
  int kind = pool_kind(n);
  if (g->k > 3 || has_out(n, 1)) return 0;
  if (dn_dt(X->type) == dnnl_data_type_undef || (kind != POOL_MAX && X->type != NN_F32)) return 0;
  int incl = kind == POOL_AVG && nn_attr_int(n, "count_include_pad", 0) != 0;
  for (int i = 0; i < g->k; i++) {
    if (g->dpr[i] < 0 || g->pl[i] >= (g->ker[i] - 1) * g->dil[i] + 1) return 0;
    if (incl && g->dpr[i] > g->pr[i]) return 0;     /* windows cut by ceil_mode */
  }
  return 1;
}

static int pool_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  Geom g;
  NnTensor *X = in[0];
  if (pool_geom(n, c, X, &g) != NN_OK) return NN_ERR;
  int64_t yd[NN_MAXRANK];
  yd[0] = X->dims[0];
  yd[1] = X->dims[1];
  for (int i = 0; i < g.k; i++) yd[2 + i] = g.out[i];
  if (nn_set_out(n, c, out[0], X->type, X->rank, yd) != NN_OK) return NN_ERR;
  if (X->rank == 4 && X->fmt != NN_PLAIN && n->outfmt[0] >= X->fmt && pool_dnnl_ok(n, X, &g)) out[0]->fmt = X->fmt;
  if (n->nout > 1 && nn_set_out(n, c, out[1], NN_I64, X->rank, yd) != NN_OK) return NN_ERR;
  return NN_OK;
}

typedef struct PoolJob {
  const NnTensor *X;
  NnTensor *Y, *I;
  const Geom *g;
  int kind, incl, colmajor;
} PoolJob;

/* Planes [b, e) of a plain pool in C (any rank, Indices, every padding
** rule: count_include_pad counts positions inside the explicit pads). */
static void pool_planes (void *arg, int b, int e) {
  const PoolJob *j = arg;
  const Geom *g = j->g;
  int k = g->k, f32 = j->X->type == NN_F32, f64 = j->X->type == NN_F64;
  int64_t isz = 1, osz = 1, ksz = 1;
  for (int i = 0; i < k; i++) {
    isz *= g->in[i];
    osz *= g->out[i];
    ksz *= g->ker[i];
  }
  for (int p = b; p < e; p++) {
    int64_t ibase = (int64_t)p * isz;
    for (int64_t o = 0; o < osz; o++) {
      int64_t oc[MAXSP], r = o;
      for (int d = k - 1; d >= 0; d--) {
        oc[d] = r % g->out[d];
        r /= g->out[d];
      }
      double best = -INFINITY, sum = 0;
      int64_t cnt = 0, incl = 0, at = -1;
      for (int64_t q = 0; q < ksz; q++) {
        int64_t rq = q, idx = 0, mul = 1, valid = 1, inpad = 1;
        for (int d = k - 1; d >= 0; d--) {
          int64_t kd = rq % g->ker[d], x = oc[d] * g->str[d] - g->pl[d] + kd * g->dil[d];
          rq /= g->ker[d];
          if (x < 0 || x >= g->in[d]) valid = 0;
          if (x >= g->in[d] + g->pr[d]) inpad = 0;
          idx = idx + x * mul;
          mul *= g->in[d];
        }
        incl += inpad;
        if (!valid) continue;
        double v = f32 ? ((const float *)j->X->data)[ibase + idx]
                 : f64 ? ((const double *)j->X->data)[ibase + idx] : nn_getd(j->X, ibase + idx);
        if (j->kind == POOL_MAX || j->kind == POOL_GMAX) {
          if (v > best || at < 0) {       /* the first of equal maxima */
            best = v;
            at = idx;
          }
        } else {
          sum += v;
          cnt++;
        }
      }
      double res;
      if (j->kind == POOL_MAX || j->kind == POOL_GMAX) res = best;
      else res = sum / (double)(j->incl ? incl : cnt ? cnt : 1);
      int64_t oi = (int64_t)p * osz + o;
      if (j->Y->type == NN_F32) ((float *)j->Y->data)[oi] = (float)res;
      else nn_setd(j->Y, oi, res);
      if (j->I) {
        int64_t a = at < 0 ? 0 : at;
        if (j->colmajor) {                /* the same position, column-major */
          int64_t rr = a, cm = 0, mul = 1;
          int64_t xs[MAXSP];
          for (int d = k - 1; d >= 0; d--) {
            xs[d] = rr % g->in[d];
            rr /= g->in[d];
          }
          for (int d = 0; d < k; d++) {
            cm += xs[d] * mul;
            mul *= g->in[d];
          }
          a = cm;
        }
        ((int64_t *)j->I->data)[oi] = ibase + a;
      }
    }
  }
}

static int pool_build (NnNode *n, const NnTensor *X, const NnTensor *Y, Prep *s, const Geom *g, NnCtx *c) {
  int kind = pool_kind(n);
  dnnl_alg_kind_t alg = kind == POOL_MAX || kind == POOL_GMAX ? dnnl_pooling_max
                      : kind == POOL_AVG && nn_attr_int(n, "count_include_pad", 0) ? dnnl_pooling_avg_include_padding
                      : dnnl_pooling_avg_exclude_padding;
  dnnl_memory_desc_t xmd, ymd, pmd;
  NnTensor yl = *Y;
  yl.fmt = X->fmt;                        /* the primitive writes X's layout */
  if (dn_md(X, 0, NULL, &xmd) || dn_md(Y, 0, NULL, &ymd) || dn_md(&yl, 0, NULL, &pmd))
    return nn_fail(c, n, "shapes oneDNN cannot describe");
  dnnl_dims_t st, ker, dl, pl, pr;
  for (int i = 0; i < g->k; i++) {
    st[i] = g->str[i];
    ker[i] = g->ker[i];
    dl[i] = g->dil[i] - 1;
    pl[i] = g->pl[i];
    pr[i] = g->dpr[i];
  }
  dnnl_pooling_v2_desc_t d;
  dnnl_primitive_desc_t pd = NULL;
  dn_threads(c->threads);
  dnnl_status_t st2 = dnnl_pooling_v2_forward_desc_init(&d, dnnl_forward_inference, alg, &xmd, &pmd, st, ker, dl, pl, pr);
  if (st2 == dnnl_success) st2 = dnnl_primitive_desc_create(&pd, &d, NULL, dn_engine(), NULL);
  if (st2 != dnnl_success) return dn_fail(c, n, "pooling", st2);
  st2 = dn_prim(&s->p, pd);
  if (st2 == dnnl_success) st2 = dn_bind(&s->p, pd, DNNL_ARG_SRC, &xmd, 0);
  if (st2 == dnnl_success) st2 = dn_bind(&s->p, pd, DNNL_ARG_DST, &ymd, DN_OUT);
  dnnl_primitive_desc_destroy(pd);
  if (st2 != dnnl_success) return dn_fail(c, n, "binding", st2);
  s->sum = -1;
  s->ndn = n->npost;
  s->built = 1;
  return NN_OK;
}

static int pool_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  Geom g;
  const NnTensor *X = in[0];
  NnTensor *Y = out[0];
  if (pool_geom(n, c, X, &g) != NN_OK) return NN_ERR;
  if (nn_numel(Y) == 0) return NN_OK;
  int kind = pool_kind(n);
  if (nn_numel(X) == 0) return nn_fail(c, n, "pooling an empty input");
  if (pool_dnnl_ok(n, X, &g)) {
    Key key;
    memset(&key, 0, sizeof key);
    key.threads = c->threads;
    key_tensor(&key, 0, X);
    key_tensor(&key, 1, Y);
    int fresh;
    Prep *s = prep_get(n, &key, &fresh);
    if (!s) return nn_fail(c, n, "not enough memory");
    if (fresh && pool_build(n, X, Y, s, &g, c) != NN_OK) return NN_ERR;
    void *data[2] = {X->data, Y->data};
    return prep_exec(n, in, Y, s, data, c);
  }
  NnTensor tmp;
  const NnTensor *Xp;
  if (plain_of(n, c, X, &tmp, &Xp) != NN_OK) return NN_ERR;
  PoolJob j = {Xp, Y, has_out(n, 1) ? out[1] : NULL, &g, kind,
               kind == POOL_AVG && nn_attr_int(n, "count_include_pad", 0) != 0,
               nn_attr_int(n, "storage_order", 0) == 1};
  int64_t planes = X->dims[0] * X->dims[1];
  if (planes > INT32_MAX) return nn_fail(c, n, "too many planes");
  seg_parallel_for(c->threads, (int)planes, 1, pool_planes, &j);
  if (Xp != X) nn_free(&tmp);
  return NN_OK;
}

/* ---------- BatchNormalization ---------- */

static int norm_axis (NnNode *n, NnCtx *c, int64_t a, int r, int *out) {
  if (a < -(int64_t)r || a >= r) return nn_fail(c, n, "axis %lld is out of range for rank %d", (long long)a, r);
  *out = (int)(a < 0 ? a + r : a);
  return NN_OK;
}

/* Per-channel parameters: count C, float32. */
static int chan_param (NnNode *n, NnCtx *c, const NnTensor *t, int64_t C, const char *what) {
  if (!t) return nn_fail(c, n, "%s is required", what);
  if (t->type != NN_F32 || nn_numel(t) != C) return nn_fail(c, n, "%s must hold %lld float32 values", what, (long long)C);
  return NN_OK;
}

static int bn_training (const NnNode *n) {
  return nn_attr_int(n, "training_mode", 0) != 0 || (n->opset < 14 && n->nout > 1 && has_out(n, 1));
}

static int bn_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  const NnTensor *X = in[0];
  if (!X) return nn_fail(c, n, "X is required");
  if (need_f32(n, c, X, "X")) return NN_ERR;
  if (X->rank < 2) return nn_fail(c, n, "X must have rank 2 or more");
  int64_t C = X->dims[1];
  for (int k = 1; k < 5; k++) {
    static const char *names[] = {"X", "scale", "B", "input_mean", "input_var"};
    if (chan_param(n, c, k < n->nin ? in[k] : NULL, C, names[k])) return NN_ERR;
  }
  if (nn_set_out(n, c, out[0], NN_F32, X->rank, X->dims) != NN_OK) return NN_ERR;
  for (int k = 1; k < n->nout; k++)
    if (nn_set_out(n, c, out[k], NN_F32, 1, &C) != NN_OK) return NN_ERR;
  if (X->rank == 4 && X->fmt != NN_PLAIN && n->outfmt[0] >= X->fmt && !bn_training(n)) out[0]->fmt = X->fmt;
  return NN_OK;
}

typedef struct BnJob {
  const float *x;
  float *y;
  const float *a, *b;       /* y = a[c] x + b[c] */
  int64_t C, sp;
} BnJob;

SEG_CLONES static void bn_planes (void *arg, int b, int e) {
  const BnJob *j = arg;
  for (int p = b; p < e; p++) {
    int64_t ch = p % j->C;
    const float *restrict x = j->x + (int64_t)p * j->sp;
    float *restrict y = j->y + (int64_t)p * j->sp;
    float a = j->a[ch], bb = j->b[ch];
    for (int64_t i = 0; i < j->sp; i++) y[i] = a * x[i] + bb;
  }
}

/* Training mode (and anything oneDNN cannot take) in C: batch statistics,
** Y normalised with them, running statistics with 'momentum'. */
static int bn_plain (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c, int training) {
  const NnTensor *X;
  NnTensor tmp, *Y = out[0];
  int64_t N = in[0]->dims[0], C = in[0]->dims[1], sp = nn_numel(in[0]) / (N * C > 0 ? N * C : 1);
  float eps = nn_attr_float(n, "epsilon", 1e-5f), mom = nn_attr_float(n, "momentum", 0.9f);
  const float *sc = in[1]->data, *bi = in[2]->data, *mu = in[3]->data, *va = in[4]->data;
  float *ab = malloc((size_t)(2 * C + 1) * sizeof *ab);
  if (!ab) return nn_fail(c, n, "not enough memory");
  if (plain_of(n, c, in[0], &tmp, &X) != NN_OK) {
    free(ab);
    return NN_ERR;
  }
  const float *x = X->data;
  for (int64_t ch = 0; ch < C; ch++) {
    double m = mu[ch], v = va[ch];
    if (training) {
      double s1 = 0, s2 = 0;
      for (int64_t i = 0; i < N; i++)
        for (int64_t q = 0; q < sp; q++) s1 += x[(i * C + ch) * sp + q];
      m = s1 / (double)(N * sp > 0 ? N * sp : 1);
      for (int64_t i = 0; i < N; i++)
        for (int64_t q = 0; q < sp; q++) {
          double d = x[(i * C + ch) * sp + q] - m;
          s2 += d * d;
        }
      v = s2 / (double)(N * sp > 0 ? N * sp : 1);
      if (n->nout > 1 && has_out(n, 1)) ((float *)out[1]->data)[ch] = (float)(mu[ch] * mom + m * (1 - mom));
      if (n->nout > 2 && has_out(n, 2)) ((float *)out[2]->data)[ch] = (float)(va[ch] * mom + v * (1 - mom));
    }
    double a = sc[ch] / sqrt(v + eps);
    ab[ch] = (float)a;
    ab[C + ch] = (float)(bi[ch] - m * a);
  }
  NnTensor ytmp = *Y;
  if (Y->fmt != NN_PLAIN) {
    ytmp.fmt = NN_PLAIN;
    ytmp.data = NULL;
    ytmp.cap = 0;
    if (nn_alloc(&ytmp) != 0) {
      free(ab);
      if (X != in[0]) nn_free(&tmp);
      return nn_fail(c, n, "not enough memory");
    }
  }
  BnJob j = {x, ytmp.data, ab, ab + C, C, sp};
  if (N * C <= INT32_MAX) seg_parallel_for(c->threads, (int)(N * C), 1 + (int)(65536 / (sp + 1)), bn_planes, &j);
  if (Y->fmt != NN_PLAIN) {
    nn_reformat(&ytmp, Y, c->threads);
    nn_free(&ytmp);
  }
  free(ab);
  if (X != in[0]) nn_free(&tmp);
  return NN_OK;
}

static int bn_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  const NnTensor *X = in[0];
  NnTensor *Y = out[0];
  int training = bn_training(n);
  if (nn_numel(X) == 0) return NN_OK;
  if (training || X->rank > 5) return bn_plain(n, in, out, c, training);
  Key key;
  memset(&key, 0, sizeof key);
  key.threads = c->threads;
  key_tensor(&key, 0, X);
  key_tensor(&key, 1, Y);
  int fresh;
  Prep *s = prep_get(n, &key, &fresh);
  if (!s) return nn_fail(c, n, "not enough memory");
  if (fresh) {
    dnnl_memory_desc_t xmd, ymd, pmd;
    int64_t C = X->dims[1];
    if (dn_md(X, 0, NULL, &xmd) || dn_md(Y, 0, NULL, &ymd) || dn_md_plain(&pmd, 1, &C, NULL, dnnl_f32))
      return nn_fail(c, n, "shapes oneDNN cannot describe");
    dnnl_batch_normalization_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    dn_threads(c->threads);
    dnnl_status_t st = dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_inference, &xmd,
        nn_attr_float(n, "epsilon", 1e-5f), dnnl_use_global_stats | dnnl_use_scale | dnnl_use_shift);
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &d, NULL, dn_engine(), NULL);
    if (st != dnnl_success) return dn_fail(c, n, "batch normalization", st);
    static const int args[] = {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE};
    st = dn_prim(&s->p, pd);
    for (int k = 0; k < 5 && st == dnnl_success; k++) st = dn_bind(&s->p, pd, args[k], k ? &pmd : &xmd, 0);
    if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_DST, &ymd, DN_OUT);
    dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) return dn_fail(c, n, "binding", st);
    s->sum = -1;
    s->ndn = n->npost;
    s->built = 1;
  }
  void *data[6] = {X->data, in[1]->data, in[2]->data, in[3]->data, in[4]->data, Y->data};
  return prep_exec(n, in, Y, s, data, c);
}

/* ---------- InstanceNormalization (C) and LayerNormalization ---------- */

typedef struct NormJob {
  const float *x;
  float *y;
  int64_t rows, len, C;     /* rows (instances) of len elements, channel = row % C */
  const float *scale, *bias;
  float eps;
} NormJob;

/* Sum of x[i] - m (sq: of its square) over x[0..n): 16 float lanes, which
** vectorize, folded into a double every 4096 elements. */
static inline double sum_dev (const float *restrict x, int64_t n, float m, int sq) {
  double total = 0;
  for (int64_t b = 0; b < n; b += 4096) {
    int64_t e = b + 4096 < n ? b + 4096 : n, i = b;
    float acc[16] = {0};
    if (sq) {
      for (; i + 16 <= e; i += 16)
        for (int l = 0; l < 16; l++) acc[l] += (x[i + l] - m) * (x[i + l] - m);
      for (; i < e; i++) acc[0] += (x[i] - m) * (x[i] - m);
    } else {
      for (; i + 16 <= e; i += 16)
        for (int l = 0; l < 16; l++) acc[l] += x[i + l] - m;
      for (; i < e; i++) acc[0] += x[i] - m;
    }
    for (int w = 8; w > 0; w /= 2)        /* a tree, not a chain of 16 adds */
      for (int l = 0; l < w; l++) acc[l] += acc[l + w];
    total += acc[0];
  }
  return total;
}

SEG_CLONES static void norm_rows (void *arg, int b, int e) {
  const NormJob *j = arg;
  for (int r = b; r < e; r++) {
    const float *restrict x = j->x + (int64_t)r * j->len;
    float *restrict y = j->y + (int64_t)r * j->len;
    float m = (float)(sum_dev(x, j->len, 0.f, 0) / (double)j->len);
    double s2 = sum_dev(x, j->len, m, 1);
    float inv = (float)(1.0 / sqrt(s2 / (double)j->len + j->eps));
    int64_t ch = r % j->C;
    float a = j->scale[ch] * inv, bb = j->bias[ch] - m * a;
    for (int64_t i = 0; i < j->len; i++) y[i] = a * x[i] + bb;
  }
}

static void norm_par (NnCtx *c, NormJob *j) {
  int grain = 1 + (int)(32768 / (j->len + 1));
  seg_parallel_for(c->threads, (int)j->rows, grain, norm_rows, j);
}

static int inorm_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  const NnTensor *X = in[0];
  if (!X) return nn_fail(c, n, "input is required");
  if (need_f32(n, c, X, "input")) return NN_ERR;
  if (X->rank < 3) return nn_fail(c, n, "input must have rank 3 or more");
  if (chan_param(n, c, n->nin > 1 ? in[1] : NULL, X->dims[1], "scale") ||
      chan_param(n, c, n->nin > 2 ? in[2] : NULL, X->dims[1], "B"))
    return NN_ERR;
  return nn_set_out(n, c, out[0], NN_F32, X->rank, X->dims);
}

static int inorm_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  const NnTensor *X = in[0];
  int64_t rows = X->dims[0] * X->dims[1];
  if (nn_numel(X) == 0) return NN_OK;
  if (rows > INT32_MAX) return nn_fail(c, n, "too many instances");
  NormJob j = {X->data, out[0]->data, rows, nn_numel(X) / rows, X->dims[1], in[1]->data, in[2]->data,
               nn_attr_float(n, "epsilon", 1e-5f)};
  norm_par(c, &j);
  return NN_OK;
}

static int lnorm_check (NnNode *n, NnCtx *c) {
  int64_t st = nn_attr_int(n, "stash_type", 1);
  if (st != 1) return nn_fail(c, n, "stash_type %lld is not supported (float32 only)", (long long)st);
  return NN_OK;
}

static int lnorm_shape (NnNode *n, NnCtx *c, NnTensor **in, int *axis, int64_t *outer, int64_t *inner) {
  const NnTensor *X = in[0], *S = n->nin > 1 ? in[1] : NULL, *B = nn_opt_in(n, in, 2);
  if (!X || !S) return nn_fail(c, n, "X and Scale are required");
  if (need_f32(n, c, X, "X") || need_f32(n, c, S, "Scale") || (B && need_f32(n, c, B, "B"))) return NN_ERR;
  if (X->rank < 1) return nn_fail(c, n, "X must have rank 1 or more");
  if (norm_axis(n, c, nn_attr_int(n, "axis", -1), X->rank, axis) != NN_OK) return NN_ERR;
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < X->rank; d++) *(d < *axis ? outer : inner) *= X->dims[d];
  /* Scale and B broadcast (numpy, unidirectionally) to X's normalised dims */
  for (int k = 0; k < 2; k++) {
    const NnTensor *t = k ? B : S;
    if (!t) continue;
    if (t->rank > X->rank - *axis) return nn_fail(c, n, "%s has more dims than the normalised ones", k ? "B" : "Scale");
    for (int d = 0; d < t->rank; d++) {
      int64_t xd = X->dims[X->rank - t->rank + d];
      if (t->dims[d] != 1 && t->dims[d] != xd) return nn_fail(c, n, "%s does not broadcast to X", k ? "B" : "Scale");
    }
  }
  return NN_OK;
}

static int lnorm_infer (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int axis;
  int64_t outer, inner, sd[NN_MAXRANK];
  if (lnorm_shape(n, c, in, &axis, &outer, &inner) != NN_OK) return NN_ERR;
  const NnTensor *X = in[0];
  if (nn_set_out(n, c, out[0], NN_F32, X->rank, X->dims) != NN_OK) return NN_ERR;
  for (int d = 0; d < X->rank; d++) sd[d] = d < axis ? X->dims[d] : 1;
  for (int k = 1; k < n->nout && k < 3; k++)
    if (nn_set_out(n, c, out[k], NN_F32, X->rank, sd) != NN_OK) return NN_ERR;
  return NN_OK;
}

/* t broadcast to the last 'inner' elements' shape of X, as a flat array
** (t's data itself when it already has that many). */
static const float *expand_param (const NnTensor *t, const NnTensor *X, int axis, int64_t inner, float *buf) {
  if (nn_numel(t) == inner) return t->data;
  const float *v = t->data;
  for (int64_t i = 0; i < inner; i++) {
    int64_t r = i, idx = 0, mul = 1;
    for (int d = X->rank - 1; d >= axis; d--) {
      int64_t x = r % X->dims[d];
      r /= X->dims[d];
      int td = d - (X->rank - t->rank);
      if (td >= 0) {
        if (t->dims[td] != 1) idx += x * mul;
        mul *= t->dims[td];
      }
    }
    buf[i] = v[idx];
  }
  return buf;
}

/* oneDNN's layer normalization over X as [outer, inner] (it normalises the
** last dim): Scale and B expanded to inner values in s->aux, the variance
** (for InvStdDev) after them. */
static int lnorm_build (NnNode *n, NnCtx *c, Prep *s, int64_t outer, int64_t inner, int shift, int stats) {
  dnnl_memory_desc_t md;
  int64_t d[2] = {outer, inner};
  s->aux = malloc((size_t)(2 * inner + outer) * sizeof(float));
  if (!s->aux) return nn_fail(c, n, "not enough memory");
  if (dn_md_plain(&md, 2, d, NULL, dnnl_f32)) return nn_fail(c, n, "shapes oneDNN cannot describe");
  dnnl_layer_normalization_desc_t ld;
  dnnl_primitive_desc_t pd = NULL;
  dn_threads(c->threads);
  dnnl_status_t st = dnnl_layer_normalization_forward_desc_init(&ld, stats ? dnnl_forward_training : dnnl_forward_inference,
      &md, NULL, nn_attr_float(n, "epsilon", 1e-5f), dnnl_use_scale | (shift ? dnnl_use_shift : 0));
  if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &ld, NULL, dn_engine(), NULL);
  if (st != dnnl_success) return dn_fail(c, n, "layer normalization", st);
  st = dn_prim(&s->p, pd);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_SRC, &md, 0);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_SCALE, NULL, 0);
  if (st == dnnl_success && shift) st = dn_bind(&s->p, pd, DNNL_ARG_SHIFT, NULL, 0);
  if (st == dnnl_success && stats) st = dn_bind(&s->p, pd, DNNL_ARG_MEAN, NULL, DN_OUT);
  if (st == dnnl_success && stats) st = dn_bind(&s->p, pd, DNNL_ARG_VARIANCE, NULL, DN_OUT);
  if (st == dnnl_success) st = dn_bind(&s->p, pd, DNNL_ARG_DST, &md, DN_OUT);
  dnnl_primitive_desc_destroy(pd);
  if (st != dnnl_success) return dn_fail(c, n, "binding", st);
  s->sum = -1;
  s->ndn = n->npost;
  s->built = 1;
  return NN_OK;
}

static int lnorm_run (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int axis;
  int64_t outer, inner;
  if (lnorm_shape(n, c, in, &axis, &outer, &inner) != NN_OK) return NN_ERR;
  if (outer * inner == 0) return NN_OK;
  const NnTensor *X = in[0], *S = in[1], *B = nn_opt_in(n, in, 2);
  int stats = n->nout > 1 && (has_out(n, 1) || has_out(n, 2));
  Key key;
  memset(&key, 0, sizeof key);
  key.threads = c->threads;
  key.flags = (B ? 1 : 0) | stats << 1;
  key.dims[0][0] = outer;
  key.dims[0][1] = inner;
  int fresh;
  Prep *s = prep_get(n, &key, &fresh);
  if (!s) return nn_fail(c, n, "not enough memory");
  if (fresh && lnorm_build(n, c, s, outer, inner, B != NULL, stats) != NN_OK) return NN_ERR;
  float *sc = s->aux, *sh = s->aux + inner, *var = s->aux + 2 * inner;
  const float *scv = expand_param(S, X, axis, inner, sc), *shv = B ? expand_param(B, X, axis, inner, sh) : NULL;
  void *data[6];
  int k = 0;
  data[k++] = X->data;
  data[k++] = (void *)scv;
  if (B) data[k++] = (void *)shv;
  if (stats) {                      /* Mean: out[1], the engine's dummy when omitted */
    data[k++] = out[1]->data;
    data[k++] = var;
  }
  data[k++] = out[0]->data;
  dn_threads(c->threads);
  dnnl_status_t st = dn_exec(&s->p, data, NULL, NULL);
  if (st != dnnl_success) return dn_fail(c, n, "execution", st);
  if (has_out(n, 2)) {
    float eps = nn_attr_float(n, "epsilon", 1e-5f), *inv = out[2]->data;
    for (int64_t i = 0; i < outer; i++) inv[i] = 1.f / sqrtf(var[i] + eps);
  }
  return NN_OK;
}

/* ---------- the table ---------- */

const NnOp nn_ops_dnnl[] = {
  {"Conv", NN_F_PURE | NN_F_POST | NN_F_BLOCKED, conv_check, conv_infer, conv_run, prep_release},
  {"ConvTranspose", NN_F_PURE | NN_F_POST | NN_F_BLOCKED, conv_check, convt_infer, convt_run, prep_release},
  {"MatMul", NN_F_PURE | NN_F_POST, NULL, matmul_infer, matmul_run, prep_release},
  {"Gemm", NN_F_PURE | NN_F_POST, NULL, gemm_infer, gemm_run, prep_release},
  {"MaxPool", NN_F_PURE | NN_F_BLOCKED, pool_check, pool_infer, pool_run, prep_release},
  {"AveragePool", NN_F_PURE | NN_F_BLOCKED, pool_check, pool_infer, pool_run, prep_release},
  {"GlobalMaxPool", NN_F_PURE | NN_F_BLOCKED, pool_check, pool_infer, pool_run, prep_release},
  {"GlobalAveragePool", NN_F_PURE | NN_F_BLOCKED, pool_check, pool_infer, pool_run, prep_release},
  {"BatchNormalization", NN_F_PURE | NN_F_BLOCKED, NULL, bn_infer, bn_run, prep_release},
  {"InstanceNormalization", NN_F_PURE, NULL, inorm_infer, inorm_run, NULL},
  {"LayerNormalization", NN_F_PURE, lnorm_check, lnorm_infer, lnorm_run, prep_release},
  {NULL, 0, NULL, NULL, NULL, NULL}
};

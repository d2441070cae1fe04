/* ops_shape.c — shape and data movement: Concat, Split, Slice, Pad,
** Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Expand, Tile, Gather,
** Shape, Size, Constant, ConstantOfShape, Identity, Dropout, Range,
** DepthToSpace, SpaceToDepth.
**
** Every operator here moves elements without looking at them, so it works
** for any element type by its size (1, 2, 4 or 8 bytes: bool, ints, f32,
** f64). Most reduce to one strided copy (copy_run below): an output walked
** in row-major order, each output dimension reading the input at its own
** stride (0 broadcasts, negative steps backwards). The copy merges
** dimensions that are contiguous on both sides, then copies whole rows with
** memcpy, or transposes tiles when the input's contiguous dimension is not
** the output's last, or gathers element by element; big copies are split
** over threads.
**
** Shapes taken from input values (Reshape, Expand, Tile, Slice, Pad, Range,
** ConstantOfShape, Split, Squeeze/Unsqueeze 13+): at plan time such an input
** may have no data yet; infer then returns NN_DYNAMIC and runs again at run
** time. run() recomputes what it needs from the same inputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/segk.h"
#include "nn/nn.h"

/* Largest element count an operator here creates (as the loader's limit). */
#define MAXEL NN_MAXEL
/* Copies under this many bytes stay on the calling thread. */
#define PAR_BYTES ((int64_t)1 << 17)

/* ---------- small helpers ---------- */

/* Element size of t, failing for types that cannot be moved. */
static int elsize (NnNode *n, NnCtx *c, const NnTensor *t, size_t *es) {
  *es = nn_type_size(t->type);
  if (*es == 0) return nn_fail(c, n, "element type %s is not supported", nn_type_name(t->type));
  return NN_OK;
}

static int is_int_type (int t) {
  return t == NN_I64 || t == NN_I32 || t == NN_I16 || t == NN_I8 || t == NN_U8 || t == NN_U16 ||
         t == NN_U32 || t == NN_U64;
}

/* Values of a scalar or 1-D integer tensor (axes, pads, shapes) into v:
** their count, or NN_ERR (message set) when not integers or more than max. */
static int64_t read_ints (NnNode *n, NnCtx *c, const char *what, const NnTensor *t, int64_t *v, int64_t max) {
  if (!is_int_type(t->type)) return nn_fail(c, n, "%s must be integers, not %s", what, nn_type_name(t->type));
  if (t->rank > 1) return nn_fail(c, n, "%s must be a 1-D tensor", what);
  int64_t k = nn_numel(t);
  if (k > max) return nn_fail(c, n, "%s has %lld values, at most %lld expected", what, (long long)k, (long long)max);
  for (int64_t i = 0; i < k; i++) v[i] = nn_geti(t, i);
  return k;
}

/* Axis a of a rank-r tensor, in [-r, r-1] ([-r, r] with extra=1), made >= 0. */
static int norm_axis (NnNode *n, NnCtx *c, int64_t a, int r, int extra, int *out) {
  int64_t hi = r - 1 + extra;
  *out = 0;
  if (a < -(int64_t)r || a > hi)
    return nn_fail(c, n, "axis %lld is out of range for rank %d", (long long)a, r);
  *out = (int)(a < 0 ? a + r : a);
  return NN_OK;
}

static void row_strides (const NnTensor *t, int64_t *st) {
  int64_t s = 1;
  for (int d = t->rank - 1; d >= 0; d--) {
    st[d] = s;
    s *= t->dims[d];
  }
}

/* ---------- the strided copy ---------- */

enum { K_ROWS, K_TILE, K_GATHER };
#define CR (2 * NN_MAXRANK + 2)

typedef struct Copy {
  int rank;
  int64_t dims[CR], is[CR], os[CR];    /* strides in elements */
  const uint8_t *src;
  uint8_t *dst;
  size_t es;
  int kind, k;                         /* K_TILE: the dim read contiguously */
  int split;                           /* the dim work is split on */
  int nouter, odim[CR];
  int64_t nsplit;
} Copy;

#define TILE 32
#define DEF_KERNELS(T)                                                                 \
  static void rows_##T (const T *restrict s, T *restrict d, int64_t n, int64_t is, int64_t os) { \
    if (os == 1 && is == 0) {                                                          \
      T v = s[0];                                                                      \
      for (int64_t i = 0; i < n; i++) d[i] = v;                                        \
    } else if (os == 1) {                                                              \
      for (int64_t i = 0; i < n; i++) d[i] = s[i * is];                                \
    } else {                                                                           \
      for (int64_t i = 0; i < n; i++) d[i * os] = s[i * is];                           \
    }                                                                                  \
  }                                                                                    \
  /* d[a*osa + b] = s[a + b*isb] for a in [a0,a1), b in [0,B), in tiles */            \
  static void tile_##T (const T *restrict s, T *restrict d, int64_t a0, int64_t a1, int64_t B, \
                        int64_t osa, int64_t isb) {                                    \
    for (int64_t ab = a0; ab < a1; ab += TILE) {                                       \
      int64_t ae = ab + TILE < a1 ? ab + TILE : a1;                                    \
      for (int64_t bb = 0; bb < B; bb += TILE) {                                       \
        int64_t be = bb + TILE < B ? bb + TILE : B;                                    \
        for (int64_t a = ab; a < ae; a++) {                                            \
          T *restrict dd = d + a * osa;                                                \
          const T *restrict ss = s + a;                                                \
          for (int64_t b = bb; b < be; b++) dd[b] = ss[b * isb];                       \
        }                                                                              \
      }                                                                                \
    }                                                                                  \
  }
DEF_KERNELS(uint8_t)
DEF_KERNELS(uint16_t)
DEF_KERNELS(uint32_t)
DEF_KERNELS(uint64_t)

/* Merges contiguous dims, drops 1s, picks the kernel. False when there is
** nothing to copy. */
static int copy_plan (Copy *c, int threads) {
  for (int d = 0; d < c->rank; d++)
    if (c->dims[d] == 0) return 0;
  int r = 0;
  for (int d = 0; d < c->rank; d++) {
    if (c->dims[d] == 1) continue;
    if (r > 0 && c->is[r - 1] == c->is[d] * c->dims[d] && c->os[r - 1] == c->os[d] * c->dims[d]) {
      c->dims[r - 1] *= c->dims[d];
      c->is[r - 1] = c->is[d];
      c->os[r - 1] = c->os[d];
    } else {
      c->dims[r] = c->dims[d];
      c->is[r] = c->is[d];
      c->os[r] = c->os[d];
      r++;
    }
  }
  if (r == 0) {   /* one element */
    c->dims[0] = 1;
    c->is[0] = c->os[0] = 1;
    r = 1;
  }
  c->rank = r;
  int last = r - 1;
  c->kind = K_GATHER;
  c->k = -1;
  if (c->is[last] == 1 && c->os[last] == 1) c->kind = K_ROWS;
  else if (c->os[last] == 1 && c->is[last] != 0) {
    for (int d = last - 1; d >= 0; d--)
      if (c->is[d] == 1 && c->dims[d] >= 4 && c->dims[last] >= 4) {
        c->kind = K_TILE;
        c->k = d;
        break;
      }
  }
  c->split = c->kind == K_TILE ? c->k : last;
  c->nouter = 0;
  int64_t outer = 1;
  for (int d = 0; d < r; d++)
    if (d != last && d != c->k) {
      c->odim[c->nouter++] = d;
      outer *= c->dims[d];
    }
  c->nsplit = 1;
  int64_t total = outer * c->dims[last] * (c->k >= 0 ? c->dims[c->k] : 1) * (int64_t)c->es;
  if (threads > 1 && total >= PAR_BYTES && outer < 8 * (int64_t)threads) {
    int64_t want = (8 * (int64_t)threads + outer - 1) / outer, have = c->dims[c->split];
    if (c->kind == K_ROWS) have = have * (int64_t)c->es / 4096 + 1;   /* pieces of 4 KiB at least */
    else if (c->kind == K_TILE) have = (have + TILE - 1) / TILE;
    c->nsplit = want < have ? want : have;
    if (c->nsplit < 1) c->nsplit = 1;
  }
  return 1;
}

/* One unit: piece p of the inner work at the given offsets. */
static void copy_piece (const Copy *c, int64_t soff, int64_t doff, int64_t p) {
  int last = c->rank - 1;
  int64_t n = c->dims[c->split], lo = n * p / c->nsplit, hi = n * (p + 1) / c->nsplit;
  size_t es = c->es;
  const uint8_t *s = c->src + (size_t)soff * es;
  uint8_t *d = c->dst + (size_t)doff * es;
  if (c->kind == K_ROWS) {
    memcpy(d + (size_t)lo * es, s + (size_t)lo * es, (size_t)(hi - lo) * es);
    return;
  }
  if (c->kind == K_TILE) {
    int64_t B = c->dims[last], osa = c->os[c->k], isb = c->is[last];
    switch (es) {
      case 1: tile_uint8_t((const uint8_t *)s, (uint8_t *)d, lo, hi, B, osa, isb); break;
      case 2: tile_uint16_t((const uint16_t *)s, (uint16_t *)d, lo, hi, B, osa, isb); break;
      case 4: tile_uint32_t((const uint32_t *)s, (uint32_t *)d, lo, hi, B, osa, isb); break;
      default: tile_uint64_t((const uint64_t *)s, (uint64_t *)d, lo, hi, B, osa, isb); break;
    }
    return;
  }
  int64_t is = c->is[last], os = c->os[last];
  s += (ptrdiff_t)(lo * is) * (ptrdiff_t)es;
  d += (ptrdiff_t)(lo * os) * (ptrdiff_t)es;
  switch (es) {
    case 1: rows_uint8_t((const uint8_t *)s, (uint8_t *)d, hi - lo, is, os); break;
    case 2: rows_uint16_t((const uint16_t *)s, (uint16_t *)d, hi - lo, is, os); break;
    case 4: rows_uint32_t((const uint32_t *)s, (uint32_t *)d, hi - lo, is, os); break;
    default: rows_uint64_t((const uint64_t *)s, (uint64_t *)d, hi - lo, is, os); break;
  }
}

/* Units [ub, ue): unit u is piece u % nsplit of outer index u / nsplit. */
static void copy_units (const Copy *c, int64_t ub, int64_t ue) {
  int64_t o = ub / c->nsplit, idx[CR], soff = 0, doff = 0;
  for (int j = c->nouter - 1; j >= 0; j--) {
    int d = c->odim[j];
    idx[j] = o % c->dims[d];
    o /= c->dims[d];
    soff += idx[j] * c->is[d];
    doff += idx[j] * c->os[d];
  }
  for (int64_t u = ub; u < ue;) {
    copy_piece(c, soff, doff, u % c->nsplit);
    u++;
    if (u % c->nsplit) continue;
    for (int j = c->nouter - 1; j >= 0; j--) {   /* next outer index */
      int d = c->odim[j];
      soff += c->is[d];
      doff += c->os[d];
      if (++idx[j] < c->dims[d]) break;
      soff -= c->is[d] * c->dims[d];
      doff -= c->os[d] * c->dims[d];
      idx[j] = 0;
    }
  }
}

typedef struct CopyJob { const Copy *c; int64_t units; int n; } CopyJob;

static void copy_task (void *arg, int b, int e) {
  const CopyJob *j = arg;
  copy_units(j->c, j->units * b / j->n, j->units * e / j->n);
}

static void copy_run (Copy *c, int threads) {
  if (!copy_plan(c, threads)) return;
  int64_t outer = 1, inner = c->dims[c->rank - 1] * (c->k >= 0 ? c->dims[c->k] : 1);
  for (int j = 0; j < c->nouter; j++) outer *= c->dims[c->odim[j]];
  int64_t units = outer * c->nsplit;
  if (threads <= 1 || units < 2 || outer * inner * (int64_t)c->es < PAR_BYTES) {
    copy_units(c, 0, units);
    return;
  }
  CopyJob j = {c, units, (int)(units < (1 << 20) ? units : (1 << 20))};
  seg_parallel_for(threads, j.n, 1, copy_task, &j);
}

/* Plain copy of 'bytes' (split over threads when large). */
static void copy_bytes (void *dst, const void *src, size_t bytes, int threads) {
  if (!bytes || dst == src) return;
  Copy c;
  memset(&c, 0, sizeof c);
  c.rank = 1;
  c.dims[0] = (int64_t)bytes;
  c.is[0] = c.os[0] = 1;
  c.src = src;
  c.dst = dst;
  c.es = 1;
  copy_run(&c, threads);
}

/* A copy whose output is t (row-major), every dim read at stride is[d] from
** src + off elements. */
static void copy_into (const NnTensor *t, const void *src, int64_t off, const int64_t *is, size_t es, int threads) {
  Copy c;
  memset(&c, 0, sizeof c);
  c.rank = t->rank;
  row_strides(t, c.os);
  for (int d = 0; d < t->rank; d++) {
    c.dims[d] = t->dims[d];
    c.is[d] = is[d];
  }
  c.src = (const uint8_t *)src + (ptrdiff_t)off * (ptrdiff_t)es;
  c.dst = t->data;
  c.es = es;
  copy_run(&c, threads);
}

/* ---------- Identity, Reshape, Flatten, Squeeze, Unsqueeze ---------- */

/* Same bytes, new shape: the run of every reshaping operator. */
static int run_copy (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)n;
  copy_bytes(out[0]->data, in[0]->data, nn_bytes(out[0]), c->threads);
  return NN_OK;
}

static int infer_identity (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  size_t es;
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  for (int k = 0; k < n->nout; k++) nn_setshape(out[k], in[0]->type, in[0]->rank, in[0]->dims);
  return NN_OK;
}

static int infer_reshape (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  size_t es;
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int64_t shape[NN_MAXRANK], k;
  const NnTensor *st = nn_opt_in(n, in, 1);
  if (st) {
    if (!st->data) return NN_DYNAMIC;
    k = read_ints(n, c, "shape", st, shape, NN_MAXRANK);
  } else {   /* Reshape-1: attribute */
    const int64_t *v;
    int m = nn_attr_ints(n, "shape", &v);
    if (m < 0) return nn_fail(c, n, "needs a shape");
    if (m > NN_MAXRANK) return nn_fail(c, n, "shape has more than %d values", NN_MAXRANK);
    for (int i = 0; i < m; i++) shape[i] = v[i];
    k = m;
  }
  if (k < 0) return NN_ERR;
  int allowzero = n->opset >= 14 && nn_attr_int(n, "allowzero", 0) != 0;
  int infer_at = -1, haszero = 0;
  int64_t known = 1, numel = nn_numel(in[0]);
  for (int i = 0; i < k; i++) {
    if (shape[i] == -1) {
      if (infer_at >= 0) return nn_fail(c, n, "shape has more than one -1");
      infer_at = i;
      continue;
    }
    if (shape[i] < -1) return nn_fail(c, n, "shape value %lld is invalid", (long long)shape[i]);
    if (shape[i] == 0) {
      haszero = 1;
      if (!allowzero) {
        if (i >= in[0]->rank) return nn_fail(c, n, "shape value 0 at %d: the input has rank %d", i, in[0]->rank);
        shape[i] = in[0]->dims[i];
      }
    }
    if (shape[i] > MAXEL || (shape[i] && known > MAXEL / shape[i])) return nn_fail(c, n, "shape is too large");
    known *= shape[i];
  }
  if (infer_at >= 0) {
    if (allowzero && haszero) return nn_fail(c, n, "shape has both -1 and 0 with allowzero=1");
    if (known == 0 || numel % known != 0)
      return nn_fail(c, n, "cannot infer the -1 of the shape for %lld elements", (long long)numel);
    shape[infer_at] = numel / known;
    known *= shape[infer_at];
  }
  if (known != numel)
    return nn_fail(c, n, "shape has %lld elements, the input %lld", (long long)known, (long long)numel);
  return nn_set_out(n, c, out[0], in[0]->type, (int)k, shape);
}

static int infer_flatten (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  size_t es;
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int axis;
  if (norm_axis(n, c, nn_attr_int(n, "axis", 1), in[0]->rank, 1, &axis)) return NN_ERR;
  int64_t d[2] = {1, 1};
  for (int i = 0; i < in[0]->rank; i++) d[i >= axis] *= in[0]->dims[i];
  return nn_set_out(n, c, out[0], in[0]->type, 2, d);
}

/* Axes of Squeeze/Unsqueeze: attribute before opset 13, input from 13.
** Count, -1 when absent, NN_DYNAMIC-like -2 when unknown yet. */
static int64_t get_axes (NnNode *n, NnTensor **in, NnCtx *c, int64_t *axes) {
  if (n->opset >= 13) {
    const NnTensor *t = nn_opt_in(n, in, 1);
    if (!t) return -1;
    if (!t->data) return -2;
    int64_t k = read_ints(n, c, "axes", t, axes, 2 * NN_MAXRANK);
    return k < 0 ? -3 : k;
  }
  const int64_t *v;
  int m = nn_attr_ints(n, "axes", &v);
  if (m < 0) return -1;
  if (m > 2 * NN_MAXRANK) {
    nn_fail(c, n, "too many axes");
    return -3;
  }
  for (int i = 0; i < m; i++) axes[i] = v[i];
  return m;
}

static int infer_squeeze (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  size_t es;
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int64_t axes[2 * NN_MAXRANK];
  int64_t k = get_axes(n, in, c, axes);
  if (k == -2) return NN_DYNAMIC;
  if (k == -3) return NN_ERR;
  int r = in[0]->rank, drop[NN_MAXRANK] = {0};
  if (k < 0) {
    for (int i = 0; i < r; i++) drop[i] = in[0]->dims[i] == 1;
  } else {
    for (int64_t i = 0; i < k; i++) {
      int a;
      if (norm_axis(n, c, axes[i], r, 0, &a)) return NN_ERR;
      if (drop[a]) return nn_fail(c, n, "axis %lld is repeated", (long long)axes[i]);
      if (in[0]->dims[a] != 1)
        return nn_fail(c, n, "cannot squeeze axis %d of size %lld", a, (long long)in[0]->dims[a]);
      drop[a] = 1;
    }
  }
  int64_t d[NN_MAXRANK];
  int m = 0;
  for (int i = 0; i < r; i++)
    if (!drop[i]) d[m++] = in[0]->dims[i];
  return nn_set_out(n, c, out[0], in[0]->type, m, d);
}

static int infer_unsqueeze (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  size_t es;
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int64_t axes[2 * NN_MAXRANK];
  int64_t k = get_axes(n, in, c, axes);
  if (k == -2) return NN_DYNAMIC;
  if (k == -3) return NN_ERR;
  if (k < 0) return nn_fail(c, n, "needs axes");
  int r = in[0]->rank, R = r + (int)k;
  if (R > NN_MAXRANK) return nn_fail(c, n, "output rank %d is above %d", R, NN_MAXRANK);
  int ins[NN_MAXRANK] = {0};
  for (int64_t i = 0; i < k; i++) {
    int a;
    if (norm_axis(n, c, axes[i], R, 0, &a)) return NN_ERR;
    if (ins[a]) return nn_fail(c, n, "axis %lld is repeated", (long long)axes[i]);
    ins[a] = 1;
  }
  int64_t d[NN_MAXRANK];
  for (int i = 0, j = 0; i < R; i++) d[i] = ins[i] ? 1 : in[0]->dims[j++];
  return nn_set_out(n, c, out[0], in[0]->type, R, d);
}

/* ---------- Dropout ---------- */

/* numpy's RandomState: MT19937 seeded as init_genrand, doubles from two
** draws (53 bits), so seeded training-mode Dropout matches ONNX's
** reference (numpy.random.RandomState(seed).uniform(0, 1, shape)). */
typedef struct Mt { uint32_t s[624]; int i; } Mt;

static void mt_seed (Mt *m, uint32_t seed) {
  m->s[0] = seed;
  for (int i = 1; i < 624; i++) m->s[i] = 1812433253u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + (uint32_t)i;
  m->i = 624;
}

static uint32_t mt_next (Mt *m) {
  if (m->i >= 624) {
    for (int k = 0; k < 624; k++) {
      uint32_t y = (m->s[k] & 0x80000000u) | (m->s[(k + 1) % 624] & 0x7fffffffu);
      m->s[k] = m->s[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) ? 0x9908b0dfu : 0);
    }
    m->i = 0;
  }
  uint32_t y = m->s[m->i++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

static double mt_double (Mt *m) {
  uint32_t a = mt_next(m) >> 5, b = mt_next(m) >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

static int check_dropout (NnNode *n, NnCtx *c) {
  if (n->nout > 2) return nn_fail(c, n, "has at most 2 outputs");
  return NN_OK;
}

static int infer_dropout (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (in[0]->type != NN_F32 && in[0]->type != NN_F64)
    return nn_fail(c, n, "element type %s is not supported", nn_type_name(in[0]->type));
  nn_setshape(out[0], in[0]->type, in[0]->rank, in[0]->dims);
  if (n->nout > 1) nn_setshape(out[1], n->opset >= 10 ? NN_BOOL : in[0]->type, in[0]->rank, in[0]->dims);
  return NN_OK;
}

static int run_dropout (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  double ratio = 0.5;
  int training = 0;
  if (n->opset >= 12) {
    const NnTensor *r = nn_opt_in(n, in, 1), *t = nn_opt_in(n, in, 2);
    if (r && nn_numel(r) >= 1) ratio = nn_getd(r, 0);
    if (t && nn_numel(t) >= 1) training = nn_getd(t, 0) != 0;
  }
  int64_t m = nn_numel(in[0]);
  int mask = n->nout > 1;
  if (!training || ratio == 0) {
    copy_bytes(out[0]->data, in[0]->data, nn_bytes(out[0]), c->threads);
    if (mask) {
      if (out[1]->type == NN_BOOL) memset(out[1]->data, 1, (size_t)m);
      else
        for (int64_t i = 0; i < m; i++) nn_setd(out[1], i, 1.0);
    }
    return NN_OK;
  }
  if (!(ratio > 0 && ratio < 1)) return nn_fail(c, n, "ratio %g is outside [0, 1)", ratio);
  /* training mode: a random mask, reproducible when 'seed' is given */
  uint32_t seed;
  const NnAttr *sa = nn_attr(n, "seed");
  if (sa) seed = (uint32_t)sa->i;
  else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = (uint32_t)(ts.tv_nsec ^ ts.tv_sec);
  }
  Mt *mt = malloc(sizeof *mt);
  if (!mt) return nn_fail(c, n, "not enough memory");
  mt_seed(mt, seed);
  double scale = 1.0 / (1.0 - ratio);
  for (int64_t i = 0; i < m; i++) {
    int keep = mt_double(mt) >= ratio;
    if (in[0]->type == NN_F32) ((float *)out[0]->data)[i] = keep ? ((const float *)in[0]->data)[i] * (float)scale : 0.0f;
    else ((double *)out[0]->data)[i] = keep ? ((const double *)in[0]->data)[i] * scale : 0.0;
    if (mask) nn_setd(out[1], i, keep);
  }
  free(mt);
  return NN_OK;
}

/* ---------- Shape, Size ---------- */

/* [start, end) of Shape-15's slice of the dims. */
static void shape_range (const NnNode *n, int r, int64_t *s, int64_t *e) {
  int64_t a = n->opset >= 15 ? nn_attr_int(n, "start", 0) : 0;
  int64_t b = n->opset >= 15 ? nn_attr_int(n, "end", r) : r;
  if (a < 0) a += r;
  if (b < 0) b += r;
  a = a < 0 ? 0 : a > r ? r : a;
  b = b < 0 ? 0 : b > r ? r : b;
  *s = a;
  *e = b > a ? b : a;
}

static int infer_shape (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  int64_t s, e;
  shape_range(n, in[0]->rank, &s, &e);
  int64_t d = e - s;
  return nn_set_out(n, c, out[0], NN_I64, 1, &d);
}

/* Reads only in[0]'s dims: valid at plan time when its data is not. */
static int run_shape (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)c;
  int64_t s, e;
  shape_range(n, in[0]->rank, &s, &e);
  for (int64_t i = s; i < e; i++) ((int64_t *)out[0]->data)[i - s] = in[0]->dims[i];
  return NN_OK;
}

static int infer_size (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  nn_setshape(out[0], NN_I64, 0, NULL);
  return NN_OK;
}

static int run_size (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)n;
  (void)c;
  *(int64_t *)out[0]->data = nn_numel(in[0]);
  return NN_OK;
}

/* ---------- Constant, ConstantOfShape ---------- */

static int check_constant (NnNode *n, NnCtx *c) {
  int have = 0;
  for (int i = 0; i < n->nattr; i++) {
    const NnAttr *a = &n->attr[i];
    const char *nm = a->name;
    if (strcmp(nm, "sparse_value") == 0) return nn_fail(c, n, "sparse tensors are not supported");
    if (strcmp(nm, "value_string") == 0 || strcmp(nm, "value_strings") == 0)
      return nn_fail(c, n, "string tensors are not supported");
    if (strcmp(nm, "value") == 0) {
      if (a->kind != NN_ATTR_TENSOR) return nn_fail(c, n, "'value' is not a tensor");
      if (!nn_type_size(a->t.type)) return nn_fail(c, n, "element type %s is not supported", nn_type_name(a->t.type));
      have++;
    } else if (strcmp(nm, "value_float") == 0 || strcmp(nm, "value_floats") == 0 || strcmp(nm, "value_int") == 0 ||
               strcmp(nm, "value_ints") == 0)
      have++;
  }
  if (have != 1) return nn_fail(c, n, "needs exactly one value attribute");
  return NN_OK;
}

static int infer_constant (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)in;
  const NnAttr *a;
  int64_t k;
  if ((a = nn_attr(n, "value"))) nn_setshape(out[0], a->t.type, a->t.rank, a->t.dims);
  else if ((a = nn_attr(n, "value_float"))) nn_setshape(out[0], NN_F32, 0, NULL);
  else if ((a = nn_attr(n, "value_int"))) nn_setshape(out[0], NN_I64, 0, NULL);
  else if ((a = nn_attr(n, "value_floats"))) k = a->n, nn_setshape(out[0], NN_F32, 1, &k);
  else if ((a = nn_attr(n, "value_ints"))) k = a->n, nn_setshape(out[0], NN_I64, 1, &k);
  else return nn_fail(c, n, "needs a value attribute");
  return NN_OK;
}

static int run_constant (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)in;
  (void)c;
  const NnAttr *a;
  if ((a = nn_attr(n, "value"))) memcpy(out[0]->data, a->t.data, nn_bytes(&a->t));
  else if ((a = nn_attr(n, "value_float"))) *(float *)out[0]->data = a->f;
  else if ((a = nn_attr(n, "value_int"))) *(int64_t *)out[0]->data = a->i;
  else if ((a = nn_attr(n, "value_floats"))) memcpy(out[0]->data, a->fs, (size_t)a->n * 4);
  else if ((a = nn_attr(n, "value_ints"))) memcpy(out[0]->data, a->is, (size_t)a->n * 8);
  return NN_OK;
}

static int check_cos (NnNode *n, NnCtx *c) {
  const NnAttr *a = nn_attr(n, "value");
  if (!a) return NN_OK;
  if (a->kind != NN_ATTR_TENSOR) return nn_fail(c, n, "'value' is not a tensor");
  if (nn_numel(&a->t) != 1) return nn_fail(c, n, "'value' must hold one element");
  if (!nn_type_size(a->t.type)) return nn_fail(c, n, "element type %s is not supported", nn_type_name(a->t.type));
  return NN_OK;
}

static int infer_cos (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (!in[0]->data) return NN_DYNAMIC;
  int64_t d[NN_MAXRANK];
  int64_t k = read_ints(n, c, "shape", in[0], d, NN_MAXRANK);
  if (k < 0) return NN_ERR;
  const NnAttr *a = nn_attr(n, "value");
  return nn_set_out(n, c, out[0], a ? a->t.type : NN_F32, (int)k, d);
}

/* Fills t with copies of the es bytes at v. */
static void fill (void *dst, int64_t m, const void *v, size_t es) {
  uint8_t *d = dst;
  switch (es) {
    case 1: memset(d, *(const uint8_t *)v, (size_t)m); break;
    case 2: { uint16_t x; memcpy(&x, v, 2); for (int64_t i = 0; i < m; i++) ((uint16_t *)d)[i] = x; } break;
    case 4: { uint32_t x; memcpy(&x, v, 4); for (int64_t i = 0; i < m; i++) ((uint32_t *)d)[i] = x; } break;
    default: { uint64_t x; memcpy(&x, v, 8); for (int64_t i = 0; i < m; i++) ((uint64_t *)d)[i] = x; } break;
  }
}

static int run_cos (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)in;
  (void)c;
  const NnAttr *a = nn_attr(n, "value");
  float zero = 0;
  fill(out[0]->data, nn_numel(out[0]), a ? a->t.data : (const void *)&zero, nn_type_size(out[0]->type));
  return NN_OK;
}

/* ---------- Concat, Split ---------- */

/* The layout Concat writes where the plan allows: that of its inputs where
** all share one the channels join in (channels last; blocked when every
** input but the last fills whole blocks), channels last when some input is
** (the others are read in their layouts), else plain. */
static int concat_fmt (const NnNode *n, NnTensor **in, int axis) {
  int f = in[0]->fmt, nhwc = 0, same = 1;
  if (axis != 1 || in[0]->rank != 4 || in[0]->type != NN_F32 || n->outfmt[0] == NN_PLAIN) return NN_PLAIN;
  for (int k = 0; k < n->nin; k++) {
    if (in[k]->fmt != f || ((f == NN_BLOCK8 || f == NN_BLOCK16) && k < n->nin - 1 && in[k]->dims[1] % f)) same = 0;
    if (in[k]->fmt == NN_NHWC) nhwc = 1;
  }
  if (same && f != NN_PLAIN && n->outfmt[0] >= f) return f;
  return nhwc ? NN_NHWC : NN_PLAIN;      /* mixed: channels last when one is */
}

static int infer_concat (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1) return nn_fail(c, n, "needs inputs");
  if (!nn_attr(n, "axis")) return nn_fail(c, n, "needs an axis");
  for (int k = 0; k < n->nin; k++)
    if (!in[k]) return nn_fail(c, n, "input %d is missing", k + 1);
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int r = in[0]->rank, axis;
  if (r < 1) return nn_fail(c, n, "cannot concatenate scalars");
  if (norm_axis(n, c, nn_attr_int(n, "axis", 0), r, 0, &axis)) return NN_ERR;
  int64_t d[NN_MAXRANK];
  memcpy(d, in[0]->dims, sizeof d);
  d[axis] = 0;
  for (int k = 0; k < n->nin; k++) {
    const NnTensor *t = in[k];
    if (t->type != in[0]->type) return nn_fail(c, n, "inputs have different types");
    if (t->rank != r) return nn_fail(c, n, "inputs have different ranks");
    for (int i = 0; i < r; i++)
      if (i != axis && t->dims[i] != in[0]->dims[i])
        return nn_fail(c, n, "input %d has dimension %d of %lld, expected %lld", k + 1, i + 1,
                       (long long)t->dims[i], (long long)in[0]->dims[i]);
    d[axis] += t->dims[axis];
  }
  if (nn_set_out(n, c, out[0], in[0]->type, r, d) != NN_OK) return NN_ERR;
  out[0]->fmt = concat_fmt(n, in, axis);
  return NN_OK;
}

typedef struct JoinJob {
  NnTensor **in;
  float *y;
  int nin;
  int64_t C;                /* channels of y */
} JoinJob;

/* Pixels [b, e) of a channels-last Concat: each input's channels in turn,
** read from its layout (channels last, blocked or plain). */
static void join_pixels (void *arg, int b, int e) {
  const JoinJob *j = arg;
  for (int k = 0, at = 0; k < j->nin; k++) {
    const NnTensor *t = j->in[k];
    const int64_t ck = t->dims[1], HW = t->dims[2] * t->dims[3];
    const float *restrict x = t->data;
    float *restrict y = j->y + (int64_t)b * j->C + at;
    if (t->fmt == NN_NHWC && ck == 8) {
      x += (int64_t)b * ck;
      for (int64_t p = b; p < e; p++, x += 8, y += j->C)
        for (int l = 0; l < 8; l++) y[l] = x[l];
    } else if (t->fmt == NN_NHWC) {
      x += (int64_t)b * ck;
      for (int64_t p = b; p < e; p++, x += ck, y += j->C) memcpy(y, x, (size_t)ck * sizeof *y);
    } else if (t->fmt == NN_BLOCK8 || t->fmt == NN_BLOCK16) {
      const int64_t bs = t->fmt, CB = (ck + bs - 1) / bs;
      for (int64_t p = b; p < e; p++, y += j->C) {
        const float *xb = x + (p / HW) * CB * HW * bs + (p % HW) * bs;
        for (int64_t cb = 0; cb < CB; cb++) {
          int64_t m = ck - cb * bs < bs ? ck - cb * bs : bs;
          for (int64_t l = 0; l < m; l++) y[cb * bs + l] = xb[cb * HW * bs + l];
        }
      }
    } else {
      for (int64_t p = b; p < e; p++, y += j->C) {
        const float *xp = x + (p / HW) * ck * HW + p % HW;
        for (int64_t c = 0; c < ck; c++) y[c] = xp[c * HW];
      }
    }
    at += (int)ck;
  }
}

static int run_concat (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int axis, r = out[0]->rank;
  norm_axis(n, c, nn_attr_int(n, "axis", 0), r, 0, &axis);
  size_t es = nn_type_size(out[0]->type);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; i++) outer *= out[0]->dims[i];
  for (int i = axis + 1; i < r; i++) inner *= out[0]->dims[i];
  int64_t row = out[0]->dims[axis] * inner, at = 0;
  const int f = out[0]->fmt;
  if (f != NN_PLAIN && nn_numel(out[0]) == 0) return NN_OK;
  if (f == NN_NHWC) {                     /* pixel by pixel, channels join */
    int64_t px = out[0]->dims[0] * out[0]->dims[2] * out[0]->dims[3];
    if (px > INT32_MAX || out[0]->dims[1] > INT32_MAX) return nn_fail(c, n, "tensor too large");
    JoinJob j = {in, out[0]->data, n->nin, out[0]->dims[1]};
    seg_parallel_for(c->threads, (int)px, 1 + (int)(16384 / (j.C + 1)), join_pixels, &j);
    return NN_OK;
  } else if (f != NN_PLAIN) {             /* blocked: whole blocks join per image */
    outer = out[0]->dims[0];
    inner = out[0]->dims[2] * out[0]->dims[3];
    row = (int64_t)(nn_bytes(out[0]) / es) / outer;
  }
  for (int k = 0; k < n->nin; k++) {
    NnTensor tmp;
    const NnTensor *src = in[k];
    if (src->fmt != f) {                  /* another layout: plain first (out is plain) */
      tmp = *src;
      tmp.fmt = NN_PLAIN;
      tmp.data = NULL;
      tmp.cap = 0;
      if (nn_alloc(&tmp) != 0) return nn_fail(c, n, "not enough memory");
      nn_reformat(src, &tmp, c->threads);
      src = &tmp;
    }
    int64_t w = in[k]->dims[axis] * inner;
    if (f != NN_PLAIN && f != NN_NHWC) w = (int64_t)(nn_bytes(in[k]) / es) / outer;
    Copy cp;
    memset(&cp, 0, sizeof cp);
    cp.rank = 2;
    cp.dims[0] = outer;
    cp.dims[1] = w;
    cp.is[0] = w;
    cp.is[1] = 1;
    cp.os[0] = row;
    cp.os[1] = 1;
    cp.src = src->data;
    cp.dst = (uint8_t *)out[0]->data + (size_t)at * es;
    cp.es = es;
    copy_run(&cp, c->threads);
    if (src != in[k]) nn_free(&tmp);
    at += w;
  }
  return NN_OK;
}

/* Sizes of Split's outputs along axis into sz (n->nout of them). */
static int split_sizes (NnNode *n, NnTensor **in, NnCtx *c, int axis, int64_t *sz) {
  int64_t dim = in[0]->dims[axis], m = n->nout;
  const NnTensor *st = n->opset >= 13 ? nn_opt_in(n, in, 1) : NULL;
  if (st) {
    if (!st->data) return NN_DYNAMIC;
    int64_t k = read_ints(n, c, "split", st, sz, m);
    if (k < 0) return NN_ERR;
    if (k != m) return nn_fail(c, n, "split has %lld values for %lld outputs", (long long)k, (long long)m);
  } else if (n->opset < 13 && nn_attr(n, "split")) {
    const int64_t *v;
    int k = nn_attr_ints(n, "split", &v);
    if (k != m) return nn_fail(c, n, "split has %d values for %lld outputs", k, (long long)m);
    for (int i = 0; i < k; i++) sz[i] = v[i];
  } else {
    int64_t parts = m;
    if (n->opset >= 18 && nn_attr(n, "num_outputs")) {
      parts = nn_attr_int(n, "num_outputs", m);
      if (parts != m) return nn_fail(c, n, "num_outputs is %lld for %lld outputs", (long long)parts, (long long)m);
    }
    int64_t each = (dim + m - 1) / m;
    if (dim % m != 0 && n->opset < 18)
      return nn_fail(c, n, "dimension %lld does not split into %lld equal parts", (long long)dim, (long long)m);
    for (int64_t i = 0; i < m; i++) sz[i] = each;
    sz[m - 1] = dim - each * (m - 1);
    if (sz[m - 1] < 0)
      return nn_fail(c, n, "dimension %lld does not split into %lld parts", (long long)dim, (long long)m);
    return NN_OK;
  }
  int64_t sum = 0;
  for (int64_t i = 0; i < m; i++) {
    if (sz[i] < 0) return nn_fail(c, n, "negative split size");
    if (sz[i] > dim) return nn_fail(c, n, "split sizes do not add up to %lld", (long long)dim);
    sum += sz[i];
  }
  if (sum != dim) return nn_fail(c, n, "split sizes add up to %lld, not %lld", (long long)sum, (long long)dim);
  return NN_OK;
}

static int infer_split (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (n->nout < 1) return nn_fail(c, n, "needs outputs");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int axis;
  if (in[0]->rank < 1) return nn_fail(c, n, "cannot split a scalar");
  if (norm_axis(n, c, nn_attr_int(n, "axis", 0), in[0]->rank, 0, &axis)) return NN_ERR;
  int64_t *sz = malloc((size_t)n->nout * sizeof *sz);
  if (!sz) return nn_fail(c, n, "not enough memory");
  int rc = split_sizes(n, in, c, axis, sz);
  for (int k = 0; rc == NN_OK && k < n->nout; k++) {
    int64_t d[NN_MAXRANK];
    memcpy(d, in[0]->dims, sizeof d);
    d[axis] = sz[k];
    nn_setshape(out[k], in[0]->type, in[0]->rank, d);
  }
  free(sz);
  return rc;
}

static int run_split (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int axis, r = in[0]->rank;
  norm_axis(n, c, nn_attr_int(n, "axis", 0), r, 0, &axis);
  size_t es = nn_type_size(in[0]->type);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; i++) outer *= in[0]->dims[i];
  for (int i = axis + 1; i < r; i++) inner *= in[0]->dims[i];
  int64_t row = in[0]->dims[axis] * inner, at = 0;
  for (int k = 0; k < n->nout; k++) {
    int64_t w = out[k]->dims[axis] * inner;
    Copy cp;
    memset(&cp, 0, sizeof cp);
    cp.rank = 2;
    cp.dims[0] = outer;
    cp.dims[1] = w;
    cp.is[0] = row;
    cp.is[1] = 1;
    cp.os[0] = w;
    cp.os[1] = 1;
    cp.src = (const uint8_t *)in[0]->data + (size_t)at * es;
    cp.dst = out[k]->data;
    cp.es = es;
    copy_run(&cp, c->threads);
    at += w;
  }
  return NN_OK;
}

/* ---------- Slice ---------- */

typedef struct SliceP { int64_t start[NN_MAXRANK], step[NN_MAXRANK], count[NN_MAXRANK]; } SliceP;

static int slice_params (NnNode *n, NnTensor **in, NnCtx *c, SliceP *p) {
  const NnTensor *x = in[0];
  int r = x->rank;
  int64_t st[2 * NN_MAXRANK], en[2 * NN_MAXRANK], ax[2 * NN_MAXRANK], sp[2 * NN_MAXRANK];
  int64_t k, ke, ka = -1, ks = -1;
  if (n->opset >= 10) {
    const NnTensor *ts = nn_opt_in(n, in, 1), *te = nn_opt_in(n, in, 2), *ta = nn_opt_in(n, in, 3), *tp = nn_opt_in(n, in, 4);
    if (!ts || !te) return nn_fail(c, n, "needs starts and ends");
    if (!ts->data || !te->data || (ta && !ta->data) || (tp && !tp->data)) return NN_DYNAMIC;
    if ((k = read_ints(n, c, "starts", ts, st, 2 * NN_MAXRANK)) < 0) return NN_ERR;
    if ((ke = read_ints(n, c, "ends", te, en, 2 * NN_MAXRANK)) < 0) return NN_ERR;
    if (ta && (ka = read_ints(n, c, "axes", ta, ax, 2 * NN_MAXRANK)) < 0) return NN_ERR;
    if (tp && (ks = read_ints(n, c, "steps", tp, sp, 2 * NN_MAXRANK)) < 0) return NN_ERR;
  } else {
    const int64_t *v;
    int m;
    if ((m = nn_attr_ints(n, "starts", &v)) < 0) return nn_fail(c, n, "needs starts");
    if (m > 2 * NN_MAXRANK) return nn_fail(c, n, "too many starts");
    k = m;
    memcpy(st, v, (size_t)m * 8);
    if ((m = nn_attr_ints(n, "ends", &v)) < 0) return nn_fail(c, n, "needs ends");
    if (m > 2 * NN_MAXRANK) return nn_fail(c, n, "too many ends");
    ke = m;
    memcpy(en, v, (size_t)m * 8);
    if ((m = nn_attr_ints(n, "axes", &v)) >= 0) {
      if (m > 2 * NN_MAXRANK) return nn_fail(c, n, "too many axes");
      ka = m;
      memcpy(ax, v, (size_t)m * 8);
    }
  }
  if (ke != k || (ka >= 0 && ka != k) || (ks >= 0 && ks != k))
    return nn_fail(c, n, "starts, ends, axes and steps differ in length");
  if (ka < 0 && k > r) return nn_fail(c, n, "more starts than dimensions");
  int seen[NN_MAXRANK] = {0};
  for (int d = 0; d < r; d++) {
    p->start[d] = 0;
    p->step[d] = 1;
    p->count[d] = x->dims[d];
  }
  for (int64_t i = 0; i < k; i++) {
    int a;
    if (ka >= 0) {
      if (norm_axis(n, c, ax[i], r, 0, &a)) return NN_ERR;
    } else a = (int)i;
    if (seen[a]) return nn_fail(c, n, "axis %d is repeated", a);
    seen[a] = 1;
    int64_t dim = x->dims[a], s = st[i], e = en[i], step = ks >= 0 ? sp[i] : 1;
    if (step == 0) return nn_fail(c, n, "step is 0");
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    int64_t cnt;
    if (step > 0) {
      s = s < 0 ? 0 : s > dim ? dim : s;
      e = e < 0 ? 0 : e > dim ? dim : e;
      cnt = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
      e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
      int64_t as = step < -((int64_t)1 << 62) ? ((int64_t)1 << 62) : -step;
      cnt = s > e ? (s - e - 1) / as + 1 : 0;
      if (dim == 0) cnt = 0, s = 0;
    }
    p->start[a] = s;
    p->step[a] = step;
    p->count[a] = cnt;
  }
  return NN_OK;
}

static int infer_slice (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  SliceP p;
  int rc = slice_params(n, in, c, &p);
  if (rc != NN_OK) return rc;
  return nn_set_out(n, c, out[0], in[0]->type, in[0]->rank, p.count);
}

static int run_slice (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  SliceP p;
  if (slice_params(n, in, c, &p) != NN_OK) return NN_ERR;
  int64_t st[NN_MAXRANK], is[NN_MAXRANK], off = 0;
  row_strides(in[0], st);
  for (int d = 0; d < in[0]->rank; d++) {
    is[d] = p.step[d] * st[d];
    if (p.count[d] > 0) off += p.start[d] * st[d];
  }
  copy_into(out[0], in[0]->data, off, is, nn_type_size(in[0]->type), c->threads);
  return NN_OK;
}

/* ---------- Pad ---------- */

enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

static int pad_mode (const NnNode *n) {
  const char *m = nn_attr_str(n, "mode", "constant");
  return strcmp(m, "constant") == 0 ? PAD_CONSTANT : strcmp(m, "reflect") == 0 ? PAD_REFLECT
       : strcmp(m, "edge") == 0 ? PAD_EDGE : strcmp(m, "wrap") == 0 ? PAD_WRAP : -1;
}

static int check_pad (NnNode *n, NnCtx *c) {
  if (pad_mode(n) < 0) return nn_fail(c, n, "unknown mode '%s'", nn_attr_str(n, "mode", ""));
  return NN_OK;
}

/* Begin/end pads per dim of in[0]. */
static int pad_params (NnNode *n, NnTensor **in, NnCtx *c, int64_t *pb, int64_t *pe) {
  int r = in[0]->rank;
  int64_t pads[2 * NN_MAXRANK], axes[NN_MAXRANK], k, na = -1;
  if (n->opset >= 11) {
    const NnTensor *tp = nn_opt_in(n, in, 1), *ta = n->opset >= 18 ? nn_opt_in(n, in, 3) : NULL;
    if (!tp) return nn_fail(c, n, "needs pads");
    if (!tp->data || (ta && !ta->data)) return NN_DYNAMIC;
    if ((k = read_ints(n, c, "pads", tp, pads, 2 * NN_MAXRANK)) < 0) return NN_ERR;
    if (ta && (na = read_ints(n, c, "axes", ta, axes, NN_MAXRANK)) < 0) return NN_ERR;
  } else {
    const int64_t *v;
    int m = nn_attr_ints(n, "pads", &v);
    if (m < 0) m = nn_attr_ints(n, "paddings", &v);
    if (m < 0) return nn_fail(c, n, "needs pads");
    if (m > 2 * NN_MAXRANK) return nn_fail(c, n, "too many pads");
    memcpy(pads, v, (size_t)m * 8);
    k = m;
  }
  if (na < 0) {
    na = r;
    for (int i = 0; i < r; i++) axes[i] = i;
  }
  if (k != 2 * na) return nn_fail(c, n, "pads has %lld values for %lld axes", (long long)k, (long long)na);
  for (int i = 0; i < r; i++) pb[i] = pe[i] = 0;
  int seen[NN_MAXRANK] = {0};
  for (int64_t i = 0; i < na; i++) {
    int a;
    if (norm_axis(n, c, axes[i], r, 0, &a)) return NN_ERR;
    if (seen[a]) return nn_fail(c, n, "axis %d is repeated", a);
    seen[a] = 1;
    if (pads[i] > MAXEL || pads[i] < -MAXEL || pads[na + i] > MAXEL || pads[na + i] < -MAXEL)
      return nn_fail(c, n, "pads are too large");
    pb[a] = pads[i];
    pe[a] = pads[na + i];
  }
  return NN_OK;
}

static int infer_pad (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int64_t pb[NN_MAXRANK], pe[NN_MAXRANK], d[NN_MAXRANK];
  int rc = pad_params(n, in, c, pb, pe), mode = pad_mode(n);
  if (rc != NN_OK) return rc;
  for (int i = 0; i < in[0]->rank; i++) {
    d[i] = in[0]->dims[i] + pb[i] + pe[i];
    if (d[i] < 0) return nn_fail(c, n, "pads remove more than dimension %d has", i + 1);
    if (mode != PAD_CONSTANT && in[0]->dims[i] == 0 && d[i] > 0)
      return nn_fail(c, n, "cannot pad an empty dimension in this mode");
  }
  return nn_set_out(n, c, out[0], in[0]->type, in[0]->rank, d);
}

typedef struct PadJob {
  int r;
  const int64_t *dims;               /* output dims */
  int64_t *map[NN_MAXRANK];          /* output index -> input index, -1: constant */
  int64_t st[NN_MAXRANK];            /* input strides */
  int64_t lo, hi;                    /* last dim: [lo, hi) maps to map[lo] + (o - lo) */
  const uint8_t *src;
  uint8_t *dst;
  size_t es;
  uint8_t cv[8];
  int64_t rows;
  int n;
} PadJob;

static void pad_rows (const PadJob *j, int64_t rb, int64_t re) {
  int r = j->r, last = r - 1;
  int64_t W = j->dims[last], idx[NN_MAXRANK], o = rb;
  size_t es = j->es;
  for (int d = last - 1; d >= 0; d--) {
    idx[d] = o % j->dims[d];
    o /= j->dims[d];
  }
  const int64_t *ml = j->map[last];
  for (int64_t row = rb; row < re; row++) {
    uint8_t *d = j->dst + (size_t)(row * W) * es;
    int64_t soff = 0;
    int outside = 0;
    for (int q = 0; q < last; q++) {
      int64_t m = j->map[q][idx[q]];
      if (m < 0) outside = 1;
      else soff += m * j->st[q];
    }
    if (outside) fill(d, W, j->cv, es);
    else {
      const uint8_t *s = j->src + (size_t)soff * es;
      for (int64_t x = 0; x < j->lo; x++) {
        if (ml[x] < 0) memcpy(d + x * es, j->cv, es);
        else memcpy(d + x * es, s + ml[x] * es, es);
      }
      if (j->hi > j->lo) memcpy(d + j->lo * es, s + ml[j->lo] * es, (size_t)(j->hi - j->lo) * es);
      for (int64_t x = j->hi > j->lo ? j->hi : j->lo; x < W; x++) {
        if (ml[x] < 0) memcpy(d + x * es, j->cv, es);
        else memcpy(d + x * es, s + ml[x] * es, es);
      }
    }
    for (int q = last - 1; q >= 0; q--) {
      if (++idx[q] < j->dims[q]) break;
      idx[q] = 0;
    }
  }
}

static void pad_task (void *arg, int b, int e) {
  const PadJob *j = arg;
  pad_rows(j, j->rows * b / j->n, j->rows * e / j->n);
}

static int run_pad (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int64_t pb[NN_MAXRANK], pe[NN_MAXRANK];
  if (pad_params(n, in, c, pb, pe) != NN_OK) return NN_ERR;
  int mode = pad_mode(n), r = in[0]->rank;
  size_t es = nn_type_size(in[0]->type);
  int64_t total = nn_numel(out[0]);
  if (total == 0) return NN_OK;
  PadJob j;
  memset(&j, 0, sizeof j);
  /* the fill value in the element type */
  NnTensor cvt = {0};
  cvt.type = in[0]->type;
  cvt.data = j.cv;
  if (n->opset >= 11) {
    const NnTensor *cv = nn_opt_in(n, in, 2);
    if (cv && nn_numel(cv) >= 1) {
      if (cv->type == in[0]->type) memcpy(j.cv, cv->data, es);
      else nn_setd(&cvt, 0, nn_getd(cv, 0));
    }
  } else nn_setd(&cvt, 0, nn_attr_float(n, "value", 0));
  if (r == 0) {
    memcpy(out[0]->data, in[0]->data, es);
    return NN_OK;
  }
  int64_t sum = 0;
  for (int d = 0; d < r; d++) sum += out[0]->dims[d];
  int64_t *maps = malloc((size_t)sum * sizeof *maps);
  if (!maps) return nn_fail(c, n, "not enough memory");
  int64_t at = 0;
  for (int d = 0; d < r; d++) {
    int64_t D = in[0]->dims[d], W = out[0]->dims[d];
    j.map[d] = maps + at;
    at += W;
    for (int64_t o = 0; o < W; o++) {
      int64_t i = o - pb[d];
      if (i < 0 || i >= D) {
        switch (mode) {
          case PAD_CONSTANT: i = -1; break;
          case PAD_EDGE: i = i < 0 ? 0 : D - 1; break;
          case PAD_WRAP: i %= D; if (i < 0) i += D; break;
          default:
            if (D == 1) i = 0;
            else {
              int64_t per = 2 * (D - 1);
              i %= per;
              if (i < 0) i += per;
              if (i >= D) i = per - i;
            }
            break;
        }
      }
      j.map[d][o] = i;
    }
  }
  j.r = r;
  j.dims = out[0]->dims;
  row_strides(in[0], j.st);
  int64_t W = out[0]->dims[r - 1], D = in[0]->dims[r - 1];
  j.lo = pb[r - 1] > 0 ? pb[r - 1] : 0;
  j.hi = pb[r - 1] + D < W ? pb[r - 1] + D : W;
  if (j.hi < j.lo) j.hi = j.lo;
  j.src = in[0]->data;
  j.dst = out[0]->data;
  j.es = es;
  j.rows = total / W;
  if (c->threads > 1 && total * (int64_t)es >= PAR_BYTES && j.rows > 1) {
    j.n = (int)(j.rows < (1 << 20) ? j.rows : (1 << 20));
    seg_parallel_for(c->threads, j.n, 1, pad_task, &j);
  } else pad_rows(&j, 0, j.rows);
  free(maps);
  return NN_OK;
}

/* ---------- Transpose, Expand, Tile, DepthToSpace, SpaceToDepth ---------- */

static int perm_of (NnNode *n, NnCtx *c, int r, int *perm) {
  const int64_t *v;
  int m = nn_attr_ints(n, "perm", &v);
  if (m < 0) {
    for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
    return NN_OK;
  }
  if (m != r) return nn_fail(c, n, "perm has %d values for rank %d", m, r);
  int seen[NN_MAXRANK] = {0};
  for (int i = 0; i < r; i++) {
    int a;
    if (norm_axis(n, c, v[i], r, 0, &a)) return NN_ERR;
    if (seen[a]) return nn_fail(c, n, "perm is not a permutation");
    seen[a] = 1;
    perm[i] = a;
  }
  return NN_OK;
}

static int infer_transpose (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int perm[NN_MAXRANK], r = in[0]->rank;
  if (perm_of(n, c, r, perm)) return NN_ERR;
  int64_t d[NN_MAXRANK];
  for (int i = 0; i < r; i++) d[i] = in[0]->dims[perm[i]];
  return nn_set_out(n, c, out[0], in[0]->type, r, d);
}

static int run_transpose (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int perm[NN_MAXRANK], r = in[0]->rank;
  if (perm_of(n, c, r, perm)) return NN_ERR;
  int64_t st[NN_MAXRANK], is[NN_MAXRANK];
  row_strides(in[0], st);
  for (int i = 0; i < r; i++) is[i] = st[perm[i]];
  copy_into(out[0], in[0]->data, 0, is, nn_type_size(in[0]->type), c->threads);
  return NN_OK;
}

static int expand_shape (NnNode *n, NnTensor **in, NnCtx *c, int *rank, int64_t *d) {
  const NnTensor *st = nn_opt_in(n, in, 1);
  if (!st) return nn_fail(c, n, "needs a shape");
  if (!st->data) return NN_DYNAMIC;
  NnTensor s = {0};
  int64_t k = read_ints(n, c, "shape", st, s.dims, NN_MAXRANK);
  if (k < 0) return NN_ERR;
  s.rank = (int)k;
  for (int i = 0; i < s.rank; i++)
    if (s.dims[i] < 0) return nn_fail(c, n, "negative dimension in shape");
  if (nn_broadcast_shape(in[0], &s, rank, d) != 0) return nn_fail(c, n, "shape does not broadcast with the input");
  return NN_OK;
}

static int infer_expand (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int r;
  int64_t d[NN_MAXRANK];
  int rc = expand_shape(n, in, c, &r, d);
  if (rc != NN_OK) return rc;
  return nn_set_out(n, c, out[0], in[0]->type, r, d);
}

static int run_expand (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)n;
  int r = out[0]->rank, ri = in[0]->rank;
  int64_t st[NN_MAXRANK], is[NN_MAXRANK];
  row_strides(in[0], st);
  for (int d = 0; d < r; d++) {
    int k = d - (r - ri);
    is[d] = k < 0 || in[0]->dims[k] == 1 ? 0 : st[k];
  }
  copy_into(out[0], in[0]->data, 0, is, nn_type_size(in[0]->type), c->threads);
  return NN_OK;
}

static int tile_reps (NnNode *n, NnTensor **in, NnCtx *c, int64_t *rep) {
  const NnTensor *rt = nn_opt_in(n, in, 1);
  if (!rt) return nn_fail(c, n, "needs repeats");
  if (!rt->data) return NN_DYNAMIC;
  int64_t k = read_ints(n, c, "repeats", rt, rep, NN_MAXRANK);
  if (k < 0) return NN_ERR;
  if (k != in[0]->rank) return nn_fail(c, n, "repeats has %lld values for rank %d", (long long)k, in[0]->rank);
  for (int i = 0; i < k; i++)
    if (rep[i] < 0) return nn_fail(c, n, "negative repeat");
  return NN_OK;
}

static int infer_tile (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  int64_t rep[NN_MAXRANK], d[NN_MAXRANK];
  int rc = tile_reps(n, in, c, rep);
  if (rc != NN_OK) return rc;
  for (int i = 0; i < in[0]->rank; i++) {
    if (rep[i] && in[0]->dims[i] > MAXEL / rep[i]) return nn_fail(c, n, "output has too many elements");
    d[i] = in[0]->dims[i] * rep[i];
  }
  return nn_set_out(n, c, out[0], in[0]->type, in[0]->rank, d);
}

static int run_tile (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int64_t rep[NN_MAXRANK], st[NN_MAXRANK], ost[NN_MAXRANK];
  if (tile_reps(n, in, c, rep) != NN_OK) return NN_ERR;
  int r = in[0]->rank;
  row_strides(in[0], st);
  row_strides(out[0], ost);
  /* output seen as [rep0, d0, rep1, d1, ...] */
  Copy cp;
  memset(&cp, 0, sizeof cp);
  cp.rank = 2 * r;
  for (int i = 0; i < r; i++) {
    cp.dims[2 * i] = rep[i];
    cp.is[2 * i] = 0;
    cp.os[2 * i] = in[0]->dims[i] * ost[i];
    cp.dims[2 * i + 1] = in[0]->dims[i];
    cp.is[2 * i + 1] = st[i];
    cp.os[2 * i + 1] = ost[i];
  }
  cp.src = in[0]->data;
  cp.dst = out[0]->data;
  cp.es = nn_type_size(in[0]->type);
  copy_run(&cp, c->threads);
  return NN_OK;
}

static int check_d2s (NnNode *n, NnCtx *c) {
  if (nn_attr_int(n, "blocksize", 0) < 1) return nn_fail(c, n, "needs a positive blocksize");
  if (strcmp(n->op, "DepthToSpace") == 0) {
    const char *m = nn_attr_str(n, "mode", "DCR");
    if (strcmp(m, "DCR") != 0 && strcmp(m, "CRD") != 0) return nn_fail(c, n, "unknown mode '%s'", m);
  }
  return NN_OK;
}

static int infer_d2s (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  if (in[0]->rank != 4) return nn_fail(c, n, "input must be 4-D");
  int64_t b = nn_attr_int(n, "blocksize", 0);
  if (b < 1 || b > (1 << 20)) return nn_fail(c, n, "bad blocksize");
  const int64_t *x = in[0]->dims;
  int64_t d[4];
  if (strcmp(n->op, "DepthToSpace") == 0) {
    if (x[1] % (b * b)) return nn_fail(c, n, "channels %lld are not a multiple of blocksize^2", (long long)x[1]);
    d[0] = x[0], d[1] = x[1] / (b * b), d[2] = x[2] * b, d[3] = x[3] * b;
  } else {
    if (x[2] % b || x[3] % b) return nn_fail(c, n, "height and width must be multiples of blocksize");
    d[0] = x[0], d[1] = x[1] * b * b, d[2] = x[2] / b, d[3] = x[3] / b;
  }
  return nn_set_out(n, c, out[0], in[0]->type, 4, d);
}

static int run_d2s (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int64_t b = nn_attr_int(n, "blocksize", 1);
  const int64_t *x = in[0]->dims;
  int64_t N = x[0], C = x[1], H = x[2], W = x[3], HW = H * W;
  Copy cp;
  memset(&cp, 0, sizeof cp);
  cp.rank = 6;
  if (strcmp(n->op, "DepthToSpace") == 0) {
    int64_t C2 = C / (b * b);
    int crd = n->opset >= 11 && strcmp(nn_attr_str(n, "mode", "DCR"), "CRD") == 0;
    /* output [n, c, h, b1, w, b2] */
    int64_t dims[6] = {N, C2, H, b, W, b};
    int64_t is[6] = {C * HW, crd ? b * b * HW : HW, W, crd ? b * HW : b * C2 * HW, 1, crd ? HW : C2 * HW};
    memcpy(cp.dims, dims, sizeof dims);
    memcpy(cp.is, is, sizeof is);
  } else {
    /* output [n, b1, b2, c, h', w'] */
    int64_t dims[6] = {N, b, b, C, H / b, W / b};
    int64_t is[6] = {C * HW, W, 1, HW, b * W, b};
    memcpy(cp.dims, dims, sizeof dims);
    memcpy(cp.is, is, sizeof is);
  }
  int64_t s = 1;
  for (int d = 5; d >= 0; d--) {
    cp.os[d] = s;
    s *= cp.dims[d];
  }
  cp.src = in[0]->data;
  cp.dst = out[0]->data;
  cp.es = nn_type_size(in[0]->type);
  copy_run(&cp, c->threads);
  return NN_OK;
}

/* ---------- Gather ---------- */

static int infer_gather (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 2 || !in[0] || !in[1]) return nn_fail(c, n, "needs data and indices");
  size_t es;
  if (elsize(n, c, in[0], &es)) return NN_ERR;
  if (in[1]->type != NN_I64 && in[1]->type != NN_I32)
    return nn_fail(c, n, "indices must be int32 or int64, not %s", nn_type_name(in[1]->type));
  int r = in[0]->rank, q = in[1]->rank, axis;
  if (r < 1) return nn_fail(c, n, "data must have rank 1 or more");
  if (norm_axis(n, c, nn_attr_int(n, "axis", 0), r, 0, &axis)) return NN_ERR;
  if (r - 1 + q > NN_MAXRANK) return nn_fail(c, n, "output rank is above %d", NN_MAXRANK);
  int64_t d[NN_MAXRANK];
  int m = 0;
  for (int i = 0; i < axis; i++) d[m++] = in[0]->dims[i];
  for (int i = 0; i < q; i++) d[m++] = in[1]->dims[i];
  for (int i = axis + 1; i < r; i++) d[m++] = in[0]->dims[i];
  return nn_set_out(n, c, out[0], in[0]->type, m, d);
}

typedef struct GatherJob {
  const uint8_t *src;
  uint8_t *dst;
  const int64_t *idx;
  int64_t nidx, inner, dim;   /* inner: bytes per block */
  int64_t units;
  int n;
} GatherJob;

static void gather_units (const GatherJob *j, int64_t b, int64_t e) {
  for (int64_t u = b; u < e; u++) {
    int64_t o = u / j->nidx, k = u % j->nidx;
    memcpy(j->dst + u * j->inner, j->src + (o * j->dim + j->idx[k]) * j->inner, (size_t)j->inner);
  }
}

static void gather_task (void *arg, int b, int e) {
  const GatherJob *j = arg;
  gather_units(j, j->units * b / j->n, j->units * e / j->n);
}

static int run_gather (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int axis, r = in[0]->rank;
  norm_axis(n, c, nn_attr_int(n, "axis", 0), r, 0, &axis);
  int64_t dim = in[0]->dims[axis], nidx = nn_numel(in[1]), outer = 1, inner = (int64_t)nn_type_size(in[0]->type);
  for (int i = 0; i < axis; i++) outer *= in[0]->dims[i];
  for (int i = axis + 1; i < r; i++) inner *= in[0]->dims[i];
  if (nidx == 0 || outer == 0 || inner == 0) return NN_OK;
  int64_t *idx = malloc((size_t)nidx * sizeof *idx);
  if (!idx) return nn_fail(c, n, "not enough memory");
  for (int64_t k = 0; k < nidx; k++) {
    int64_t v = nn_geti(in[1], k);
    if (v < -dim || v >= dim) {
      free(idx);
      return nn_fail(c, n, "index %lld is out of range for dimension %lld", (long long)v, (long long)dim);
    }
    idx[k] = v < 0 ? v + dim : v;
  }
  GatherJob j = {in[0]->data, out[0]->data, idx, nidx, inner, dim, outer * nidx, 1};
  if (c->threads > 1 && j.units > 1 && j.units * inner >= PAR_BYTES) {
    j.n = (int)(j.units < (1 << 20) ? j.units : (1 << 20));
    seg_parallel_for(c->threads, j.n, 1, gather_task, &j);
  } else gather_units(&j, 0, j.units);
  free(idx);
  return NN_OK;
}

/* ---------- Range ---------- */

static int range_count (NnNode *n, NnTensor **in, NnCtx *c, int64_t *count) {
  for (int k = 0; k < 3; k++) {
    if (k >= n->nin || !in[k]) return nn_fail(c, n, "needs start, limit and delta");
    if (nn_numel(in[k]) != 1) return nn_fail(c, n, "start, limit and delta must be scalars");
    if (in[k]->type != in[0]->type) return nn_fail(c, n, "start, limit and delta differ in type");
  }
  int t = in[0]->type;
  if (t != NN_F32 && t != NN_F64 && t != NN_I16 && t != NN_I32 && t != NN_I64)
    return nn_fail(c, n, "element type %s is not supported", nn_type_name(t));
  if (!in[0]->data || !in[1]->data || !in[2]->data) return NN_DYNAMIC;
  double cnt;
  if (t == NN_F32 || t == NN_F64) {
    double s = nn_getd(in[0], 0), l = nn_getd(in[1], 0), d = nn_getd(in[2], 0);
    if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d)) return nn_fail(c, n, "bad start, limit or delta");
    double diff = t == NN_F32 ? (double)((float)l - (float)s) : l - s;
    cnt = ceil(diff / d);
  } else {
    int64_t s = nn_geti(in[0], 0), l = nn_geti(in[1], 0), d = nn_geti(in[2], 0);
    if (d == 0) return nn_fail(c, n, "delta is 0");
    /* exact ceil((l - s) / d) in 128 bits against overflow */
    __int128 diff = (__int128)l - s, q = diff / d, rem = diff % d;
    if (rem != 0 && ((rem > 0) == (d > 0))) q++;
    cnt = (double)q;
  }
  if (cnt < 0) cnt = 0;
  if (cnt > (double)MAXEL) return nn_fail(c, n, "output has too many elements");
  *count = (int64_t)cnt;
  return NN_OK;
}

static int infer_range (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int64_t cnt;
  int rc = range_count(n, in, c, &cnt);
  if (rc != NN_OK) return rc;
  return nn_set_out(n, c, out[0], in[0]->type, 1, &cnt);
}

static int run_range (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int64_t cnt;
  if (range_count(n, in, c, &cnt) != NN_OK) return NN_ERR;
  int t = in[0]->type;
  if (t == NN_F32) {
    float s = *(const float *)in[0]->data, d = *(const float *)in[2]->data, *o = out[0]->data;
    for (int64_t i = 0; i < cnt; i++) o[i] = s + (float)i * d;
  } else if (t == NN_F64) {
    double s = *(const double *)in[0]->data, d = *(const double *)in[2]->data, *o = out[0]->data;
    for (int64_t i = 0; i < cnt; i++) o[i] = s + (double)i * d;
  } else {
    int64_t s = nn_geti(in[0], 0), d = nn_geti(in[2], 0);
    for (int64_t i = 0; i < cnt; i++) {
      int64_t v = (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)d);
      switch (t) {
        case NN_I16: ((int16_t *)out[0]->data)[i] = (int16_t)v; break;
        case NN_I32: ((int32_t *)out[0]->data)[i] = (int32_t)v; break;
        default: ((int64_t *)out[0]->data)[i] = v; break;
      }
    }
  }
  return NN_OK;
}

/* ---------- the table ---------- */

#define P NN_F_PURE
const NnOp nn_ops_shape[] = {
  {"Concat", P | NN_F_BLOCKED, NULL, infer_concat, run_concat, NULL},
  {"Split", P, NULL, infer_split, run_split, NULL},
  {"Slice", P, NULL, infer_slice, run_slice, NULL},
  {"Pad", P, check_pad, infer_pad, run_pad, NULL},
  {"Reshape", P, NULL, infer_reshape, run_copy, NULL},
  {"Flatten", P, NULL, infer_flatten, run_copy, NULL},
  {"Transpose", P, NULL, infer_transpose, run_transpose, NULL},
  {"Squeeze", P, NULL, infer_squeeze, run_copy, NULL},
  {"Unsqueeze", P, NULL, infer_unsqueeze, run_copy, NULL},
  {"Expand", P, NULL, infer_expand, run_expand, NULL},
  {"Tile", P, NULL, infer_tile, run_tile, NULL},
  {"Gather", P, NULL, infer_gather, run_gather, NULL},
  {"Shape", P, NULL, infer_shape, run_shape, NULL},
  {"Size", P, NULL, infer_size, run_size, NULL},
  {"Constant", P, check_constant, infer_constant, run_constant, NULL},
  {"ConstantOfShape", P, check_cos, infer_cos, run_cos, NULL},
  {"Identity", P, NULL, infer_identity, run_copy, NULL},
  {"Dropout", P, check_dropout, infer_dropout, run_dropout, NULL},
  {"Range", P, NULL, infer_range, run_range, NULL},
  {"DepthToSpace", P, check_d2s, infer_d2s, run_d2s, NULL},
  {"SpaceToDepth", P, check_d2s, infer_d2s, run_d2s, NULL},
  {NULL, 0, NULL, NULL, NULL, NULL}
};

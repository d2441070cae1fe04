/* ops_reduce.c — reductions (ReduceSum, ReduceMean, ReduceMax, ReduceMin,
** ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum,
** ReduceLogSumExp), Softmax, LogSoftmax, Hardmax, ArgMax, ArgMin.
**
** A reduction first merges neighbouring dimensions that are both reduced
** or both kept (size-1 dimensions drop out), so any set of axes becomes
** alternating groups. The innermost groups form a block [A kept, B
** reduced, C kept] that one kernel folds into the A x C output block:
** with C = 1 each output is one contiguous row reduced with several
** accumulators (vectorised), otherwise B rows of C are combined into the
** output row element-wise. Units of that block (A rows, or column ranges
** of C) write disjoint outputs and are spread over threads; the groups
** outside the block are walked one block at a time. f32 has these loops;
** the other types accumulate element by element in double or int64.
**
** Softmax and the arg reductions see the input as [outer, D, inner] (D
** the axis; before opset 13 Softmax folds every dimension from the axis
** on into D): inner = 1 works row by row, inner > 1 (the channel axis of
** NCHW) on column ranges of inner, each element read a few times in
** order. */

/* Float selects (x < 0 ? a * x : x) only become vector blends when gcc
** may evaluate both arms, which trapping math forbids; the values are the
** same either way (clang's default already). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/segk.h"
#include "nn/nn.h"
#include "nn/nn_vmath.h"

#define MAXEL NN_MAXEL
/* Work under this many elements stays on the calling thread. */
#define PAR_EL ((int64_t)1 << 15)
/* Columns per unit when working across rows of length inner / C. */
#define CW 256

/* ---------- small helpers ---------- */

static int is_float (int t) { return t == NN_F32 || t == NN_F64; }
static int is_int (int t) {
  return t == NN_I8 || t == NN_I16 || t == NN_I32 || t == NN_I64 || t == NN_U8 || t == NN_U16 ||
         t == NN_U32 || t == NN_U64;
}

static int norm_axis (NnNode *n, NnCtx *c, int64_t a, int r, int *out) {
  *out = 0;
  if (a < -(int64_t)r || a > (int64_t)r - 1 || (r == 0 && a != 0 && a != -1))
    return nn_fail(c, n, "axis %lld is out of range for rank %d", (long long)a, r);
  *out = r == 0 ? 0 : (int)(a < 0 ? a + r : a);
  return NN_OK;
}

/* Units [b, e) of some work. */
typedef void (*UnitFn) (void *arg, int64_t b, int64_t e);
typedef struct Par { UnitFn fn; void *arg; } Par;

static void par_task (void *arg, int b, int e) {
  const Par *p = arg;
  p->fn(p->arg, b, e);
}

/* Runs fn over units [0, units) on 'threads' when the work (elements) is
** large enough. */
static void par_units (int threads, int64_t units, int64_t work, UnitFn fn, void *arg) {
  if (units <= 0) return;
  if (threads <= 1 || work < PAR_EL || units < 2 || units > INT32_MAX) {
    fn(arg, 0, units);
    return;
  }
  Par p = {fn, arg};
  seg_parallel_for(threads, (int)units, 1, par_task, &p);
}

/* ---------- reductions ---------- */

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_L1, R_L2, R_SUMSQ, R_LOGSUM, R_LSE };

static const struct { const char *name; int op; } red_names[] = {
  {"ReduceSum", R_SUM}, {"ReduceMean", R_MEAN}, {"ReduceMax", R_MAX}, {"ReduceMin", R_MIN},
  {"ReduceProd", R_PROD}, {"ReduceL1", R_L1}, {"ReduceL2", R_L2}, {"ReduceSumSquare", R_SUMSQ},
  {"ReduceLogSum", R_LOGSUM}, {"ReduceLogSumExp", R_LSE}
};

static int red_code (const NnNode *n) {
  for (size_t i = 0; i < sizeof red_names / sizeof red_names[0]; i++)
    if (strcmp(n->op, red_names[i].name) == 0) return red_names[i].op;
  return R_SUM;
}

/* Which axes of in[0] a node reduces: red[d] set; *noop when the node is
** the identity (empty axes with noop_with_empty_axes). NN_DYNAMIC when
** the axes are an input without a value yet. */
static int red_axes (NnNode *n, NnTensor **in, NnCtx *c, int *red, int *noop) {
  int r = in[0]->rank;
  int from_input = strcmp(n->op, "ReduceSum") == 0 ? n->opset >= 13 : n->opset >= 18;
  int64_t axes[NN_MAXRANK * 2];
  int64_t k = -1;
  if (from_input) {
    const NnTensor *t = nn_opt_in(n, in, 1);
    if (t) {
      if (t->type != NN_I64 && t->type != NN_I32) return nn_fail(c, n, "axes must be int64");
      if (t->rank > 1) return nn_fail(c, n, "axes must be a 1-D tensor");
      if (!t->data) return NN_DYNAMIC;
      k = nn_numel(t);
      if (k > 2 * NN_MAXRANK) return nn_fail(c, n, "too many axes");
      for (int64_t i = 0; i < k; i++) axes[i] = nn_geti(t, i);
    }
  } else {
    const int64_t *v;
    int m = nn_attr_ints(n, "axes", &v);
    if (m > 2 * NN_MAXRANK) return nn_fail(c, n, "too many axes");
    for (int i = 0; i < m; i++) axes[i] = v[i];
    k = m;
  }
  *noop = 0;
  for (int d = 0; d < r; d++) red[d] = 0;
  if (k <= 0) {
    if (from_input && nn_attr_int(n, "noop_with_empty_axes", 0)) *noop = 1;
    else
      for (int d = 0; d < r; d++) red[d] = 1;
    return NN_OK;
  }
  for (int64_t i = 0; i < k; i++) {
    if (axes[i] < -(int64_t)r || axes[i] >= r)
      return nn_fail(c, n, "axis %lld is out of range for rank %d", (long long)axes[i], r);
    red[axes[i] < 0 ? axes[i] + r : axes[i]] = 1;
  }
  return NN_OK;
}

static int infer_reduce (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  int t = in[0]->type;
  if (!is_float(t) && !is_int(t)) return nn_fail(c, n, "element type %s is not supported", nn_type_name(t));
  int red[NN_MAXRANK], noop, rc = red_axes(n, in, c, red, &noop);
  if (rc != NN_OK) return rc;
  if (noop) return nn_set_out(n, c, out[0], t, in[0]->rank, in[0]->dims);
  int keep = nn_attr_int(n, "keepdims", 1) != 0, m = 0;
  int64_t d[NN_MAXRANK];
  for (int i = 0; i < in[0]->rank; i++) {
    if (!red[i]) d[m++] = in[0]->dims[i];
    else if (keep) d[m++] = 1;
  }
  return nn_set_out(n, c, out[0], t, m, d);
}

/* f32 kernels: a combiner and what it sees of each x. */
enum { K_SUM, K_SUMABS, K_SUMSQ, K_SUMEXP, K_PROD, K_MAX, K_MIN };

typedef float V8f __attribute__((vector_size(32)));
typedef int32_t V8i __attribute__((vector_size(32)));

/* Reduces a contiguous row of n to one value (8 accumulators so the loop
** vectorises without reassociating a single sum). */
SEG_CLONES static float row_reduce (int k, const float *restrict x, int64_t n, float sh, float init) {
  float acc[8];
  for (int j = 0; j < 8; j++) acc[j] = init;
  int64_t i = 0, n8 = n & ~(int64_t)7;
  switch (k) {
    case K_SUM:
      for (; i < n8; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += x[i + j];
      for (; i < n; i++) acc[0] += x[i];
      break;
    case K_SUMABS:
      for (; i < n8; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += fabsf(x[i + j]);
      for (; i < n; i++) acc[0] += fabsf(x[i]);
      break;
    case K_SUMSQ:
      for (; i < n8; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += x[i + j] * x[i + j];
      for (; i < n; i++) acc[0] += x[i] * x[i];
      break;
    case K_SUMEXP:
      for (; i < n8; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += nn_expf(x[i + j] - sh);
      for (; i < n; i++) acc[0] += nn_expf(x[i] - sh);
      break;
    case K_PROD:
      for (; i < n; i++) acc[0] *= x[i];
      break;
    case K_MAX: case K_MIN: {
      /* GNU vectors: the selects as masks (scalar ?: with the NaN test
      ** stays branches) */
      V8f va, vx;
      memcpy(&va, acc, sizeof va);
      for (; i < n8; i += 8) {
        memcpy(&vx, x + i, sizeof vx);
        V8i take = (k == K_MAX ? vx > va : vx < va) | (vx != vx);
        va = (V8f)(((V8i)vx & take) | ((V8i)va & ~take));
      }
      memcpy(acc, &va, sizeof va);
      for (; i < n; i++)
        if ((k == K_MAX ? x[i] > acc[0] : x[i] < acc[0]) || x[i] != x[i]) acc[0] = x[i];
      break;
    }
    default: break;
  }
  float v = acc[0];
  for (int j = 1; j < 8; j++) {
    switch (k) {
      case K_MAX: v = (acc[j] > v || acc[j] != acc[j]) ? acc[j] : v; break;
      case K_MIN: v = (acc[j] < v || acc[j] != acc[j]) ? acc[j] : v; break;
      case K_PROD: break;
      default: v += acc[j]; break;
    }
  }
  return v;
}

/* Combines one value into an output. */
static float comb1 (int k, float o, float v) {
  switch (k) {
    case K_PROD: return o * v;
    case K_MAX: return (v > o || v != v) ? v : o;
    case K_MIN: return (v < o || v != v) ? v : o;
    default: return o + v;
  }
}

/* o[i] = o[i] combined with x[i] (seen through the kernel's transform). */
SEG_CLONES static void rows_comb (int k, float *restrict o, const float *restrict x, int64_t n, const float *sh) {
  switch (k) {
    case K_SUM: for (int64_t i = 0; i < n; i++) o[i] += x[i]; break;
    case K_SUMABS: for (int64_t i = 0; i < n; i++) o[i] += fabsf(x[i]); break;
    case K_SUMSQ: for (int64_t i = 0; i < n; i++) o[i] += x[i] * x[i]; break;
    case K_SUMEXP: for (int64_t i = 0; i < n; i++) o[i] += nn_expf(x[i] - sh[i]); break;
    case K_PROD: for (int64_t i = 0; i < n; i++) o[i] *= x[i]; break;
    case K_MAX: for (int64_t i = 0; i < n; i++) o[i] = (x[i] > o[i] || x[i] != x[i]) ? x[i] : o[i]; break;
    case K_MIN: for (int64_t i = 0; i < n; i++) o[i] = (x[i] < o[i] || x[i] != x[i]) ? x[i] : o[i]; break;
    default: break;
  }
}

/* One [A, B, C] block folded into its A x C outputs. */
typedef struct Block {
  int k;
  float init;
  const float *in;
  float *out;
  const float *sh;          /* K_SUMEXP: per-output shift, out-shaped */
  int64_t A, B, C, ncc;     /* ncc: column ranges of CW per row of C */
} Block;

static void block_units (void *arg, int64_t ub, int64_t ue) {
  const Block *b = arg;
  for (int64_t u = ub; u < ue; u++) {
    int64_t a = u / b->ncc, c0 = (u % b->ncc) * CW, c1 = c0 + CW < b->C ? c0 + CW : b->C;
    float *o = b->out + a * b->C;
    const float *sh = b->sh ? b->sh + a * b->C : NULL;
    if (b->C == 1) {
      o[0] = comb1(b->k, o[0], row_reduce(b->k, b->in + a * b->B, b->B, sh ? sh[0] : 0.0f, b->init));
      continue;
    }
    for (int64_t r = 0; r < b->B; r++)
      rows_comb(b->k, o + c0, b->in + (a * b->B + r) * b->C + c0, c1 - c0, sh ? sh + c0 : NULL);
  }
}

/* Folds the whole of x (rank/dims, reduced where red[d]) into out (the
** kept dims in order, initialised by the caller). */
static void reduce_f32 (int k, float init, const float *x, const int64_t *dims, int rank, const int *red,
                        float *out, const float *sh, int threads) {
  int64_t gd[NN_MAXRANK];
  int gr[NN_MAXRANK], m = 0;
  for (int d = 0; d < rank; d++) {
    if (dims[d] == 0) return;
    if (dims[d] == 1) continue;
    if (m > 0 && gr[m - 1] == red[d]) gd[m - 1] *= dims[d];
    else {
      gd[m] = dims[d];
      gr[m++] = red[d];
    }
  }
  int e = m;
  Block b = {k, init, NULL, NULL, NULL, 1, 1, 1, 1};
  if (e > 0 && !gr[e - 1]) b.C = gd[--e];
  if (e > 0 && gr[e - 1]) b.B = gd[--e];
  if (e > 0 && !gr[e - 1]) b.A = gd[--e];
  b.ncc = b.C == 1 ? 1 : (b.C + CW - 1) / CW;
  /* strides of the outer groups 0..e-1 */
  int64_t ist[NN_MAXRANK], ost[NN_MAXRANK], s = b.A * b.B * b.C, os = b.A * b.C, outer = 1;
  for (int g = e - 1; g >= 0; g--) {
    ist[g] = s;
    s *= gd[g];
    ost[g] = gr[g] ? 0 : os;
    if (!gr[g]) os *= gd[g];
    outer *= gd[g];
  }
  int64_t idx[NN_MAXRANK] = {0}, ioff = 0, ooff = 0, units = b.A * b.ncc;
  for (int64_t it = 0; it < outer; it++) {
    b.in = x + ioff;
    b.out = out + ooff;
    b.sh = sh ? sh + ooff : NULL;
    par_units(threads, units, b.A * b.B * b.C, block_units, &b);
    for (int g = e - 1; g >= 0; g--) {
      ioff += ist[g];
      ooff += ost[g];
      if (++idx[g] < gd[g]) break;
      ioff -= ist[g] * gd[g];
      ooff -= ost[g] * gd[g];
      idx[g] = 0;
    }
  }
}

static int run_reduce_f32 (NnNode *n, const NnTensor *x, NnTensor *o, const int *red, NnCtx *c) {
  int op = red_code(n);
  int64_t no = nn_numel(o), cnt = no ? nn_numel(x) / no : 0;
  float *out = o->data;
  const float *in = x->data;
  float *sh = NULL;
  int k = K_SUM;
  float init = 0.0f;
  switch (op) {
    case R_MAX: k = K_MAX; init = -INFINITY; break;
    case R_MIN: k = K_MIN; init = INFINITY; break;
    case R_PROD: k = K_PROD; init = 1.0f; break;
    case R_L1: k = K_SUMABS; break;
    case R_L2: case R_SUMSQ: k = K_SUMSQ; break;
    case R_LSE: k = K_SUMEXP; break;
    default: break;
  }
  if (op == R_LSE) {   /* shift by the maximum so exp cannot overflow */
    sh = malloc((size_t)(no ? no : 1) * sizeof *sh);
    if (!sh) return nn_fail(c, n, "not enough memory");
    for (int64_t i = 0; i < no; i++) sh[i] = -INFINITY;
    reduce_f32(K_MAX, -INFINITY, in, x->dims, x->rank, red, sh, NULL, c->threads);
    for (int64_t i = 0; i < no; i++)
      if (!isfinite(sh[i])) sh[i] = 0.0f;
  }
  for (int64_t i = 0; i < no; i++) out[i] = init;
  reduce_f32(k, init, in, x->dims, x->rank, red, out, sh, c->threads);
  for (int64_t i = 0; i < no; i++) {
    switch (op) {
      case R_MEAN: out[i] /= (float)cnt; break;
      case R_L2: out[i] = sqrtf(out[i]); break;
      case R_LOGSUM: out[i] = logf(out[i]); break;
      case R_LSE: out[i] = logf(out[i]) + sh[i]; break;
      default: break;
    }
  }
  free(sh);
  return NN_OK;
}

/* Stores v into integer type t with C's conversion (wrapping). */
static void store_int (void *p, int t, int64_t i, int64_t v) {
  switch (t) {
    case NN_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case NN_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case NN_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case NN_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case NN_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case NN_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case NN_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
    default: ((int64_t *)p)[i] = v; break;
  }
}

/* Any other type: element by element, in int64 for integer sums,
** products and extremes (exact, wrapping), in double otherwise. */
static int run_reduce_any (NnNode *n, const NnTensor *x, NnTensor *o, const int *red, NnCtx *c) {
  int op = red_code(n), t = x->type;
  int useint = is_int(t) && op != R_L2 && op != R_LOGSUM && op != R_LSE;
  int64_t no = nn_numel(o), nx = nn_numel(x), cnt = no ? nx / no : 0;
  double *ad = NULL;
  int64_t *ai = NULL;
  if (useint) ai = malloc((size_t)(no ? no : 1) * sizeof *ai);
  else ad = malloc((size_t)(no ? no : 1) * sizeof *ad);
  if (!ai && !ad) return nn_fail(c, n, "not enough memory");
  for (int64_t i = 0; i < no; i++) {
    if (useint) ai[i] = op == R_PROD ? 1 : op == R_MAX ? INT64_MIN : op == R_MIN ? INT64_MAX : 0;
    else ad[i] = op == R_PROD ? 1.0 : op == R_MAX ? -INFINITY : op == R_MIN ? INFINITY : 0.0;
  }
  int r = x->rank;
  int64_t ost[NN_MAXRANK], s = 1, idx[NN_MAXRANK] = {0}, oo = 0;
  for (int d = r - 1; d >= 0; d--) {
    ost[d] = red[d] ? 0 : s;
    if (!red[d]) s *= x->dims[d];
  }
  for (int64_t i = 0; i < nx; i++) {
    if (useint) {
      int64_t v = nn_geti(x, i), *a = &ai[oo];
      switch (op) {
        case R_MAX: if (v > *a) *a = v; break;
        case R_MIN: if (v < *a) *a = v; break;
        case R_PROD: *a = (int64_t)((uint64_t)*a * (uint64_t)v); break;
        case R_L1: *a = (int64_t)((uint64_t)*a + (v < 0 ? 0 - (uint64_t)v : (uint64_t)v)); break;
        case R_SUMSQ: *a = (int64_t)((uint64_t)*a + (uint64_t)v * (uint64_t)v); break;
        default: *a = (int64_t)((uint64_t)*a + (uint64_t)v); break;
      }
    } else {
      double v = nn_getd(x, i), *a = &ad[oo];
      switch (op) {
        case R_MAX: if (v > *a || v != v) *a = v; break;
        case R_MIN: if (v < *a || v != v) *a = v; break;
        case R_PROD: *a *= v; break;
        case R_L1: *a += fabs(v); break;
        case R_L2: case R_SUMSQ: *a += v * v; break;
        case R_LSE: *a += exp(v); break;
        default: *a += v; break;
      }
    }
    for (int d = r - 1; d >= 0; d--) {
      oo += ost[d];
      if (++idx[d] < x->dims[d]) break;
      oo -= ost[d] * x->dims[d];
      idx[d] = 0;
    }
  }
  for (int64_t i = 0; i < no; i++) {
    if (useint) {
      int64_t v = ai[i];
      if (op == R_MEAN) v = cnt ? v / cnt : 0;
      store_int(o->data, t, i, v);
    } else {
      double v = ad[i];
      switch (op) {
        case R_MEAN: v /= (double)cnt; break;
        case R_L2: v = sqrt(v); break;
        case R_LOGSUM: case R_LSE: v = log(v); break;
        default: break;
      }
      nn_setd(o, i, v);
    }
  }
  free(ai);
  free(ad);
  return NN_OK;
}

static int run_reduce (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int red[NN_MAXRANK], noop;
  if (red_axes(n, in, c, red, &noop) != NN_OK) return NN_ERR;
  if (noop) {
    memcpy(out[0]->data, in[0]->data, nn_bytes(out[0]));
    return NN_OK;
  }
  if (in[0]->type == NN_F32) return run_reduce_f32(n, in[0], out[0], red, c);
  return run_reduce_any(n, in[0], out[0], red, c);
}

/* ---------- Softmax, LogSoftmax, Hardmax ---------- */

/* [outer, D, inner] of a node's input along its axis. */
static int soft_dims (NnNode *n, const NnTensor *x, NnCtx *c, int64_t *outer, int64_t *D, int64_t *inner) {
  int r = x->rank, axis;
  int legacy = n->opset < 13;
  if (norm_axis(n, c, nn_attr_int(n, "axis", legacy ? 1 : -1), r, &axis)) return NN_ERR;
  *outer = *D = *inner = 1;
  for (int i = 0; i < r; i++) {
    if (i < axis) *outer *= x->dims[i];
    else if (i == axis || legacy) *D *= x->dims[i];
    else *inner *= x->dims[i];
  }
  return NN_OK;
}

static int infer_soft (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (!is_float(in[0]->type)) return nn_fail(c, n, "element type %s is not supported", nn_type_name(in[0]->type));
  int64_t o = 1, d = 1, i = 1;
  if (soft_dims(n, in[0], c, &o, &d, &i)) return NN_ERR;
  return nn_set_out(n, c, out[0], in[0]->type, in[0]->rank, in[0]->dims);
}

enum { S_SOFTMAX, S_LOG, S_HARD };

typedef struct Soft {
  int mode;
  const void *x;
  void *y;
  int64_t outer, D, inner, ncc;
} Soft;

/* f32, inner = 1: rows u of D. Exponentials are stored first and summed
** after (in double, 16 accumulators), each loop on its own so it
** vectorises. */
SEG_CLONES static void soft_rows_f32 (const Soft *s, int64_t ub, int64_t ue) {
  const int64_t D = s->D;
  for (int64_t u = ub; u < ue; u++) {
    const float *restrict x = (const float *)s->x + u * D;
    float *restrict y = (float *)s->y + u * D;
    float m = row_reduce(K_MAX, x, D, 0.0f, -INFINITY);
    for (int64_t d = 0; d < D; d++) y[d] = nn_expf(x[d] - m);
    double acc[16] = {0}, sum = 0;
    int64_t d = 0;
    for (; d + 16 <= D; d += 16)
      for (int j = 0; j < 16; j++) acc[j] += y[d + j];
    for (; d < D; d++) acc[0] += y[d];
    for (int j = 0; j < 16; j++) sum += acc[j];
    if (s->mode == S_SOFTMAX) {
      float f = (float)sum;
      for (d = 0; d < D; d++) y[d] /= f;
    } else {
      /* (x - m) is exact near the maximum; m + log(sum) first would round */
      float l = (float)log(sum);
      for (d = 0; d < D; d++) y[d] = (x[d] - m) - l;
    }
  }
}

/* f32, inner > 1: unit u is columns [c0, c0 + w) of slice q, walked down
** the D rows a few times (max, exp and sum, scale). */
SEG_CLONES static void soft_cols_f32 (const Soft *s, int64_t ub, int64_t ue) {
  const int64_t D = s->D, I = s->inner;
  float m[CW], l[CW];
  double sum[CW];
  for (int64_t u = ub; u < ue; u++) {
    int64_t q = u / s->ncc, c0 = (u % s->ncc) * CW, w = I - c0 < CW ? I - c0 : CW;
    const float *restrict x = (const float *)s->x + q * D * I + c0;
    float *restrict y = (float *)s->y + q * D * I + c0;
    for (int64_t j = 0; j < w; j++) {
      m[j] = x[j];
      sum[j] = 0;
    }
    for (int64_t d = 1; d < D; d++) {
      const float *xd = x + d * I;
      for (int64_t j = 0; j < w; j++) m[j] = xd[j] > m[j] ? xd[j] : m[j];
    }
    for (int64_t d = 0; d < D; d++) {
      const float *xd = x + d * I;
      float *yd = y + d * I;
      for (int64_t j = 0; j < w; j++) yd[j] = nn_expf(xd[j] - m[j]);
      for (int64_t j = 0; j < w; j++) sum[j] += yd[j];
    }
    if (s->mode == S_SOFTMAX) {
      for (int64_t j = 0; j < w; j++) l[j] = (float)sum[j];
      for (int64_t d = 0; d < D; d++) {
        float *yd = y + d * I;
        for (int64_t j = 0; j < w; j++) yd[j] /= l[j];
      }
    } else {
      for (int64_t j = 0; j < w; j++) l[j] = (float)log(sum[j]);
      for (int64_t d = 0; d < D; d++) {
        const float *xd = x + d * I;
        float *yd = y + d * I;
        for (int64_t j = 0; j < w; j++) yd[j] = (xd[j] - m[j]) - l[j];
      }
    }
  }
}

/* f64 and Hardmax: element by element in double, unit u = slice q. */
static void soft_any (const Soft *s, int64_t ub, int64_t ue, int f64) {
  const int64_t D = s->D, I = s->inner;
  for (int64_t q = ub; q < ue; q++)
    for (int64_t j = 0; j < I; j++) {
      int64_t base = q * D * I + j;
#define SX(d) (f64 ? ((const double *)s->x)[base + (d) * I] : (double)((const float *)s->x)[base + (d) * I])
#define SY(d, v) do { if (f64) ((double *)s->y)[base + (d) * I] = (v); else ((float *)s->y)[base + (d) * I] = (float)(v); } while (0)
      double m = SX(0), sum = 0;
      int64_t arg = 0;
      for (int64_t d = 1; d < D; d++)
        if (SX(d) > m) {
          m = SX(d);
          arg = d;
        }
      if (s->mode == S_HARD) {
        for (int64_t d = 0; d < D; d++) SY(d, d == arg ? 1.0 : 0.0);
        continue;
      }
      for (int64_t d = 0; d < D; d++) sum += exp(SX(d) - m);
      for (int64_t d = 0; d < D; d++)
        SY(d, s->mode == S_SOFTMAX ? exp(SX(d) - m) / sum : (SX(d) - m) - log(sum));
#undef SX
#undef SY
    }
}

static void soft_task_rows (void *arg, int64_t ub, int64_t ue) { soft_rows_f32(arg, ub, ue); }
static void soft_task_cols (void *arg, int64_t ub, int64_t ue) { soft_cols_f32(arg, ub, ue); }
static void soft_task_f32 (void *arg, int64_t ub, int64_t ue) { soft_any(arg, ub, ue, 0); }
static void soft_task_f64 (void *arg, int64_t ub, int64_t ue) { soft_any(arg, ub, ue, 1); }

static int run_soft (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  Soft s;
  memset(&s, 0, sizeof s);
  s.mode = strcmp(n->op, "Softmax") == 0 ? S_SOFTMAX : strcmp(n->op, "LogSoftmax") == 0 ? S_LOG : S_HARD;
  if (soft_dims(n, in[0], c, &s.outer, &s.D, &s.inner)) return NN_ERR;
  int64_t work = s.outer * s.D * s.inner;
  if (work == 0) return NN_OK;
  s.x = in[0]->data;
  s.y = out[0]->data;
  s.ncc = (s.inner + CW - 1) / CW;
  if (in[0]->type == NN_F64 || s.mode == S_HARD)
    par_units(c->threads, s.outer, work, in[0]->type == NN_F64 ? soft_task_f64 : soft_task_f32, &s);
  else if (s.inner == 1) par_units(c->threads, s.outer, work, soft_task_rows, &s);
  else par_units(c->threads, s.outer * s.ncc, work, soft_task_cols, &s);
  return NN_OK;
}

/* ---------- ArgMax, ArgMin ---------- */

static int arg_dims (NnNode *n, const NnTensor *x, NnCtx *c, int *axis, int64_t *outer, int64_t *D, int64_t *inner) {
  int r = x->rank;
  if (r < 1) return nn_fail(c, n, "input must have rank 1 or more");
  if (norm_axis(n, c, nn_attr_int(n, "axis", 0), r, axis)) return NN_ERR;
  *outer = *D = *inner = 1;
  for (int i = 0; i < r; i++) {
    if (i < *axis) *outer *= x->dims[i];
    else if (i == *axis) *D *= x->dims[i];
    else *inner *= x->dims[i];
  }
  return NN_OK;
}

static int infer_arg (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  int t = in[0]->type;
  if (!is_float(t) && !is_int(t)) return nn_fail(c, n, "element type %s is not supported", nn_type_name(t));
  int axis = 0;
  int64_t o = 1, D = 1, i = 1;
  if (arg_dims(n, in[0], c, &axis, &o, &D, &i)) return NN_ERR;
  if (D == 0) return nn_fail(c, n, "cannot reduce an empty axis");
  int keep = nn_attr_int(n, "keepdims", 1) != 0, m = 0;
  int64_t d[NN_MAXRANK];
  for (int k = 0; k < in[0]->rank; k++) {
    if (k != axis) d[m++] = in[0]->dims[k];
    else if (keep) d[m++] = 1;
  }
  return nn_set_out(n, c, out[0], NN_I64, m, d);
}

typedef struct Arg {
  int max, last;
  const NnTensor *x;
  int64_t *y;
  int64_t outer, D, inner, ncc;
} Arg;

/* Whether v beats the best b so far: strictly, or on ties too when the
** last index is asked for. */
#define BEATS(a, v, b) ((a)->max ? ((a)->last ? (v) >= (b) : (v) > (b)) : ((a)->last ? (v) <= (b) : (v) < (b)))

SEG_CLONES static void arg_units (void *arg, int64_t ub, int64_t ue) {
  const Arg *a = arg;
  const int64_t D = a->D, I = a->inner;
  for (int64_t u = ub; u < ue; u++) {
    int64_t q = u / a->ncc, c0 = (u % a->ncc) * CW, c1 = c0 + CW < I ? c0 + CW : I, w = c1 - c0;
    int64_t *y = a->y + q * I + c0, base = q * D * I + c0;
    if (a->x->type == NN_F32) {
      const float *x = (const float *)a->x->data + base;
      float b[CW];
      for (int64_t j = 0; j < w; j++) {
        b[j] = x[j];
        y[j] = 0;
      }
      for (int64_t d = 1; d < D; d++)
        for (int64_t j = 0; j < w; j++) {
          float v = x[d * I + j];
          if (BEATS(a, v, b[j])) {
            b[j] = v;
            y[j] = d;
          }
        }
    } else {
      double b[CW];
      for (int64_t j = 0; j < w; j++) {
        b[j] = nn_getd(a->x, base + j);
        y[j] = 0;
      }
      for (int64_t d = 1; d < D; d++)
        for (int64_t j = 0; j < w; j++) {
          double v = nn_getd(a->x, base + d * I + j);
          if (BEATS(a, v, b[j])) {
            b[j] = v;
            y[j] = d;
          }
        }
    }
  }
}

static int run_arg (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  Arg a;
  int axis = 0;
  memset(&a, 0, sizeof a);
  if (arg_dims(n, in[0], c, &axis, &a.outer, &a.D, &a.inner)) return NN_ERR;
  a.max = strcmp(n->op, "ArgMax") == 0;
  a.last = nn_attr_int(n, "select_last_index", 0) != 0;
  a.x = in[0];
  a.y = out[0]->data;
  a.ncc = (a.inner + CW - 1) / CW;
  par_units(c->threads, a.outer * a.ncc, a.outer * a.D * a.inner, arg_units, &a);
  return NN_OK;
}

/* ---------- the table ---------- */

#define P NN_F_PURE
const NnOp nn_ops_reduce[] = {
  {"ReduceSum", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceMean", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceMax", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceMin", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceProd", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceL1", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceL2", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceSumSquare", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceLogSum", P, NULL, infer_reduce, run_reduce, NULL},
  {"ReduceLogSumExp", P, NULL, infer_reduce, run_reduce, NULL},
  {"Softmax", P, NULL, infer_soft, run_soft, NULL},
  {"LogSoftmax", P, NULL, infer_soft, run_soft, NULL},
  {"Hardmax", P, NULL, infer_soft, run_soft, NULL},
  {"ArgMax", P, NULL, infer_arg, run_arg, NULL},
  {"ArgMin", P, NULL, infer_arg, run_arg, NULL},
  {NULL, 0, NULL, NULL, NULL, NULL}
};

/* ops_math.c — element-wise operators: activations and unary math, the
** broadcasting binary arithmetic (Add, Sub, Mul, Div, Pow, PRelu, Max, Min,
** Sum, Mean), comparisons and logic, Where, Clip, Cast, CastLike.
**
** Everything runs over one walk (walk_* below): the output in row-major
** order, each input read at its own strides (0 where it broadcasts, numpy's
** multidirectional rule). The walk drops dimensions of size 1 and merges
** neighbours that are contiguous for every operand, so same-shape operands
** become one row, a scalar one row against a constant, and the channel
** broadcast [N,C,H,W] op [1,C,1,1] rows of H*W against one value each.
** A row kernel sees operand rows of stride 1 or 0 only (after merging, the
** innermost dimension is contiguous in every operand that has it) and is a
** plain loop per case that the compiler vectorises. Large outputs are cut
** into ranges of whole elements, one per thread.
**
** f32 has its own tight loops for every operator, built for AVX2 and
** AVX-512 as well (SEG_CLONES), exp / tanh / erf from nn_vmath.h so that
** Sigmoid, Tanh, Erf, Gelu vectorise too; f64 and the integer types go
** through the same walk with loops per type (arithmetic, comparisons) or
** per element in double / int64 (the rare unary forms). */

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
#include "nn/dnnl_internal.h"
#include "nn/nn.h"
#include "nn/nn_vmath.h"

/* Largest element count an operator here creates (as the loader's limit). */
#define MAXEL NN_MAXEL
/* Outputs under this many elements stay on the calling thread. */
#define PAR_EL ((int64_t)1 << 15)
/* Elements per unit of parallel work (units are handed out in runs). */
#define UNIT ((int64_t)1 << 12)

/* ---------- types ---------- */

/* Index of an element type in the kernel tables, -1 when not computable. */
enum { T_F32, T_F64, T_I8, T_I16, T_I32, T_I64, T_U8, T_U16, T_U32, T_U64, T_BOOL, NT };

static int tindex (int t) {
  switch (t) {
    case NN_F32: return T_F32;
    case NN_F64: return T_F64;
    case NN_I8: return T_I8;
    case NN_I16: return T_I16;
    case NN_I32: return T_I32;
    case NN_I64: return T_I64;
    case NN_U8: return T_U8;
    case NN_U16: return T_U16;
    case NN_U32: return T_U32;
    case NN_U64: return T_U64;
    case NN_BOOL: return T_BOOL;
    default: return -1;
  }
}

static int is_float (int t) { return t == NN_F32 || t == NN_F64; }
static int is_signed (int t) { return t == NN_I8 || t == NN_I16 || t == NN_I32 || t == NN_I64; }
static int is_int (int t) {
  return is_signed(t) || t == NN_U8 || t == NN_U16 || t == NN_U32 || t == NN_U64;
}

/* Element i of raw data of type t, as a double / an int64 (by nn_getd). */
static double ld (const void *p, int t, int64_t i) {
  NnTensor x;
  x.type = t;
  x.data = (void *)(uintptr_t)p;
  return nn_getd(&x, i);
}

static int64_t li (const void *p, int t, int64_t i) {
  NnTensor x;
  x.type = t;
  x.data = (void *)(uintptr_t)p;
  return nn_geti(&x, i);
}

/* Stores an integer value with C's conversion (wrapping) into type t. */
static void sti (void *p, int t, int64_t i, int64_t v) {
  switch (t) {
    case NN_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case NN_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case NN_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case NN_I64: ((int64_t *)p)[i] = v; break;
    case NN_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case NN_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case NN_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case NN_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
    case NN_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case NN_F32: ((float *)p)[i] = (float)v; break;
    case NN_F64: ((double *)p)[i] = (double)v; break;
    default: break;
  }
}

/* Stores a double into type t (saturating into integers, as nn_setd). */
static void std_ (void *p, int t, int64_t i, double v) {
  NnTensor x;
  x.type = t;
  x.data = p;
  nn_setd(&x, i, v);
}

/* ---------- the broadcasting walk ---------- */

#define MAXOP 3

/* One row of the output: op[k] points at operand k's first element, st[k]
** is 0 or 1; the output row is contiguous. */
typedef void (*RowFn) (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg);

typedef struct Walk {
  int nop, rank;
  int64_t dims[NN_MAXRANK];
  int64_t st[MAXOP][NN_MAXRANK];     /* strides in elements */
  const uint8_t *src[MAXOP];
  size_t es[MAXOP], oes;
  uint8_t *dst;
  int64_t total;
  RowFn fn;
  const void *arg;
} Walk;

/* Prepares the walk of out (plain, allocated) from the operands, each
** broadcast to out's shape (the caller has checked they are compatible). */
static void walk_init (Walk *w, const NnTensor *out, NnTensor *const *ops, int nop, RowFn fn, const void *arg) {
  memset(w, 0, sizeof *w);
  w->nop = nop;
  w->fn = fn;
  w->arg = arg;
  w->dst = out->data;
  w->oes = nn_type_size(out->type);
  w->total = nn_numel(out);
  int R = out->rank;
  int64_t st[MAXOP][NN_MAXRANK];
  for (int k = 0; k < nop; k++) {
    const NnTensor *t = ops[k];
    w->src[k] = t->data;
    w->es[k] = nn_type_size(t->type);
    int64_t s = 1;
    for (int d = R - 1; d >= 0; d--) {
      int id = d - (R - t->rank);
      if (id < 0 || t->dims[id] == 1) st[k][d] = 0;
      else {
        st[k][d] = s;
        s *= t->dims[id];
      }
    }
  }
  int r = 0;
  for (int d = 0; d < R; d++) {
    if (out->dims[d] == 1) continue;
    int merge = r > 0;
    for (int k = 0; k < nop && merge; k++)
      if (w->st[k][r - 1] != st[k][d] * out->dims[d]) merge = 0;
    if (merge) {
      w->dims[r - 1] *= out->dims[d];
      for (int k = 0; k < nop; k++) w->st[k][r - 1] = st[k][d];
    } else {
      w->dims[r] = out->dims[d];
      for (int k = 0; k < nop; k++) w->st[k][r] = st[k][d];
      r++;
    }
  }
  if (r == 0) {
    w->dims[0] = 1;
    for (int k = 0; k < nop; k++) w->st[k][0] = 0;
    r = 1;
  }
  w->rank = r;
}

/* Output elements [b, e) in rows. */
static void walk_range (const Walk *w, int64_t b, int64_t e) {
  int L = w->rank - 1, nop = w->nop;
  int64_t idx[NN_MAXRANK], off[MAXOP] = {0}, rem = b, st[MAXOP];
  for (int d = L; d >= 0; d--) {
    idx[d] = rem % w->dims[d];
    rem /= w->dims[d];
    for (int k = 0; k < nop; k++) off[k] += idx[d] * w->st[k][d];
  }
  for (int k = 0; k < nop; k++) st[k] = w->st[k][L];
  for (int64_t pos = b; pos < e;) {
    int64_t n = w->dims[L] - idx[L];
    if (n > e - pos) n = e - pos;
    const void *p[MAXOP];
    for (int k = 0; k < nop; k++) p[k] = w->src[k] + (size_t)off[k] * w->es[k];
    w->fn(p, st, w->dst + (size_t)pos * w->oes, n, w->arg);
    pos += n;
    idx[L] += n;
    for (int k = 0; k < nop; k++) off[k] += n * st[k];
    for (int d = L; d > 0 && idx[d] == w->dims[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
      for (int k = 0; k < nop; k++) off[k] += w->st[k][d - 1] - w->dims[d] * w->st[k][d];
    }
  }
}

typedef struct WalkJob { const Walk *w; int64_t units; } WalkJob;

static int64_t unit_start (const WalkJob *j, int64_t u) {
  return u >= j->units ? j->w->total : u * UNIT;
}

static void walk_task (void *arg, int b, int e) {
  const WalkJob *j = arg;
  walk_range(j->w, unit_start(j, b), unit_start(j, e));
}

static void walk_run (const Walk *w, int threads) {
  if (w->total <= 0) return;
  if (threads <= 1 || w->total < PAR_EL) {
    walk_range(w, 0, w->total);
    return;
  }
  WalkJob j = {w, (w->total + UNIT - 1) / UNIT};
  if (j.units > (1 << 30)) {   /* units of UNIT elements must fit an int */
    walk_range(w, 0, w->total);
    return;
  }
  seg_parallel_for(threads, (int)j.units, (int)(PAR_EL / UNIT / 2), walk_task, &j);
}

/* Walks out from the operands with fn, over c->threads. */
static void walk (const NnTensor *out, NnTensor *const *ops, int nop, RowFn fn, const void *arg, int threads) {
  Walk w;
  walk_init(&w, out, ops, nop, fn, arg);
  walk_run(&w, threads);
}

/* Broadcast shape of operands ops[0..k): NN_OK or a failure. */
static int bcast_shape (NnNode *n, NnCtx *c, NnTensor *const *ops, int k, int *rank, int64_t *dims) {
  NnTensor acc;
  memset(&acc, 0, sizeof acc);
  nn_setshape(&acc, ops[0]->type, ops[0]->rank, ops[0]->dims);
  for (int i = 1; i < k; i++) {
    int r;
    int64_t d[NN_MAXRANK];
    if (nn_broadcast_shape(&acc, ops[i], &r, d) != 0)
      return nn_fail(c, n, "input shapes cannot be broadcast together (input %d)", i + 1);
    nn_setshape(&acc, acc.type, r, d);
  }
  *rank = acc.rank;
  for (int i = 0; i < acc.rank; i++) dims[i] = acc.dims[i];
  return NN_OK;
}

/* ---------- binary kernels ---------- */

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_EQ, B_GT, B_LT, B_GE, B_LE, B_AND, B_OR, B_XOR, NB };

/* One row kernel per (operator, type): the four stride cases each a
** loop of their own, so the usual ones (both contiguous, one constant)
** vectorise. The output may be the first operand (Sum, Max, ... fold into
** it), so it is not restrict. */
#define BIN_FN(NAME, T, OT, EXPR) BIN_FN_A(NAME, T, OT, EXPR, )
#define BIN_FN_A(NAME, T, OT, EXPR, ATTR)                                                   \
  ATTR static void NAME (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) { \
    (void)arg;                                                                             \
    const T *A = op[0], *B = op[1];                                                         \
    OT *o = dst;                                                                           \
    if (st[0] && st[1])                                                                     \
      for (int64_t i = 0; i < n; i++) {                                                     \
        T a = A[i], b = B[i];                                                               \
        o[i] = (OT)(EXPR);                                                                  \
      }                                                                                     \
    else if (st[0]) {                                                                       \
      T b = B[0];                                                                           \
      for (int64_t i = 0; i < n; i++) {                                                     \
        T a = A[i];                                                                         \
        o[i] = (OT)(EXPR);                                                                  \
      }                                                                                     \
    } else if (st[1]) {                                                                     \
      T a = A[0];                                                                           \
      for (int64_t i = 0; i < n; i++) {                                                     \
        T b = B[i];                                                                         \
        o[i] = (OT)(EXPR);                                                                  \
      }                                                                                     \
    } else {                                                                                \
      T a = A[0], b = B[0];                                                                 \
      OT v = (OT)(EXPR);                                                                    \
      for (int64_t i = 0; i < n; i++) o[i] = v;                                             \
    }                                                                                       \
  }

/* Max and Min propagate NaN (as numpy's maximum / minimum). */
#define FLOAT_BINS(S, T, ATTR)                                       \
  BIN_FN_A(add_##S, T, T, a + b, ATTR)                               \
  BIN_FN_A(sub_##S, T, T, a - b, ATTR)                               \
  BIN_FN_A(mul_##S, T, T, a * b, ATTR)                               \
  BIN_FN_A(div_##S, T, T, a / b, ATTR)                               \
  BIN_FN_A(max_##S, T, T, (a > b || a != a) ? a : b, ATTR)           \
  BIN_FN_A(min_##S, T, T, (a < b || a != a) ? a : b, ATTR)

/* Integer arithmetic wraps (through an unsigned type at least as wide as
** int, so that 16-bit products cannot overflow int); division
** truncates toward zero, by zero gives 0, MIN / -1 wraps. */
#define INT_BINS(S, T, UT, DIVEXPR)                                    \
  BIN_FN(add_##S, T, T, (UT)a + (UT)b)                                 \
  BIN_FN(sub_##S, T, T, (UT)a - (UT)b)                                 \
  BIN_FN(mul_##S, T, T, (UT)a * (UT)b)                                 \
  BIN_FN(div_##S, T, T, DIVEXPR)                                       \
  BIN_FN(max_##S, T, T, a > b ? a : b)                                 \
  BIN_FN(min_##S, T, T, a < b ? a : b)

#define SDIV(T, UT) (b == 0 ? (T)0 : b == -1 ? (T)((UT)0 - (UT)a) : (T)(a / b))
#define UDIV (b == 0 ? 0 : a / b)

#define CMP_BINS(S, T)                      \
  BIN_FN(eq_##S, T, uint8_t, a == b)        \
  BIN_FN(gt_##S, T, uint8_t, a > b)         \
  BIN_FN(lt_##S, T, uint8_t, a < b)         \
  BIN_FN(ge_##S, T, uint8_t, a >= b)        \
  BIN_FN(le_##S, T, uint8_t, a <= b)

FLOAT_BINS(f32, float, SEG_CLONES)
FLOAT_BINS(f64, double, )
INT_BINS(i8, int8_t, uint32_t, SDIV(int8_t, uint32_t))
INT_BINS(i16, int16_t, uint32_t, SDIV(int16_t, uint32_t))
INT_BINS(i32, int32_t, uint32_t, SDIV(int32_t, uint32_t))
INT_BINS(i64, int64_t, uint64_t, SDIV(int64_t, uint64_t))
INT_BINS(u8, uint8_t, uint32_t, UDIV)
INT_BINS(u16, uint16_t, uint32_t, UDIV)
INT_BINS(u32, uint32_t, uint32_t, UDIV)
INT_BINS(u64, uint64_t, uint64_t, UDIV)
CMP_BINS(f32, float)
CMP_BINS(f64, double)
CMP_BINS(i8, int8_t)
CMP_BINS(i16, int16_t)
CMP_BINS(i32, int32_t)
CMP_BINS(i64, int64_t)
CMP_BINS(u8, uint8_t)
CMP_BINS(u16, uint16_t)
CMP_BINS(u32, uint32_t)
CMP_BINS(u64, uint64_t)
BIN_FN(eq_b, uint8_t, uint8_t, (a != 0) == (b != 0))
BIN_FN(and_b, uint8_t, uint8_t, (a != 0) & (b != 0))
BIN_FN(or_b, uint8_t, uint8_t, (a != 0) | (b != 0))
BIN_FN(xor_b, uint8_t, uint8_t, (a != 0) ^ (b != 0))

#define ROW_NUM(P) {P##_f32, P##_f64, P##_i8, P##_i16, P##_i32, P##_i64, P##_u8, P##_u16, P##_u32, P##_u64, NULL}

/* bin_tab[op][type index]: NULL where the operator does not take the type. */
static const RowFn bin_tab[NB][NT] = {
  ROW_NUM(add), ROW_NUM(sub), ROW_NUM(mul), ROW_NUM(div), ROW_NUM(max), ROW_NUM(min),
  {eq_f32, eq_f64, eq_i8, eq_i16, eq_i32, eq_i64, eq_u8, eq_u16, eq_u32, eq_u64, eq_b},
  ROW_NUM(gt), ROW_NUM(lt), ROW_NUM(ge), ROW_NUM(le),
  {[T_BOOL] = and_b}, {[T_BOOL] = or_b}, {[T_BOOL] = xor_b}
};

/* The binary operator of a node (op_type to B_*). */
static int bin_code (const NnNode *n) {
  static const char *const names[NB] = {
    "Add", "Sub", "Mul", "Div", "Max", "Min", "Equal", "Greater", "Less", "GreaterOrEqual",
    "LessOrEqual", "And", "Or", "Xor"
  };
  for (int i = 0; i < NB; i++)
    if (strcmp(n->op, names[i]) == 0) return i;
  if (strcmp(n->op, "Sum") == 0 || strcmp(n->op, "Mean") == 0) return B_ADD;
  return -1;
}

static int bin_bool_out (int code) { return code >= B_EQ; }

/* ---------- Add, Sub, Mul, Div, comparisons, logic ---------- */

static int infer_binary (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin != 2 || !in[0] || !in[1]) return nn_fail(c, n, "needs two inputs");
  if (in[0]->type != in[1]->type)
    return nn_fail(c, n, "inputs differ in type (%s and %s)", nn_type_name(in[0]->type), nn_type_name(in[1]->type));
  int code = bin_code(n), ti = tindex(in[0]->type);
  if (code < 0 || ti < 0 || !bin_tab[code][ti])
    return nn_fail(c, n, "element type %s is not supported", nn_type_name(in[0]->type));
  int r = 0;
  int64_t d[NN_MAXRANK];
  if (bcast_shape(n, c, in, 2, &r, d)) return NN_ERR;
  return nn_set_out(n, c, out[0], bin_bool_out(code) ? NN_BOOL : in[0]->type, r, d);
}

static int run_binary (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  walk(out[0], in, 2, bin_tab[bin_code(n)][tindex(in[0]->type)], NULL, c->threads);
  return NN_OK;
}

/* ---------- Sum, Mean, Max, Min (variadic) ---------- */

static int infer_variadic (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1) return nn_fail(c, n, "needs an input");
  for (int k = 0; k < n->nin; k++) {
    if (!in[k]) return nn_fail(c, n, "input %d is missing", k + 1);
    if (in[k]->type != in[0]->type)
      return nn_fail(c, n, "inputs differ in type (%s and %s)", nn_type_name(in[0]->type), nn_type_name(in[k]->type));
  }
  int code = bin_code(n), ti = tindex(in[0]->type);
  if (code < 0 || ti < 0 || !bin_tab[code][ti] || (strcmp(n->op, "Mean") == 0 && !is_float(in[0]->type)))
    return nn_fail(c, n, "element type %s is not supported", nn_type_name(in[0]->type));
  int r = 0;
  int64_t d[NN_MAXRANK];
  if (bcast_shape(n, c, in, n->nin, &r, d)) return NN_ERR;
  return nn_set_out(n, c, out[0], in[0]->type, r, d);
}

typedef struct ScaleArg { double div; int type; } ScaleArg;

/* Mean's last step: the sum divided by the input count. */
static void scale_row (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) {
  (void)st;
  const ScaleArg *s = arg;
  if (s->type == NN_F32) {
    const float *a = op[0];
    float *o = dst, f = (float)s->div;
    for (int64_t i = 0; i < n; i++) o[i] = a[i] / f;
  } else {
    const double *a = op[0];
    double *o = dst;
    for (int64_t i = 0; i < n; i++) o[i] = a[i] / s->div;
  }
}

static int run_variadic (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  RowFn fn = bin_tab[bin_code(n)][tindex(in[0]->type)];
  NnTensor *o = out[0];
  if (n->nin == 1) {
    memcpy(o->data, in[0]->data, nn_bytes(o));
    return NN_OK;
  }
  NnTensor *ops[2] = {in[0], in[1]};
  walk(o, ops, 2, fn, NULL, c->threads);
  for (int k = 2; k < n->nin; k++) {
    ops[0] = o;
    ops[1] = in[k];
    walk(o, ops, 2, fn, NULL, c->threads);
  }
  if (strcmp(n->op, "Mean") == 0) {
    ScaleArg arg = {(double)n->nin, o->type};
    ops[0] = o;
    walk(o, ops, 1, scale_row, &arg, c->threads);
  }
  return NN_OK;
}

/* ---------- Pow ---------- */

static void pow_f32 (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) {
  (void)arg;
  const float *A = op[0], *B = op[1];
  float *o = dst;
  if (!st[1]) {
    float b = B[0];
    if (b == 2.0f) {
      if (st[0]) for (int64_t i = 0; i < n; i++) o[i] = A[i] * A[i];
      else for (int64_t i = 0; i < n; i++) o[i] = A[0] * A[0];
    } else if (b == 1.0f) {
      for (int64_t i = 0; i < n; i++) o[i] = A[i * st[0]];
    } else {
      for (int64_t i = 0; i < n; i++) o[i] = powf(A[i * st[0]], b);
    }
    return;
  }
  for (int64_t i = 0; i < n; i++) o[i] = powf(A[i * st[0]], B[i]);
}

typedef struct PowArg { int ta, tb; } PowArg;

/* Any other pair of types: the base's type out. Integer base with an
** integer exponent >= 0 multiplies exactly (wrapping); anything else goes
** through pow() in double. */
static void pow_any (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) {
  const PowArg *p = arg;
  for (int64_t i = 0; i < n; i++) {
    int64_t ia = i * st[0], ib = i * st[1];
    if (is_int(p->ta) && is_int(p->tb) && li(op[1], p->tb, ib) >= 0) {
      uint64_t r = 1, x = (uint64_t)li(op[0], p->ta, ia);
      for (int64_t e = li(op[1], p->tb, ib); e > 0; e >>= 1) {
        if (e & 1) r *= x;
        x *= x;
      }
      sti(dst, p->ta, i, (int64_t)r);
    } else if (p->ta == NN_F32) {
      ((float *)dst)[i] = powf((float)ld(op[0], p->ta, ia), (float)ld(op[1], p->tb, ib));
    } else {
      std_(dst, p->ta, i, pow(ld(op[0], p->ta, ia), ld(op[1], p->tb, ib)));
    }
  }
}

static int infer_pow (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin != 2 || !in[0] || !in[1]) return nn_fail(c, n, "needs two inputs");
  int ta = in[0]->type, tb = in[1]->type;
  if (!is_float(ta) && ta != NN_I32 && ta != NN_I64)
    return nn_fail(c, n, "base type %s is not supported", nn_type_name(ta));
  if (!is_float(tb) && !is_int(tb)) return nn_fail(c, n, "exponent type %s is not supported", nn_type_name(tb));
  int r = 0;
  int64_t d[NN_MAXRANK];
  if (bcast_shape(n, c, in, 2, &r, d)) return NN_ERR;
  return nn_set_out(n, c, out[0], ta, r, d);
}

static int run_pow (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)n;
  PowArg p = {in[0]->type, in[1]->type};
  if (p.ta == NN_F32 && p.tb == NN_F32) walk(out[0], in, 2, pow_f32, NULL, c->threads);
  else walk(out[0], in, 2, pow_any, &p, c->threads);
  return NN_OK;
}

/* ---------- PRelu: the slope broadcasts to X (one way) ---------- */

SEG_CLONES static void prelu_f32 (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) {
  (void)arg;
  const float *A = op[0], *B = op[1];
  float *o = dst;
  if (st[1]) {
    for (int64_t i = 0; i < n; i++) o[i] = A[i] < 0 ? A[i] * B[i] : A[i];
  } else {
    float b = B[0];
    for (int64_t i = 0; i < n; i++) o[i] = A[i] < 0 ? A[i] * b : A[i];
  }
}

static void prelu_any (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) {
  int t = *(const int *)arg;
  for (int64_t i = 0; i < n; i++) {
    if (is_float(t)) {
      double a = ld(op[0], t, i * st[0]);
      std_(dst, t, i, a < 0 ? a * ld(op[1], t, i * st[1]) : a);
    } else {
      int64_t a = li(op[0], t, i * st[0]);
      sti(dst, t, i, a < 0 ? (int64_t)((uint64_t)a * (uint64_t)li(op[1], t, i * st[1])) : a);
    }
  }
}

static int infer_prelu (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin != 2 || !in[0] || !in[1]) return nn_fail(c, n, "needs X and slope");
  int t = in[0]->type;
  if (in[1]->type != t) return nn_fail(c, n, "X and slope differ in type");
  if (!is_float(t) && !is_int(t)) return nn_fail(c, n, "element type %s is not supported", nn_type_name(t));
  int r = 0;
  int64_t d[NN_MAXRANK];
  if (nn_broadcast_shape(in[0], in[1], &r, d) != 0 || r != in[0]->rank)
    return nn_fail(c, n, "slope does not broadcast to X");
  for (int i = 0; i < r; i++)
    if (d[i] != in[0]->dims[i]) return nn_fail(c, n, "slope does not broadcast to X");
  return nn_set_out(n, c, out[0], t, in[0]->rank, in[0]->dims);
}

static int run_prelu (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)n;
  int t = in[0]->type;
  if (t == NN_F32) {
    /* st[0] is always 1: X has the output's shape */
    walk(out[0], in, 2, prelu_f32, NULL, c->threads);
  } else {
    walk(out[0], in, 2, prelu_any, &t, c->threads);
  }
  return NN_OK;
}

/* ---------- Where ---------- */

#define WHERE_FN(NAME, T)                                                                   \
  SEG_CLONES static void NAME (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) { \
    (void)arg;                                                                             \
    const uint8_t *C = op[0];                                                              \
    const T *X = op[1], *Y = op[2];                                                        \
    T *o = dst;                                                                            \
    if (st[0] && st[1] && st[2])   /* a bit mask: vectorises, no conditional loads */    \
      for (int64_t i = 0; i < n; i++) {                                                    \
        T m = (T)((T)0 - (T)(C[i] != 0));                                                  \
        o[i] = (T)((X[i] & m) | (Y[i] & (T)~m));                                           \
      }                                                                                    \
    else                                                                                   \
      for (int64_t i = 0; i < n; i++) o[i] = C[i * st[0]] ? X[i * st[1]] : Y[i * st[2]];   \
  }
WHERE_FN(where1, uint8_t)
WHERE_FN(where2, uint16_t)
WHERE_FN(where4, uint32_t)
WHERE_FN(where8, uint64_t)

static int infer_where (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin != 3 || !in[0] || !in[1] || !in[2]) return nn_fail(c, n, "needs condition, X and Y");
  if (in[0]->type != NN_BOOL) return nn_fail(c, n, "condition must be bool, not %s", nn_type_name(in[0]->type));
  if (in[1]->type != in[2]->type) return nn_fail(c, n, "X and Y differ in type");
  if (!nn_type_size(in[1]->type)) return nn_fail(c, n, "element type %s is not supported", nn_type_name(in[1]->type));
  int r = 0;
  int64_t d[NN_MAXRANK];
  if (bcast_shape(n, c, in, 3, &r, d)) return NN_ERR;
  return nn_set_out(n, c, out[0], in[1]->type, r, d);
}

static int run_where (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)n;
  static const RowFn fns[9] = {NULL, where1, where2, NULL, where4, NULL, NULL, NULL, where8};
  walk(out[0], in, 3, fns[nn_type_size(in[1]->type)], NULL, c->threads);
  return NN_OK;
}

/* ---------- unary operators ---------- */

enum {
  U_RELU, U_LEAKY, U_ELU, U_SELU, U_CELU, U_THRELU, U_SIGMOID, U_HSIGMOID, U_HSWISH, U_TANH,
  U_SOFTPLUS, U_SOFTSIGN, U_ERF, U_GELU, U_GELU_TANH, U_EXP, U_LOG, U_SQRT, U_NEG, U_ABS, U_RECIP,
  U_FLOOR, U_CEIL, U_ROUND, U_SIGN, U_NOT, U_CLIP
};

typedef struct UArg { int op, type; float a, b; double da, db; int64_t ia, ib; } UArg;

/* f32: one loop per operator. */
SEG_CLONES static void unary_f32 (const UArg *u, const float *restrict x, float *restrict o, int64_t n) {
  const float a = u->a, b = u->b;
  switch (u->op) {
    case U_RELU: for (int64_t i = 0; i < n; i++) o[i] = x[i] < 0 ? 0.0f : x[i]; break;
    case U_LEAKY: for (int64_t i = 0; i < n; i++) o[i] = x[i] < 0 ? a * x[i] : x[i]; break;
    case U_ELU: for (int64_t i = 0; i < n; i++) o[i] = x[i] < 0 ? a * expm1f(x[i]) : x[i]; break;
    case U_SELU:   /* a = alpha, b = gamma */
      for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0 ? b * x[i] : b * (a * nn_expf(x[i]) - a);
      break;
    case U_CELU:
      for (int64_t i = 0; i < n; i++) o[i] = fmaxf(x[i], 0.0f) + fminf(0.0f, a * expm1f(x[i] / a));
      break;
    case U_THRELU: for (int64_t i = 0; i < n; i++) o[i] = x[i] > a ? x[i] : 0.0f; break;
    case U_SIGMOID:
      for (int64_t i = 0; i < n; i++) {
        float e = nn_expf(-fabsf(x[i])), r = 1.0f / (1.0f + e);
        o[i] = x[i] >= 0 ? r : e * r;
      }
      break;
    case U_HSIGMOID:
      for (int64_t i = 0; i < n; i++) {
        float v = a * x[i] + b;
        o[i] = v < 0 ? 0.0f : v > 1 ? 1.0f : v;
      }
      break;
    case U_HSWISH:
      for (int64_t i = 0; i < n; i++) {
        float v = x[i] * (1.0f / 6.0f) + 0.5f;
        o[i] = x[i] * (v < 0 ? 0.0f : v > 1 ? 1.0f : v);
      }
      break;
    case U_TANH: for (int64_t i = 0; i < n; i++) o[i] = nn_tanhf(x[i]); break;
    case U_SOFTPLUS:
      for (int64_t i = 0; i < n; i++) o[i] = fmaxf(x[i], 0.0f) + log1pf(expf(-fabsf(x[i])));
      break;
    case U_SOFTSIGN: for (int64_t i = 0; i < n; i++) o[i] = x[i] / (1.0f + fabsf(x[i])); break;
    case U_ERF: for (int64_t i = 0; i < n; i++) o[i] = nn_erff(x[i]); break;
    case U_GELU:
      /* erfc keeps the far negative tail, where 1 + erf cancels */
      for (int64_t i = 0; i < n; i++) {
        float z = x[i] * (float)M_SQRT1_2;
        float g = 1.0f + nn_erff(z), t = nn_erfc_tail(-z);
        o[i] = 0.5f * x[i] * (z < -1.0f ? t : g);
      }
      break;
    case U_GELU_TANH:
      /* 0.5 (1 + tanh u) = 1 / (1 + exp(-2u)), which has no cancellation */
      for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        o[i] = v / (1.0f + nn_expf(-1.5957691216057308f * (v + 0.044715f * v * v * v)));
      }
      break;
    case U_EXP: for (int64_t i = 0; i < n; i++) o[i] = nn_expf(x[i]); break;
    case U_LOG: for (int64_t i = 0; i < n; i++) o[i] = logf(x[i]); break;
    case U_SQRT: for (int64_t i = 0; i < n; i++) o[i] = sqrtf(x[i]); break;
    case U_NEG: for (int64_t i = 0; i < n; i++) o[i] = -x[i]; break;
    case U_ABS: for (int64_t i = 0; i < n; i++) o[i] = fabsf(x[i]); break;
    case U_RECIP: for (int64_t i = 0; i < n; i++) o[i] = 1.0f / x[i]; break;
    case U_FLOOR: for (int64_t i = 0; i < n; i++) o[i] = floorf(x[i]); break;
    case U_CEIL: for (int64_t i = 0; i < n; i++) o[i] = ceilf(x[i]); break;
    case U_ROUND: for (int64_t i = 0; i < n; i++) o[i] = nearbyintf(x[i]); break;
    case U_SIGN: for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0 ? 1.0f : x[i] < 0 ? -1.0f : x[i]; break;
    case U_CLIP:   /* numpy's clip: min(max(x, lo), hi); NaN stays */
      for (int64_t i = 0; i < n; i++) {
        float v = x[i] < a ? a : x[i];
        o[i] = v > b ? b : v;
      }
      break;
    default: break;
  }
}

/* f64, one element: the same formulas in double. */
static double unary_f64 (const UArg *u, double x) {
  const double a = u->da, b = u->db;
  switch (u->op) {
    case U_RELU: return x < 0 ? 0.0 : x;
    case U_LEAKY: return x < 0 ? a * x : x;
    case U_ELU: return x < 0 ? a * expm1(x) : x;
    case U_SELU: return x > 0 ? b * x : b * (a * exp(x) - a);
    case U_CELU: return fmax(x, 0.0) + fmin(0.0, a * expm1(x / a));
    case U_THRELU: return x > a ? x : 0.0;
    case U_SIGMOID: {
      double e = exp(-fabs(x)), r = 1.0 / (1.0 + e);
      return x >= 0 ? r : e * r;
    }
    case U_HSIGMOID: {
      double v = a * x + b;
      return v < 0 ? 0.0 : v > 1 ? 1.0 : v;
    }
    case U_HSWISH: {
      double v = x / 6.0 + 0.5;
      return x * (v < 0 ? 0.0 : v > 1 ? 1.0 : v);
    }
    case U_TANH: return tanh(x);
    case U_SOFTPLUS: return fmax(x, 0.0) + log1p(exp(-fabs(x)));
    case U_SOFTSIGN: return x / (1.0 + fabs(x));
    case U_ERF: return erf(x);
    case U_GELU: return 0.5 * x * erfc(-x * M_SQRT1_2);
    case U_GELU_TANH: return x / (1.0 + exp(-1.5957691216057308 * (x + 0.044715 * x * x * x)));
    case U_EXP: return exp(x);
    case U_LOG: return log(x);
    case U_SQRT: return sqrt(x);
    case U_NEG: return -x;
    case U_ABS: return fabs(x);
    case U_RECIP: return 1.0 / x;
    case U_FLOOR: return floor(x);
    case U_CEIL: return ceil(x);
    case U_ROUND: return nearbyint(x);
    case U_SIGN: return x > 0 ? 1.0 : x < 0 ? -1.0 : x;
    case U_CLIP: {
      double v = x < a ? a : x;
      return v > b ? b : v;
    }
    default: return x;
  }
}

/* Integers, one element (the operators that take them). */
static int64_t unary_int (const UArg *u, int64_t x) {
  switch (u->op) {
    case U_RELU: return x < 0 ? 0 : x;
    case U_NEG: return (int64_t)(0 - (uint64_t)x);
    case U_ABS: return x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
    case U_SIGN: return (x > 0) - (x < 0);
    case U_NOT: return !x;
    case U_CLIP: {
      int64_t v = x < u->ia ? u->ia : x;
      return v > u->ib ? u->ib : v;
    }
    default: return x;
  }
}

static void unary_row (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) {
  (void)st;   /* one operand of the output's shape: contiguous */
  const UArg *u = arg;
  if (u->type == NN_F32) unary_f32(u, op[0], dst, n);
  else if (u->type == NN_F64) {
    const double *x = op[0];
    double *o = dst;
    for (int64_t i = 0; i < n; i++) o[i] = unary_f64(u, x[i]);
  } else if (u->type == NN_BOOL) {
    const uint8_t *x = op[0];
    uint8_t *o = dst;
    for (int64_t i = 0; i < n; i++) o[i] = !x[i];
  } else {
    for (int64_t i = 0; i < n; i++) sti(dst, u->type, i, unary_int(u, li(op[0], u->type, i)));
  }
}

static const struct { const char *name; int op; } unary_names[] = {
  {"Relu", U_RELU}, {"LeakyRelu", U_LEAKY}, {"Elu", U_ELU}, {"Selu", U_SELU}, {"Celu", U_CELU},
  {"ThresholdedRelu", U_THRELU}, {"Sigmoid", U_SIGMOID}, {"HardSigmoid", U_HSIGMOID},
  {"HardSwish", U_HSWISH}, {"Tanh", U_TANH}, {"Softplus", U_SOFTPLUS}, {"Softsign", U_SOFTSIGN},
  {"Erf", U_ERF}, {"Gelu", U_GELU}, {"Exp", U_EXP}, {"Log", U_LOG}, {"Sqrt", U_SQRT}, {"Neg", U_NEG},
  {"Abs", U_ABS}, {"Reciprocal", U_RECIP}, {"Floor", U_FLOOR}, {"Ceil", U_CEIL}, {"Round", U_ROUND},
  {"Sign", U_SIGN}, {"Not", U_NOT}, {"Clip", U_CLIP}
};

/* The operator code and attributes of a unary node (Clip's bounds are
** filled in by run). */
static void unary_arg (const NnNode *n, UArg *u) {
  memset(u, 0, sizeof *u);
  for (size_t i = 0; i < sizeof unary_names / sizeof unary_names[0]; i++)
    if (strcmp(n->op, unary_names[i].name) == 0) u->op = unary_names[i].op;
  switch (u->op) {
    case U_LEAKY: u->a = nn_attr_float(n, "alpha", 0.01f); break;
    case U_ELU: case U_CELU: case U_THRELU: u->a = nn_attr_float(n, "alpha", 1.0f); break;
    case U_SELU:
      u->a = nn_attr_float(n, "alpha", 1.67326319217681884765625f);
      u->b = nn_attr_float(n, "gamma", 1.05070102519989013671875f);
      break;
    case U_HSIGMOID:
      u->a = nn_attr_float(n, "alpha", 0.2f);
      u->b = nn_attr_float(n, "beta", 0.5f);
      break;
    case U_GELU:
      if (strcmp(nn_attr_str(n, "approximate", "none"), "tanh") == 0) u->op = U_GELU_TANH;
      break;
    default: break;
  }
  u->da = u->a;
  u->db = u->b;
}

static int check_gelu (NnNode *n, NnCtx *c) {
  const char *s = nn_attr_str(n, "approximate", "none");
  if (strcmp(s, "none") != 0 && strcmp(s, "tanh") != 0)
    return nn_fail(c, n, "approximate '%s' is not 'none' or 'tanh'", s);
  return NN_OK;
}

static int infer_unary (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  UArg u;
  unary_arg(n, &u);
  int t = in[0]->type, ok;
  switch (u.op) {
    case U_NOT: ok = t == NN_BOOL; break;
    case U_RELU: case U_NEG: case U_ABS: case U_SIGN: ok = is_float(t) || is_signed(t) || (is_int(t) && u.op != U_NEG); break;
    case U_CLIP: ok = is_float(t) || is_int(t); break;
    default: ok = is_float(t); break;
  }
  if (!ok) return nn_fail(c, n, "element type %s is not supported", nn_type_name(t));
  return nn_set_out(n, c, out[0], t, in[0]->rank, in[0]->dims);
}

/* oneDNN's eltwise kernels beat ours on these (bench/eltwise_micro.c, 1 M
** floats, 1 thread: Sigmoid 1.24x, Tanh 1.84x, Sqrt 2.9x, Exp 1.1x faster;
** Relu, HardSwish, binary ops: ours as fast or faster, so they stay). */
static int dnnl_alg_of (int op, dnnl_alg_kind_t *alg) {
  switch (op) {
    case U_SIGMOID: *alg = dnnl_eltwise_logistic; return 1;
    case U_TANH: *alg = dnnl_eltwise_tanh; return 1;
    case U_SQRT: *alg = dnnl_eltwise_sqrt; return 1;
    case U_EXP: *alg = dnnl_eltwise_exp; return 1;
    default: return 0;
  }
}

static int run_unary (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  UArg u;
  unary_arg(n, &u);
  u.type = in[0]->type;
  dnnl_alg_kind_t alg;
  int64_t count = nn_numel(in[0]);
  if (u.type == NN_F32 && count >= 4096 && dnnl_alg_of(u.op, &alg) &&
      dn_eltwise_f32(alg, in[0]->data, out[0]->data, count, c->threads) == 0)
    return NN_OK;
  walk(out[0], in, 1, unary_row, &u, c->threads);
  return NN_OK;
}

/* ---------- Clip ---------- */

static int infer_clip (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  for (int k = 1; k < 3; k++) {
    const NnTensor *b = nn_opt_in(n, in, k);
    if (!b) continue;
    if (n->opset < 11) return nn_fail(c, n, "takes min and max as attributes before opset 11");
    if (b->type != in[0]->type) return nn_fail(c, n, "%s differs in type from the input", k == 1 ? "min" : "max");
    if (nn_numel(b) != 1) return nn_fail(c, n, "%s must be a scalar", k == 1 ? "min" : "max");
  }
  return infer_unary(n, in, out, c);
}

static int run_clip (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  UArg u;
  unary_arg(n, &u);
  int t = u.type = in[0]->type;
  const NnTensor *lo = nn_opt_in(n, in, 1), *hi = nn_opt_in(n, in, 2);
  if (is_float(t)) {
    u.da = -INFINITY;
    u.db = INFINITY;
    if (n->opset < 11) {
      u.da = nn_attr_float(n, "min", -3.402823466e+38f);
      u.db = nn_attr_float(n, "max", 3.402823466e+38f);
    }
    if (lo) u.da = nn_getd(lo, 0);
    if (hi) u.db = nn_getd(hi, 0);
    u.a = (float)u.da;
    u.b = (float)u.db;
  } else {
    u.ia = INT64_MIN;
    u.ib = INT64_MAX;
    if (lo) u.ia = nn_geti(lo, 0);
    if (hi) u.ib = nn_geti(hi, 0);
  }
  walk(out[0], in, 1, unary_row, &u, c->threads);
  return NN_OK;
}

/* ---------- Cast, CastLike ---------- */

/* Conversions as numpy's astype: to bool is x != 0; integer to integer
** wraps; floating to integer saturates (NaN to 0), where C leaves the
** out-of-range cast undefined. */
#define SAT_FN(S, T, LO, HI)                                          \
  static inline T sat_##S (double x) {                                \
    return x != x ? 0 : x <= (double)(LO) ? (LO) : x >= (double)(HI) ? (HI) : (T)x; \
  }
SAT_FN(i8, int8_t, INT8_MIN, INT8_MAX)
SAT_FN(i16, int16_t, INT16_MIN, INT16_MAX)
SAT_FN(i32, int32_t, INT32_MIN, INT32_MAX)
SAT_FN(i64, int64_t, INT64_MIN, INT64_MAX)
SAT_FN(u8, uint8_t, 0, UINT8_MAX)
SAT_FN(u16, uint16_t, 0, UINT16_MAX)
SAT_FN(u32, uint32_t, 0, UINT32_MAX)
SAT_FN(u64, uint64_t, 0, UINT64_MAX)

#define CONV_FF(x, T, S) ((T)(x))
#define CONV_IF(x, T, S) ((T)(x))
#define CONV_BF(x, T, S) ((T)(x))
#define CONV_FI(x, T, S) sat_##S(x)
#define CONV_II(x, T, S) ((T)(x))
#define CONV_BI(x, T, S) ((T)(x))
#define CONV_FB(x, T, S) ((x) != 0)
#define CONV_IB(x, T, S) ((x) != 0)
#define CONV_BB(x, T, S) ((x) != 0)

/* Every (source, destination) pair: S = short name, T = C type, K = kind
** (F floating, I integer, B bool). */
#define DSTS(M, S1, T1, K1)                                                                   \
  M(S1, T1, K1, f32, float, F) M(S1, T1, K1, f64, double, F) M(S1, T1, K1, i8, int8_t, I)     \
  M(S1, T1, K1, i16, int16_t, I) M(S1, T1, K1, i32, int32_t, I) M(S1, T1, K1, i64, int64_t, I) \
  M(S1, T1, K1, u8, uint8_t, I) M(S1, T1, K1, u16, uint16_t, I) M(S1, T1, K1, u32, uint32_t, I) \
  M(S1, T1, K1, u64, uint64_t, I) M(S1, T1, K1, b, uint8_t, B)
#define SRCS(M)                                                                     \
  M(f32, float, F) M(f64, double, F) M(i8, int8_t, I) M(i16, int16_t, I) M(i32, int32_t, I) \
  M(i64, int64_t, I) M(u8, uint8_t, I) M(u16, uint16_t, I) M(u32, uint32_t, I)       \
  M(u64, uint64_t, I) M(b, uint8_t, B)

typedef void (*CastFn) (const void *src, void *dst, int64_t n);
#define CAST_FN(S1, T1, K1, S2, T2, K2)                                     \
  static void cast_##S1##_##S2 (const void *src, void *dst, int64_t n) {    \
    const T1 *restrict s = src;                                             \
    T2 *restrict d = dst;                                                   \
    for (int64_t i = 0; i < n; i++) d[i] = CONV_##K1##K2(s[i], T2, S2);     \
  }
#define CAST_SRC(S1, T1, K1) DSTS(CAST_FN, S1, T1, K1)
SRCS(CAST_SRC)
#define CAST_ENTRY(S1, T1, K1, S2, T2, K2) cast_##S1##_##S2,
#define CAST_ROW(S1, T1, K1) {DSTS(CAST_ENTRY, S1, T1, K1)},
static const CastFn cast_tab[NT][NT] = {SRCS(CAST_ROW)};

static void cast_row (const void *const *op, const int64_t *st, void *dst, int64_t n, const void *arg) {
  (void)st;
  (*(const CastFn *)arg)(op[0], dst, n);
}

static int cast_target (NnNode *n, NnTensor **in, NnCtx *c, int *to) {
  if (strcmp(n->op, "CastLike") == 0) {
    if (n->nin != 2 || !in[1]) return nn_fail(c, n, "needs an input and a target");
    *to = in[1]->type;
  } else {
    const NnAttr *a = nn_attr(n, "to");
    if (!a || a->kind != NN_ATTR_INT) return nn_fail(c, n, "needs the 'to' attribute");
    *to = (int)a->i;
  }
  if (tindex(*to) < 0) return nn_fail(c, n, "cannot cast to %s", nn_type_name(*to));
  return NN_OK;
}

static int check_cast (NnNode *n, NnCtx *c) {
  int to = 0;
  if (strcmp(n->op, "Cast") == 0 && cast_target(n, NULL, c, &to)) return NN_ERR;
  return NN_OK;
}

static int infer_cast (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  int to = 0;
  if (n->nin < 1 || !in[0]) return nn_fail(c, n, "needs an input");
  if (cast_target(n, in, c, &to)) return NN_ERR;
  if (tindex(in[0]->type) < 0) return nn_fail(c, n, "cannot cast from %s", nn_type_name(in[0]->type));
  return nn_set_out(n, c, out[0], to, in[0]->rank, in[0]->dims);
}

static int run_cast (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c) {
  (void)n;
  CastFn fn = cast_tab[tindex(in[0]->type)][tindex(out[0]->type)];
  walk(out[0], in, 1, cast_row, &fn, c->threads);
  return NN_OK;
}

/* ---------- the table ---------- */

#define P NN_F_PURE
const NnOp nn_ops_math[] = {
  {"Relu", P, NULL, infer_unary, run_unary, NULL},
  {"LeakyRelu", P, NULL, infer_unary, run_unary, NULL},
  {"PRelu", P, NULL, infer_prelu, run_prelu, NULL},
  {"Elu", P, NULL, infer_unary, run_unary, NULL},
  {"Selu", P, NULL, infer_unary, run_unary, NULL},
  {"Celu", P, NULL, infer_unary, run_unary, NULL},
  {"ThresholdedRelu", P, NULL, infer_unary, run_unary, NULL},
  {"Sigmoid", P, NULL, infer_unary, run_unary, NULL},
  {"HardSigmoid", P, NULL, infer_unary, run_unary, NULL},
  {"HardSwish", P, NULL, infer_unary, run_unary, NULL},
  {"Tanh", P, NULL, infer_unary, run_unary, NULL},
  {"Clip", P, NULL, infer_clip, run_clip, NULL},
  {"Softplus", P, NULL, infer_unary, run_unary, NULL},
  {"Softsign", P, NULL, infer_unary, run_unary, NULL},
  {"Erf", P, NULL, infer_unary, run_unary, NULL},
  {"Gelu", P, check_gelu, infer_unary, run_unary, NULL},
  {"Exp", P, NULL, infer_unary, run_unary, NULL},
  {"Log", P, NULL, infer_unary, run_unary, NULL},
  {"Sqrt", P, NULL, infer_unary, run_unary, NULL},
  {"Neg", P, NULL, infer_unary, run_unary, NULL},
  {"Abs", P, NULL, infer_unary, run_unary, NULL},
  {"Reciprocal", P, NULL, infer_unary, run_unary, NULL},
  {"Floor", P, NULL, infer_unary, run_unary, NULL},
  {"Ceil", P, NULL, infer_unary, run_unary, NULL},
  {"Round", P, NULL, infer_unary, run_unary, NULL},
  {"Sign", P, NULL, infer_unary, run_unary, NULL},
  {"Not", P, NULL, infer_unary, run_unary, NULL},
  {"Pow", P, NULL, infer_pow, run_pow, NULL},
  {"Add", P, NULL, infer_binary, run_binary, NULL},
  {"Sub", P, NULL, infer_binary, run_binary, NULL},
  {"Mul", P, NULL, infer_binary, run_binary, NULL},
  {"Div", P, NULL, infer_binary, run_binary, NULL},
  {"Equal", P, NULL, infer_binary, run_binary, NULL},
  {"Greater", P, NULL, infer_binary, run_binary, NULL},
  {"Less", P, NULL, infer_binary, run_binary, NULL},
  {"GreaterOrEqual", P, NULL, infer_binary, run_binary, NULL},
  {"LessOrEqual", P, NULL, infer_binary, run_binary, NULL},
  {"And", P, NULL, infer_binary, run_binary, NULL},
  {"Or", P, NULL, infer_binary, run_binary, NULL},
  {"Xor", P, NULL, infer_binary, run_binary, NULL},
  {"Max", P, NULL, infer_variadic, run_variadic, NULL},
  {"Min", P, NULL, infer_variadic, run_variadic, NULL},
  {"Sum", P, NULL, infer_variadic, run_variadic, NULL},
  {"Mean", P, NULL, infer_variadic, run_variadic, NULL},
  {"Where", P, NULL, infer_where, run_where, NULL},
  {"Cast", P, check_cast, infer_cast, run_cast, NULL},
  {"CastLike", P, NULL, infer_cast, run_cast, NULL},
  {NULL, 0, NULL, NULL, NULL, NULL}
};

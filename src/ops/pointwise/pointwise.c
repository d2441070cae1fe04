/* pointwise.c — element-wise arithmetic, comparisons and mask algebra.
** Buffers made by the module are contiguous, so every kernel here is a flat
** loop over w*h*c elements, split into blocks across threads. Integer
** results saturate; * and / round to nearest, ties to even, as OpenCV. */
#include <math.h>
#include <string.h>
#include "pointwise.h"

#define BLOCK 65536   /* elements per parallel work item */

typedef struct Job {
  const SegBuf *a, *b; SegBuf *d;
  int op, left;
  double s[1024], lo[1024], hi[1024];
  int invert;
  uint8_t lut[4][256];
  int uselut;
} Job;

static size_t nelem (const SegBuf *b) { return seg_buf_nelem(b); }

static void blocks (Job *j, size_t n, SegRangeFn fn, int threads) {
  size_t nb = (n + BLOCK - 1) / BLOCK;
  seg_parallel_for(threads, (int)nb, 4, fn, j);
}

#define RANGE(b0, b1, n, i0, i1) size_t i0 = (size_t)(b0) * BLOCK, \
  i1 = (size_t)(b1) * BLOCK < (n) ? (size_t)(b1) * BLOCK : (n)

static inline uint8_t sat_u8 (int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }
static inline uint16_t sat_u16 (int v) { return (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v); }
static inline int32_t sat_i32 (int64_t v) {
  return (int32_t)(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v);
}
static inline int32_t sat_i32d (double v) {
  v = nearbyint(v);
  return v != v ? 0 : v <= -2147483648.0 ? INT32_MIN : v >= 2147483647.0 ? INT32_MAX : (int32_t)v;
}

/* ---------- image op image ---------- */

SEG_CLONES static void arith_u8 (const uint8_t *a, const uint8_t *b,
                                 uint8_t *d, size_t n, int op) {
  switch (op) {
    /* the unsigned idioms below compile to saturating byte instructions */
    case SEG_OP_ADD:
      for (size_t i = 0; i < n; i++) { uint8_t t = (uint8_t)(a[i] + b[i]); d[i] = t < a[i] ? 255 : t; }
      break;
    case SEG_OP_SUB:
      for (size_t i = 0; i < n; i++) d[i] = a[i] > b[i] ? (uint8_t)(a[i] - b[i]) : 0;
      break;
    case SEG_OP_MUL: for (size_t i = 0; i < n; i++) d[i] = sat_u8(a[i] * b[i]); break;
    default:
      for (size_t i = 0; i < n; i++) {
        float q = nearbyintf((float)a[i] / (float)(b[i] ? b[i] : 1));
        d[i] = b[i] ? (uint8_t)(q > 255.f ? 255.f : q) : 0;
      }
  }
}

SEG_CLONES static void arith_u16 (const uint16_t *a, const uint16_t *b,
                                  uint16_t *d, size_t n, int op) {
  switch (op) {
    case SEG_OP_ADD: for (size_t i = 0; i < n; i++) d[i] = sat_u16(a[i] + b[i]); break;
    case SEG_OP_SUB: for (size_t i = 0; i < n; i++) d[i] = sat_u16(a[i] - b[i]); break;
    case SEG_OP_MUL:
      for (size_t i = 0; i < n; i++) {
        uint32_t p = (uint32_t)a[i] * b[i];
        d[i] = (uint16_t)(p > 65535u ? 65535u : p);
      }
      break;
    default:
      for (size_t i = 0; i < n; i++) {
        float q = nearbyintf((float)a[i] / (float)(b[i] ? b[i] : 1));
        d[i] = b[i] ? (uint16_t)(q > 65535.f ? 65535.f : q) : 0;
      }
  }
}

static void arith_i32 (const int32_t *a, const int32_t *b, int32_t *d, size_t n, int op) {
  for (size_t i = 0; i < n; i++)
    switch (op) {
      case SEG_OP_ADD: d[i] = sat_i32((int64_t)a[i] + b[i]); break;
      case SEG_OP_SUB: d[i] = sat_i32((int64_t)a[i] - b[i]); break;
      case SEG_OP_MUL: d[i] = sat_i32((int64_t)a[i] * b[i]); break;
      default: d[i] = b[i] ? sat_i32d((double)a[i] / b[i]) : 0;
    }
}

SEG_CLONES static void arith_f32 (const float *a, const float *b,
                                  float *d, size_t n, int op) {
  switch (op) {
    case SEG_OP_ADD: for (size_t i = 0; i < n; i++) d[i] = a[i] + b[i]; break;
    case SEG_OP_SUB: for (size_t i = 0; i < n; i++) d[i] = a[i] - b[i]; break;
    case SEG_OP_MUL: for (size_t i = 0; i < n; i++) d[i] = a[i] * b[i]; break;
    default: for (size_t i = 0; i < n; i++) d[i] = a[i] / b[i];
  }
}

static void arith_blocks (void *arg, int b0, int b1) {
  Job *j = arg;
  size_t n = nelem(j->a);
  RANGE(b0, b1, n, i0, i1);
  size_t m = i1 - i0;
  switch (j->a->dtype) {
    case SEG_U8: arith_u8(j->a->data + i0, j->b->data + i0, j->d->data + i0, m, j->op); break;
    case SEG_U16: arith_u16((const uint16_t *)j->a->data + i0, (const uint16_t *)j->b->data + i0,
                            (uint16_t *)j->d->data + i0, m, j->op); break;
    case SEG_I32: arith_i32((const int32_t *)j->a->data + i0, (const int32_t *)j->b->data + i0,
                            (int32_t *)j->d->data + i0, m, j->op); break;
    default: arith_f32((const float *)j->a->data + i0, (const float *)j->b->data + i0,
                       (float *)j->d->data + i0, m, j->op);
  }
}

void seg_arith (const SegBuf *a, const SegBuf *b, SegBuf *dst, int op, int threads) {
  Job *j = &(Job){0};
  j->a = a; j->b = b; j->d = dst; j->op = op;
  blocks(j, nelem(a), arith_blocks, threads);
}

/* ---------- image op scalar ---------- */

static double apply (double x, double s, int op, int left) {
  double a = left ? s : x, b = left ? x : s;
  switch (op) {
    case SEG_OP_ADD: return a + b;
    case SEG_OP_SUB: return a - b;
    case SEG_OP_MUL: return a * b;
    default: return b == 0 ? 0 : a / b;
  }
}

SEG_CLONES static void add_const_u8 (const uint8_t *a, uint8_t *d,
                                     size_t n, int k) {
  if (k >= 0) {
    uint8_t kk = (uint8_t)k;
    for (size_t i = 0; i < n; i++) { uint8_t t = (uint8_t)(a[i] + kk); d[i] = t < kk ? 255 : t; }
  } else {
    uint8_t kk = (uint8_t)-k;
    for (size_t i = 0; i < n; i++) d[i] = a[i] > kk ? (uint8_t)(a[i] - kk) : 0;
  }
}

static void lut_u8 (const uint8_t *a, uint8_t *d, size_t n, size_t i0,
                    int c, const uint8_t (*lut)[256]) {
  if (c == 1) { for (size_t i = 0; i < n; i++) d[i] = lut[0][a[i]]; return; }
  for (size_t i = 0; i < n; i++) d[i] = lut[(i0 + i) % (size_t)c][a[i]];
}

static void scalar_blocks (void *arg, int b0, int b1) {
  Job *j = arg;
  size_t n = nelem(j->a);
  RANGE(b0, b1, n, i0, i1);
  int c = j->a->c;
  switch (j->a->dtype) {
    case SEG_U8:
      if (j->uselut) lut_u8(j->a->data + i0, j->d->data + i0, i1 - i0, i0, c, j->lut);
      else add_const_u8(j->a->data + i0, j->d->data + i0, i1 - i0, (int)j->s[0]);
      break;
    case SEG_U16: {
      const uint16_t *a = (const uint16_t *)j->a->data;
      uint16_t *d = (uint16_t *)j->d->data;
      for (size_t i = i0; i < i1; i++) {
        double v = nearbyint(apply(a[i], j->s[i % (size_t)c], j->op, j->left));
        d[i] = (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v);
      }
      break;
    }
    case SEG_I32: {
      const int32_t *a = (const int32_t *)j->a->data;
      int32_t *d = (int32_t *)j->d->data;
      for (size_t i = i0; i < i1; i++) d[i] = sat_i32d(apply(a[i], j->s[i % (size_t)c], j->op, j->left));
      break;
    }
    default: {
      const float *a = (const float *)j->a->data;
      float *d = (float *)j->d->data;
      if (c == 1 && !j->left) {
        float s = (float)j->s[0];
        switch (j->op) {
          case SEG_OP_ADD: for (size_t i = i0; i < i1; i++) d[i] = a[i] + s; break;
          case SEG_OP_SUB: for (size_t i = i0; i < i1; i++) d[i] = a[i] - s; break;
          case SEG_OP_MUL: for (size_t i = i0; i < i1; i++) d[i] = a[i] * s; break;
          default: for (size_t i = i0; i < i1; i++) d[i] = a[i] / s;
        }
      } else
        for (size_t i = i0; i < i1; i++) {
          double s = j->s[i % (size_t)c], x = a[i];
          double v = j->op == SEG_OP_DIV ? (j->left ? s / x : x / s) : apply(x, s, j->op, j->left);
          d[i] = (float)v;
        }
    }
  }
}

void seg_arith_scalar (const SegBuf *a, const double *s, SegBuf *dst, int op,
                       int scalar_left, int threads) {
  Job *j = &(Job){0};
  j->a = a; j->d = dst; j->op = op; j->left = scalar_left;
  int c = a->c, same = 1;
  for (int k = 0; k < c; k++) { j->s[k] = s[k]; same &= s[k] == s[0]; }
  if (a->dtype == SEG_U8) {
    /* integer add/sub of one constant vectorizes; everything else is a LUT */
    double k0 = s[0];
    if (same && k0 == floor(k0) && fabs(k0) <= 255 &&
        (op == SEG_OP_ADD || (op == SEG_OP_SUB && !scalar_left))) {
      j->s[0] = op == SEG_OP_ADD ? k0 : -k0;
    } else {
      j->uselut = 1;
      for (int k = 0; k < (c < 4 ? c : 4); k++)
        for (int v = 0; v < 256; v++) {
          double r = nearbyint(apply(v, s[k], op, scalar_left));
          j->lut[k][v] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
        }
    }
  }
  blocks(j, nelem(a), scalar_blocks, threads);
}

/* ---------- comparisons ----------
** Every comparison with a scalar becomes lo <= x <= hi (optionally negated)
** in the element type, so u8 compares run on bytes. */

SEG_CLONES static void range_u8_c1 (const uint8_t *a, uint8_t *d, size_t n,
                                    uint8_t lo, uint8_t hi, uint8_t inv) {
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)(((a[i] >= lo) & (a[i] <= hi)) ^ inv);
}

static void range_rows (void *arg, int b0, int b1) {
  Job *j = arg;
  const SegBuf *a = j->a;
  size_t npx = (size_t)a->w * (size_t)a->h;
  RANGE(b0, b1, npx, p0, p1);
  int c = a->c;
  uint8_t *d = j->d->data;
  if (a->dtype == SEG_U8 && c == 1) {
    double lo = j->lo[0], hi = j->hi[0];
    if (lo > 255 || hi < 0 || lo > hi) { memset(d + p0, j->invert, p1 - p0); return; }
    range_u8_c1(a->data + p0, d + p0, p1 - p0, (uint8_t)(lo < 0 ? 0 : lo),
                (uint8_t)(hi > 255 ? 255 : hi), (uint8_t)j->invert);
    return;
  }
  for (size_t p = p0; p < p1; p++) {
    int ok = 1;
    for (int k = 0; k < c; k++) {
      size_t i = p * (size_t)c + (size_t)k;
      double v = seg_elem(a->dtype, a->data, i);
      ok &= v >= j->lo[k] && v <= j->hi[k];
    }
    d[p] = (uint8_t)(ok ^ j->invert);
  }
}

void seg_inrange (const SegBuf *a, const double *lo, const double *hi, SegBuf *mask, int threads) {
  Job *j = &(Job){0};
  j->a = a; j->d = mask;
  for (int k = 0; k < a->c; k++) { j->lo[k] = lo[k]; j->hi[k] = hi[k]; }
  blocks(j, (size_t)a->w * (size_t)a->h, range_rows, threads);
}

void seg_compare_scalar (const SegBuf *a, const double *s, SegBuf *mask, int cmp, int threads) {
  Job *j = &(Job){0};
  j->a = a; j->d = mask;
  int isint = a->dtype != SEG_F32;
  for (int k = 0; k < a->c; k++) {
    double t = s[k], lo = -HUGE_VAL, hi = HUGE_VAL;
    switch (cmp) {
      case SEG_CMP_GT: lo = isint ? floor(t) + 1 : nextafter(t, HUGE_VAL); break;
      case SEG_CMP_GE: lo = isint ? ceil(t) : t; break;
      case SEG_CMP_LT: hi = isint ? ceil(t) - 1 : nextafter(t, -HUGE_VAL); break;
      case SEG_CMP_LE: hi = isint ? floor(t) : t; break;
      default:
        lo = hi = t;
        if (isint && t != floor(t)) { lo = 1; hi = 0; }   /* never equal */
    }
    j->lo[k] = lo; j->hi[k] = hi;
  }
  if (cmp == SEG_CMP_NE) {
    /* ne is true when any channel differs: the negation of "all equal" */
    j->invert = 1;
  }
  blocks(j, (size_t)a->w * (size_t)a->h, range_rows, threads);
}

static void cmp_rows (void *arg, int b0, int b1) {
  Job *j = arg;
  const SegBuf *a = j->a, *b = j->b;
  size_t npx = (size_t)a->w * (size_t)a->h;
  RANGE(b0, b1, npx, p0, p1);
  int c = a->c, cmp = j->op;
  for (size_t p = p0; p < p1; p++) {
    int ok = 1;
    for (int k = 0; k < c; k++) {
      size_t i = p * (size_t)c + (size_t)k;
      double x, y;
      switch (a->dtype) {
        case SEG_U8: x = a->data[i]; y = b->data[i]; break;
        case SEG_U16: x = ((const uint16_t *)a->data)[i]; y = ((const uint16_t *)b->data)[i]; break;
        case SEG_I32: x = ((const int32_t *)a->data)[i]; y = ((const int32_t *)b->data)[i]; break;
        default: x = ((const float *)a->data)[i]; y = ((const float *)b->data)[i];
      }
      switch (cmp) {
        case SEG_CMP_GT: ok &= x > y; break;
        case SEG_CMP_GE: ok &= x >= y; break;
        case SEG_CMP_LT: ok &= x < y; break;
        case SEG_CMP_LE: ok &= x <= y; break;
        default: ok &= x == y;   /* NE: negated below */
      }
    }
    j->d->data[p] = (uint8_t)(cmp == SEG_CMP_NE ? !ok : ok);
  }
}

void seg_compare (const SegBuf *a, const SegBuf *b, SegBuf *mask, int cmp, int threads) {
  Job *j = &(Job){0};
  j->a = a; j->b = b; j->d = mask; j->op = cmp;
  blocks(j, (size_t)a->w * (size_t)a->h, cmp_rows, threads);
}

/* ---------- mask algebra (values are 0/1) ---------- */

SEG_CLONES static void mask_op (const uint8_t *a, const uint8_t *b,
                                uint8_t *d, size_t n, int op) {
  switch (op) {
    case SEG_MASK_AND: for (size_t i = 0; i < n; i++) d[i] = a[i] & b[i]; break;
    case SEG_MASK_OR: for (size_t i = 0; i < n; i++) d[i] = a[i] | b[i]; break;
    default: for (size_t i = 0; i < n; i++) d[i] = a[i] ^ b[i];
  }
}

static void mask_blocks (void *arg, int b0, int b1) {
  Job *j = arg;
  size_t n = nelem(j->a);
  RANGE(b0, b1, n, i0, i1);
  if (j->b) mask_op(j->a->data + i0, j->b->data + i0, j->d->data + i0, i1 - i0, j->op);
  else {
    const uint8_t *a = j->a->data;
    uint8_t *d = j->d->data;
    for (size_t i = i0; i < i1; i++) d[i] = a[i] ^ 1;
  }
}

void seg_mask_binop (const SegBuf *a, const SegBuf *b, SegBuf *dst, int op, int threads) {
  Job *j = &(Job){0};
  j->a = a; j->b = b; j->d = dst; j->op = op;
  blocks(j, nelem(a), mask_blocks, threads);
}

void seg_mask_not (const SegBuf *a, SegBuf *dst, int threads) {
  Job *j = &(Job){0};
  j->a = a; j->d = dst;
  blocks(j, nelem(a), mask_blocks, threads);
}

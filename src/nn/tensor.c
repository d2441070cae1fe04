/* tensor.c — N-d tensors: sizes, allocation, element access, layouts,
** broadcasting. */
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"

size_t nn_type_size (int t) {
  switch (t) {
    case NN_F32: case NN_I32: case NN_U32: return 4;
    case NN_U8: case NN_I8: case NN_BOOL: return 1;
    case NN_U16: case NN_I16: return 2;
    case NN_I64: case NN_U64: case NN_F64: return 8;
    default: return 0;
  }
}

const char *nn_type_name (int t) {
  switch (t) {
    case NN_F32: return "float32";
    case NN_U8: return "uint8";
    case NN_I8: return "int8";
    case NN_U16: return "uint16";
    case NN_I16: return "int16";
    case NN_I32: return "int32";
    case NN_I64: return "int64";
    case NN_STRING: return "string";
    case NN_BOOL: return "bool";
    case NN_F16: return "float16";
    case NN_F64: return "float64";
    case NN_U32: return "uint32";
    case NN_U64: return "uint64";
    case NN_BF16: return "bfloat16";
    default: return "unknown type";
  }
}

int64_t nn_numel (const NnTensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->dims[i];
  return n;
}

size_t nn_bytes (const NnTensor *t) {
  size_t es = nn_type_size(t->type);
  if (t->fmt != NN_PLAIN && t->rank == 4) {
    int64_t b = t->fmt, cp = (t->dims[1] + b - 1) / b * b;
    return (size_t)(t->dims[0] * cp * t->dims[2] * t->dims[3]) * es;
  }
  return (size_t)nn_numel(t) * es;
}

void nn_setshape (NnTensor *t, int type, int rank, const int64_t *dims) {
  t->type = type;
  t->rank = rank;
  t->fmt = NN_PLAIN;
  for (int i = 0; i < rank; i++) t->dims[i] = dims[i];
}

int nn_sameshape (const NnTensor *a, const NnTensor *b) {
  if (a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return 0;
  return 1;
}

int nn_alloc (NnTensor *t) {
  size_t n = nn_bytes(t);
  if (n == 0) n = 1;
  n = (n + 63) & ~(size_t)63;
  if (t->cap >= n && t->data) return 0;
  nn_free(t);
  void *p = NULL;
  if (posix_memalign(&p, 64, n) != 0) return -1;
  t->data = p;
  t->cap = n;
  return 0;
}

void nn_free (NnTensor *t) {
  if (t->cap) free(t->data);
  t->data = NULL;
  t->cap = 0;
}

double nn_getd (const NnTensor *t, int64_t i) {
  const void *p = t->data;
  switch (t->type) {
    case NN_F32: return ((const float *)p)[i];
    case NN_F64: return ((const double *)p)[i];
    case NN_U8: case NN_BOOL: return ((const uint8_t *)p)[i];
    case NN_I8: return ((const int8_t *)p)[i];
    case NN_U16: return ((const uint16_t *)p)[i];
    case NN_I16: return ((const int16_t *)p)[i];
    case NN_I32: return ((const int32_t *)p)[i];
    case NN_U32: return ((const uint32_t *)p)[i];
    case NN_I64: return (double)((const int64_t *)p)[i];
    case NN_U64: return (double)((const uint64_t *)p)[i];
    default: return 0;
  }
}

int64_t nn_geti (const NnTensor *t, int64_t i) {
  const void *p = t->data;
  switch (t->type) {
    case NN_I64: return ((const int64_t *)p)[i];
    case NN_U64: return (int64_t)((const uint64_t *)p)[i];
    case NN_I32: return ((const int32_t *)p)[i];
    case NN_U32: return ((const uint32_t *)p)[i];
    case NN_U8: case NN_BOOL: return ((const uint8_t *)p)[i];
    case NN_I8: return ((const int8_t *)p)[i];
    case NN_U16: return ((const uint16_t *)p)[i];
    case NN_I16: return ((const int16_t *)p)[i];
    default: {
      double d = nn_getd(t, i);
      if (!(d > -9.2e18)) return INT64_MIN;
      if (!(d < 9.2e18)) return INT64_MAX;
      return (int64_t)d;
    }
  }
}

/* Saturating float -> integer conversion (C's cast is undefined outside
** the target range; NaN goes to 0). */
static int64_t clampi (double v, double lo, double hi) {
  if (v != v) return 0;
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return (int64_t)v;
}

void nn_setd (NnTensor *t, int64_t i, double v) {
  void *p = t->data;
  switch (t->type) {
    case NN_F32: ((float *)p)[i] = (float)v; break;
    case NN_F64: ((double *)p)[i] = v; break;
    case NN_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case NN_U8: ((uint8_t *)p)[i] = (uint8_t)clampi(v, 0, 255); break;
    case NN_I8: ((int8_t *)p)[i] = (int8_t)clampi(v, -128, 127); break;
    case NN_U16: ((uint16_t *)p)[i] = (uint16_t)clampi(v, 0, 65535); break;
    case NN_I16: ((int16_t *)p)[i] = (int16_t)clampi(v, -32768, 32767); break;
    case NN_I32: ((int32_t *)p)[i] = (int32_t)clampi(v, -2147483648.0, 2147483647.0); break;
    case NN_U32: ((uint32_t *)p)[i] = (uint32_t)clampi(v, 0, 4294967295.0); break;
    case NN_I64: ((int64_t *)p)[i] = clampi(v, -9.2e18, 9.2e18); break;
    case NN_U64: ((uint64_t *)p)[i] = (uint64_t)clampi(v, 0, 9.2e18); break;
    default: break;
  }
}

/* Plain <-> blocked for rank-4 f32; padded lanes of a blocked dst are
** zeroed. Either side may be plain (then it is a copy). */
void nn_reformat (const NnTensor *src, NnTensor *dst, int threads) {
  (void)threads;
  if (src->fmt == dst->fmt) {
    memcpy(dst->data, src->data, nn_bytes(src));
    return;
  }
  const int64_t N = src->dims[0], C = src->dims[1], HW = src->dims[2] * src->dims[3];
  const float *s = src->data;
  float *d = dst->data;
  if (src->fmt == NN_PLAIN) {            /* plain -> blocked */
    const int64_t b = dst->fmt, CB = (C + b - 1) / b;
    for (int64_t n = 0; n < N; n++)
      for (int64_t cb = 0; cb < CB; cb++) {
        float *db = d + (n * CB + cb) * HW * b;
        for (int64_t l = 0; l < b; l++) {
          int64_t c = cb * b + l;
          if (c < C) {
            const float *sc = s + (n * C + c) * HW;
            for (int64_t i = 0; i < HW; i++) db[i * b + l] = sc[i];
          } else {
            for (int64_t i = 0; i < HW; i++) db[i * b + l] = 0;
          }
        }
      }
  } else if (dst->fmt == NN_PLAIN) {     /* blocked -> plain */
    const int64_t b = src->fmt, CB = (C + b - 1) / b;
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = 0; c < C; c++) {
        const float *sb = s + (n * CB + c / b) * HW * b + c % b;
        float *dc = d + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; i++) dc[i] = sb[i * b];
      }
  } else {                               /* blocked -> other blocking */
    NnTensor tmp = *src;
    tmp.fmt = NN_PLAIN;
    tmp.data = NULL;
    tmp.cap = 0;
    if (nn_alloc(&tmp) != 0) return;
    nn_reformat(src, &tmp, threads);
    nn_reformat(&tmp, dst, threads);
    nn_free(&tmp);
  }
}

int nn_broadcast_shape (const NnTensor *a, const NnTensor *b, int *rank, int64_t *dims) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  for (int i = 0; i < r; i++) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da == db || db == 1) dims[i] = da;
    else if (da == 1) dims[i] = db;
    else return -1;
  }
  *rank = r;
  return 0;
}

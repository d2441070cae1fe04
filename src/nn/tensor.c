/* tensor.c — N-d tensors: sizes, allocation, element access, layouts,
** broadcasting. */
#include <stdlib.h>
#include <string.h>

#include "core/segk.h"
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
  if ((t->fmt == NN_BLOCK8 || t->fmt == NN_BLOCK16) && t->rank == 4) {
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

/* Layout of one side of a reformat: element (n, c, i) (i the flat spatial
** index) at n * img + (c / b) * cb + (c % b) * cs + i * is. */
typedef struct Side { int64_t img, cb, cs, is, b; } Side;

static Side side_of (const NnTensor *t) {
  const int64_t C = t->dims[1], HW = t->dims[2] * t->dims[3];
  Side s;
  if (t->fmt == NN_NHWC) {
    s.b = C > 0 ? C : 1;
    s.img = C * HW;
    s.cb = 0;
    s.cs = 1;
    s.is = C;
  } else if (t->fmt == NN_BLOCK8 || t->fmt == NN_BLOCK16) {
    s.b = t->fmt;
    s.img = (C + s.b - 1) / s.b * s.b * HW;
    s.cb = HW * s.b;
    s.cs = 1;
    s.is = s.b;
  } else {
    s.b = C > 0 ? C : 1;
    s.img = C * HW;
    s.cb = 0;
    s.cs = HW;
    s.is = 1;
  }
  return s;
}

enum { RF_TILE = 64 };

typedef struct Reformat {
  const float *s;
  float *d;
  Side a, b;
  int64_t C, CP, HW, tiles;     /* CP: channels of dst with padding lanes */
} Reformat;

/* Tiles [lo, hi): RF_TILE spatial positions of one image, every channel. */
static void reformat_tiles (void *arg, int lo, int hi) {
  const Reformat *r = arg;
  for (int t = lo; t < hi; t++) {
    int64_t n = t / r->tiles, i0 = (t % r->tiles) * RF_TILE, m = r->HW - i0 < RF_TILE ? r->HW - i0 : RF_TILE;
    const float *s = r->s + n * r->a.img + i0 * r->a.is;
    float *d = r->d + n * r->b.img + i0 * r->b.is;
    const int64_t ss = r->a.is, ds = r->b.is;
    for (int64_t c = 0; c < r->CP; c++) {
      float *restrict dc = d + c / r->b.b * r->b.cb + c % r->b.b * r->b.cs;
      if (c >= r->C) {
        for (int64_t i = 0; i < m; i++) dc[i * ds] = 0;
        continue;
      }
      const float *restrict sc = s + c / r->a.b * r->a.cb + c % r->a.b * r->a.cs;
      if (ss == 1) {
        for (int64_t i = 0; i < m; i++) dc[i * ds] = sc[i];
      } else if (ds == 1) {
        for (int64_t i = 0; i < m; i++) dc[i] = sc[i * ss];
      } else {
        for (int64_t i = 0; i < m; i++) dc[i * ds] = sc[i * ss];
      }
    }
  }
}

/* Between any two layouts of a rank-4 f32 tensor (plain, NHWC, blocked);
** padded lanes of a blocked dst are zeroed. A copy when the layouts agree. */
void nn_reformat (const NnTensor *src, NnTensor *dst, int threads) {
  if (src->fmt == dst->fmt || src->rank != 4) {
    memcpy(dst->data, src->data, nn_bytes(src));
    return;
  }
  Reformat r;
  r.s = src->data;
  r.d = dst->data;
  r.a = side_of(src);
  r.b = side_of(dst);
  r.C = src->dims[1];
  r.CP = dst->fmt == NN_BLOCK8 || dst->fmt == NN_BLOCK16 ? (r.C + dst->fmt - 1) / dst->fmt * dst->fmt : r.C;
  r.HW = src->dims[2] * src->dims[3];
  r.tiles = (r.HW + RF_TILE - 1) / RF_TILE;
  int64_t units = src->dims[0] * r.tiles;
  if (units <= 0 || r.CP <= 0) return;
  if (units > INT32_MAX) {                /* beyond any real tensor: image by image */
    for (int64_t n = 0; n < src->dims[0]; n++) {
      Reformat q = r;
      q.s += n * r.a.img;
      q.d += n * r.b.img;
      for (int64_t t = 0; t < r.tiles; t += INT32_MAX / 2) {
        int64_t e = r.tiles - t < INT32_MAX / 2 ? r.tiles : t + INT32_MAX / 2;
        reformat_tiles(&q, (int)t, (int)e);
      }
    }
    return;
  }
  int64_t per = r.CP * RF_TILE;
  seg_parallel_for(threads, (int)units, 1 + (int)(16384 / (per + 1)), reformat_tiles, &r);
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

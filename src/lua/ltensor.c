/* ltensor.c — seg.Tensor: n-d float32 tensors for networks, and the way
** between them and images (img:tensor, t:image, t:argmax). Indices and
** axes are Lua-style: t:get(1, 1, y, x) counts from 1, axis 2 is the
** channel axis of an N x C x H x W tensor, negative axes count from the
** end. */
#include <math.h>
#include <string.h>

#include <lauxlib.h>
#include "lua/lseg.h"
#include "nn/segment.h"
#include "ops/convert/convert.h"

static void free_tensor (lua_State *L, SegTensor *t) {
  void *p = t->t.data;
  size_t n = t->block;
  t->t.data = NULL;
  t->block = 0;
  t->t.rank = 1;
  t->t.dims[0] = 0;
  seg_giveblock(L, p, n);
}

SegTensor *seg_newtensor (lua_State *L, int rank, const int64_t *dims, int zero) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || (dims[i] && n > ((int64_t)1 << 34) / dims[i]))
      luaL_error(L, "tensor too large");
    n *= dims[i];
  }
  if (n > seg_ctx(L)->max_pixels * 16)
    luaL_error(L, "tensor of %I elements exceeds the limit (16 x max_pixels)", (lua_Integer)n);
  /* valid and empty before the block exists */
  SegTensor *t = (SegTensor *)lua_newuserdatauv(L, sizeof *t, 0);
  memset(t, 0, sizeof *t);
  t->t.type = NN_F32;
  t->t.rank = 1;
  luaL_setmetatable(L, SEG_TENSOR_MT);
  size_t bytes = (size_t)n * sizeof(float);
  t->t.data = seg_takeblock(L, bytes, zero);
  t->block = bytes ? bytes : 1;
  nn_setshape(&t->t, NN_F32, rank, dims);
  return t;
}

SegTensor *seg_checktensor (lua_State *L, int idx) {
  SegTensor *t = (SegTensor *)luaL_testudata(L, idx, SEG_TENSOR_MT);
  if (!t) seg_typeerror(L, idx, SEG_TENSOR_MT);
  if (!t->t.data) luaL_argerror(L, idx, "tensor has been released");
  return t;
}

/* A shape table {d1, ..., dk} of non-negative integers. */
int seg_checkshape (lua_State *L, int idx, int64_t *dims) {
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_Integer rank = luaL_len(L, idx);
  luaL_argcheck(L, rank >= 0 && rank <= NN_MAXRANK, idx, "shape must have 0 to 8 dimensions");
  for (int i = 0; i < rank; i++) {
    lua_geti(L, idx, i + 1);
    int ok;
    lua_Integer d = lua_tointegerx(L, -1, &ok);
    lua_pop(L, 1);
    if (!ok || d < 0) luaL_argerror(L, idx, "shape dimensions must be non-negative integers");
    dims[i] = d;
  }
  return (int)rank;
}

/* seg.tensor(shape [, fill]) */
static int l_tensor (lua_State *L) {
  int64_t dims[NN_MAXRANK];
  int rank = seg_checkshape(L, 1, dims);
  float fill = (float)luaL_optnumber(L, 2, 0);
  SegTensor *t = seg_newtensor(L, rank, dims, fill == 0);
  if (fill != 0) {
    float *p = t->t.data;
    for (int64_t i = 0, n = nn_numel(&t->t); i < n; i++) p[i] = fill;
  }
  return 1;
}

/* seg.tensor_from_data(bytes, shape): little-endian float32. */
static int l_tensor_from_data (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int64_t dims[NN_MAXRANK];
  int rank = seg_checkshape(L, 2, dims);
  NnTensor probe = {0};
  nn_setshape(&probe, NN_F32, rank, dims);
  if ((uint64_t)nn_numel(&probe) * 4 != len) {
    lua_pushfstring(L, "%I bytes do not make a tensor of %I float32 values", (lua_Integer)len,
                    (lua_Integer)nn_numel(&probe));
    luaL_argerror(L, 1, lua_tostring(L, -1));
  }
  SegTensor *t = seg_newtensor(L, rank, dims, 0);
  memcpy(t->t.data, s, len);
  return 1;
}

static int l_shape (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  lua_createtable(L, t->t.rank, 0);
  for (int i = 0; i < t->t.rank; i++) {
    lua_pushinteger(L, (lua_Integer)t->t.dims[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int64_t checkindex (lua_State *L, const SegTensor *t, int first) {
  int64_t off = 0;
  for (int i = 0; i < t->t.rank; i++) {
    lua_Integer k = luaL_checkinteger(L, first + i);
    if (k < 1 || k > t->t.dims[i]) {
      lua_pushfstring(L, "index %I out of range 1..%I", k, (lua_Integer)t->t.dims[i]);
      luaL_argerror(L, first + i, lua_tostring(L, -1));
    }
    off = off * t->t.dims[i] + (k - 1);
  }
  return off;
}

static int l_get (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  luaL_argcheck(L, lua_gettop(L) == t->t.rank + 1, 2, "one index per dimension expected");
  lua_pushnumber(L, ((const float *)t->t.data)[checkindex(L, t, 2)]);
  return 1;
}

static int l_set (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  luaL_argcheck(L, lua_gettop(L) == t->t.rank + 2, 2, "one index per dimension and a value expected");
  int64_t off = checkindex(L, t, 2);
  ((float *)t->t.data)[off] = (float)luaL_checknumber(L, t->t.rank + 2);
  return 0;
}

static int l_data (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  lua_pushlstring(L, (const char *)t->t.data, (size_t)nn_numel(&t->t) * 4);
  return 1;
}

/* An axis argument: 1..rank or -rank..-1; def when absent. */
static int checkaxis (lua_State *L, int idx, const SegTensor *t, int def) {
  lua_Integer a = luaL_optinteger(L, idx, def);
  if (a < 0) a += t->t.rank + 1;
  if (a < 1 || a > t->t.rank) luaL_argerror(L, idx, "axis out of range");
  return (int)a - 1;
}

static int default_class_axis (const SegTensor *t) { return t->t.rank == 4 ? 2 : -1; }

/* Splits dims around axis a: outer * n * inner. */
static void around (const NnTensor *t, int a, int64_t *outer, int64_t *n, int64_t *inner) {
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < a; i++) *outer *= t->dims[i];
  for (int i = a + 1; i < t->rank; i++) *inner *= t->dims[i];
  *n = t->dims[a];
}

static int l_softmax (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  luaL_argcheck(L, t->t.rank > 0, 1, "tensor of rank 0");
  int a = checkaxis(L, 2, t, default_class_axis(t));
  SegTensor *o = seg_newtensor(L, t->t.rank, t->t.dims, 0);
  int64_t outer, n, inner;
  around(&t->t, a, &outer, &n, &inner);
  memcpy(o->t.data, t->t.data, (size_t)nn_numel(&t->t) * 4);
  if (n == 0) return 1;
  for (int64_t b = 0; b < outer; b++)
    nn_activate((float *)o->t.data + b * n * inner, (int)n, (size_t)inner, NN_ACT_SOFTMAX,
                seg_ctx(L)->threads);
  return 1;
}

static int l_sigmoid (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  SegTensor *o = seg_newtensor(L, t->t.rank, t->t.dims, 0);
  memcpy(o->t.data, t->t.data, (size_t)nn_numel(&t->t) * 4);
  nn_activate(o->t.data, 1, (size_t)nn_numel(&t->t), NN_ACT_SIGMOID, seg_ctx(L)->threads);
  return 1;
}

/* t:argmax([axis]) -> Labels of the class index (0 = the first class) for
** a tensor whose other dimensions are 1 but the last two (N x C x H x W
** with N = 1 is the usual). */
static int l_argmax (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  luaL_argcheck(L, t->t.rank >= 1, 1, "tensor of rank 0");
  int a = checkaxis(L, 2, t, default_class_axis(t));
  int64_t rest[NN_MAXRANK];
  int nr = 0;
  for (int i = 0; i < t->t.rank; i++)
    if (i != a) rest[nr++] = t->t.dims[i];
  int64_t H = nr >= 2 ? rest[nr - 2] : 1, W = nr >= 1 ? rest[nr - 1] : 1;
  for (int i = 0; i < nr - 2; i++)
    luaL_argcheck(L, rest[i] == 1, 1, "argmax: the dimensions besides the axis and the last two must be 1");
  luaL_argcheck(L, H > 0 && W > 0 && H <= INT32_MAX / 4 && W <= INT32_MAX / 4 && t->t.dims[a] > 0, 1,
                "argmax: empty tensor");
  SegImage *lab = seg_newimage_uninit(L, SEG_KIND_LABELS, (int)W, (int)H, 1, SEG_I32);
  int64_t outer, n, inner;
  around(&t->t, a, &outer, &n, &inner);
  const float *p = t->t.data;
  int32_t *l = (int32_t *)lab->b.data;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      const float *q = p + o * n * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < n; k++)
        if (q[k * inner] > q[best * inner]) best = k;
      l[o * inner + i] = (int32_t)best;
    }
  return 1;
}

/* t:image([index]) -> f32 Image of item 'index' (1-based) of an N x C x H x
** W tensor, or of a C x H x W or H x W one. */
static int l_image (lua_State *L) {
  SegTensor *t = seg_checktensor(L, 1);
  const NnTensor *x = &t->t;
  int64_t N = 1, C = 1, H, W;
  if (x->rank == 4) N = x->dims[0], C = x->dims[1];
  else if (x->rank == 3) C = x->dims[0];
  else luaL_argcheck(L, x->rank == 2, 1, "tensor of rank 2, 3 or 4 expected");
  H = x->dims[x->rank - 2];
  W = x->dims[x->rank - 1];
  lua_Integer idx = luaL_optinteger(L, 2, 1);
  luaL_argcheck(L, idx >= 1 && idx <= N, 2, "index out of range");
  luaL_argcheck(L, C >= 1 && C <= 1024 && H >= 1 && W >= 1 && H <= INT32_MAX / 4 && W <= INT32_MAX / 4, 1,
                "tensor too large or empty for an image");
  SegImage *im = seg_newimage_uninit(L, SEG_KIND_IMAGE, (int)W, (int)H, (int)C, SEG_F32);
  const float *src = (const float *)x->data + (idx - 1) * C * H * W;
  float *dst = (float *)im->b.data;
  for (int64_t c = 0; c < C; c++)
    for (int64_t i = 0; i < H * W; i++) dst[i * C + c] = src[c * H * W + i];
  return 1;
}

static const char *const tensor_opts[] = {"size", "mean", "std", "scale", "layout", "channels", NULL};

/* Reads a number or a table of up to C numbers into v (a number fills all). */
static void optvector (lua_State *L, int t, const char *k, float *v, int C, float def) {
  for (int i = 0; i < C; i++) v[i] = def;
  int ty = lua_getfield(L, t, k);
  if (ty == LUA_TNUMBER) {
    float x = (float)lua_tonumber(L, -1);
    for (int i = 0; i < C; i++) v[i] = x;
  } else if (ty == LUA_TTABLE) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n != C && n != 1) {
      lua_pushfstring(L, "1 or %d numbers", C);
      seg_optfielderror(L, t, k, lua_tostring(L, -1));
    }
    for (int i = 0; i < C; i++) {
      lua_rawgeti(L, -1, n == 1 ? 1 : i + 1);
      int ok;
      v[i] = (float)lua_tonumberx(L, -1, &ok);
      if (!ok) seg_optfielderror(L, t, k, "a number or a table of numbers");
      lua_pop(L, 1);
    }
  } else if (ty != LUA_TNIL) seg_optfielderror(L, t, k, "a number or a table of numbers");
  lua_pop(L, 1);
}

void seg_readnorm (lua_State *L, int t, const SegImage *im, int C, NnNorm *nm) {
  double sdef = im->b.dtype == SEG_U8 ? 1.0 / 255 : im->b.dtype == SEG_U16 ? 1.0 / 65535 : 1.0;
  int has = t != 0 && lua_istable(L, t);
  nm->scale = (float)(has ? seg_optnumberfield(L, t, "scale", sdef) : sdef);
  if (has) {
    optvector(L, t, "mean", nm->mean, C, 0.f);
    optvector(L, t, "std", nm->std, C, 1.f);
  } else {
    for (int i = 0; i < C; i++) nm->mean[i] = 0.f, nm->std[i] = 1.f;
  }
  for (int i = 0; i < C; i++)
    if (!(nm->std[i] != 0) || !isfinite(nm->std[i])) seg_optfielderror(L, t, "std", "finite and non-zero");
}

/* img:tensor{size=, mean=, std=, scale=, layout="nchw"|"nhwc", channels=}
** -> 1 x C x H x W Tensor of (pixel * scale - mean) / std. */
static int l_img_tensor (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  int has = seg_checkoptions(L, 2, tensor_opts);
  int C = im->b.c;
  if (has) C = (int)seg_optintegerfield(L, 2, "channels", C);
  luaL_argcheck(L, C >= 1 && C <= 16 && (C == im->b.c || C == 1 || C == 3), 2,
                "channels must be the image's, 1 or 3");
  static const char *const layouts[] = {"nchw", "nhwc", NULL};
  int layout = has ? seg_optoptionfield(L, 2, "layout", 0, layouts) : 0;
  NnNorm nm;
  seg_readnorm(L, 2, im, C, &nm);
  const SegImage *src = im;
  int w, h;
  if (has && seg_optsizefield(L, 2, "size", &w, &h)) {
    SegImage *r = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, im->b.c, im->b.dtype);
    if (seg_resize(&im->b, &r->b, SEG_RESIZE_BILINEAR, seg_ctx(L)->threads) != 0)
      return luaL_error(L, "not enough memory");
    src = r;
  }
  int64_t dims[4] = {1, C, src->b.h, src->b.w};
  if (layout == 1) dims[1] = src->b.h, dims[2] = src->b.w, dims[3] = C;
  SegTensor *t = seg_newtensor(L, 4, dims, 0);
  if (layout == 0) {
    nn_image_window(&src->b, 0, 0, src->b.w, src->b.h, C, &nm, t->t.data, seg_ctx(L)->threads);
  } else {
    /* planar first, then interleaved into the tensor */
    size_t hw = (size_t)src->b.w * src->b.h;
    float *tmp = seg_pushscratch(L, hw * (size_t)C * sizeof(float));
    nn_image_window(&src->b, 0, 0, src->b.w, src->b.h, C, &nm, tmp, seg_ctx(L)->threads);
    float *d = t->t.data;
    for (int c = 0; c < C; c++)
      for (size_t i = 0; i < hw; i++) d[i * C + c] = tmp[c * hw + i];
    lua_pushvalue(L, -2);   /* the tensor; the scratch closes on return */
  }
  return 1;
}

static int l_release (lua_State *L) {
  SegTensor *t = (SegTensor *)luaL_checkudata(L, 1, SEG_TENSOR_MT);
  if (t->t.data) free_tensor(L, t);
  return 0;
}

static int l_tostring (lua_State *L) {
  SegTensor *t = (SegTensor *)luaL_checkudata(L, 1, SEG_TENSOR_MT);
  if (!t->t.data) {
    lua_pushliteral(L, "seg.Tensor (released)");
    return 1;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "seg.Tensor ");
  for (int i = 0; i < t->t.rank; i++) {
    if (i) luaL_addchar(&b, 'x');
    lua_pushinteger(L, (lua_Integer)t->t.dims[i]);
    luaL_addvalue(&b);
  }
  if (t->t.rank == 0) luaL_addstring(&b, "scalar");
  luaL_addstring(&b, ", float32");
  luaL_pushresult(&b);
  return 1;
}

static const luaL_Reg tensor_methods[] = {
  {"shape", l_shape}, {"get", l_get}, {"set", l_set}, {"data", l_data},
  {"softmax", l_softmax}, {"sigmoid", l_sigmoid}, {"argmax", l_argmax},
  {"image", l_image}, {"release", l_release}, {NULL, NULL}};
static const luaL_Reg tensor_meta[] = {
  {"__gc", l_release}, {"__close", l_release}, {"__tostring", l_tostring}, {NULL, NULL}};
static const luaL_Reg funcs[] = {
  {"tensor", l_tensor}, {"tensor_from_data", l_tensor_from_data}, {NULL, NULL}};
static const luaL_Reg image_methods[] = {{"tensor", l_img_tensor}, {NULL, NULL}};

/* Expects module, methods on the stack (as seg_open_image leaves them). */
void seg_open_tensor (lua_State *L) {
  seg_register(L, image_methods);
  luaL_newmetatable(L, SEG_TENSOR_MT);
  seg_register(L, tensor_meta);
  lua_newtable(L);
  seg_register(L, tensor_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

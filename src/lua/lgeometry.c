/* lgeometry.c — bindings: flip, rotate90, transpose, pad, paste,
** paste_into, hstack, vstack, montage. Every kind keeps its kind (Image of
** any dtype and channels, Mask, Labels); the composing functions promote
** mixed inputs by one rule (common_type below, docs/geometry.md). */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/geometry/geometry.h"

#define MAX_SIDE (INT32_MAX / 4)   /* as resize: widths and heights stay far from overflow */

/* ---------- flip, rotate90, transpose ---------- */

/* img:flip(axis) with axis "x"/"horizontal" (left-right), "y"/"vertical"
** (top-bottom), "both", or cv2.flip's codes 1, 0, -1. */
static int l_flip (lua_State *L) {
  static const char *const axes[] = {"x", "horizontal", "y", "vertical", "both", NULL};
  SegImage *im = seg_checkimage(L, 1);
  int fx, fy;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    lua_Integer code = luaL_checkinteger(L, 2);
    luaL_argcheck(L, code >= -1 && code <= 1, 2, "flip code must be 1, 0 or -1");
    fx = code != 0;
    fy = code <= 0;
  } else {
    int a = luaL_checkoption(L, 2, NULL, axes);
    fx = a <= 1 || a == 4;
    fy = a >= 2;
  }
  SegImage *out = seg_newimage_uninit(L, im->kind, im->b.w, im->b.h, im->b.c, im->b.dtype);
  seg_flip(&im->b, &out->b, fx, fy, seg_ctx(L)->threads);
  return 1;
}

static int turn (lua_State *L, SegImage *im, int how) {
  SegImage *out = seg_newimage_uninit(L, im->kind, im->b.h, im->b.w, im->b.c, im->b.dtype);
  seg_turn(&im->b, &out->b, how, seg_ctx(L)->threads);
  return 1;
}

/* img:rotate90([k]) -> k counter-clockwise quarter turns (np.rot90(a, k));
** negative k turns clockwise. */
static int l_rotate90 (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 1) % 4;
  if (k < 0) k += 4;
  if (k == 0) { seg_pushcopy(L, im); return 1; }
  if (k == 2) {
    SegImage *out = seg_newimage_uninit(L, im->kind, im->b.w, im->b.h, im->b.c, im->b.dtype);
    seg_flip(&im->b, &out->b, 1, 1, seg_ctx(L)->threads);
    return 1;
  }
  return turn(L, im, k == 1 ? SEG_TURN_CCW : SEG_TURN_CW);
}

/* img:transpose() -> out(x, y) = img(y, x) */
static int l_transpose (lua_State *L) {
  return turn(L, seg_checkimage(L, 1), SEG_TURN_TRANSPOSE);
}

/* ---------- fill values ---------- */

/* Reads the fill value at stack index v (a number for every channel, or a
** table of one number per channel) into 'pixel' as dtype t, naming option
** 'key' of the options table at 'arg' in errors. Integer dtypes take
** integers in their range only (no silent rounding or wrapping), a Mask 0
** or 1. Returns 0 when v is nil (the caller's default). */
static void putfill (lua_State *L, int arg, const char *key, double x, SegKind kind,
                     SegDtype t, uint8_t *p) {
  if (kind == SEG_KIND_MASK) {
    if (x != 0 && x != 1) seg_optfielderror(L, arg, key, "0 or 1 for a Mask");
    *p = (uint8_t)x;
  } else if (t == SEG_F32) {
    float f = (float)x;
    memcpy(p, &f, 4);
  } else {
    double lo = t == SEG_I32 ? -2147483648.0 : 0.0;
    double hi = t == SEG_U8 ? 255.0 : t == SEG_U16 ? 65535.0 : 2147483647.0;
    if (x != floor(x) || x < lo || x > hi) {
      lua_pushfstring(L, "an integer in %d..%d for %s", (int)lo, (int)hi, seg_dtype_name(t));
      seg_optfielderror(L, arg, key, lua_tostring(L, -1));
    }
    if (t == SEG_U8) *p = (uint8_t)x;
    else if (t == SEG_U16) { uint16_t u = (uint16_t)x; memcpy(p, &u, 2); }
    else { int32_t i = (int32_t)x; memcpy(p, &i, 4); }
  }
}

static int readfill (lua_State *L, int arg, const char *key, int v, SegKind kind,
                     SegDtype t, int c, uint8_t *pixel) {
  if (lua_isnil(L, v)) return 0;
  size_t es = seg_dtype_size(t);
  if (lua_type(L, v) == LUA_TTABLE) {
    if (luaL_len(L, v) != c) {
      lua_pushfstring(L, "a number or a table of %d numbers", c);
      seg_optfielderror(L, arg, key, lua_tostring(L, -1));
    }
    for (int k = 0; k < c; k++) {
      lua_geti(L, v, k + 1);
      int ok;
      double x = lua_tonumberx(L, -1, &ok);
      if (!ok || x != x) seg_optfielderror(L, arg, key, "a number or a table of numbers");
      lua_pop(L, 1);
      putfill(L, arg, key, x, kind, t, pixel + (size_t)k * es);
    }
  } else {
    int ok;
    double x = lua_tonumberx(L, v, &ok);
    if (!ok || x != x) seg_optfielderror(L, arg, key, "a number or a table of numbers");
    for (int k = 0; k < c; k++) putfill(L, arg, key, x, kind, t, pixel + (size_t)k * es);
  }
  return 1;
}

/* ---------- pad ---------- */

static lua_Integer padfield (lua_State *L, const char *k) {
  lua_Integer n = seg_optintegerfield(L, 2, k, 0);
  if (n < 0 || n > MAX_SIDE) seg_optfielderror(L, 2, k, "a padding in 0..536870911");
  return n;
}

/* img:pad(n | {left=, right=, top=, bottom=} [, {mode=, value=}]) -> the
** image grown by np.pad(mode): "constant" (value, default 0), "edge",
** "reflect" (without the edge pixel: BORDER_REFLECT_101), "symmetric"
** (with it: BORDER_REFLECT), "wrap". */
static int l_pad (lua_State *L) {
  static const char *const sides[] = {"left", "right", "top", "bottom", NULL};
  static const char *const keys[] = {"mode", "value", NULL};
  static const char *const modes[] = {"constant", "edge", "reflect", "symmetric", "wrap", NULL};
  seg_checkimage(L, 1);
  lua_settop(L, 3);
  lua_Integer l, r, t, b;
  if (lua_type(L, 2) == LUA_TTABLE) {
    seg_checkoptions(L, 2, sides);
    l = padfield(L, "left"); r = padfield(L, "right");
    t = padfield(L, "top"); b = padfield(L, "bottom");
  } else {
    int ok;
    lua_Integer n = lua_tointegerx(L, 2, &ok);
    if (!ok) return seg_typeerror(L, 2, "integer or table of sides");
    luaL_argcheck(L, n >= 0 && n <= MAX_SIDE, 2, "padding must be in 0..536870911");
    l = r = t = b = n;
  }
  seg_checkoptions(L, 3, keys);
  int mode = seg_optoptionfield(L, 3, "mode", SEG_PAD_CONSTANT, modes);
  if (!lua_isnil(L, 3)) lua_getfield(L, 3, "value");
  else lua_pushnil(L);                                   /* 4: value */
  SegImage *im = seg_checkimage(L, 1);                   /* live again after the reads */
  luaL_argcheck(L, lua_isnil(L, 4) || mode == SEG_PAD_CONSTANT, 3,
                "'value' goes with mode \"constant\" only");
  size_t pxb = (size_t)im->b.c * seg_dtype_size(im->b.dtype);
  uint8_t *pixel = seg_pushscratch(L, pxb);              /* 5 */
  memset(pixel, 0, pxb);
  readfill(L, 3, "value", 4, im->kind, im->b.dtype, im->b.c, pixel);
  im = seg_checkimage(L, 1);                             /* the value's reads ran Lua too */
  lua_Integer ow = im->b.w + l + r, oh = im->b.h + t + b;
  luaL_argcheck(L, ow <= MAX_SIDE && oh <= MAX_SIDE, 2, "padding too large");
  int32_t *map = seg_pushscratch(L, (size_t)(ow + oh) * sizeof(int32_t));
  seg_pad_map(map, im->b.w, (int)l, (int)r, mode);
  seg_pad_map(map + ow, im->b.h, (int)t, (int)b, mode);
  SegImage *out = seg_newimage_uninit(L, im->kind, (int)ow, (int)oh, im->b.c, im->b.dtype);
  seg_pad(&im->b, &out->b, map, map + ow, (int)l, pixel, seg_ctx(L)->threads);
  return 1;
}

/* ---------- promotion rules ---------- */

static int dtype_rank (SegDtype t) { return t == SEG_U8 ? 0 : t == SEG_U16 ? 1 : 2; }

static int can_widen (SegDtype s, SegDtype d) {
  if (s == SEG_I32 || d == SEG_I32) return s == d;
  return dtype_rank(s) <= dtype_rank(d);
}

static int can_rechannel (int s, int d) {
  return s == d || (s == 1 && (d == 3 || d == 4)) || (s == 3 && d == 4) || (s == 2 && d == 4);
}

typedef struct Type { SegKind kind; SegDtype dtype; int c; } Type;

/* src as a buffer of type 'to' (kind, dtype, channels): itself when it
** already is one, else a promoted copy pushed on the stack. The caller
** has checked the conversion is allowed. */
static const SegBuf *as_type (lua_State *L, const SegImage *src, const Type *to) {
  int mask = src->kind == SEG_KIND_MASK && to->kind != SEG_KIND_MASK;
  if (!mask && src->b.dtype == to->dtype && src->b.c == to->c) return &src->b;
  SegImage *tmp = seg_newimage_uninit(L, SEG_KIND_IMAGE, src->b.w, src->b.h, to->c, to->dtype);
  seg_promote(&src->b, mask, &tmp->b, seg_ctx(L)->threads);
  return &tmp->b;
}

/* The common type of images at stack slots first .. first+n-1 (checked
** live), raising on argument 'arg': all Masks stay a Mask, all Labels stay
** Labels, Labels mix with nothing else; otherwise an Image whose dtype is
** the widest (u8 < u16 < f32, a Mask counting as u8; i32 Images only with
** i32 Images of the same channels) and whose channels are common to all
** (equal, or 3 when gray meets RGB, 4 when gray+alpha or RGBA is there). */
static Type common_type (lua_State *L, int arg, int first, int n) {
  Type t = {SEG_KIND_MASK, SEG_U8, 1};
  int nmask = 0, nlab = 0, has24 = 0, big = 0, same_c = 1, c0 = -1, i32 = 0;
  int rank = 0;
  for (int i = 0; i < n; i++) {
    const SegImage *im = seg_testimage(L, first + i);
    if (!im || seg_isreleased(im)) {
      lua_pushfstring(L, "image expected at index %d", i + 1);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    if (im->kind == SEG_KIND_MASK) nmask++;
    if (im->kind == SEG_KIND_LABELS) nlab++;
    if (im->b.dtype == SEG_I32 && im->kind == SEG_KIND_IMAGE) i32++;
    else if (im->b.dtype != SEG_I32 && dtype_rank(im->b.dtype) > rank) rank = dtype_rank(im->b.dtype);
    if (c0 < 0) c0 = im->b.c;
    if (im->b.c != c0) same_c = 0;
    if (im->b.c == 2 || im->b.c == 4) has24 = 1;
    if (im->b.c > 4) big = 1;
  }
  if (nlab && nlab != n) luaL_argerror(L, arg, "Labels mix only with Labels (colorize() them first)");
  if (nlab == n) { t.kind = SEG_KIND_LABELS; t.dtype = SEG_I32; return t; }
  if (nmask == n) return t;
  t.kind = SEG_KIND_IMAGE;
  if (i32 && (i32 != n || !same_c)) luaL_argerror(L, arg, "i32 images mix only with i32 images of the same channels");
  if (i32) { t.dtype = SEG_I32; t.c = c0; return t; }
  t.dtype = rank == 0 ? SEG_U8 : rank == 1 ? SEG_U16 : SEG_F32;
  if (same_c) t.c = c0;
  else if (big) luaL_argerror(L, arg, "images differ in channels (more than 4)");
  else t.c = has24 ? 4 : 3;
  return t;
}

/* ---------- paste ---------- */

/* dst's type must take src by widening alone. */
static void check_paste (lua_State *L, const SegImage *dst, const SegImage *src) {
  if (dst->kind != SEG_KIND_IMAGE || src->kind == SEG_KIND_LABELS) {
    luaL_argcheck(L, src->kind == dst->kind, 2,
                  dst->kind == SEG_KIND_MASK ? "a Mask takes a Mask only"
                  : dst->kind == SEG_KIND_LABELS ? "Labels take Labels only"
                  : "Labels paste into Labels only");
    return;
  }
  if (!can_widen(src->b.dtype, dst->b.dtype)) {
    lua_pushfstring(L, "%s does not widen to %s; convert it with :to()",
                    seg_dtype_name(src->b.dtype), seg_dtype_name(dst->b.dtype));
    luaL_argerror(L, 2, lua_tostring(L, -1));
  }
  if (!can_rechannel(src->b.c, dst->b.c)) {
    lua_pushfstring(L, "%d channels do not widen to %d", src->b.c, dst->b.c);
    luaL_argerror(L, 2, lua_tostring(L, -1));
  }
}

static int paste (lua_State *L, int inplace) {
  SegImage *dst = seg_checkimage(L, 1);
  SegImage *src = seg_checkimage(L, 2);
  lua_Integer x = luaL_checkinteger(L, 3), y = luaL_checkinteger(L, 4);
  check_paste(L, dst, src);
  lua_settop(L, 4);
  Type to = {dst->kind, dst->b.dtype, dst->b.c};
  /* clipped away entirely: nothing to convert */
  int hit = x < dst->b.w && y < dst->b.h && x > -(lua_Integer)src->b.w && y > -(lua_Integer)src->b.h;
  const SegBuf *s = hit ? as_type(L, src, &to) : NULL;
  SegImage *out = dst;
  if (!inplace) {
    out = seg_pushcopy(L, dst);
  } else lua_pushvalue(L, 1);
  if (hit) {
    if (inplace && s == &src->b && src->b.data == dst->b.data) {
      /* pasting an image into itself: copy through a snapshot */
      SegImage *snap = seg_pushcopy(L, src);
      s = &snap->b;
      lua_pushvalue(L, 1);
    }
    seg_blit(s, &out->b, (int)x, (int)y);
  }
  return 1;
}

/* img:paste(src, x, y) -> copy of img with src's top-left corner at
** (x, y), clipped to img; src is widened to img's type (docs). */
static int l_paste (lua_State *L) { return paste(L, 0); }
/* img:paste_into(src, x, y) -> img, changed in place. */
static int l_paste_into (lua_State *L) { return paste(L, 1); }

/* ---------- hstack, vstack, montage ---------- */

/* Pushes the n elements of the list at index 1 at slots base .. base+n-1
** (each read once, so a proxy cannot change what was checked). */
static int readlist (lua_State *L, int maxn) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer len = luaL_len(L, 1);
  luaL_argcheck(L, len >= 1, 1, "at least one image expected");
  luaL_argcheck(L, len <= maxn, 1, "too many images");
  int n = (int)len;
  luaL_checkstack(L, 2 * n + 16, "too many images");
  for (int i = 1; i <= n; i++) lua_geti(L, 1, i);
  return n;
}

/* Images at slots base .. base+n-1 converted to type t: their buffers. */
static void convert_all (lua_State *L, int base, int n, const Type *t, const SegBuf **bufs) {
  for (int i = 0; i < n; i++) bufs[i] = as_type(L, seg_testimage(L, base + i), t);
}

static int stack (lua_State *L, int horizontal) {
  lua_settop(L, 1);
  int n = readlist(L, 4096), base = 2;
  Type t = common_type(L, 1, base, n);
  int64_t len = 0, other = -1;
  for (int i = 0; i < n; i++) {
    const SegImage *im = seg_testimage(L, base + i);
    int along = horizontal ? im->b.w : im->b.h, across = horizontal ? im->b.h : im->b.w;
    if (other < 0) other = across;
    else if (across != other)
      luaL_argerror(L, 1, horizontal ? "images differ in height" : "images differ in width");
    len += along;
  }
  luaL_argcheck(L, len <= MAX_SIDE, 1, "result too large");
  const SegBuf **bufs = seg_pushscratch(L, (size_t)n * sizeof *bufs);
  convert_all(L, base, n, &t, bufs);
  int w = horizontal ? (int)len : (int)other, h = horizontal ? (int)other : (int)len;
  SegImage *out = seg_newimage_uninit(L, t.kind, w, h, t.c, t.dtype);
  int at = 0;
  for (int i = 0; i < n; i++) {
    seg_blit(bufs[i], &out->b, horizontal ? at : 0, horizontal ? 0 : at);
    at += horizontal ? bufs[i]->w : bufs[i]->h;
  }
  return 1;
}

/* seg.hstack{a, b, ...} -> side by side (equal heights), cv2.hconcat */
static int l_hstack (lua_State *L) { return stack(L, 1); }
/* seg.vstack{a, b, ...} -> one above the other (equal widths), cv2.vconcat */
static int l_vstack (lua_State *L) { return stack(L, 0); }

/* seg.montage(list [, {cols=, rows=, pad=, fill=}]) -> a grid of the
** images, row by row, as skimage.util.montage(grid_shape=(rows, cols),
** padding_width=pad, fill=fill): by default a ceil(sqrt(n)) square grid,
** no padding, filled with the mean of all pixels (per channel, cast to the
** dtype as numpy's astype). Images of different sizes sit at the top left
** of cells as large as the largest. */
static int l_montage (lua_State *L) {
  static const char *const keys[] = {"cols", "rows", "pad", "fill", NULL};
  lua_settop(L, 2);
  seg_checkoptions(L, 2, keys);
  lua_Integer cols = seg_optintegerfield(L, 2, "cols", 0);
  lua_Integer rows = seg_optintegerfield(L, 2, "rows", 0);
  lua_Integer pad = seg_optintegerfield(L, 2, "pad", 0);
  if (cols < 0 || cols > 65536) seg_optfielderror(L, 2, "cols", "in 1..65536");
  if (rows < 0 || rows > 65536) seg_optfielderror(L, 2, "rows", "in 1..65536");
  if (pad < 0 || pad > 65536) seg_optfielderror(L, 2, "pad", "in 0..65536");
  if (!lua_isnil(L, 2)) lua_getfield(L, 2, "fill");
  else lua_pushnil(L);                                  /* 3: fill */
  lua_pushvalue(L, 1);
  lua_replace(L, 1);
  int n = readlist(L, 65536), base = 4;
  Type t = common_type(L, 1, base, n);
  if (!rows && !cols) {
    int k = (int)ceil(sqrt((double)n));
    while ((int64_t)k * k < n) k++;
    rows = cols = k;
  } else if (!rows) rows = (n + cols - 1) / cols;
  else if (!cols) cols = (n + rows - 1) / rows;
  else if (rows * cols < n) luaL_argerror(L, 2, "rows * cols is less than the number of images");
  int64_t cw = 0, chh = 0;
  for (int i = 0; i < n; i++) {
    const SegImage *im = seg_testimage(L, base + i);
    if (im->b.w > cw) cw = im->b.w;
    if (im->b.h > chh) chh = im->b.h;
  }
  int64_t W = (cw + pad) * cols + pad, H = (chh + pad) * rows + pad;
  luaL_argcheck(L, W <= MAX_SIDE && H <= MAX_SIDE, 1, "montage too large");
  size_t pxb = (size_t)t.c * seg_dtype_size(t.dtype);
  uint8_t *pixel = seg_pushscratch(L, pxb);
  memset(pixel, 0, pxb);
  int fill_mean = lua_type(L, 3) == LUA_TSTRING && strcmp(lua_tostring(L, 3), "mean") == 0;
  if (!fill_mean && lua_isnil(L, 3)) fill_mean = 1;
  else if (!fill_mean && lua_type(L, 3) == LUA_TSTRING)
    seg_optfielderror(L, 2, "fill", "\"mean\", a number or a table of numbers");
  if (!fill_mean) {
    readfill(L, 2, "fill", 3, t.kind, t.dtype, t.c, pixel);
    common_type(L, 1, base, n);                         /* still live after those reads */
  }
  const SegBuf **bufs = seg_pushscratch(L, (size_t)n * sizeof *bufs);
  convert_all(L, base, n, &t, bufs);
  if (fill_mean) {
    double *sum = seg_pushscratch(L, (size_t)t.c * sizeof(double));
    memset(sum, 0, (size_t)t.c * sizeof(double));
    double count = 0;
    for (int i = 0; i < n; i++) {
      seg_channel_sums(bufs[i], sum);
      count += (double)bufs[i]->w * (double)bufs[i]->h;
    }
    size_t es = seg_dtype_size(t.dtype);
    for (int k = 0; k < t.c; k++) {
      double m = sum[k] / count;        /* numpy: mean, then astype(dtype) truncates */
      uint8_t *p = pixel + (size_t)k * es;
      if (t.dtype == SEG_U8) *p = (uint8_t)m;
      else if (t.dtype == SEG_U16) { uint16_t u = (uint16_t)m; memcpy(p, &u, 2); }
      else if (t.dtype == SEG_I32) { int32_t v = (int32_t)m; memcpy(p, &v, 4); }
      else { float f = (float)m; memcpy(p, &f, 4); }
    }
  }
  SegImage *out = seg_newimage_uninit(L, t.kind, (int)W, (int)H, t.c, t.dtype);
  seg_fill(&out->b, pixel, seg_ctx(L)->threads);
  for (int i = 0; i < n; i++) {
    int64_t r = i / cols, c = i % cols;
    seg_blit(bufs[i], &out->b, (int)(pad + (cw + pad) * c),
             (int)(pad + (chh + pad) * r));
  }
  return 1;
}

static const luaL_Reg methods[] = {
  {"flip", l_flip}, {"rotate90", l_rotate90}, {"transpose", l_transpose}, {"pad", l_pad},
  {"paste", l_paste}, {"paste_into", l_paste_into}, {NULL, NULL}};
static const luaL_Reg funcs[] = {
  {"hstack", l_hstack}, {"vstack", l_vstack}, {"montage", l_montage}, {NULL, NULL}};

void seg_open_geometry (lua_State *L) {
  seg_register(L, methods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

/* lconvert.c — bindings for dtype/colour/channel conversion and resize. */
#include "lseg.h"
#include "ops/convert/convert.h"

static const char *const out_only[] = {"out", NULL};

/* The options table at 'oi' ({out=} only) read, then the image at 1
** checked again: reading options can run Lua code that releases it. */
static SegImage *opts_then_image (lua_State *L, int oi, int *oidx) {
  seg_checkoptions(L, oi, out_only);
  *oidx = seg_optout(L, oi);
  return seg_checkimage(L, 1);
}

/* img:to(dtype [, scale [, {out=}]]) -> Image; saturating, rounded to
** nearest. Element-wise: 'out' may be the image itself. */
static int l_to (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  SegDtype t = seg_checkdtype(L, 2);
  int oi = lua_istable(L, 3) ? 3 : 4;
  double scale = oi == 3 ? 1.0 : luaL_optnumber(L, 3, 1.0);
  int oidx;
  im = opts_then_image(L, oi, &oidx);
  luaL_argcheck(L, im->b.c <= 4 || t == SEG_F32, 2, "more than 4 channels needs dtype f32");
  SegImage *out = seg_pushout(L, oi, oidx, SEG_KIND_IMAGE, im->b.w, im->b.h, im->b.c, t);
  seg_convert(&im->b, &out->b, scale, seg_ctx(L)->threads);
  return 1;
}

/* img:gray([{out=}]) -> 1-channel Image (BT.601 luma as OpenCV's RGB2GRAY). */
static int l_gray (lua_State *L) {
  int oidx;
  SegImage *im = seg_checkimage(L, 1);
  im = opts_then_image(L, 2, &oidx);
  luaL_argcheck(L, im->b.c <= 4, 1, "gray needs 1 to 4 channels");
  SegImage *out = seg_pushout(L, 2, oidx, SEG_KIND_IMAGE, im->b.w, im->b.h, 1, im->b.dtype);
  if (out->b.data != im->b.data)   /* a 1-channel image into itself: nothing to do */
    seg_gray(&im->b, &out->b, seg_ctx(L)->threads);
  return 1;
}

/* img:rgb([{out=}]) -> 3-channel Image (gray replicated, alpha dropped). */
static int l_rgb (lua_State *L) {
  int oidx;
  SegImage *im = seg_checkimage(L, 1);
  im = opts_then_image(L, 2, &oidx);
  luaL_argcheck(L, im->b.c <= 4, 1, "rgb needs 1 to 4 channels");
  SegImage *out = seg_pushout(L, 2, oidx, SEG_KIND_IMAGE, im->b.w, im->b.h, 3, im->b.dtype);
  if (out->b.data != im->b.data)   /* a 3-channel image into itself: nothing to do */
    seg_rgb(&im->b, &out->b, seg_ctx(L)->threads);
  return 1;
}

/* img:channel(i [, {out=}]) -> 1-channel Image of channel i (1-based). */
static int l_channel (lua_State *L) {
  int oidx;
  SegImage *im = seg_checkimage(L, 1);
  lua_Integer i = luaL_checkinteger(L, 2);
  im = opts_then_image(L, 3, &oidx);
  luaL_argcheck(L, i >= 1 && i <= im->b.c, 2, "channel out of range");
  SegImage *out = seg_pushout(L, 3, oidx, SEG_KIND_IMAGE, im->b.w, im->b.h, 1, im->b.dtype);
  if (out->b.data != im->b.data)   /* channel 1 of a 1-channel image into itself */
    seg_extract_channel(&im->b, &out->b, (int)i - 1);
  return 1;
}

/* seg.merge{a, b, ...} -> Image whose channels are those of a, b, ...
** Each element is read once, onto the stack, so a table whose __index
** answers differently on a second read cannot change what was checked. */
static int l_merge (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer len = luaL_len(L, 1);
  luaL_argcheck(L, len >= 1, 1, "at least one image expected");
  luaL_argcheck(L, len <= 1024, 1, "too many images");
  int n = (int)len;
  luaL_checkstack(L, n + 8, "too many images");
  lua_settop(L, 1);
  for (int i = 1; i <= n; i++) lua_geti(L, 1, i);   /* images at 2 .. n+1 */
  int c = 0;
  const SegImage *first = NULL;
  for (int i = 1; i <= n; i++) {
    const SegImage *im = seg_testimage(L, 1 + i);
    if (!im || seg_isreleased(im)) luaL_argerror(L, 1, "table of images expected");
    if (!first) first = im;
    else if (im->b.w != first->b.w || im->b.h != first->b.h) luaL_argerror(L, 1, "images differ in size");
    else if (im->b.dtype != first->b.dtype) luaL_argerror(L, 1, "images differ in dtype");
    c += im->b.c;
  }
  luaL_argcheck(L, c <= 4 || first->b.dtype == SEG_F32, 1, "more than 4 channels needs dtype f32");
  luaL_argcheck(L, c <= 1024, 1, "too many channels");
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, first->b.w, first->b.h, c, first->b.dtype);
  int at = 0;
  for (int i = 1; i <= n; i++) {
    const SegImage *im = seg_testimage(L, 1 + i);
    for (int k = 0; k < im->b.c; k++) {
      if (im->b.c == 1) seg_insert_channel(&im->b, &out->b, at + k);
      else {
        /* channel k of a multi-channel input, through a strided view */
        for (int y = 0; y < im->b.h; y++) {
          size_t es = seg_dtype_size(im->b.dtype);
          const uint8_t *s = seg_row(&im->b, y) + (size_t)k * es;
          uint8_t *d = seg_row(&out->b, y) + (size_t)(at + k) * es;
          for (int x = 0; x < im->b.w; x++)
            for (size_t q = 0; q < es; q++)
              d[(size_t)x * (size_t)c * es + q] = s[(size_t)x * (size_t)im->b.c * es + q];
        }
      }
    }
    at += im->b.c;
  }
  return 1;
}

/* img:resize(w, h [, method]) with method "bilinear" (default), "nearest"
** or "area". Masks and Labels keep their kind and use nearest. */
static int l_resize (lua_State *L) {
  static const char *const methods[] = {"nearest", "bilinear", "area", NULL};
  SegImage *im = seg_checkimage(L, 1);
  lua_Integer w = luaL_checkinteger(L, 2), h = luaL_checkinteger(L, 3);
  luaL_argcheck(L, w > 0 && w <= INT32_MAX / 4, 2, "width must be positive");
  luaL_argcheck(L, h > 0 && h <= INT32_MAX / 4, 3, "height must be positive");
  int def = im->kind == SEG_KIND_IMAGE ? SEG_RESIZE_BILINEAR : SEG_RESIZE_NEAREST;
  int m = lua_isnoneornil(L, 4) ? def : luaL_checkoption(L, 4, NULL, methods);
  luaL_argcheck(L, im->kind == SEG_KIND_IMAGE || m == SEG_RESIZE_NEAREST, 4,
                "masks and labels resize with 'nearest' only");
  SegImage *out = seg_newimage_uninit(L, im->kind, (int)w, (int)h, im->b.c, im->b.dtype);
  if (seg_resize(&im->b, &out->b, m, seg_ctx(L)->threads) != 0)
    return luaL_error(L, "not enough memory");
  return 1;
}

static const luaL_Reg funcs[] = {{"merge", l_merge}, {NULL, NULL}};
static const luaL_Reg methods[] = {
  {"to", l_to}, {"gray", l_gray}, {"rgb", l_rgb}, {"channel", l_channel},
  {"resize", l_resize}, {NULL, NULL}};

void seg_open_convert (lua_State *L) {
  seg_register(L, methods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

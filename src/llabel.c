/* llabel.c — bindings for the label family: labelling, region measurements
** and label-map utilities. */
#include <math.h>
#include "lseg.h"
#include "label.h"

static int checkconn (lua_State *L, int idx) {
  lua_Integer c = luaL_optinteger(L, idx, 8);
  luaL_argcheck(L, c == 4 || c == 8, idx, "connectivity must be 4 or 8");
  return (int)c;
}

/* Pushes an uninitialised scratch userdata of n int32 elements. */
static int32_t *pushscratch (lua_State *L, size_t n) {
  return (int32_t *)lua_newuserdatauv(L, n * sizeof(int32_t), 0);
}

/* m:label([connectivity]) -> Labels, n
** img:label([connectivity [, {background = v | false}]]) -> Labels, n
** Equal-valued neighbours are connected (skimage.measure.label). */
static int l_label (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  SegLabelOpts o = {checkconn(L, 2), im->kind == SEG_KIND_MASK, 1, 0};
  if (!o.binary) {
    seg_checkchannels(L, 1, im, 1);
    if (!lua_isnoneornil(L, 3)) {
      luaL_checktype(L, 3, LUA_TTABLE);
      int t = lua_getfield(L, 3, "background");
      if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) o.has_bg = 0;
      else if (t != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint) luaL_argerror(L, 3, "background must be an integer or false");
        o.bg = (int64_t)v;
      }
      lua_pop(L, 1);
    }
  }
  int threads = seg_ctx(L)->threads;
  size_t n = seg_label_scratch(im->b.w, im->b.h, &o, threads);
  if (n == 0) luaL_argerror(L, 1, "image too large to label");
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, im->b.w, im->b.h, 1, SEG_I32);
  int32_t *scratch = pushscratch(L, n);
  int32_t count = seg_label(&im->b, &out->b, &o, threads, scratch);
  lua_pop(L, 1);
  lua_pushinteger(L, count);
  return 2;
}

void seg_open_label (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"label", l_label},
    {NULL, NULL}
  };
  seg_register(L, methods);
}

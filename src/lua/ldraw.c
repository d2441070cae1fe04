/* ldraw.c — bindings for pictures: lab:colorize, img:overlay and
** img:draw_boundaries, all returning RGB u8 Images. */
#include "lseg.h"
#include "ops/draw/draw.h"
#include "ops/label/regions.h"
#include "ops/convert/convert.h"

/* Pushes the colour table of lab (a userdata, 4 bytes per id), with its
** largest id in *mx and the label map to paint in *view: lab itself, or,
** for labels far above the pixel count, a copy renumbered 1..n (pushed
** first, with the values' scratch) whose colours are those of the values,
** so memory follows the pixels. Returns the number of values pushed. */
static int pushlut (lua_State *L, const SegImage *lab, uint32_t seed, int32_t *mx,
                    const SegBuf **view) {
  int threads = seg_ctx(L)->threads;
  const int32_t *vals = NULL;
  int pushed = 1;
  *view = &lab->b;
  *mx = seg_labels_max(&lab->b, threads);
  if (*mx < 0) *mx = 0;
  if (!seg_labels_dense(*mx, (int64_t)lab->b.w * lab->b.h)) {
    SegImage *c = seg_newimage_uninit(L, SEG_KIND_LABELS, lab->b.w, lab->b.h, 1, SEG_I32);
    int32_t *map = lua_newuserdatauv(L, seg_relabel_scratch(&lab->b, *mx) * sizeof *map, 0);
    *mx = seg_relabel(&lab->b, &c->b, *mx, map);
    *view = &c->b; vals = map; pushed = 3;
  }
  uint8_t *lut = lua_newuserdatauv(L, 4 * ((size_t)*mx + 1), 0);
  if (seg_colorize_lut(*view, *mx, vals, seed, lut, threads) != 0)
    luaL_error(L, "not enough memory");
  return pushed;
}

static uint32_t optseed (lua_State *L, int idx) {
  return (uint32_t)luaL_optinteger(L, idx, 0);
}

/* lab:colorize([seed]) -> RGB u8 Image; 0 is black. */
static int l_colorize (lua_State *L) {
  SegImage *lab = seg_checklabels(L, 1);
  uint32_t seed = optseed(L, 2);
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, lab->b.w, lab->b.h, 3, SEG_U8);
  int32_t mx;
  const SegBuf *view;
  int n = pushlut(L, lab, seed, &mx, &view);
  seg_apply_lut(view, lua_touserdata(L, -1), mx, &out->b, seg_ctx(L)->threads);
  lua_pop(L, n);
  return 1;
}

typedef struct OverlayOpts {
  double alpha;
  uint8_t color[3];
  int boundaries;
  uint32_t seed;
} OverlayOpts;

/* {r, g, b} with integers in 0..255 at the top of the stack. */
static void tocolor (lua_State *L, int idx, const char *what, uint8_t c[3]) {
  if (!lua_istable(L, -1) || luaL_len(L, -1) != 3) {
    lua_pushfstring(L, "%s must be a table {r, g, b}", what);
    luaL_argerror(L, idx, lua_tostring(L, -1));
  }
  for (int k = 0; k < 3; k++) {
    int isint;
    lua_geti(L, -1, k + 1);
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < 0 || v > 255) {
      lua_pushfstring(L, "%s components must be integers in 0..255", what);
      luaL_argerror(L, idx, lua_tostring(L, -1));
    }
    c[k] = (uint8_t)v;
    lua_pop(L, 1);
  }
}

static void checkopts (lua_State *L, int idx, OverlayOpts *o) {
  static const char *const keys[] = {"alpha", "color", "boundaries", "seed", NULL};
  o->alpha = 0.5; o->color[0] = 255; o->color[1] = 0; o->color[2] = 0;
  o->boundaries = 0; o->seed = 0;
  if (!seg_checkoptions(L, idx, keys)) return;
  if (lua_getfield(L, idx, "alpha") != LUA_TNIL) {
    int isnum;
    o->alpha = lua_tonumberx(L, -1, &isnum);
    luaL_argcheck(L, isnum && o->alpha >= 0 && o->alpha <= 1, idx, "alpha must be in 0..1");
  }
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "color") != LUA_TNIL) tocolor(L, idx, "color", o->color);
  lua_pop(L, 1);
  lua_getfield(L, idx, "boundaries");
  o->boundaries = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "seed") != LUA_TNIL) {
    int isint;
    o->seed = (uint32_t)lua_tointegerx(L, -1, &isint);
    luaL_argcheck(L, isint, idx, "seed must be an integer");
  }
  lua_pop(L, 1);
}

/* RGB u8 copy of the image at 1, pushed. */
static SegImage *pushbase (lua_State *L, const SegImage *im) {
  luaL_argcheck(L, im->b.c <= 4, 1, "1 to 4 channels expected");
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, 3, SEG_U8);
  seg_draw_base(&im->b, &out->b, seg_ctx(L)->threads);
  return out;
}

/* i32 label view of a Labels or Mask: the Labels themselves, or a
** converted copy pushed on the stack (*pushed = 1). */
static const SegBuf *labelview (lua_State *L, const SegImage *m, int *pushed) {
  *pushed = 0;
  if (m->kind == SEG_KIND_LABELS) return &m->b;
  SegImage *t = seg_newimage_uninit(L, SEG_KIND_IMAGE, m->b.w, m->b.h, 1, SEG_I32);
  seg_convert(&m->b, &t->b, 1.0, seg_ctx(L)->threads);
  *pushed = 1;
  return &t->b;
}

/* Boundary pixels (find_boundaries mode) of a Labels or Mask, as a Mask
** pushed on the stack. */
static SegImage *pushmarks (lua_State *L, const SegImage *m, int mode) {
  int pushed, threads = seg_ctx(L)->threads;
  const SegBuf *lab = labelview(L, m, &pushed);
  SegImage *marks = seg_newimage_uninit(L, SEG_KIND_MASK, m->b.w, m->b.h, 1, SEG_U8);
  seg_find_boundaries(lab, &marks->b, mode, threads);
  if (pushed) lua_remove(L, -2);
  return marks;
}

static SegImage *checkregions (lua_State *L, int idx) {
  SegImage *m = seg_testimage(L, idx);
  if (!m || m->kind == SEG_KIND_IMAGE || seg_isreleased(m))
    seg_typeerror(L, idx, "seg.Mask or seg.Labels");
  return m;
}

/* img:overlay(mask_or_labels [, {alpha = 0.5, color = {255, 0, 0},
** boundaries = false, seed = 0}]) -> RGB u8 Image. */
static int l_overlay (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  SegImage *m = checkregions(L, 2);
  seg_checksamesize(L, 2, im, m);
  OverlayOpts o;
  checkopts(L, 3, &o);
  /* reading the options can run Lua code that releases an image */
  im = seg_checkimage(L, 1);
  m = checkregions(L, 2);
  int threads = seg_ctx(L)->threads;
  SegImage *out = pushbase(L, im);
  if (m->kind == SEG_KIND_MASK) {
    seg_blend_mask(&out->b, &m->b, o.color, o.alpha, threads);
    if (o.boundaries) {
      SegImage *marks = pushmarks(L, m, SEG_BOUND_INNER);
      seg_paint(&out->b, &marks->b, o.color, threads);
      lua_pop(L, 1);
    }
    return 1;
  }
  int32_t mx;
  const SegBuf *view;
  int n = pushlut(L, m, o.seed, &mx, &view);
  const uint8_t *lut = lua_touserdata(L, -1);
  seg_blend_labels(&out->b, view, lut, mx, o.alpha, threads);
  if (o.boundaries) {
    SegImage *marks = pushmarks(L, m, SEG_BOUND_INNER);
    seg_paint_labels(&out->b, &marks->b, view, lut, mx, threads);
    lua_pop(L, 1);
  }
  lua_pop(L, n);
  return 1;
}

/* img:draw_boundaries(labels [, {r, g, b}]) -> RGB u8 Image: the image
** with the boundaries of skimage's mark_boundaries(img, labels, color,
** mode='outer') painted in colour (default yellow). */
static int l_draw_boundaries (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  SegImage *m = checkregions(L, 2);
  seg_checksamesize(L, 2, im, m);
  uint8_t color[3] = {255, 255, 0};
  if (!lua_isnoneornil(L, 3)) {
    lua_pushvalue(L, 3);
    tocolor(L, 3, "color", color);
    lua_pop(L, 1);
    /* reading the colour can run Lua code that releases an image */
    im = seg_checkimage(L, 1);
    m = checkregions(L, 2);
  }
  SegImage *out = pushbase(L, im);
  SegImage *marks = pushmarks(L, m, SEG_BOUND_OUTER);
  seg_paint(&out->b, &marks->b, color, seg_ctx(L)->threads);
  lua_pop(L, 1);
  return 1;
}

void seg_open_draw (lua_State *L) {
  static const luaL_Reg methods[] = {{"overlay", l_overlay},
                                         {"draw_boundaries", l_draw_boundaries}, {NULL, NULL}};
  static const luaL_Reg label_methods[] = {{"colorize", l_colorize}, {NULL, NULL}};
  seg_register(L, methods);
  seg_add_methods(L, SEG_KIND_LABELS, label_methods);
}

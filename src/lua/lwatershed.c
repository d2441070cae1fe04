/* lwatershed.c — bindings: watershed, h_maxima, h_minima, local_maxima,
** local_minima. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/watershed/watershed.h"
#include "ops/morph/extrema.h"
#include "ops/label/label.h"

static void check_single (lua_State *L, int idx, const SegImage *im) {
  luaL_argcheck(L, im->b.c == 1, idx, "single-channel image expected");
  luaL_argcheck(L, (uint64_t)im->b.w * (uint64_t)im->b.h < ((uint64_t)1 << 32), idx,
                "image too large");
}

/* Local minima (or maxima) of im labelled with connectivity conn, pushed
** as Labels (skimage's watershed without markers: ndi.label of
** local_minima(image) * mask). */
static SegImage *push_minima_labels (lua_State *L, const SegImage *im, const SegImage *mask,
                                     int conn) {
  int w = im->b.w, h = im->b.h, threads = seg_ctx(L)->threads;
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
  void *scratch = seg_pushscratch(L, seg_extrema_scratch(&im->b));
  if (seg_local_extrema(&im->b, &m->b, conn, 0, scratch) != 0)
    luaL_error(L, "not enough memory");
  lua_pop(L, 1);
  if (mask) {
    for (int y = 0; y < h; y++) {
      uint8_t *d = seg_row_u8(&m->b, y);
      const uint8_t *k = seg_row_u8(&mask->b, y);
      for (int x = 0; x < w; x++) d[x] = (uint8_t)(d[x] && k[x]);
    }
  }
  SegLabelOpts lo = {conn, 1, 1, 0};
  size_t ns = seg_label_scratch(w, h, &lo, threads);
  if (ns == 0) luaL_argerror(L, 1, "image too large to label");
  int32_t *ls = seg_pushscratch(L, ns * sizeof(int32_t));
  SegImage *lab = seg_newimage_uninit(L, SEG_KIND_LABELS, w, h, 1, SEG_I32);
  seg_label(&m->b, &lab->b, &lo, threads, ls);
  lua_replace(L, -3);     /* labels over the mask */
  lua_pop(L, 1);          /* scratch */
  return lab;
}

/* skimage.util.regular_seeds(shape, n): about n seeds on a regular grid,
** labelled 1.. in raster order. */
static SegImage *push_grid_labels (lua_State *L, int w, int h, lua_Integer n) {
  SegImage *lab = seg_newlabels(L, w, h);
  seg_regular_seeds(&lab->b, n);
  return lab;
}

/* img:watershed(markers [, {mask=, connectivity=8, compactness=0, lines=false,
**                            ties="skimage"}])
** -> Labels. markers: Labels or a 1-channel u8/u16/i32 Image (0 = no
** seed), a number (about that many seeds on a regular grid), or nil (the
** local minima of the image). */
static int l_watershed (lua_State *L) {
  static const char *const keys[] = {"mask", "connectivity", "compactness", "lines", "ties", NULL};
  static const char *const ties[] = {"skimage", "raster", NULL};
  seg_checkimage(L, 1);
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 3);
  int conn = seg_optconnfield(L, 3);
  double c = seg_optnumberfield(L, 3, "compactness", 0);
  if (!(c >= 0) || !isfinite(c)) seg_optfielderror(L, 3, "compactness", "a finite number >= 0");
  int lines = seg_optboolfield(L, 3, "lines", 0);
  int raster = seg_optoptionfield(L, 3, "ties", 0, ties);
  if (lua_istable(L, 3)) lua_getfield(L, 3, "mask");
  else lua_pushnil(L);                                  /* 4: mask */
  /* option reads can run Lua code: the images are checked after them */
  SegImage *im = seg_checkimage(L, 1);
  check_single(L, 1, im);
  int w = im->b.w, h = im->b.h;
  SegImage *mask = NULL;
  if (!lua_isnil(L, 4)) {
    mask = (SegImage *)luaL_testudata(L, 4, SEG_MASK_MT);
    if (!mask) seg_optfielderror(L, 3, "mask", "a seg.Mask");
    if (seg_isreleased(mask)) seg_optfielderror(L, 3, "mask", "a live seg.Mask (it has been released)");
    if (mask->b.w != w || mask->b.h != h) seg_optfielderror(L, 3, "mask", "of the image's size");
  }
  SegImage *mk;
  if (lua_isnoneornil(L, 2)) mk = push_minima_labels(L, im, mask, conn);
  else if (lua_type(L, 2) == LUA_TNUMBER) {
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1, 2, "number of markers must be positive");
    lua_Integer inside = (lua_Integer)w * h;
    if (mask) {   /* skimage: int(markers / (n_pixels / image.size)) */
      size_t cnt = 0;
      for (int y = 0; y < h; y++) {
        const uint8_t *k = seg_row_u8(&mask->b, y);
        for (int x = 0; x < w; x++) cnt += k[x] != 0;
      }
      inside = (lua_Integer)cnt;
      double want = (double)n / ((double)inside / ((double)w * h));
      n = inside == 0 ? 0 : (want >= (double)LUA_MAXINTEGER ? LUA_MAXINTEGER : (lua_Integer)want);
    }
    mk = push_grid_labels(L, w, h, n);
  } else {
    mk = seg_testimage(L, 2);
    if (!mk) seg_typeerror(L, 2, SEG_LABELS_MT);
    if (seg_isreleased(mk)) luaL_argerror(L, 2, "markers have been released");
    luaL_argcheck(L, mk->b.c == 1 && mk->b.dtype != SEG_F32, 2,
                  "markers must be Labels or a 1-channel integer image");
    luaL_argcheck(L, mk->b.w == w && mk->b.h == h, 2, "markers differ in size from the image");
    if (mk->b.dtype == SEG_I32) {   /* Labels are 0 (none) or positive */
      int neg = 0;
      for (int y = 0; y < h; y++) {
        const int32_t *r = seg_row_i32(&mk->b, y);
        for (int x = 0; x < w; x++) neg |= r[x] < 0;
      }
      luaL_argcheck(L, !neg, 2, "markers must not be negative");
    }
  }
  SegWatershedOpts o = {conn, c, lines, raster};
  uint8_t *state = seg_pushscratch(L, seg_watershed_scratch(w, h, im->b.dtype));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, w, h, 1, SEG_I32);
  if (seg_watershed(&im->b, &mk->b, mask ? &mask->b : NULL, &out->b, &o, state) != SEG_OK)
    return luaL_error(L, "not enough memory");
  return 1;
}

/* ---------- extrema ---------- */

/* img:local_maxima([{connectivity=8}]) / img:local_minima(...) -> Mask */
static int local_extrema (lua_State *L, int maxima) {
  static const char *const keys[] = {"connectivity", NULL};
  seg_checkimage(L, 1);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  int conn = seg_optconnfield(L, 2);
  SegImage *im = seg_checkimage(L, 1);
  check_single(L, 1, im);
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  void *scratch = seg_pushscratch(L, seg_extrema_scratch(&im->b));
  if (seg_local_extrema(&im->b, &m->b, conn, maxima, scratch) != 0)
    return luaL_error(L, "not enough memory");
  lua_pop(L, 1);
  return 1;
}
static int l_local_maxima (lua_State *L) { return local_extrema(L, 1); }
static int l_local_minima (lua_State *L) { return local_extrema(L, 0); }

/* img:h_maxima(h) / img:h_minima(h) -> Mask (3x3 footprint, as skimage's
** default). u8/u16 (h a whole number) or f32 images without NaN. */
static int h_extrema (lua_State *L, int maxima) {
  SegImage *im = seg_checkimage(L, 1);
  check_single(L, 1, im);
  seg_checkpixels(L, 1, im);
  double hv = luaL_checknumber(L, 2);
  luaL_argcheck(L, hv > 0 && isfinite(hv), 2, "h must be a finite number > 0");
  luaL_argcheck(L, im->b.dtype == SEG_F32 || hv == floor(hv), 2,
                "h must be a whole number for an integer image");
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  void *scratch = seg_pushscratch(L, seg_hextrema_scratch(&im->b));
  int rc = seg_hextrema(&im->b, hv, maxima, &m->b, scratch);
  if (rc == SEG_EINVAL) return luaL_argerror(L, 1, "image has NaN pixels");
  if (rc != SEG_OK) return luaL_error(L, "not enough memory");
  lua_pop(L, 1);
  return 1;
}
static int l_h_maxima (lua_State *L) { return h_extrema(L, 1); }
static int l_h_minima (lua_State *L) { return h_extrema(L, 0); }

static const luaL_Reg methods[] = {
  {"watershed", l_watershed},
  {"local_maxima", l_local_maxima}, {"local_minima", l_local_minima},
  {"h_maxima", l_h_maxima}, {"h_minima", l_h_minima},
  {NULL, NULL}};

void seg_open_watershed (lua_State *L) {
  seg_register(L, methods);
}

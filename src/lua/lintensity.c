/* lintensity.c — bindings: rescale_intensity, equalize_hist, clahe. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/intensity/intensity.h"

/* Images (not Masks or Labels) of u8, u16 (and f32 when 'f32' is set). */
static SegImage *checktone (lua_State *L, int idx, int f32) {
  SegImage *im = seg_checkimage(L, idx);
  if (im->kind != SEG_KIND_IMAGE)
    luaL_argerror(L, idx, im->kind == SEG_KIND_MASK ? "Image expected, got Mask (use m:to(\"u8\", 255))"
                                                    : "Image expected, got Labels");
  if (im->b.dtype == SEG_I32 || (!f32 && im->b.dtype == SEG_F32))
    luaL_argerror(L, idx, f32 ? "u8, u16 or f32 pixels expected" : "u8 or u16 pixels expected");
  return im;
}

/* skimage.util.dtype.DTYPE_RANGE for our dtypes. */
static void dtype_range (SegDtype t, double *lo, double *hi) {
  *lo = t == SEG_F32 ? -1.0 : 0.0;
  *hi = t == SEG_U8 ? 255.0 : t == SEG_U16 ? 65535.0 : 1.0;
}

enum { R_IMAGE = 0, R_DTYPE = 1, R_U8, R_U16, R_F32, R_PAIR };

/* opts[k]: "image", "dtype", a dtype name, or {lo, hi} (lo, hi set). */
static int readrange (lua_State *L, const char *k, int def, double *lo, double *hi) {
  static const char *const names[] = {"image", "dtype", "u8", "u16", "f32", NULL};
  int r = def;
  int t = lua_isnoneornil(L, 2) ? LUA_TNIL : lua_getfield(L, 2, k);
  if (t == LUA_TTABLE) {
    int ok1, ok2;
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    *lo = lua_tonumberx(L, -2, &ok1);
    *hi = lua_tonumberx(L, -1, &ok2);
    if (!ok1 || !ok2 || !isfinite(*lo) || !isfinite(*hi) || luaL_len(L, -3) != 2)
      seg_optfielderror(L, 2, k, "\"image\", \"dtype\", a dtype name or {lo, hi}");
    lua_pop(L, 2);
    r = R_PAIR;
  } else if (t != LUA_TNIL) {
    lua_pop(L, 1);
    r = seg_optoptionfield(L, 2, k, def, names);
    lua_pushnil(L);
  }
  if (!lua_isnoneornil(L, 2)) lua_pop(L, 1);
  return r;
}

/* img:rescale_intensity([{in_range=, out_range=}]) -> Image, as
** skimage.exposure.rescale_intensity: in_range "image" (default), "dtype",
** a dtype name or {lo, hi}; out_range "dtype" (default), "image", a dtype
** name (the result has that dtype) or {lo, hi} (the result is f32). */
static int l_rescale_intensity (lua_State *L) {
  static const char *const keys[] = {"in_range", "out_range", NULL};
  checktone(L, 1, 1);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  double ilo = 0, ihi = 0, olo = 0, ohi = 0;
  int ir = readrange(L, "in_range", R_IMAGE, &ilo, &ihi);
  int orr = readrange(L, "out_range", R_DTYPE, &olo, &ohi);
  SegImage *im = checktone(L, 1, 1);
  luaL_argcheck(L, ir != R_PAIR || ilo <= ihi, 2, "'in_range' must have lo <= hi");
  int threads = seg_ctx(L)->threads;
  SegDtype t = im->b.dtype;
  double mn = NAN, mx = NAN;
  if (ir == R_IMAGE || orr == R_IMAGE) seg_minmax(&im->b, &mn, &mx, threads);
  if (ir == R_IMAGE) { ilo = mn; ihi = mx; }
  else if (ir == R_DTYPE) dtype_range(t, &ilo, &ihi);
  else if (ir != R_PAIR) dtype_range(ir == R_U8 ? SEG_U8 : ir == R_U16 ? SEG_U16 : SEG_F32, &ilo, &ihi);
  SegDtype ot = t;
  if (orr == R_IMAGE) { olo = mn; ohi = mx; }
  else if (orr == R_PAIR) ot = SEG_F32;
  else {
    if (orr != R_DTYPE) ot = orr == R_U8 ? SEG_U8 : orr == R_U16 ? SEG_U16 : SEG_F32;
    dtype_range(ot, &olo, &ohi);
    if (ilo >= 0) olo = 0;             /* clip_negative = (imin >= 0) */
  }
  void *scratch = seg_pushscratch(L, SEG_RESCALE_SCRATCH);
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, im->b.c, ot);
  seg_rescale_intensity(&im->b, &out->b, ilo, ihi, olo, ohi, threads, scratch);
  return 1;
}

/* img:equalize_hist() -> Image, cv2.equalizeHist on each channel (u8; u16
** by the same formula over 65536 bins). */
static int l_equalize_hist (lua_State *L) {
  SegImage *im = checktone(L, 1, 0);
  int threads = seg_ctx(L)->threads;
  void *scratch = seg_pushscratch(L, seg_equalize_scratch(&im->b, threads));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, im->b.c, im->b.dtype);
  seg_equalize_hist(&im->b, &out->b, threads, scratch);
  return 1;
}

/* img:clahe([{clip=40, tiles=8}]) -> Image, cv2.createCLAHE(clip, (tx, ty))
** .apply on each channel; tiles a number or {x, y}. */
static int l_clahe (lua_State *L) {
  static const char *const keys[] = {"clip", "tiles", NULL};
  checktone(L, 1, 0);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  SegClahe o = {8, 8, 40.0};
  o.clip = seg_optnumberfield(L, 2, "clip", 40.0);
  seg_optsizefield(L, 2, "tiles", &o.tiles_x, &o.tiles_y);
  SegImage *im = checktone(L, 1, 0);
  /* tables of tiles x bins entries: bounded so tiny images stay fast */
  int64_t cells = (int64_t)o.tiles_x * o.tiles_y * (im->b.dtype == SEG_U8 ? 256 : 65536);
  if (cells > ((int64_t)1 << 26))
    seg_optfielderror(L, 2, "tiles", im->b.dtype == SEG_U8 ? "at most 262144 tiles in all for u8"
                                                           : "at most 1024 tiles in all for u16");
  int threads = seg_ctx(L)->threads;
  void *scratch = seg_pushscratch(L, seg_clahe_scratch(&im->b, &o, threads));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, im->b.c, im->b.dtype);
  seg_clahe(&im->b, &out->b, &o, threads, scratch);
  return 1;
}

static const luaL_Reg methods[] = {
  {"rescale_intensity", l_rescale_intensity}, {"equalize_hist", l_equalize_hist},
  {"clahe", l_clahe}, {NULL, NULL}};

void seg_open_intensity (lua_State *L) {
  seg_register(L, methods);
}

/* lfilter.c — bindings for the filter and edge families (src/ops/filter/). */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/filter/filter.h"
#include "ops/filter/edge.h"

#define MAX_RADIUS 127     /* median histograms count in u16: (2r+1)^2 < 65536 */

/* The images the filters take: u8, u16 or f32 (not i32 label maps). */
static SegImage *check_src (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  if (im->b.dtype == SEG_I32) luaL_argerror(L, 1, "u8, u16 or f32 image expected");
  return im;
}

static SegImage *check_gray (lua_State *L) {
  SegImage *im = check_src(L);
  if (im->b.c != 1) luaL_argerror(L, 1, "single-channel image expected (use img:gray())");
  return im;
}

static double check_sigma (lua_State *L, int arg, const char *name) {
  double s = luaL_checknumber(L, arg);
  if (!(s > 0 && s <= 1000)) {
    lua_pushfstring(L, "%s must be in (0, 1000]", name);
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  return s;
}

static int check_radius (lua_State *L, int arg, int max) {
  lua_Integer r = luaL_checkinteger(L, arg);
  luaL_argcheck(L, r >= 0, arg, "radius must be non-negative");
  if (r > max) {
    lua_pushfstring(L, "radius must be at most %d", max);
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  return (int)r;
}

static const char *const out_only[] = {"out", NULL};

/* The destination of a filter: opts.out at 'oi' (read, as every option,
** before the image at 1 is checked again: a read can run Lua code), or a
** new Image. Every filter reads a neighbourhood, so 'out' must not be the
** input. Leaves the destination on the stack. */
static SegImage *pushdest (lua_State *L, int oi, int oidx, SegImage **im, int gray,
                           int c, SegDtype t) {
  *im = gray ? check_gray(L) : check_src(L);
  SegImage *out = seg_pushout(L, oi, oidx, SEG_KIND_IMAGE, (*im)->b.w, (*im)->b.h,
                              c < 0 ? (*im)->b.c : c, t);
  seg_checknotinput(L, oi, out, *im);
  return out;
}

static int done (lua_State *L, int rc) {
  if (rc != 0) return luaL_error(L, "not enough memory");
  return 1;
}

/* img:gaussian(sigma [, {border = "reflect101"|"reflect"|"replicate", out =}]) */
static int l_gaussian (lua_State *L) {
  static const char *const borders[] = {"reflect101", "reflect", "replicate", NULL};
  static const char *const keys[] = {"border", "out", NULL};
  SegImage *im = check_src(L);
  double sigma = check_sigma(L, 2, "sigma");
  int border = SEG_BORDER_REFLECT101;
  seg_checkoptions(L, 3, keys);
  if (!lua_isnoneornil(L, 3)) {
    if (lua_getfield(L, 3, "border") != LUA_TNIL) {
      const char *b = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
      int i = 0;
      while (b && borders[i] && strcmp(borders[i], b) != 0) i++;
      if (!b || !borders[i]) luaL_argerror(L, 3, "border must be 'reflect101', 'reflect' or 'replicate'");
      border = i;
    }
    lua_pop(L, 1);
  }
  int oidx = seg_optout(L, 3);
  SegImage *out = pushdest(L, 3, oidx, &im, 0, -1, im->b.dtype);
  return done(L, seg_gaussian(&im->b, &out->b, sigma, border, seg_ctx(L)->threads));
}

/* Reads {out=} at 'oi' and pushes the destination of a filter keeping
** the image's channels and dtype. */
static SegImage *same_dest (lua_State *L, int oi, SegImage **im) {
  seg_checkoptions(L, oi, out_only);
  int oidx = seg_optout(L, oi);
  *im = check_src(L);
  return pushdest(L, oi, oidx, im, 0, -1, (*im)->b.dtype);
}

/* img:box(r [, {out=}]): mean over (2r+1)^2 */
static int l_box (lua_State *L) {
  SegImage *im = check_src(L);
  /* window sums are exact in u32: 65535 * 255^2 and 255 * 2001^2 fit */
  int r = check_radius(L, 2, im->b.dtype == SEG_U16 ? MAX_RADIUS : 1000);
  SegImage *out = same_dest(L, 3, &im);
  return done(L, seg_box(&im->b, &out->b, r, seg_ctx(L)->threads));
}

/* img:median(r [, {out=}]): median over (2r+1)^2 */
static int l_median (lua_State *L) {
  check_src(L);
  int r = check_radius(L, 2, MAX_RADIUS);
  SegImage *im;
  SegImage *out = same_dest(L, 3, &im);
  return done(L, seg_median(&im->b, &out->b, r, seg_ctx(L)->threads));
}

/* img:bilateral(d, sigma_color, sigma_space [, {out=}]) */
static int l_bilateral (lua_State *L) {
  SegImage *im = check_src(L);
  luaL_argcheck(L, im->b.c == 1 || im->b.c == 3, 1, "bilateral needs 1 or 3 channels");
  lua_Integer d = luaL_checkinteger(L, 2);
  luaL_argcheck(L, d <= 2 * MAX_RADIUS + 1, 2, "diameter must be at most 255");
  double sc = check_sigma(L, 3, "sigma_color");
  double ss = check_sigma(L, 4, "sigma_space");
  luaL_argcheck(L, d > 0 || ss * 1.5 <= MAX_RADIUS, 4, "sigma_space too large for d <= 0");
  SegImage *out = same_dest(L, 5, &im);
  return done(L, seg_bilateral(&im->b, &out->b, (int)d, sc, ss, seg_ctx(L)->threads));
}

/* img:sobel([axis] [, {out=}]) etc. -> f32 */
static int edge3 (lua_State *L, int op) {
  static const char *const axes[] = {"x", "y", "magnitude", "direction", NULL};
  SegImage *im = check_gray(L);
  int oi = lua_istable(L, 2) ? 2 : 3;
  int axis = oi == 2 ? 2 : luaL_checkoption(L, 2, "magnitude", axes);
  seg_checkoptions(L, oi, out_only);
  int oidx = seg_optout(L, oi);
  SegImage *out = pushdest(L, oi, oidx, &im, 1, 1, SEG_F32);
  return done(L, seg_edge3(&im->b, &out->b, op, axis, seg_ctx(L)->threads));
}
static int l_sobel (lua_State *L) { return edge3(L, SEG_EDGE_SOBEL); }
static int l_scharr (lua_State *L) { return edge3(L, SEG_EDGE_SCHARR); }
static int l_prewitt (lua_State *L) { return edge3(L, SEG_EDGE_PREWITT); }

/* img:laplacian([ksize = 1] [, {out=}]) -> f32 */
static int l_laplacian (lua_State *L) {
  SegImage *im = check_src(L);
  int oi = lua_istable(L, 2) ? 2 : 3;
  lua_Integer k = oi == 2 ? 1 : luaL_optinteger(L, 2, 1);
  luaL_argcheck(L, k == 1 || k == 3 || k == 5 || k == 7, 2, "ksize must be 1, 3, 5 or 7");
  seg_checkoptions(L, oi, out_only);
  int oidx = seg_optout(L, oi);
  SegImage *out = pushdest(L, oi, oidx, &im, 0, -1, SEG_F32);
  return done(L, seg_laplacian(&im->b, &out->b, (int)k, seg_ctx(L)->threads));
}

/* img:log(sigma [, {out=}]) -> f32 */
static int l_log (lua_State *L) {
  SegImage *im = check_src(L);
  double sigma = check_sigma(L, 2, "sigma");
  seg_checkoptions(L, 3, out_only);
  int oidx = seg_optout(L, 3);
  SegImage *out = pushdest(L, 3, oidx, &im, 0, -1, SEG_F32);
  return done(L, seg_log(&im->b, &out->b, sigma, seg_ctx(L)->threads));
}

/* img:dog(sigma1 [, sigma2 = 1.6 * sigma1] [, {out=}]) -> f32 */
static int l_dog (lua_State *L) {
  SegImage *im = check_src(L);
  double s1 = check_sigma(L, 2, "sigma1");
  int oi = lua_istable(L, 3) ? 3 : 4;
  double s2 = oi == 3 || lua_isnoneornil(L, 3) ? 1.6 * s1 : check_sigma(L, 3, "sigma2");
  luaL_argcheck(L, s2 >= s1, 3, "sigma2 must not be smaller than sigma1");
  seg_checkoptions(L, oi, out_only);
  int oidx = seg_optout(L, oi);
  SegImage *out = pushdest(L, oi, oidx, &im, 0, -1, SEG_F32);
  return done(L, seg_dog(&im->b, &out->b, s1, s2, seg_ctx(L)->threads));
}

/* img:canny{sigma = 1, low = 50, high = 150, out =} -> Mask. Thresholds
** are on the u8 scale: u16 multiplies the defaults by 257, f32 divides
** them by 255. */
static int l_canny (lua_State *L) {
  static const char *const keys[] = {"sigma", "low", "high", "out", NULL};
  SegImage *im = check_gray(L);
  double unit = im->b.dtype == SEG_U8 ? 1 : im->b.dtype == SEG_U16 ? 257 : 1.0 / 255;
  double sigma = 1, low = 50 * unit, high = 150 * unit;
  if (seg_checkoptions(L, 2, keys)) {
    sigma = seg_optnumberfield(L, 2, "sigma", sigma);
    low = seg_optnumberfield(L, 2, "low", low);
    high = seg_optnumberfield(L, 2, "high", high);
    luaL_argcheck(L, sigma >= 0 && sigma <= 1000, 2, "sigma must be in [0, 1000]");
    luaL_argcheck(L, low >= 0 && high >= 0, 2, "thresholds must be non-negative");
    luaL_argcheck(L, low <= high, 2, "low must not exceed high");
  }
  int oidx = seg_optout(L, 2);
  im = check_gray(L);
  SegImage *tmp = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, 1, im->b.dtype);
  SegImage *out = seg_pushout(L, 2, oidx, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  seg_checknotinput(L, 2, out, im);
  memset(out->b.data, 0, out->b.stride * (size_t)out->b.h);   /* as a new Mask */
  return done(L, seg_canny(&im->b, &tmp->b, &out->b, sigma, low, high, seg_ctx(L)->threads));
}

static const luaL_Reg methods[] = {
  {"gaussian", l_gaussian}, {"box", l_box}, {"median", l_median},
  {"bilateral", l_bilateral}, {"sobel", l_sobel}, {"scharr", l_scharr},
  {"prewitt", l_prewitt}, {"laplacian", l_laplacian}, {"log", l_log},
  {"dog", l_dog}, {"canny", l_canny}, {NULL, NULL}};

void seg_open_filter (lua_State *L) {
  seg_register(L, methods);
}

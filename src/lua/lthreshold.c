/* lthreshold.c — bindings for the threshold family: img:threshold,
** img:threshold_value, img:multiotsu, img:hysteresis, seg.thresholds. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/threshold/threshold.h"
#include "ops/pointwise/pointwise.h"

/* Global methods first (indices = SEG_TH_*), then local ones. */
static const char *const method_names[] = {
  "otsu", "triangle", "li", "yen", "isodata", "mean", "minimum",
  "adaptive_mean", "adaptive_gaussian", "niblack", "sauvola", "wolf", NULL};
static const char *const global_names[] = {
  "otsu", "triangle", "li", "yen", "isodata", "mean", "minimum", NULL};

/* Single-channel u8, u16 or f32 image at idx. */
static SegImage *check_gray (lua_State *L, int idx) {
  SegImage *im = seg_checkimage(L, idx);
  if (im->b.c != 1) luaL_argerror(L, idx, "single-channel image expected");
  if (im->b.dtype == SEG_I32) luaL_argerror(L, idx, "u8, u16 or f32 image expected");
  return im;
}

/* Histogram of im in a fresh userdata, left on the stack. */
static SegHist *push_hist (lua_State *L, const SegImage *im) {
  SegHist *h = seg_hist_init(lua_newuserdatauv(L, seg_hist_bytes(&im->b), 0), &im->b);
  int rc = seg_hist_image(&im->b, h, seg_ctx(L)->threads);
  if (rc != SEG_TH_OK) luaL_error(L, "%s", seg_threshold_error(rc));
  return h;
}

/* Value of a global method, or raises with the method's failure. */
static double global_value (lua_State *L, const SegImage *im, const SegHist *h, int m) {
  void *scratch = lua_newuserdatauv(L, seg_threshold_scratch(&im->b, m), 0);
  double t;
  int rc = seg_threshold_global(&im->b, h, m, scratch, &t, seg_ctx(L)->threads);
  lua_pop(L, 1);
  if (rc != SEG_TH_OK) luaL_error(L, "%s: %s", global_names[m], seg_threshold_error(rc));
  return t;
}

/* Integral thresholds of integer images come back as Lua integers. */
static void push_value (lua_State *L, const SegImage *im, double t) {
  if (im->b.dtype != SEG_F32 && t == floor(t) && fabs(t) < 9e15) lua_pushinteger(L, (lua_Integer)t);
  else lua_pushnumber(L, t);
}

static const char *const out_only[] = {"out", NULL};
static const char *const local_keys[] = {"window", "k", "r", "offset", "values", "out", NULL};

/* Mask of im > t (every channel) into opts.out or a new Mask, pushed.
** Element-wise: 'out' may be the image itself (a Mask thresholded in place). */
static SegImage *mask_gt (lua_State *L, const SegImage *im, double t, int oi, int oidx) {
  double s[1024];
  for (int k = 0; k < im->b.c; k++) s[k] = t;
  SegImage *m = seg_pushout(L, oi, oidx, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  seg_compare_scalar(&im->b, s, &m->b, SEG_CMP_GT, seg_ctx(L)->threads);
  return m;
}

/* img:threshold(method, opts) for the local methods -> Mask [, f32 Image].
** Every option is read before the image is used: a read can run Lua code. */
static int local_threshold (lua_State *L, int method) {
  SegLocalOpts o;
  int t = 3;
  seg_checkoptions(L, t, local_keys);
  const SegImage *im = check_gray(L, 1);
  SegDtype dt = im->b.dtype;
  o.method = method;
  double win = seg_optnumberfield(L, t, "window", 15);
  if (win != floor(win) || win < 3 || win > 4095 || fmod(win, 2) != 1)
    luaL_argerror(L, t, "window must be an odd integer from 3 to 4095");
  o.window = (int)win;
  o.k = seg_optnumberfield(L, t, "k", method == SEG_LOCAL_WOLF ? 0.5 : 0.2);
  double r = dt == SEG_U8 ? 127.5 : dt == SEG_U16 ? 32767.5 : 1.0;
  o.r = seg_optnumberfield(L, t, "r", r);
  if (o.r == 0) luaL_argerror(L, t, "'r' must not be zero");
  o.offset = seg_optnumberfield(L, t, "offset", 0);
  int values = seg_optboolfield(L, t, "values", 1);
  int oidx = seg_optout(L, t);
  im = check_gray(L, 1);
  SegImage *m = seg_pushout(L, t, oidx, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  seg_checknotinput(L, t, m, im);
  SegImage *th = values ? seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, 1, SEG_F32) : NULL;
  int rc = seg_threshold_local(&im->b, &o, &m->b, th ? &th->b : NULL, seg_ctx(L)->threads);
  if (rc != SEG_OK) luaL_error(L, "%s", seg_strerror(rc));
  return values ? 2 : 1;
}

/* img:threshold(t [, {out=}]) -> Mask of img > t (every channel);
** img:threshold(method [, opts]) -> Mask, value | Mask, threshold image. */
static int l_threshold (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    double t = lua_tonumber(L, 2);
    seg_checkoptions(L, 3, out_only);
    int oidx = seg_optout(L, 3);
    mask_gt(L, seg_checkimage(L, 1), t, 3, oidx);
    return 1;
  }
  if (lua_type(L, 2) != LUA_TSTRING) seg_typeerror(L, 2, "number or string");
  int m = luaL_checkoption(L, 2, NULL, method_names);
  im = check_gray(L, 1);
  if (m >= SEG_TH_NGLOBAL) return local_threshold(L, m - SEG_TH_NGLOBAL);
  seg_checkoptions(L, 3, out_only);
  int oidx = seg_optout(L, 3);
  im = check_gray(L, 1);
  /* The value comes from the histogram before any pixel of 'out' is
  ** written, so 'out' may be the image itself. */
  SegHist *h = push_hist(L, im);
  double t = global_value(L, im, h, m);
  mask_gt(L, im, t, 3, oidx);
  push_value(L, im, t);
  return 2;
}

/* img:threshold_value(method) -> number */
static int l_threshold_value (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  int m = luaL_checkoption(L, 2, NULL, global_names);
  im = check_gray(L, 1);
  SegHist *h = push_hist(L, im);
  push_value(L, im, global_value(L, im, h, m));
  return 1;
}

/* seg.thresholds(img) -> {otsu = t, ...}: every global method; a method
** that finds no threshold on this image is left out. */
static int l_thresholds (lua_State *L) {
  SegImage *im = check_gray(L, 1);
  SegHist *h = push_hist(L, im);
  void *scratch = lua_newuserdatauv(L, seg_threshold_scratch(&im->b, SEG_TH_LI), 0);
  lua_createtable(L, 0, SEG_TH_NGLOBAL);
  for (int m = 0; m < SEG_TH_NGLOBAL; m++) {
    double t;
    int rc = seg_threshold_global(&im->b, h, m, scratch, &t, seg_ctx(L)->threads);
    if (rc == SEG_ENOMEM) luaL_error(L, "%s", seg_strerror(rc));
    if (rc == SEG_TH_OK) {
      push_value(L, im, t);
      lua_setfield(L, -2, global_names[m]);
    }
  }
  return 1;
}

/* img:multiotsu([classes]) -> Labels (1..classes), {t1, ..., t(classes-1)} */
static int l_multiotsu (lua_State *L) {
  SegImage *im = check_gray(L, 1);
  lua_Integer classes = luaL_optinteger(L, 2, 3);
  luaL_argcheck(L, classes >= 2 && classes <= 32, 2, "classes must be from 2 to 32");
  SegHist *h = push_hist(L, im);
  double t[32];
  int rc = seg_multiotsu(h, (int)classes, t);
  if (rc != SEG_TH_OK) luaL_error(L, "multiotsu: %s", seg_threshold_error(rc));
  SegImage *lab = seg_newimage_uninit(L, SEG_KIND_LABELS, im->b.w, im->b.h, 1, SEG_I32);
  seg_classify(&im->b, t, (int)classes - 1, &lab->b, seg_ctx(L)->threads);
  lua_createtable(L, (int)classes - 1, 0);
  for (int i = 0; i < classes - 1; i++) {
    push_value(L, im, t[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 2;
}

/* img:hysteresis(low, high [, connectivity]) -> Mask */
static int l_hysteresis (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  double lo = luaL_checknumber(L, 2), hi = luaL_checknumber(L, 3);
  lua_Integer conn = luaL_optinteger(L, 4, 8);
  luaL_argcheck(L, conn == 4 || conn == 8, 4, "connectivity must be 4 or 8");
  if (im->b.c != 1) luaL_argerror(L, 1, "single-channel image expected");
  int threads = seg_ctx(L)->threads;
  size_t ns = seg_hysteresis_scratch(im->b.w, im->b.h, threads);
  if (ns == 0) luaL_argerror(L, 1, "image too large to label");
  void *scratch = seg_pushscratch(L, ns);
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  seg_hysteresis(&im->b, lo, hi, (int)conn, &m->b, scratch, threads);
  return 1;
}

static const luaL_Reg methods[] = {
  {"threshold", l_threshold},
  {"threshold_value", l_threshold_value},
  {"multiotsu", l_multiotsu},
  {"hysteresis", l_hysteresis},
  {NULL, NULL}};

static const luaL_Reg funcs[] = {{"thresholds", l_thresholds}, {NULL, NULL}};

void seg_open_threshold (lua_State *L) {
  seg_register(L, methods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

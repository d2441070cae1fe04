/* lenergy.c — bindings: random_walker, chan_vese, morphological active
** contours (morphological_chan_vese, morphological_geodesic_active_contour)
** and their edge map (inverse_gaussian_gradient). Kernels in src/ops/energy/. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/energy/energy.h"

/* Bounds that keep any call's work proportional to the image: the
** iterative solvers stop at these counts whatever the caller asks. */
#define CV_MAX_ITERS 10000
#define MS_MAX_ITERS 100000
#define MS_MAX_SMOOTHING 64
#define IGG_MAX_SIGMA 1000.0

static void check_gray (lua_State *L, int idx, const SegImage *im) {
  seg_checkpixels(L, idx, im);
  luaL_argcheck(L, im->b.c == 1, idx, "single-channel image expected");
}

static void raise_status (lua_State *L, int st) {
  if (st == SEG_ENOMEM) luaL_error(L, "not enough memory");
  luaL_error(L, "%s", seg_energy_strerror(st));
}

/* ---------- random walker ---------- */

/* img:random_walker(markers [, {beta=130, tol=1e-3, mode="cg_j", return_full_prob=false}])
** -> Labels [, f32 Image of one channel per label] */
static int l_random_walker (lua_State *L) {
  static const char *const keys[] = {"beta", "tol", "mode", "return_full_prob", NULL};
  static const char *const modes[] = {"cg_j", "cg", NULL};
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 3);
  SegRwOpts o;
  o.beta = seg_optrangefield(L, 3, "beta", 130, 0, DBL_MAX, "a finite number >= 0");
  o.tol = seg_optrangefield(L, 3, "tol", 1e-3, 0, DBL_MAX, "a finite number >= 0");
  o.jacobi = seg_optoptionfield(L, 3, "mode", 0, modes) == 0;
  int full = seg_optboolfield(L, 3, "return_full_prob", 0);
  o.threads = seg_ctx(L)->threads;
  /* the option reads may have run Lua code: the images are checked after */
  SegImage *im = seg_checkimage(L, 1);
  seg_checkpixels(L, 1, im);
  SegImage *mk = seg_testimage(L, 2);
  if (!mk || seg_isreleased(mk)) seg_typeerror(L, 2, "seg.Labels");
  luaL_argcheck(L, mk->b.dtype == SEG_I32 && mk->b.c == 1, 2,
                "Labels or 1-channel i32 image expected");
  seg_checksamesize(L, 2, im, mk);
  int w = im->b.w, h = im->b.h, K = 0;
  if (full) {
    K = seg_rw_count(&mk->b);
    if (K < 0) return luaL_error(L, "not enough memory");
    luaL_argcheck(L, K <= 1024, 3, "return_full_prob needs at most 1024 labels");
  }
  size_t ns = seg_rw_scratch(w, h);
  if (ns == 0) luaL_argerror(L, 1, "image too large");
  void *scratch = seg_pushscratch(L, ns);
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, w, h, 1, SEG_I32);
  SegImage *prob = full ? seg_newimage(L, w, h, K > 0 ? K : 1, SEG_F32) : NULL;
  int st = seg_random_walker(&im->b, &mk->b, &out->b, prob ? &prob->b : NULL, &o, scratch, NULL);
  if (st == SEG_ENERGY_ENOSEED) luaL_argerror(L, 2, "no positive marker");
  if (st == SEG_ENERGY_ENONFINITE) luaL_argerror(L, 1, "non-finite pixel values");
  if (st != SEG_OK) raise_status(L, st);
  return full ? 2 : 1;
}

/* ---------- Chan–Vese ---------- */

/* Option 'init' of table t: one of 'names' (returns its index), or an
** image (returns -1 and leaves it at stack slot 'slot'). */
static int optinit (lua_State *L, int t, int slot, int def, const char *const names[]) {
  if (lua_isnoneornil(L, t)) lua_pushnil(L);
  else lua_getfield(L, t, "init");
  lua_replace(L, slot);
  if (lua_isnil(L, slot)) return def;
  if (lua_type(L, slot) == LUA_TSTRING) {
    const char *s = lua_tostring(L, slot);
    for (int i = 0; names[i]; i++) if (strcmp(names[i], s) == 0) return i;
  } else if (seg_testimage(L, slot)) return -1;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "'init' must be an image or one of ");
  for (int i = 0; names[i]; i++) {
    if (i) luaL_addstring(&b, ", ");
    lua_pushfstring(L, "\"%s\"", names[i]);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return luaL_argerror(L, t, lua_tostring(L, -1));
}

/* The user's initial level set at 'slot', checked against the image. */
static const SegBuf *checkinit (lua_State *L, int t, int slot, const SegImage *im) {
  SegImage *ini = seg_testimage(L, slot);
  if (!ini || seg_isreleased(ini)) luaL_argerror(L, t, "'init' image was released");
  if (ini->b.w != im->b.w || ini->b.h != im->b.h)
    luaL_argerror(L, t, "'init' must have the image's size");
  if (ini->b.c != 1 || ini->b.dtype == SEG_I32)
    luaL_argerror(L, t, "'init' must be a 1-channel u8, u16 or f32 image");
  return &ini->b;
}

/* img:chan_vese{mu=0.25, lambda1=1, lambda2=1, tol=1e-3, iters=500, dt=0.5,
** init="checkerboard", energies=false} -> Mask, f32 level set [, energies] */
static int l_chan_vese (lua_State *L) {
  static const char *const keys[] = {"mu", "lambda1", "lambda2", "tol", "iters", "dt", "init",
                                     "energies", NULL};
  static const char *const inits[] = {"checkerboard", "disk", "small disk", NULL};
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 3);                              /* 3: the init image, if any */
  SegCvOpts o;
  o.mu = seg_optrangefield(L, 2, "mu", 0.25, -DBL_MAX, DBL_MAX, "a finite number");
  o.lambda1 = seg_optrangefield(L, 2, "lambda1", 1, -DBL_MAX, DBL_MAX, "a finite number");
  o.lambda2 = seg_optrangefield(L, 2, "lambda2", 1, -DBL_MAX, DBL_MAX, "a finite number");
  o.tol = seg_optnumberfield(L, 2, "tol", 1e-3);
  o.dt = seg_optrangefield(L, 2, "dt", 0.5, -DBL_MAX, DBL_MAX, "a finite number");
  lua_Integer it = seg_optintegerfield(L, 2, "iters", 500);
  if (it < 0 || it > CV_MAX_ITERS) seg_optfielderror(L, 2, "iters", "an integer in 0..10000");
  o.iters = (int)it;
  int energies = seg_optboolfield(L, 2, "energies", 0);
  int init = optinit(L, 2, 3, SEG_CV_CHECKERBOARD, inits);
  o.init = init < 0 ? SEG_CV_USER : init;
  o.threads = seg_ctx(L)->threads;
  SegImage *im = seg_checkimage(L, 1);
  check_gray(L, 1, im);
  o.init_phi = init < 0 ? checkinit(L, 2, 3, im) : NULL;
  int w = im->b.w, h = im->b.h;
  size_t ns = seg_cv_scratch(w, h);
  if (ns == 0) luaL_argerror(L, 1, "image too large");
  void *scratch = seg_pushscratch(L, ns);                         /* 4 */
  double *en = energies ? seg_pushscratch(L, (size_t)(o.iters + 1) * sizeof(double)) : NULL;
  SegImage *mask = seg_newimage_uninit(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
  SegImage *phi = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 1, SEG_F32);
  int n = seg_chan_vese(&im->b, &mask->b, &phi->b, en, &o, scratch);
  if (n < 0) {
    if (-n == SEG_ENERGY_ENONFINITE)
      luaL_argerror(L, o.init_phi && init < 0 ? 2 : 1, "non-finite pixel values");
    raise_status(L, -n);
  }
  if (!energies) return 2;
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushnumber(L, en[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 3;
}

/* ---------- morphological snakes ---------- */

static int checkiters (lua_State *L, int idx) {
  lua_Integer n = luaL_checkinteger(L, idx);
  luaL_argcheck(L, n >= 0 && n <= MS_MAX_ITERS, idx, "iterations must be in 0..100000");
  return (int)n;
}

static void ms_common (lua_State *L, SegMsOpts *o, int def, const char *const inits[]) {
  o->iters = checkiters(L, 2);
  lua_Integer sm = seg_optintegerfield(L, 3, "smoothing", 1);
  if (sm < 0 || sm > MS_MAX_SMOOTHING) seg_optfielderror(L, 3, "smoothing", "an integer in 0..64");
  o->smoothing = (int)sm;
  int init = optinit(L, 3, 4, def, inits);
  o->init = init < 0 ? SEG_MS_USER : init;
  o->init_mask = NULL;
  o->threads = seg_ctx(L)->threads;
}

static SegImage *ms_finish (lua_State *L, SegMsOpts *o) {
  SegImage *im = seg_checkimage(L, 1);
  check_gray(L, 1, im);
  if (o->init == SEG_MS_USER) o->init_mask = checkinit(L, 3, 4, im);
  return im;
}

/* img:morphological_chan_vese(iters [, {init="checkerboard", smoothing=1,
** lambda1=1, lambda2=1}]) -> Mask */
static int l_morph_chan_vese (lua_State *L) {
  static const char *const keys[] = {"init", "smoothing", "lambda1", "lambda2", NULL};
  static const char *const inits[] = {"checkerboard", "disk", NULL};
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 4);
  SegMsOpts o;
  ms_common(L, &o, SEG_MS_CHECKERBOARD, inits);
  o.lambda1 = seg_optrangefield(L, 3, "lambda1", 1, -DBL_MAX, DBL_MAX, "a finite number");
  o.lambda2 = seg_optrangefield(L, 3, "lambda2", 1, -DBL_MAX, DBL_MAX, "a finite number");
  o.balloon = 0; o.threshold = 0;
  SegImage *im = ms_finish(L, &o);
  void *scratch = seg_pushscratch(L, seg_ms_scratch(im->b.w, im->b.h));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  int st = seg_morph_chan_vese(&im->b, &out->b, &o, scratch);
  if (st != SEG_OK) raise_status(L, st);
  return 1;
}

/* gimage:morphological_geodesic_active_contour(iters [, {init="disk",
** smoothing=1, threshold="auto", balloon=0}]) -> Mask */
static int l_morph_gac (lua_State *L) {
  static const char *const keys[] = {"init", "smoothing", "threshold", "balloon", NULL};
  static const char *const inits[] = {"checkerboard", "disk", NULL};
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 4);
  SegMsOpts o;
  ms_common(L, &o, SEG_MS_DISK, inits);
  o.lambda1 = o.lambda2 = 1;
  o.balloon = seg_optrangefield(L, 3, "balloon", 0, -DBL_MAX, DBL_MAX, "a finite number");
  o.threshold = NAN;
  if (!lua_isnoneornil(L, 3)) {
    int t = lua_getfield(L, 3, "threshold");
    if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "auto") == 0) o.threshold = NAN;
    else if (t == LUA_TNUMBER && lua_tonumber(L, -1) == lua_tonumber(L, -1))
      o.threshold = lua_tonumber(L, -1);
    else if (t != LUA_TNIL) seg_optfielderror(L, 3, "threshold", "a number or \"auto\"");
    lua_pop(L, 1);
  }
  SegImage *im = ms_finish(L, &o);
  void *scratch = seg_pushscratch(L, seg_ms_scratch(im->b.w, im->b.h));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, im->b.w, im->b.h, 1, SEG_U8);
  int st = seg_morph_gac(&im->b, &out->b, &o, scratch);
  if (st != SEG_OK) raise_status(L, st);
  return 1;
}

/* img:inverse_gaussian_gradient([{alpha=100, sigma=5}]) -> f32 Image */
static int l_inverse_gaussian_gradient (lua_State *L) {
  static const char *const keys[] = {"alpha", "sigma", NULL};
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  double alpha = seg_optrangefield(L, 2, "alpha", 100, 0, DBL_MAX, "a finite number >= 0");
  double sigma = seg_optnumberfield(L, 2, "sigma", 5);
  if (!(sigma > 0 && sigma <= IGG_MAX_SIGMA)) seg_optfielderror(L, 2, "sigma", "in (0, 1000]");
  SegImage *im = seg_checkimage(L, 1);
  check_gray(L, 1, im);
  size_t ns = seg_igg_scratch(im->b.w, im->b.h);
  if (ns == 0) luaL_argerror(L, 1, "image too large");
  void *scratch = seg_pushscratch(L, ns);
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, 1, SEG_F32);
  int st = seg_inverse_gaussian_gradient(&im->b, &out->b, alpha, sigma, seg_ctx(L)->threads, scratch);
  if (st != SEG_OK) raise_status(L, st);
  return 1;
}

static const luaL_Reg methods[] = {
  {"random_walker", l_random_walker},
  {"chan_vese", l_chan_vese},
  {"morphological_chan_vese", l_morph_chan_vese},
  {"morphological_geodesic_active_contour", l_morph_gac},
  {"inverse_gaussian_gradient", l_inverse_gaussian_gradient},
  {NULL, NULL}};

void seg_open_energy (lua_State *L) {
  seg_register(L, methods);
}

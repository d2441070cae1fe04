/* lsuperpixel.c — bindings: slic, quickshift (scikit-image 0.19's
** skimage.segmentation.slic and quickshift). */
#include <math.h>
#include "lseg.h"
#include "ops/superpixel/superpixel.h"

/* The image at 1: u8, u16 or f32 with 1 to SEG_SLIC_MAXC channels. */
static SegImage *checksource (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  luaL_argcheck(L, im->b.dtype != SEG_I32, 1, "u8, u16 or f32 image expected");
  luaL_argcheck(L, im->b.c <= SEG_SLIC_MAXC, 1, "1 to 16 channels expected");
  return im;
}

/* convert2lab: nil (auto: 3 channels), true (needs 3 channels) or false. */
static int checklab (lua_State *L, int t, const SegImage *im) {
  if (!lua_istable(L, t)) return -1;
  int ty = lua_getfield(L, t, "convert2lab");
  lua_pop(L, 1);
  if (ty == LUA_TNIL) return -1;
  int on = seg_optboolfield(L, t, "convert2lab", 0);
  if (on && im->b.c != 3) seg_optfielderror(L, t, "convert2lab", "false for an image without 3 channels");
  return on;
}

/* img:slic{n=100, compactness=10, iters=10, sigma=0, mask=, zero=false,
** enforce_connectivity=true, min_size_factor=0.5, max_size_factor=3,
** convert2lab=} -> Labels, n */
static int l_slic (lua_State *L) {
  static const char *const keys[] = {"n", "compactness", "iters", "sigma", "mask", "zero",
    "enforce_connectivity", "min_size_factor", "max_size_factor", "convert2lab", NULL};
  checksource(L);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  SegSlicOpts o;
  lua_Integer n = seg_optintegerfield(L, 2, "n", 100);
  if (n < 1 || n > (lua_Integer)1 << 28) seg_optfielderror(L, 2, "n", "an integer from 1 to 2^28");
  o.n_segments = (int)n;
  o.compactness = seg_optrangefield(L, 2, "compactness", 10, 1e-12, 1e12, "a number > 0");
  lua_Integer it = seg_optintegerfield(L, 2, "iters", 10);
  if (it < 0 || it > 1000) seg_optfielderror(L, 2, "iters", "an integer from 0 to 1000");
  o.max_iter = (int)it;
  o.sigma = seg_optrangefield(L, 2, "sigma", 0, 0, 500, "a number from 0 to 500");
  o.slic_zero = seg_optboolfield(L, 2, "zero", 0);
  o.enforce_connectivity = seg_optboolfield(L, 2, "enforce_connectivity", 1);
  o.min_size_factor = seg_optrangefield(L, 2, "min_size_factor", 0.5, 0, 1e6, "a number >= 0");
  o.max_size_factor = seg_optrangefield(L, 2, "max_size_factor", 3, 0, 1e6, "a number >= 0");
  if (lua_istable(L, 2)) lua_getfield(L, 2, "mask");
  else lua_pushnil(L);                                    /* 3: mask or nil */
  /* options read (they can run Lua code): the objects checked now */
  SegImage *im = checksource(L);
  o.convert2lab = checklab(L, 2, im);
  const SegBuf *mask = NULL;
  if (!lua_isnil(L, 3)) {
    SegImage *m = (SegImage *)luaL_testudata(L, 3, SEG_MASK_MT);
    if (!m || seg_isreleased(m)) seg_optfielderror(L, 2, "mask", "a seg.Mask");
    if (m->b.w != im->b.w || m->b.h != im->b.h) seg_optfielderror(L, 2, "mask", "the image's size");
    mask = &m->b;
  }
  void *scratch = seg_pushscratch(L, seg_slic_scratch(&im->b, &o));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, im->b.w, im->b.h, 1, SEG_I32);
  int r = seg_slic(&im->b, mask, &out->b, &o, scratch, seg_ctx(L)->threads);
  if (r < 0) luaL_error(L, "%s", seg_strerror(-r));
  lua_pushinteger(L, r);
  return 2;
}

/* img:quickshift{ratio=1, kernel_size=5, max_dist=10, sigma=0, seed=42,
** convert2lab=} -> Labels, n */
static int l_quickshift (lua_State *L) {
  static const char *const keys[] = {"ratio", "kernel_size", "max_dist", "sigma", "seed",
                                     "convert2lab", NULL};
  checksource(L);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  SegQuickshiftOpts o;
  o.ratio = seg_optrangefield(L, 2, "ratio", 1, 0, 1e6, "a number >= 0");
  /* the window is (2 ceil(3 k) + 1)^2 pixels: 100 is already 361201 a pixel */
  o.kernel_size = seg_optrangefield(L, 2, "kernel_size", 5, 1, 100, "a number from 1 to 100");
  o.max_dist = seg_optrangefield(L, 2, "max_dist", 10, 0, HUGE_VAL, "a number >= 0");
  o.sigma = seg_optrangefield(L, 2, "sigma", 0, 0, 500, "a number from 0 to 500");
  o.seed = (uint64_t)seg_optintegerfield(L, 2, "seed", 42);
  SegImage *im = checksource(L);
  o.convert2lab = checklab(L, 2, im);
  SegImage *out = seg_newlabels(L, im->b.w, im->b.h);
  int r = seg_quickshift(&im->b, &out->b, &o, seg_ctx(L)->threads);
  if (r < 0) luaL_error(L, "%s", seg_strerror(-r));
  lua_pushinteger(L, r);
  return 2;
}

void seg_open_superpixel (lua_State *L) {
  static const luaL_Reg methods[] = {{"slic", l_slic}, {"quickshift", l_quickshift}, {NULL, NULL}};
  seg_register(L, methods);
}

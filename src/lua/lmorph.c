/* lmorph.c — bindings for morphology and distance: structuring elements,
** erode/dilate and compound operations, mask clean-up, reconstruction,
** skeleton, convex hull, distance transforms and peaks. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/pointwise/pointwise.h"
#include "ops/stats/stats.h"
#include "ops/morph/morph.h"
#include "ops/morph/distance.h"
#include "ops/morph/skeleton.h"
#include "ops/label/label.h"
#include "ops/pointwise/pointwise.h"
#include "ops/stats/stats.h"

static void *pushscratch (lua_State *L, size_t n) {
  return seg_pushscratch(L, n);
}

static void check_gray (lua_State *L, int idx, const SegImage *im) {
  seg_checkpixels(L, idx, im);
  luaL_argcheck(L, im->b.c == 1, idx, "single-channel image expected");
}

/* ---------- structuring elements (Masks) ---------- */

static int checkradius (lua_State *L, int idx) {
  lua_Integer r = luaL_checkinteger(L, idx);
  luaL_argcheck(L, r >= 0 && r <= (SEG_MORPH_MAX_SE - 1) / 2, idx, "radius out of range");
  return (int)r;
}

static SegImage *pushdisk (lua_State *L, int r) {
  SegImage *se = seg_newmask(L, 2 * r + 1, 2 * r + 1);
  seg_se_disk(&se->b, r);
  return se;
}

/* seg.disk(r) -> Mask, skimage.morphology.disk(r) */
static int l_disk (lua_State *L) {
  pushdisk(L, checkradius(L, 1));
  return 1;
}

/* seg.cross(r) -> Mask (2r+1)^2, centre row and column */
static int l_cross (lua_State *L) {
  int r = checkradius(L, 1);
  SegImage *se = seg_newmask(L, 2 * r + 1, 2 * r + 1);
  seg_se_cross(&se->b, r);
  return 1;
}

/* seg.rect(w [, h]) -> Mask of ones */
static int l_rect (lua_State *L) {
  lua_Integer w = luaL_checkinteger(L, 1), h = luaL_optinteger(L, 2, w);
  luaL_argcheck(L, w >= 1 && w <= SEG_MORPH_MAX_SE, 1, "width out of range");
  luaL_argcheck(L, h >= 1 && h <= SEG_MORPH_MAX_SE, 2, "height out of range");
  SegImage *se = seg_newmask(L, (int)w, (int)h);
  memset(se->b.data, 1, (size_t)w * (size_t)h);
  return 1;
}

/* seg.element{{0,1,0},{1,1,1},{0,1,0}} -> Mask (numbers or booleans).
** Each row and value is read once: the rows are copied into a table of our
** own first, so a proxy answering differently on a second read cannot
** change the shape that was checked. */
static int l_element (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_Integer h = luaL_len(L, 1), w = -1;
  luaL_argcheck(L, h >= 1 && h <= SEG_MORPH_MAX_SE, 1, "1 to 2049 rows expected");
  lua_createtable(L, (int)h, 0);                    /* 2: the rows */
  for (lua_Integer j = 1; j <= h; j++) {
    if (lua_geti(L, 1, j) != LUA_TTABLE) luaL_argerror(L, 1, "row is not a table");
    lua_Integer n = luaL_len(L, -1);
    if (w < 0) w = n;
    luaL_argcheck(L, n == w, 1, "rows differ in length");
    lua_rawseti(L, 2, j);
  }
  luaL_argcheck(L, w >= 1 && w <= SEG_MORPH_MAX_SE, 1, "1 to 2049 columns expected");
  SegImage *se = seg_newmask(L, (int)w, (int)h);
  for (lua_Integer j = 1; j <= h; j++) {
    lua_rawgeti(L, 2, j);
    uint8_t *row = seg_row_u8(&se->b, (int)j - 1);
    for (lua_Integer i = 1; i <= w; i++) {
      int t = lua_geti(L, -1, i);
      if (t == LUA_TBOOLEAN) row[i - 1] = (uint8_t)lua_toboolean(L, -1);
      else if (t == LUA_TNUMBER) row[i - 1] = lua_tonumber(L, -1) != 0;
      else luaL_argerror(L, 1, "element values must be numbers or booleans");
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* Argument idx: a radius (-> disk) or a Mask. Leaves the element's
** userdata on the stack when it creates one. */
static const SegBuf *checkelement (lua_State *L, int idx) {
  if (lua_type(L, idx) == LUA_TNUMBER) return &pushdisk(L, checkradius(L, idx))->b;
  SegImage *se = (SegImage *)luaL_testudata(L, idx, SEG_MASK_MT);
  if (!se || seg_isreleased(se)) luaL_argerror(L, idx, "radius or structuring element expected");
  luaL_argcheck(L, se->b.w <= SEG_MORPH_MAX_SE && se->b.h <= SEG_MORPH_MAX_SE, idx,
                "structuring element too large");
  return &se->b;
}

/* ---------- erode, dilate, open, close, gradient, tophat, blackhat ---------- */

/* img:erode(se [, {out=}]) etc. 'out' may be the image itself for the
** operations whose kernel runs in place (erode, dilate, open, close,
** gradient); tophat and blackhat subtract the opening from the input,
** which must survive until then. */
static int morph (lua_State *L, int op) {
  static const char *const keys[] = {"out", NULL};
  SegImage *im = seg_checkimage(L, 1);
  seg_checkpixels(L, 1, im);
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 3);
  int oidx = seg_optout(L, 3);
  /* the option read can run Lua code: the arguments are checked after it */
  im = seg_checkimage(L, 1);
  const SegBuf *se = checkelement(L, 2);
  int threads = seg_ctx(L)->threads;
  size_t n = seg_morph_scratch(&im->b, se, threads);
  luaL_argcheck(L, n != 0, 2, "structuring element is empty");
  void *scratch = pushscratch(L, n);
  SegImage *tmp = NULL;   /* only gradient needs a second image; the others work in place */
  if (op == SEG_MORPH_GRADIENT)
    tmp = seg_newimage_uninit(L, im->kind, im->b.w, im->b.h, im->b.c, im->b.dtype);
  SegImage *out = seg_pushout(L, 3, oidx, im->kind, im->b.w, im->b.h, im->b.c, im->b.dtype);
  if (op == SEG_MORPH_TOPHAT || op == SEG_MORPH_BLACKHAT) seg_checknotinput(L, 3, out, im);
  if (im->kind == SEG_KIND_MASK) op |= SEG_MORPH_BINARY;
  seg_morph(&im->b, &out->b, tmp ? &tmp->b : NULL, se, op, threads, scratch);
  return 1;
}

static int l_erode (lua_State *L) { return morph(L, SEG_MORPH_ERODE); }
static int l_dilate (lua_State *L) { return morph(L, SEG_MORPH_DILATE); }
static int l_open (lua_State *L) { return morph(L, SEG_MORPH_OPEN); }
static int l_close (lua_State *L) { return morph(L, SEG_MORPH_CLOSE); }
static int l_gradient (lua_State *L) { return morph(L, SEG_MORPH_GRADIENT); }
static int l_tophat (lua_State *L) { return morph(L, SEG_MORPH_TOPHAT); }
static int l_blackhat (lua_State *L) { return morph(L, SEG_MORPH_BLACKHAT); }

/* ---------- masks ---------- */

/* m:fill_holes() -> Mask (scipy.ndimage.binary_fill_holes) */
static int l_fill_holes (lua_State *L) {
  SegImage *m = seg_checkmask(L, 1);
  int threads = seg_ctx(L)->threads;
  size_t ns = seg_mask_clean_scratch(m->b.w, m->b.h, threads);
  if (ns == 0) luaL_argerror(L, 1, "mask too large to label");
  int32_t *scratch = pushscratch(L, ns * sizeof(int32_t));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, m->b.w, m->b.h, 1, SEG_U8);
  seg_fill_holes(&m->b, &out->b, threads, scratch);
  return 1;
}

static int checkconn (lua_State *L, int idx) {
  lua_Integer c = luaL_optinteger(L, idx, 8);
  luaL_argcheck(L, c == 4 || c == 8, idx, "connectivity must be 4 or 8");
  return (int)c;
}

/* Components of (m == value) smaller than 'area' pixels flipped. */
static int remove_small (lua_State *L, int value) {
  SegImage *m = seg_checkmask(L, 1);
  lua_Integer area = luaL_checkinteger(L, 2);
  luaL_argcheck(L, area >= 0, 2, "area must be non-negative");
  int conn = checkconn(L, 3), threads = seg_ctx(L)->threads;
  size_t ns = seg_mask_clean_scratch(m->b.w, m->b.h, threads);
  if (ns == 0) luaL_argerror(L, 1, "mask too large to label");
  int32_t *scratch = pushscratch(L, ns * sizeof(int32_t));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, m->b.w, m->b.h, 1, SEG_U8);
  seg_remove_small(&m->b, &out->b, area, value, conn, threads, scratch);
  return 1;
}

/* m:remove_small(min_area [, connectivity]) -> Mask */
static int l_remove_small (lua_State *L) { return remove_small(L, 1); }
/* m:remove_small_holes(area [, connectivity]) -> Mask */
static int l_remove_small_holes (lua_State *L) { return remove_small(L, 0); }

/* m:skeleton() -> Mask */
static int l_skeleton (lua_State *L) {
  SegImage *m = seg_checkmask(L, 1);
  void *work = pushscratch(L, seg_skeleton_scratch(m->b.w, m->b.h));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, m->b.w, m->b.h, 1, SEG_U8);
  seg_skeleton(&m->b, &out->b, work, seg_ctx(L)->threads);
  return 1;
}

/* m:convex_hull() -> Mask */
static int l_convex_hull (lua_State *L) {
  SegImage *m = seg_checkmask(L, 1);
  void *pts = pushscratch(L, seg_hull_scratch(m->b.w, m->b.h));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, m->b.w, m->b.h, 1, SEG_U8);
  seg_convex_hull(&m->b, &out->b, pts);
  return 1;
}

/* m:distance([metric] [, {indices = true}]) -> f32 Image [, i32 (x, y) Image] */
static int l_distance (lua_State *L) {
  static const char *const metrics[] = {"euclidean", "cityblock", "chessboard", NULL};
  static const char *const keys[] = {"indices", NULL};
  seg_checkmask(L, 1);
  int oi = lua_istable(L, 2) ? 2 : 3;
  int metric = oi == 2 ? SEG_DIST_EUCLIDEAN : luaL_checkoption(L, 2, "euclidean", metrics);
  seg_checkoptions(L, oi, keys);
  int indices = seg_optboolfield(L, oi, "indices", 0);
  luaL_argcheck(L, !indices || metric == SEG_DIST_EUCLIDEAN, oi,
                "indices need the euclidean metric");
  SegImage *m = seg_checkmask(L, 1);   /* live after the option reads */
  int threads = seg_ctx(L)->threads, w = m->b.w, h = m->b.h;
  void *scratch = pushscratch(L, seg_distance_scratch(w, h, metric, indices, threads));
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 1, SEG_F32);
  SegImage *idx = NULL;
  if (indices) idx = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 2, SEG_I32);
  seg_distance(&m->b, &out->b, idx ? &idx->b : NULL, metric, threads, scratch);
  return indices ? 2 : 1;
}

/* ---------- images ---------- */

/* seed:reconstruct(mask [, "dilation" | "erosion"]) -> Image */
static int l_reconstruct (lua_State *L) {
  static const char *const methods_[] = {"dilation", "erosion", NULL};
  SegImage *seed = seg_checkimage(L, 1);
  check_gray(L, 1, seed);
  SegImage *mask = seg_checkimage(L, 2);
  seg_checksamesize(L, 2, seed, mask);
  luaL_argcheck(L, mask->b.c == 1 && mask->b.dtype == seed->b.dtype, 2,
                "mask must have the seed's dtype and one channel");
  int method = luaL_checkoption(L, 3, "dilation", methods_);
  if (!seg_recon_check(&seed->b, &mask->b, method))
    luaL_argerror(L, 2, method == SEG_RECON_DILATION ? "seed must not exceed the mask"
                                                     : "seed must not be below the mask");
  SegImage *out = seg_newimage_uninit(L, seed->kind, seed->b.w, seed->b.h, 1, seed->b.dtype);
  if (seg_reconstruct(&seed->b, &mask->b, &out->b, method) != 0)
    return luaL_error(L, "not enough memory");
  return 1;
}

/* img:peaks{min_distance=1, threshold=, threshold_rel=, exclude_border=true}
** -> Labels, n */
static int l_peaks (lua_State *L) {
  static const char *const keys[] = {
    "min_distance", "threshold", "threshold_rel", "exclude_border", NULL};
  SegImage *im = seg_checkimage(L, 1);
  check_gray(L, 1, im);
  if (lua_isnoneornil(L, 2)) { lua_settop(L, 1); lua_newtable(L); }
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  /* Every option is read before the image is used: a read can run Lua
  ** code (__index) that releases it. */
  SegPeakOpts o;
  lua_Integer md = seg_optintegerfield(L, 2, "min_distance", 1);
  luaL_argcheck(L, md >= 1 && md <= (SEG_MORPH_MAX_SE - 1) / 2, 2, "min_distance out of range");
  o.min_distance = (int)md;
  lua_getfield(L, 2, "exclude_border");     /* 3 */
  if (lua_isnil(L, 3)) o.exclude_border = o.min_distance;
  else if (lua_isboolean(L, 3)) o.exclude_border = lua_toboolean(L, 3) ? o.min_distance : 0;
  else if (lua_isinteger(L, 3) && lua_tointeger(L, 3) >= 0)
    o.exclude_border = lua_tointeger(L, 3) > INT32_MAX / 2 ? INT32_MAX / 2 : (int)lua_tointeger(L, 3);
  else luaL_argerror(L, 2, "'exclude_border' must be a boolean or a non-negative integer");
  lua_getfield(L, 2, "threshold");          /* 4 */
  if (!lua_isnil(L, 4) && !lua_isnumber(L, 4)) luaL_argerror(L, 2, "'threshold' must be a number");
  lua_getfield(L, 2, "threshold_rel");      /* 5 */
  if (!lua_isnil(L, 5) && !lua_isnumber(L, 5)) luaL_argerror(L, 2, "'threshold_rel' must be a number");
  im = seg_checkimage(L, 1);
  double mn, mx, mean, sd;
  seg_stats(&im->b, &mn, &mx, &mean, &sd, 1);
  o.threshold = lua_isnil(L, 4) ? mn : lua_tonumber(L, 4);
  if (!lua_isnil(L, 5)) {
    double t = lua_tonumber(L, 5) * mx;
    if (t > o.threshold) o.threshold = t;
  }
  lua_settop(L, 2);
  int threads = seg_ctx(L)->threads, w = im->b.w, h = im->b.h;
  SegImage *se = seg_newmask(L, 2 * o.min_distance + 1, 2 * o.min_distance + 1);
  memset(se->b.data, 1, (size_t)se->b.w * (size_t)se->b.h);
  void *scratch = pushscratch(L, seg_peaks_scratch(&im->b, &se->b, threads));
  SegImage *maxf = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 1, im->b.dtype);
  SegImage *pk = seg_newimage_uninit(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
  SegLabelOpts lo = {8, 1, 1, 0};
  size_t ns = seg_label_scratch(w, h, &lo, threads);
  if (ns == 0) luaL_argerror(L, 1, "image too large to label");
  int32_t *ls = pushscratch(L, ns * sizeof(int32_t));
  SegImage *lab = seg_newimage_uninit(L, SEG_KIND_LABELS, w, h, 1, SEG_I32);
  if (seg_peaks(&im->b, &o, &se->b, &pk->b, &maxf->b, threads, scratch) < 0)
    return luaL_error(L, "not enough memory");
  /* Peaks exactly min_distance = 1 apart touch: one object, as skimage's
  ** measure.label of peak_local_max's mask. */
  int32_t n = seg_label(&pk->b, &lab->b, &lo, threads, ls);
  lua_pushinteger(L, n);
  return 2;
}

static const luaL_Reg funcs[] = {
  {"disk", l_disk}, {"rect", l_rect}, {"cross", l_cross}, {"element", l_element},
  {NULL, NULL}};
static const luaL_Reg methods[] = {
  {"erode", l_erode}, {"dilate", l_dilate}, {"open", l_open}, {"close", l_close},
  {"gradient", l_gradient}, {"tophat", l_tophat}, {"blackhat", l_blackhat},
  {"reconstruct", l_reconstruct}, {"peaks", l_peaks},
  {NULL, NULL}};
static const luaL_Reg mask_methods[] = {
  {"fill_holes", l_fill_holes}, {"remove_small", l_remove_small},
  {"remove_small_holes", l_remove_small_holes}, {"skeleton", l_skeleton},
  {"convex_hull", l_convex_hull}, {"distance", l_distance},
  {NULL, NULL}};

void seg_open_morph (lua_State *L) {
  seg_register(L, methods);
  seg_add_methods(L, SEG_KIND_MASK, mask_methods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

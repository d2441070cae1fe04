/* lstats.c — bindings for histogram, statistics, mask count and bbox. */
#include <math.h>
#include <stdlib.h>
#include "lseg.h"
#include "ops/stats/stats.h"

static void push_counts (lua_State *L, const uint64_t *h, int bins) {
  lua_createtable(L, bins, 0);
  for (int b = 0; b < bins; b++) {
    lua_pushinteger(L, (lua_Integer)h[b]);
    lua_rawseti(L, -2, b + 1);
  }
}

/* img:histogram([bins [, lo, hi]]) -> counts (1-based array), lo, hi.
** Integer images default to one bin per value of [0, 255] (u8) or
** [0, 65535] (u16); i32 and f32 default to 256 bins over [min, max],
** for f32 of the finite values: infinities and NaN are never counted.
** A multi-channel image gives one array per channel. */
static int l_histogram (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  SegDtype t = im->b.dtype;
  double lo, hi;
  int defbins;
  if (t == SEG_U8) { lo = 0; hi = 255; defbins = 256; }
  else if (t == SEG_U16) { lo = 0; hi = 65535; defbins = 65536; }
  else if (t == SEG_F32) { seg_finite_range(&im->b, &lo, &hi); defbins = 256; }
  else {
    double mn[1024], mx[1024];
    seg_stats(&im->b, mn, mx, NULL, NULL, seg_ctx(L)->threads);
    lo = mn[0]; hi = mx[0];
    for (int c = 1; c < im->b.c; c++) { if (mn[c] < lo) lo = mn[c]; if (mx[c] > hi) hi = mx[c]; }
    defbins = 256;
  }
  lua_Integer bins = luaL_optinteger(L, 2, defbins);
  luaL_argcheck(L, bins >= 1 && bins <= (1 << 24), 2, "bins must be in 1..16777216");
  lo = luaL_optnumber(L, 3, lo);
  hi = luaL_optnumber(L, 4, hi);
  luaL_argcheck(L, isfinite(lo), 3, "lo must be finite");
  luaL_argcheck(L, isfinite(hi), 4, "hi must be finite");
  luaL_argcheck(L, hi >= lo, 4, "hi must not be below lo");
  uint64_t *h = (uint64_t *)lua_newuserdatauv(L, sizeof(uint64_t) * (size_t)bins, 0);
  int scratch = lua_gettop(L);
  if (im->b.c == 1) {
    seg_histogram(&im->b, 0, (int)bins, lo, hi, h, seg_ctx(L)->threads);
    push_counts(L, h, (int)bins);
  } else {
    lua_createtable(L, im->b.c, 0);
    for (int c = 0; c < im->b.c; c++) {
      seg_histogram(&im->b, c, (int)bins, lo, hi, h, seg_ctx(L)->threads);
      push_counts(L, h, (int)bins);
      lua_rawseti(L, -2, c + 1);
    }
  }
  lua_remove(L, scratch);
  lua_pushnumber(L, lo);
  lua_pushnumber(L, hi);
  return 3;
}

enum { ST_MIN, ST_MAX, ST_MEAN, ST_STD };

/* One value per channel, as multiple results; integers for min/max of
** integer images. */
static int stat (lua_State *L, int which) {
  SegImage *im = seg_checkimage(L, 1);
  int c = im->b.c;
  double *v = (double *)lua_newuserdatauv(L, sizeof(double) * 4 * (size_t)c, 0);
  double *mn = v, *mx = v + c, *mean = v + 2 * c, *sd = v + 3 * c;
  seg_stats(&im->b, mn, mx, mean, sd, seg_ctx(L)->threads);
  luaL_checkstack(L, c, "too many channels");
  for (int k = 0; k < c; k++) {
    double x = which == ST_MIN ? mn[k] : which == ST_MAX ? mx[k] : which == ST_MEAN ? mean[k] : sd[k];
    if ((which == ST_MIN || which == ST_MAX) && im->b.dtype != SEG_F32) lua_pushinteger(L, (lua_Integer)x);
    else lua_pushnumber(L, x);
  }
  return c;
}

/* img:mean_std() -> mean, std in one pass: numbers for a 1-channel image,
** else two arrays with one value per channel (as cv2.meanStdDev). */
static int l_mean_std (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  int c = im->b.c;
  double *v = (double *)lua_newuserdatauv(L, sizeof(double) * 2 * (size_t)c, 0);
  seg_stats(&im->b, NULL, NULL, v, v + c, seg_ctx(L)->threads);
  if (c == 1) { lua_pushnumber(L, v[0]); lua_pushnumber(L, v[1]); return 2; }
  for (int which = 0; which < 2; which++) {
    lua_createtable(L, c, 0);
    for (int k = 0; k < c; k++) { lua_pushnumber(L, v[which * c + k]); lua_rawseti(L, -2, k + 1); }
  }
  return 2;
}

static int l_min (lua_State *L) { return stat(L, ST_MIN); }
static int l_max (lua_State *L) { return stat(L, ST_MAX); }
static int l_mean (lua_State *L) { return stat(L, ST_MEAN); }
static int l_std (lua_State *L) { return stat(L, ST_STD); }

/* m:count() -> number of set pixels. */
static int l_count (lua_State *L) {
  SegImage *m = seg_checkmask(L, 1);
  lua_pushinteger(L, (lua_Integer)seg_mask_count(&m->b, seg_ctx(L)->threads));
  return 1;
}

/* m:bbox() -> {x=, y=, w=, h=} of the set pixels, or nil when empty. */
static int l_bbox (lua_State *L) {
  SegImage *m = seg_checkmask(L, 1);
  int x, y, w, h;
  if (!seg_mask_bbox(&m->b, &x, &y, &w, &h)) { luaL_pushfail(L); return 1; }
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, x); lua_setfield(L, -2, "x");
  lua_pushinteger(L, y); lua_setfield(L, -2, "y");
  lua_pushinteger(L, w); lua_setfield(L, -2, "w");
  lua_pushinteger(L, h); lua_setfield(L, -2, "h");
  return 1;
}

static const luaL_Reg methods[] = {
  {"histogram", l_histogram}, {"min", l_min}, {"max", l_max}, {"mean", l_mean},
  {"std", l_std}, {"mean_std", l_mean_std}, {NULL, NULL}};
static const luaL_Reg mask_methods[] = {{"count", l_count}, {"bbox", l_bbox}, {NULL, NULL}};

void seg_open_stats (lua_State *L) {
  seg_register(L, methods);
  seg_add_methods(L, SEG_KIND_MASK, mask_methods);
}

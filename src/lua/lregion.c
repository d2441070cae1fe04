/* lregion.c — bindings: flood, region_grow, confidence_connected. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/region/region.h"

#define MAX_POINTS (1 << 24)

static void nomem (lua_State *L, int status) {
  if (status != SEG_OK) luaL_error(L, "%s", seg_strerror(status));
}

/* One coordinate of point i (table at the top): field 'name' or index j. */
static lua_Integer coord (lua_State *L, int arg, lua_Integer i, const char *name, int j) {
  int t = lua_getfield(L, -1, name);
  if (t == LUA_TNIL) { lua_pop(L, 1); t = lua_geti(L, -1, j); }
  int ok;
  lua_Integer v = lua_tointegerx(L, -1, &ok);
  if (!ok) {
    lua_pushfstring(L, "point %I: integer %s expected", i, name);
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  lua_pop(L, 1);
  return v;
}

/* Reads the list of points at arg ({{x=, y=}, ...} or {{x, y}, ...}) into
** a scratch array of (x, y) pairs pushed on the stack; *n receives the
** count. Coordinates are checked against the image later, once every
** read (which may run Lua code) is done. */
static lua_Integer *readpoints (lua_State *L, int arg, lua_Integer *n) {
  lua_Integer len = luaL_len(L, arg);
  luaL_argcheck(L, len >= 1, arg, "at least one seed point expected");
  luaL_argcheck(L, len <= MAX_POINTS, arg, "too many seed points");
  lua_Integer *xy = seg_pushscratch(L, (size_t)len * 2 * sizeof *xy);
  for (lua_Integer i = 1; i <= len; i++) {
    if (lua_geti(L, arg, i) != LUA_TTABLE) {
      lua_pushfstring(L, "point %I: table {x=, y=} or {x, y} expected", i);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    xy[2 * (i - 1)] = coord(L, arg, i, "x", 1);
    xy[2 * (i - 1) + 1] = coord(L, arg, i, "y", 2);
    lua_pop(L, 1);
  }
  *n = len;
  return xy;
}

/* Converts points to int pairs inside im, in place (raises on the first
** one outside). */
static int *checkpoints (lua_State *L, int arg, lua_Integer *xy, lua_Integer n,
                         const SegImage *im) {
  int *p = (int *)xy;
  for (lua_Integer i = 0; i < n; i++) {
    lua_Integer x = xy[2 * i], y = xy[2 * i + 1];
    if (x < 0 || y < 0 || x >= im->b.w || y >= im->b.h) {
      lua_pushfstring(L, "seed point %I (%I, %I) outside the %dx%d image", i + 1, x, y,
                      im->b.w, im->b.h);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    p[2 * i] = (int)x;
    p[2 * i + 1] = (int)y;
  }
  return p;
}

/* img:flood(x, y [, tolerance [, {connectivity=8}]]) -> Mask
** skimage.segmentation.flood(img, (y, x), tolerance=, connectivity=2|1);
** several channels: every channel within tolerance of the seed's. */
static int l_flood (lua_State *L) {
  static const char *const keys[] = {"connectivity", NULL};
  seg_checkimage(L, 1);
  lua_Integer x = luaL_checkinteger(L, 2), y = luaL_checkinteger(L, 3);
  double tol = -1;
  if (!lua_isnoneornil(L, 4)) {
    tol = luaL_checknumber(L, 4);
    luaL_argcheck(L, tol >= 0, 4, "tolerance must be a non-negative number");
  }
  seg_checkoptions(L, 5, keys);
  int conn = seg_optconnfield(L, 5);
  SegImage *im = seg_checkimage(L, 1);   /* live after the option reads */
  luaL_argcheck(L, im->b.c <= SEG_FLOOD_MAXC, 1, "at most 64 channels expected");
  luaL_argcheck(L, x >= 0 && x < im->b.w, 2, "seed x outside the image");
  luaL_argcheck(L, y >= 0 && y < im->b.h, 3, "seed y outside the image");
  SegImage *out = seg_newmask(L, im->b.w, im->b.h);
  SegFloodBounds b;
  int xy[2] = {(int)x, (int)y};
  seg_flood_bounds(&im->b, xy[0], xy[1], tol, &b);
  nomem(L, seg_flood_fill(&im->b, &b, xy, 1, 1, conn, &out->b));
  return 1;
}

/* img:region_grow(seeds [, {connectivity=8, max_distance=inf}]) -> Labels
** seeds: Labels (its regions keep their ids) or a list of points (point i
** starts region i). */
static int l_region_grow (lua_State *L) {
  static const char *const keys[] = {"connectivity", "max_distance", NULL};
  seg_checkimage(L, 1);
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 3);
  int conn = seg_optconnfield(L, 3);
  double maxd = seg_optnumberfield(L, 3, "max_distance", INFINITY);
  if (!(maxd >= 0)) seg_optfielderror(L, 3, "max_distance", "a non-negative number");
  lua_Integer *pts = NULL, npts = 0;
  if (lua_type(L, 2) == LUA_TTABLE) pts = readpoints(L, 2, &npts);
  else if (!luaL_testudata(L, 2, SEG_LABELS_MT)) seg_typeerror(L, 2, "seg.Labels or points");
  SegImage *im = seg_checkimage(L, 1);
  seg_checkpixels(L, 1, im);
  const int w = im->b.w, h = im->b.h;
  const size_t n = (size_t)w * (size_t)h;
  SegImage *out;
  int32_t maxlabel = 0;
  if (pts) {
    int *p = checkpoints(L, 2, pts, npts, im);
    out = seg_newlabels(L, w, h);
    int32_t *lab = (int32_t *)out->b.data;
    for (lua_Integer i = 0; i < npts; i++)   /* a pixel given twice keeps the later id */
      lab[(size_t)p[2 * i + 1] * (size_t)w + (size_t)p[2 * i]] = (int32_t)(i + 1);
    maxlabel = (int32_t)npts;
  } else {
    SegImage *seeds = seg_checklabels(L, 2);
    seg_checksamesize(L, 2, im, seeds);
    out = seg_pushcopy(L, seeds);
    const int32_t *lab = (const int32_t *)out->b.data;
    size_t cap = n > 65536 ? n : 65536;
    for (size_t i = 0; i < n; i++) {
      luaL_argcheck(L, lab[i] >= 0, 2, "seed labels must be non-negative");
      if (lab[i] > maxlabel) maxlabel = lab[i];
    }
    luaL_argcheck(L, (size_t)maxlabel <= cap, 2, "seed labels too large (relabel() them)");
  }
  nomem(L, seg_region_grow(&im->b, &out->b, maxlabel, conn, maxd));
  return 1;
}

/* img:confidence_connected(seeds [, {multiplier=2.5, iters=4, radius=1,
** connectivity=8}]) -> Mask, lower, upper
** ITK's ConfidenceConnectedImageFilter; seeds: points, or a Mask/Labels
** whose non-zero pixels are the seeds (raster order). */
static int l_confidence (lua_State *L) {
  static const char *const keys[] = {"multiplier", "iters", "radius", "connectivity", NULL};
  seg_checkimage(L, 1);
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 3);
  SegConfidenceOpts o;
  o.multiplier = seg_optnumberfield(L, 3, "multiplier", 2.5);
  if (!(o.multiplier >= 0) || isinf(o.multiplier))
    seg_optfielderror(L, 3, "multiplier", "a finite non-negative number");
  lua_Integer it = seg_optintegerfield(L, 3, "iters", 4);
  if (it < 0 || it > 1000) seg_optfielderror(L, 3, "iters", "an integer in 0..1000");
  lua_Integer r = seg_optintegerfield(L, 3, "radius", 1);
  if (r < 0 || r > 65535) seg_optfielderror(L, 3, "radius", "an integer in 0..65535");
  o.iters = (int)it;
  o.radius = (int)r;
  o.conn = seg_optconnfield(L, 3);
  lua_Integer *pts = NULL, npts = 0;
  if (lua_type(L, 2) == LUA_TTABLE) pts = readpoints(L, 2, &npts);
  SegImage *im = seg_checkimage(L, 1);
  seg_checkpixels(L, 1, im);
  luaL_argcheck(L, im->b.c == 1, 1, "single-channel image expected");
  int *xy;
  int nseeds;
  if (pts) {
    xy = checkpoints(L, 2, pts, npts, im);
    nseeds = (int)npts;
  } else {
    SegImage *s = seg_testimage(L, 2);
    if (!s || s->kind == SEG_KIND_IMAGE) seg_typeerror(L, 2, "points, seg.Mask or seg.Labels");
    s = seg_checkimage(L, 2);
    seg_checksamesize(L, 2, im, s);
    size_t cnt = 0;
    for (int y = 0; y < s->b.h; y++) {
      const uint8_t *row = seg_row(&s->b, y);
      for (int x = 0; x < s->b.w; x++) cnt += seg_elem(s->b.dtype, row, (size_t)x) != 0;
    }
    luaL_argcheck(L, cnt >= 1, 2, "no seed pixels");
    luaL_argcheck(L, cnt <= INT32_MAX / 2, 2, "too many seed pixels");
    xy = seg_pushscratch(L, cnt * 2 * sizeof *xy);
    size_t k = 0;
    for (int y = 0; y < s->b.h; y++) {
      const uint8_t *row = seg_row(&s->b, y);
      for (int x = 0; x < s->b.w; x++)
        if (seg_elem(s->b.dtype, row, (size_t)x) != 0) { xy[2 * k] = x; xy[2 * k + 1] = y; k++; }
    }
    nseeds = (int)cnt;
  }
  SegImage *out = seg_newmask(L, im->b.w, im->b.h);
  double lo, hi;
  nomem(L, seg_confidence_connected(&im->b, xy, nseeds, &o, &out->b, &lo, &hi));
  lua_pushnumber(L, lo);
  lua_pushnumber(L, hi);
  return 3;
}

static const luaL_Reg methods[] = {
  {"flood", l_flood}, {"region_grow", l_region_grow},
  {"confidence_connected", l_confidence},
  {NULL, NULL}};

void seg_open_region (lua_State *L) {
  seg_register(L, methods);
}

/* llabel.c — bindings for the label family: labelling, region measurements
** and label-map utilities. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/label/label.h"
#include "ops/label/regions.h"
#include "ops/morph/distance.h"
#include "ops/label/contours.h"
#include "ops/convert/convert.h"
#include "ops/stats/stats.h"

static int checkconn (lua_State *L, int idx) {
  lua_Integer c = luaL_optinteger(L, idx, 8);
  luaL_argcheck(L, c == 4 || c == 8, idx, "connectivity must be 4 or 8");
  return (int)c;
}

/* Pushes an uninitialised scratch userdata of n int32 elements. */
static int32_t *pushscratch (lua_State *L, size_t n) {
  return (int32_t *)seg_pushscratch(L, n * sizeof(int32_t));
}

/* m:label([connectivity]) -> Labels, n
** img:label([connectivity] [, {background = v | false}]) -> Labels, n
** Equal-valued neighbours are connected (skimage.measure.label). */
static int l_label (lua_State *L) {
  static const char *const keys[] = {"background", NULL};
  SegImage *im = seg_checkimage(L, 1);
  int oi = lua_istable(L, 2) ? 2 : 3;
  SegLabelOpts o = {oi == 2 ? 8 : checkconn(L, 2), im->kind == SEG_KIND_MASK, 1, 0};
  if (!o.binary) {
    seg_checkchannels(L, 1, im, 1);
    if (seg_checkoptions(L, oi, keys)) {
      int t = lua_getfield(L, oi, "background");
      if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) o.has_bg = 0;
      else if (t != LUA_TNIL) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint) luaL_argerror(L, oi, "background must be an integer or false");
        o.bg = (int64_t)v;
      }
      lua_pop(L, 1);
    }
  } else seg_checkoptions(L, oi, keys);
  im = seg_checkimage(L, 1);   /* live after the option reads */
  int threads = seg_ctx(L)->threads;
  size_t n = seg_label_scratch(im->b.w, im->b.h, &o, threads);
  if (n == 0) luaL_argerror(L, 1, "image too large to label");
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, im->b.w, im->b.h, 1, SEG_I32);
  int32_t *scratch = pushscratch(L, n);
  int32_t count = seg_label(&im->b, &out->b, &o, threads, scratch);
  lua_pop(L, 1);
  lua_pushinteger(L, count);
  return 2;
}


/* ---------- regions ---------- */

enum {
  P_LABEL, P_AREA, P_BBOX, P_CENTROID, P_PERIMETER, P_ORIENTATION, P_MAJOR, P_MINOR,
  P_ECCENTRICITY, P_SOLIDITY, P_CONVEX_AREA, P_EXTENT, P_EULER, P_EQDIAM, P_MOMENTS,
  P_MOMENTS_CENTRAL, P_MOMENTS_NORMALIZED, P_MOMENTS_HU, P_MEAN_I, P_MIN_I, P_MAX_I,
  P_WCENTROID, P_COUNT
};
const char *const seg_regionprops[] = {
  "label", "area", "bbox", "centroid", "perimeter", "orientation",
  "major_axis_length", "minor_axis_length", "eccentricity", "solidity",
  "convex_area", "extent", "euler_number", "equivalent_diameter", "moments",
  "moments_central", "moments_normalized", "moments_hu", "mean_intensity",
  "min_intensity", "max_intensity", "weighted_centroid", NULL};
_Static_assert(P_MEAN_I == SEG_REGIONPROP_INTENSITY, "intensity properties come last");

static void setnum (lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}
static void setint (lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}
static void setxy (lua_State *L, const char *k, double x, double y) {
  lua_createtable(L, 0, 2);
  setnum(L, "x", x);
  setnum(L, "y", y);
  lua_setfield(L, -2, k);
}
/* 4x4 matrix as t[i+1][j+1], i the row (y) power, j the column (x) power */
static void setmat (lua_State *L, const char *k, const double *m, int n) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_createtable(L, n, 0);
    for (int j = 0; j < n; j++) {
      lua_pushnumber(L, m[i * n + j]);
      lua_rawseti(L, -2, j + 1);
    }
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, k);
}

/* lab:regions([intensity] [, {properties = {...}}]) -> array of tables */
static int l_regions (lua_State *L) {
  static const char *const keys[] = {"properties", NULL};
  SegImage *lab = seg_checklabels(L, 1);
  SegImage *inten = NULL;
  int oi = 2;
  if (!lua_isnoneornil(L, 2) && !lua_istable(L, 2)) {
    inten = seg_checkimage(L, 2);
    seg_checksamesize(L, 2, lab, inten);
    seg_checkchannels(L, 2, inten, 1);
    oi = 3;
  }
  int want[P_COUNT];
  int any = 0;
  for (int i = 0; i < P_COUNT; i++) want[i] = 0;
  if (seg_checkoptions(L, oi, keys)) {
    if (lua_getfield(L, oi, "properties") != LUA_TNIL) {
      if (!lua_istable(L, -1)) luaL_argerror(L, oi, "properties must be a table of names");
      lua_Integer n = luaL_len(L, -1);
      for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, -1, i);
        const char *s = lua_tostring(L, -1);
        int k = -1;
        for (int j = 0; s && seg_regionprops[j]; j++)
          if (strcmp(s, seg_regionprops[j]) == 0) k = j;
        if (k < 0) {
          lua_pushfstring(L, "unknown property '%s'", s ? s : luaL_typename(L, -1));
          luaL_argerror(L, oi, lua_tostring(L, -1));
        }
        if (k >= P_MEAN_I && !inten) {
          lua_pushfstring(L, "property '%s' needs an intensity image", s);
          luaL_argerror(L, oi, lua_tostring(L, -1));
        }
        want[k] = 1; any = 1;
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  if (!any)
    for (int i = 0; i < P_COUNT; i++) want[i] = i < P_MEAN_I || inten != NULL;
  /* Reading the options can run Lua code (__index) that releases an image:
  ** both are checked again before their pixels are used. */
  lab = seg_checklabels(L, 1);
  if (inten) {
    inten = seg_checkimage(L, 2);
    seg_checksamesize(L, 2, lab, inten);
  }
  want[P_LABEL] = 1;
  int need_mom = want[P_ORIENTATION] || want[P_MAJOR] || want[P_MINOR] ||
                 want[P_ECCENTRICITY] || want[P_MOMENTS] || want[P_MOMENTS_CENTRAL] ||
                 want[P_MOMENTS_NORMALIZED] || want[P_MOMENTS_HU];
  int need_int = want[P_MEAN_I] || want[P_MIN_I] || want[P_MAX_I] || want[P_WCENTROID];
  int need_convex = want[P_SOLIDITY] || want[P_CONVEX_AREA];

  const SegBuf *lb = &lab->b;
  const int32_t *vals = NULL;   /* compact label i stands for vals[i - 1] */
  int32_t nlab = seg_labels_max(lb, seg_ctx(L)->threads);
  if (!seg_labels_dense(nlab, (int64_t)lb->w * lb->h)) {   /* as seg_relabel decides */
    /* tables below are indexed by label: number the labels 1..n first */
    SegImage *c = seg_newimage_uninit(L, SEG_KIND_LABELS, lb->w, lb->h, 1, SEG_I32);
    int32_t *map = pushscratch(L, seg_relabel_scratch(lb, nlab));
    nlab = seg_relabel(lb, &c->b, nlab, map);
    lb = &c->b; vals = map;
  }
  size_t n1 = (size_t)nlab + 1;
  int top = lua_gettop(L);
  SegRegionBasic *basic = lua_newuserdatauv(L, n1 * sizeof *basic, 0);
  SegRegionMoments *mom = need_mom ? lua_newuserdatauv(L, n1 * sizeof *mom, 0) : NULL;
  SegRegionIntensity *it = need_int ? lua_newuserdatauv(L, n1 * sizeof *it, 0) : NULL;
  double *perim = want[P_PERIMETER] ? lua_newuserdatauv(L, n1 * sizeof *perim, 0) : NULL;
  uint8_t *rows = perim ? lua_newuserdatauv(L, 3 * (size_t)lb->w, 0) : NULL;
  int64_t *euler = want[P_EULER] ? lua_newuserdatauv(L, n1 * sizeof *euler, 0) : NULL;
  int64_t *convex = need_convex ? lua_newuserdatauv(L, n1 * sizeof *convex, 0) : NULL;
  if (seg_regions_basic(lb, nlab, basic, mom) != 0) luaL_error(L, "not enough memory");
  if (it) seg_regions_intensity(lb, &inten->b, nlab, it);
  if (perim) seg_regions_perimeter(lb, nlab, perim, rows);
  if (euler) seg_regions_euler(lb, nlab, euler);
  if (convex && seg_regions_convex(lb, nlab, basic, convex) != 0)
    luaL_error(L, "not enough memory");

  lua_createtable(L, nlab, 0);
  lua_Integer k = 0;
  for (int32_t v = 1; v <= nlab; v++) {
    const SegRegionBasic *b = &basic[v];
    if (!b->area) continue;
    double area = (double)b->area;
    int bw = b->maxx - b->minx + 1, bh = b->maxy - b->miny + 1;
    lua_createtable(L, 0, 24);
    setint(L, "label", vals ? vals[v - 1] : v);
    if (want[P_AREA]) setint(L, "area", b->area);
    if (want[P_BBOX]) {
      lua_createtable(L, 0, 4);
      setint(L, "x", b->minx); setint(L, "y", b->miny);
      setint(L, "w", bw); setint(L, "h", bh);
      lua_setfield(L, -2, "bbox");
    }
    if (want[P_CENTROID]) setxy(L, "centroid", (double)b->sx / area, (double)b->sy / area);
    if (want[P_EXTENT]) setnum(L, "extent", area / ((double)bw * bh));
    if (want[P_EQDIAM]) setnum(L, "equivalent_diameter", sqrt(4 * area / M_PI));
    if (perim) setnum(L, "perimeter", perim[v]);
    if (euler) setint(L, "euler_number", euler[v]);
    if (convex) {
      if (want[P_CONVEX_AREA]) setint(L, "convex_area", convex[v]);
      if (want[P_SOLIDITY]) setnum(L, "solidity", area / (double)convex[v]);
    }
    if (mom) {
      SegRegionShape sh;
      seg_region_shape(&mom[v], &sh);
      if (want[P_ORIENTATION]) setnum(L, "orientation", sh.orientation);
      if (want[P_MAJOR]) setnum(L, "major_axis_length", sh.major);
      if (want[P_MINOR]) setnum(L, "minor_axis_length", sh.minor);
      if (want[P_ECCENTRICITY]) setnum(L, "eccentricity", sh.eccentricity);
      double m[16];
      if (want[P_MOMENTS]) {
        for (int i = 0; i < 16; i++) m[i] = (double)mom[v].m[i / 4][i % 4];
        setmat(L, "moments", m, 4);
      }
      if (want[P_MOMENTS_CENTRAL]) {
        for (int i = 0; i < 16; i++) m[i] = (double)mom[v].mu[i / 4][i % 4];
        setmat(L, "moments_central", m, 4);
      }
      if (want[P_MOMENTS_NORMALIZED]) setmat(L, "moments_normalized", &sh.nu[0][0], 4);
      if (want[P_MOMENTS_HU]) {
        lua_createtable(L, 7, 0);
        for (int i = 0; i < 7; i++) { lua_pushnumber(L, sh.hu[i]); lua_rawseti(L, -2, i + 1); }
        lua_setfield(L, -2, "moments_hu");
      }
    }
    if (it) {
      if (want[P_MEAN_I]) setnum(L, "mean_intensity", it[v].sum / area);
      if (want[P_MIN_I]) setnum(L, "min_intensity", it[v].min);
      if (want[P_MAX_I]) setnum(L, "max_intensity", it[v].max);
      if (want[P_WCENTROID]) setxy(L, "weighted_centroid", it[v].sx / it[v].sum, it[v].sy / it[v].sum);
    }
    lua_rawseti(L, -2, ++k);
  }
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
  return 1;
}

/* img:to_labels() -> Labels: a 1-channel integer image (u8, u16, i32) or
** a Mask as a label map (a copy); negative values are refused. */
static int l_to_labels (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  seg_checkchannels(L, 1, im, 1);
  luaL_argcheck(L, im->b.dtype != SEG_F32, 1, "integer image expected");
  if (im->b.dtype == SEG_I32) {
    for (int y = 0; y < im->b.h; y++) {
      const int32_t *r = seg_row_i32(&im->b, y);
      for (int x = 0; x < im->b.w; x++)
        if (r[x] < 0) luaL_argerror(L, 1, "negative values cannot be labels");
    }
  }
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, im->b.w, im->b.h, 1, SEG_I32);
  seg_convert(&im->b, &out->b, 1.0, seg_ctx(L)->threads);
  return 1;
}


/* ---------- label-map edits ---------- */

/* lab:relabel() -> Labels, n (skimage.segmentation.relabel_sequential) */
static int l_relabel (lua_State *L) {
  SegImage *lab = seg_checklabels(L, 1);
  int32_t nlab = seg_labels_max(&lab->b, seg_ctx(L)->threads);
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, lab->b.w, lab->b.h, 1, SEG_I32);
  int32_t *map = pushscratch(L, seg_relabel_scratch(&lab->b, nlab));
  int32_t n = seg_relabel(&lab->b, &out->b, nlab, map);
  lua_pop(L, 1);
  lua_pushinteger(L, n);
  return 2;
}

/* lab:filter(fn [, opts]) -> Labels, kept: the regions r (tables from
** lab:regions(opts)) for which fn(r) is true, with their labels unchanged. */
static int l_filter (lua_State *L) {
  static const char *const keys[] = {"properties", NULL};   /* those of regions() */
  seg_checklabels(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 3);                                             /* opts or nil at 3 */
  lua_getfield(L, 1, "regions");
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 3);
  lua_call(L, 2, 1);                                            /* 4: regions */
  /* regions() ran Lua (option __index): check the labels only now. keep is
  ** indexed by label when labels stay within the pixel count, else by rank
  ** among the sorted values, so it is bounded by the pixels */
  SegImage *lab = seg_checklabels(L, 1);
  const SegBuf *lb = &lab->b;
  int32_t nlab = seg_labels_max(lb, seg_ctx(L)->threads), nv = nlab;
  const int32_t *vals = NULL;
  if (!seg_labels_dense(nlab, (int64_t)lb->w * lb->h)) {   /* as seg_relabel decides */
    SegImage *c = seg_newimage_uninit(L, SEG_KIND_LABELS, lb->w, lb->h, 1, SEG_I32);
    int32_t *map = pushscratch(L, seg_relabel_scratch(lb, nlab));
    nv = seg_relabel(lb, &c->b, nlab, map);                      /* 5, 6 */
    vals = map;
  } else { lua_pushnil(L); lua_pushnil(L); }
  uint8_t *keep = lua_newuserdatauv(L, (size_t)nv + 1, 0);        /* 7 */
  memset(keep, 0, (size_t)nv + 1);
  lua_Integer n = luaL_len(L, 4), kept = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_pushvalue(L, 2);
    lua_geti(L, 4, i);
    lua_getfield(L, -1, "label");
    lua_Integer id = lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_call(L, 1, 1);
    int64_t k = vals ? (int64_t)seg_label_find(vals, nv, id) + 1 : id >= 1 && id <= nlab ? id : 0;
    if (lua_toboolean(L, -1) && k > 0 && !keep[k]) { keep[k] = 1; kept++; }
    lua_pop(L, 1);
  }
  lab = seg_checklabels(L, 1);   /* fn may have released it */
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, lab->b.w, lab->b.h, 1, SEG_I32);
  if (vals) seg_label_keep_sparse(&lab->b, &out->b, vals, nv, keep + 1);
  else seg_label_keep(&lab->b, &out->b, nlab, keep);
  lua_pushinteger(L, kept);
  return 2;
}

/* lab:mask(id) -> Mask of the pixels labelled id */
static int l_mask (lua_State *L) {
  SegImage *lab = seg_checklabels(L, 1);
  lua_Integer id = luaL_checkinteger(L, 2);
  luaL_argcheck(L, id >= 0 && id <= INT32_MAX, 2, "label out of range");
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, lab->b.w, lab->b.h, 1, SEG_U8);
  seg_label_mask(&lab->b, &out->b, (int32_t)id, seg_ctx(L)->threads);
  return 1;
}

/* lab:clear_border([buffer [, bgval]]), m:clear_border([buffer]) */
static int l_clear_border (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  if (im->kind == SEG_KIND_IMAGE) luaL_typeerror(L, 1, "seg.Labels or seg.Mask");
  lua_Integer buf = luaL_optinteger(L, 2, 0);
  luaL_argcheck(L, buf >= 0 && buf < INT32_MAX / 2, 2, "buffer must be >= 0");
  lua_Integer bg = luaL_optinteger(L, 3, 0);
  if (im->kind == SEG_KIND_MASK) luaL_argcheck(L, bg == 0 || bg == 1, 3, "bgval must be 0 or 1 for a mask");
  else luaL_argcheck(L, bg >= 0 && bg <= INT32_MAX, 3, "bgval out of range");
  int threads = seg_ctx(L)->threads;
  SegLabelOpts o = {8, im->kind == SEG_KIND_MASK, 1, 0};
  size_t n = seg_label_scratch(im->b.w, im->b.h, &o, threads);
  if (n == 0) luaL_argerror(L, 1, "image too large to label");
  SegImage *out = seg_newimage_uninit(L, im->kind, im->b.w, im->b.h, 1, im->b.dtype);
  SegImage *comp = seg_newimage_uninit(L, SEG_KIND_LABELS, im->b.w, im->b.h, 1, SEG_I32);
  int32_t *scratch = pushscratch(L, n);
  uint8_t *hit = lua_newuserdatauv(L, n + 1, 0);   /* n bounds the component count */
  seg_clear_border(&im->b, &out->b, (int)buf, (int32_t)bg, &comp->b, scratch, hit, threads);
  lua_pop(L, 3);
  return 1;
}

/* lab:boundaries([mode]) -> Mask (skimage.segmentation.find_boundaries) */
static int l_boundaries (lua_State *L) {
  static const char *const modes[] = {"thick", "inner", "outer", NULL};
  SegImage *lab = seg_checklabels(L, 1);
  int mode = luaL_checkoption(L, 2, "thick", modes);
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_MASK, lab->b.w, lab->b.h, 1, SEG_U8);
  seg_find_boundaries(&lab->b, &out->b, mode, seg_ctx(L)->threads);
  return 1;
}

/* lab:expand(distance) -> Labels (skimage.segmentation.expand_labels) */
static int l_expand (lua_State *L) {
  SegImage *lab = seg_checklabels(L, 1);
  double d = luaL_optnumber(L, 2, 1);
  luaL_argcheck(L, d >= 0, 2, "distance must be >= 0");
  int threads = seg_ctx(L)->threads, w = lab->b.w, h = lab->b.h;
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, w, h, 1, SEG_I32);
  SegImage *bg = seg_newimage_uninit(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
  SegImage *dist = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 1, SEG_F32);
  SegImage *idx = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 2, SEG_I32);
  void *scratch = lua_newuserdatauv(L, seg_distance_scratch(w, h, SEG_DIST_EUCLIDEAN, 1, threads), 0);
  seg_label_mask(&lab->b, &bg->b, 0, threads);
  seg_distance(&bg->b, &dist->b, &idx->b, SEG_DIST_EUCLIDEAN, threads, scratch);
  seg_expand_labels(&lab->b, &idx->b, d, &out->b);
  lua_pop(L, 4);
  return 1;
}


/* ---------- contours ---------- */

static int optlowhigh (lua_State *L, int idx, const char *field) {
  static const char *const lh[] = {"low", "high", NULL};
  int r = 0;
  if (lua_getfield(L, idx, field) != LUA_TNIL) {
    const char *s = lua_tostring(L, -1);
    r = -1;
    for (int i = 0; s && lh[i]; i++) if (strcmp(s, lh[i]) == 0) r = i;
    if (r < 0) {
      lua_pushfstring(L, "%s must be 'low' or 'high'", field);
      luaL_argerror(L, idx, lua_tostring(L, -1));
    }
  }
  lua_pop(L, 1);
  return r;
}

/* m:contours([opts]) / img:contours([level [, opts]]) -> array of contours,
** each an array of points {x=, y=} (skimage.measure.find_contours; masks at
** level 0.5; images default to (min + max) / 2).
** opts: fully_connected = "low"|"high", positive_orientation = "low"|"high". */
static int l_contours (lua_State *L) {
  static const char *const keys[] = {"fully_connected", "positive_orientation", NULL};
  SegImage *im = seg_checkimage(L, 1);
  seg_checkchannels(L, 1, im, 1);
  luaL_argcheck(L, im->b.w >= 2 && im->b.h >= 2, 1, "image must be at least 2x2");
  double level = 0.5;
  int oi = 3, given = 0;
  if (im->kind == SEG_KIND_MASK) oi = 2;
  else if (lua_isnumber(L, 2)) { level = lua_tonumber(L, 2); given = 1; }
  else if (lua_istable(L, 2)) oi = 2;
  else if (!lua_isnoneornil(L, 2)) return luaL_typeerror(L, 2, "number");
  int high = 0, positive_high = 0;
  if (seg_checkoptions(L, oi, keys)) {
    high = optlowhigh(L, oi, "fully_connected");
    positive_high = optlowhigh(L, oi, "positive_orientation");
  }
  im = seg_checkimage(L, 1);   /* live after the option reads */
  if (im->kind != SEG_KIND_MASK && !given) {
    double mn, mx, mean, sd;
    seg_stats(&im->b, &mn, &mx, &mean, &sd, seg_ctx(L)->threads);
    level = (mn + mx) / 2;
  }
  int64_t nseg = seg_contour_segments(&im->b, level, high);
  if (nseg < 0) luaL_argerror(L, 1, "too many contour segments");
  void *scratch = lua_newuserdatauv(L, seg_contours_scratch(im->b.w, nseg), 0);
  SegContours c;
  seg_contours(&im->b, level, high, nseg, scratch, &c);
  lua_createtable(L, c.n, 0);
  lua_Integer k = 0;
  for (int32_t i = 0; i < c.n; i++) {
    if (c.first[i] < 0) continue;
    int32_t len = c.len[i];
    lua_createtable(L, len, 0);
    int32_t j = 0;
    for (int32_t p = c.first[i]; p >= 0; p = c.pts[p].next, j++) {
      lua_createtable(L, 0, 2);
      lua_pushnumber(L, c.pts[p].x);
      lua_setfield(L, -2, "x");
      lua_pushnumber(L, c.pts[p].y);
      lua_setfield(L, -2, "y");
      lua_rawseti(L, -2, positive_high ? len - j : j + 1);
    }
    lua_rawseti(L, -2, ++k);
  }
  return 1;
}

/* lab:count() -> the largest label */
static int l_count (lua_State *L) {
  SegImage *lab = seg_checklabels(L, 1);
  lua_pushinteger(L, seg_labels_max(&lab->b, seg_ctx(L)->threads));
  return 1;
}

void seg_open_label (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"label", l_label},
    {"to_labels", l_to_labels},
    {"clear_border", l_clear_border},
    {"contours", l_contours},
    {NULL, NULL}
  };
  static const luaL_Reg lmethods[] = {
    {"regions", l_regions},
    {"count", l_count},
    {"relabel", l_relabel},
    {"filter", l_filter},
    {"mask", l_mask},
    {"boundaries", l_boundaries},
    {"expand", l_expand},
    {NULL, NULL}
  };
  seg_register(L, methods);
  seg_add_methods(L, SEG_KIND_LABELS, lmethods);
}

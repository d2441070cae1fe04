/* lgraphcut.c — bindings: seg.maxflow (Boykov-Kolmogorov on a grid),
** img:graphcut (Boykov-Jolly seeds), img:graphcut_graph, img:grabcut. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/graphcut/graphcut.h"

#define MAX_ITERS 100

/* ---------- seg.maxflow ---------- */

static double capat (lua_State *L, int idx, const SegBuf *b, int x, int y, int c) {
  double v = seg_elem(b->dtype, seg_row(b, y), (size_t)x * b->c + c);
  if (!(v >= 0 && v <= 1e12)) luaL_argerror(L, idx, "capacities must be in 0..1e12");
  return v;
}

/* seg.maxflow(source, sink, edges) -> flow, Mask: the maximum flow of the
** grid graph whose node p has terminal arcs of capacities source[p] and
** sink[p] and, for each channel k of edges (4 or 8 of them), an arc of
** capacity edges[p][k] to its neighbour in direction k (4: right, down,
** left, up; 8: right, down, down-right, down-left, left, up, up-left,
** up-right); arcs leaving the image are ignored. The Mask is the source
** side of a minimum cut. */
static int l_maxflow (lua_State *L) {
  SegImage *s = seg_checkimage(L, 1), *t = seg_checkimage(L, 2), *e = seg_checkimage(L, 3);
  seg_checkchannels(L, 1, s, 1);
  seg_checkchannels(L, 2, t, 1);
  seg_checksamesize(L, 2, s, t);
  seg_checksamesize(L, 3, s, e);
  luaL_argcheck(L, e->b.c == 4 || e->b.c == 8, 3, "4 or 8 channels expected");
  const int w = s->b.w, h = s->b.h, K = e->b.c;
  const size_t n = (size_t)w * (size_t)h;
  size_t mf = seg_maxflow_scratch(w, h);
  luaL_argcheck(L, mf != 0, 1, "image too large");
  uint8_t *scr = seg_pushscratch(L, n * (K + 1) * sizeof(SegCap) + n + mf + 64);
  SegCap *cap = (SegCap *)scr, *tr = cap + n * K;
  uint8_t *side = (uint8_t *)(tr + n);
  void *work = side + n;
  double flow0 = 0;
  static const int dx4[4] = {1, 0, -1, 0}, dy4[4] = {0, 1, 0, -1};
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t p = (size_t)y * w + x;
      double a = capat(L, 1, &s->b, x, y, 0), b = capat(L, 2, &t->b, x, y, 0);
      flow0 += a < b ? a : b;
      tr[p] = (SegCap)a - (SegCap)b;
      for (int k = 0; k < K; k++) {
        int dx = K == 4 ? dx4[k] : seg_gc_dx[k], dy = K == 4 ? dy4[k] : seg_gc_dy[k];
        int xx = x + dx, yy = y + dy;
        double c = capat(L, 3, &e->b, x, y, k);
        cap[p * K + k] = xx >= 0 && xx < w && yy >= 0 && yy < h ? (SegCap)c : 0;
      }
    }
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
  SegGrid g = {w, h, K, cap, tr, flow0, work};
  seg_maxflow(&g, side);
  for (int y = 0; y < h; y++) memcpy(seg_row_u8(&m->b, y), side + (size_t)y * w, (size_t)w);
  lua_pushnumber(L, g.flow);
  lua_insert(L, -2);
  return 2;
}

/* ---------- graphcut ---------- */

static const char *const gc_keys[] = {"lambda", "sigma", "connectivity", "bins", NULL};

/* Reads the options (before the images: a read can run Lua code), then
** checks image and seeds. */
static void gc_args (lua_State *L, SegGraphcutOpts *o, SegImage **im, SegImage **sd) {
  seg_checkimage(L, 1);
  seg_checkimage(L, 2);
  seg_checkoptions(L, 3, gc_keys);
  o->lambda = seg_optnumberfield(L, 3, "lambda", 16.0);
  if (!(o->lambda >= 0 && o->lambda <= 1e6)) seg_optfielderror(L, 3, "lambda", "in 0..1e6");
  o->sigma = seg_optnumberfield(L, 3, "sigma", 0);
  if (!(o->sigma >= 0 && o->sigma <= 1e6)) seg_optfielderror(L, 3, "sigma", "in 0..1e6");
  o->connectivity = seg_optconnfield(L, 3);
  lua_Integer bins = seg_optintegerfield(L, 3, "bins", 0);
  o->threads = seg_ctx(L)->threads;
  *im = seg_checkimage(L, 1);
  seg_checkpixels(L, 1, *im);
  *sd = seg_checkimage(L, 2);
  seg_checksamesize(L, 2, *im, *sd);
  luaL_argcheck(L, (*sd)->b.c == 1 && (*sd)->b.dtype != SEG_F32, 2,
                "seeds must be a Labels or a one-channel integer image");
  int colour = (*im)->b.c >= 3;
  if (bins == 0) bins = colour ? 16 : 32;
  if (bins < 2 || bins > (colour ? 64 : 4096))
    seg_optfielderror(L, 3, "bins", colour ? "in 2..64" : "in 2..4096");
  o->bins = (int)bins;
}

static void gc_fail (lua_State *L, int rc) {
  if (rc == SEG_ENOMEM) luaL_error(L, "not enough memory");
  luaL_argerror(L, 2, seg_graphcut_strerror(rc));
}

/* img:graphcut(seeds [, {lambda=16, sigma=auto, connectivity=8, bins=}])
** -> Mask, energy */
static int l_graphcut (lua_State *L) {
  SegGraphcutOpts o;
  SegImage *im, *sd;
  gc_args(L, &o, &im, &sd);
  const int w = im->b.w, h = im->b.h;
  size_t ns = seg_graphcut_scratch(w, h, o.connectivity, im->b.c, o.bins);
  luaL_argcheck(L, ns != 0, 1, "image too large");
  void *scr = seg_pushscratch(L, ns);
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
  double energy = 0;
  int rc = seg_graphcut(&im->b, &sd->b, &m->b, &o, scr, &energy);
  if (rc != SEG_OK) gc_fail(L, rc);
  lua_pushnumber(L, energy);
  return 2;
}

/* img:graphcut_graph(seeds [, opts]) -> source, sink, edges: the graph
** graphcut cuts, as f32 Images in seg.maxflow's layout. */
static int l_graphcut_graph (lua_State *L) {
  SegGraphcutOpts o;
  SegImage *im, *sd;
  gc_args(L, &o, &im, &sd);
  const int w = im->b.w, h = im->b.h, K = o.connectivity;
  size_t ns = seg_graphcut_scratch(w, h, K, im->b.c, o.bins);
  luaL_argcheck(L, ns != 0, 1, "image too large");
  void *scr = seg_pushscratch(L, ns);
  SegImage *src = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 1, SEG_F32);
  SegImage *snk = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, 1, SEG_F32);
  SegImage *cap = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, K, SEG_F32);
  int rc = seg_graphcut_graph(&im->b, &sd->b, &o, scr, &cap->b, &src->b, &snk->b);
  if (rc != SEG_OK) gc_fail(L, rc);
  return 3;
}

/* ---------- grabcut ---------- */

static int rectfield (lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  int ok;
  lua_Integer v = lua_tointegerx(L, -1, &ok);
  lua_pop(L, 1);
  if (!ok) {
    lua_pushfstring(L, "rectangle field '%s' must be an integer", k);
    luaL_argerror(L, 2, lua_tostring(L, -1));
  }
  return v < -(1 << 30) ? -(1 << 30) : v > (1 << 30) ? (1 << 30) : (int)v;
}

/* img:grabcut(rect_or_trimap [, {iters=5, components=5, gamma=50,
** lambda=9*gamma, connectivity=8, stats=false}]) -> Mask, trimap [, stats] */
static int l_grabcut (lua_State *L) {
  static const char *const keys[] = {
    "iters", "components", "gamma", "lambda", "connectivity", "stats", NULL};
  seg_checkimage(L, 1);
  int isrect = lua_istable(L, 2);
  if (!isrect && !seg_testimage(L, 2))
    luaL_typeerror(L, 2, "rectangle {x=, y=, w=, h=} or trimap");
  int rx = 0, ry = 0, rw = 0, rh = 0;
  if (isrect) {
    rx = rectfield(L, 2, "x"); ry = rectfield(L, 2, "y");
    rw = rectfield(L, 2, "w"); rh = rectfield(L, 2, "h");
  }
  seg_checkoptions(L, 3, keys);
  SegGrabcutOpts o;
  lua_Integer it = seg_optintegerfield(L, 3, "iters", 5);
  if (it < 0 || it > MAX_ITERS) seg_optfielderror(L, 3, "iters", "in 0..100");
  lua_Integer kc = seg_optintegerfield(L, 3, "components", 5);
  if (kc < 1 || kc > SEG_GMM_MAXK) seg_optfielderror(L, 3, "components", "in 1..16");
  o.gamma = seg_optnumberfield(L, 3, "gamma", 50);
  if (!(o.gamma > 0 && o.gamma <= 1e6)) seg_optfielderror(L, 3, "gamma", "in (0, 1e6]");
  o.lambda = seg_optnumberfield(L, 3, "lambda", 9 * o.gamma);
  if (!(o.lambda >= 0 && o.lambda <= 1e7)) seg_optfielderror(L, 3, "lambda", "in 0..1e7");
  o.connectivity = seg_optconnfield(L, 3);
  int stats = seg_optboolfield(L, 3, "stats", 0);
  o.iters = (int)it;
  o.components = (int)kc;
  o.threads = seg_ctx(L)->threads;

  SegImage *im = seg_checkimage(L, 1);
  seg_checkpixels(L, 1, im);
  const int w = im->b.w, h = im->b.h;
  SegImage *in = NULL;
  if (!isrect) {
    in = seg_checkimage(L, 2);
    seg_checksamesize(L, 2, im, in);
    luaL_argcheck(L, in->b.c == 1 && in->b.dtype != SEG_F32, 2,
                  "trimap must be a one-channel integer image");
  }
  size_t ns = seg_grabcut_scratch(w, h, o.connectivity, o.components);
  luaL_argcheck(L, ns != 0, 1, "image too large");
  void *scr = seg_pushscratch(L, ns);
  SegImage *mask = seg_newimage_uninit(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
  SegImage *tri = seg_newimage(L, w, h, 1, SEG_U8);
  if (isrect) {
    /* initMaskWithRect: clipped to the image, GC_PR_FGD inside, GC_BGD out */
    int x0 = rx < 0 ? 0 : rx, y0 = ry < 0 ? 0 : ry;
    int x1 = rw > w - x0 ? w : x0 + rw, y1 = rh > h - y0 ? h : y0 + rh;
    for (int y = y0; y < y1; y++) memset(seg_row_u8(&tri->b, y) + x0, SEG_GC_PR_FGD,
                                         x1 > x0 ? (size_t)(x1 - x0) : 0);
  } else {
    for (int y = 0; y < h; y++) {
      const uint8_t *row = seg_row(&in->b, y);
      uint8_t *t = seg_row_u8(&tri->b, y);
      for (int x = 0; x < w; x++) {
        double v = seg_elem(in->b.dtype, row, (size_t)x);
        if (!(v >= 0 && v <= 3)) luaL_argerror(L, 2, "trimap values must be 0, 1, 2 or 3");
        t[x] = (uint8_t)v;
      }
    }
  }
  SegGrabcutStats st;
  int rc = seg_grabcut(&im->b, &tri->b, &mask->b, &o, scr, &st);
  if (rc == SEG_GC_ENOFG || rc == SEG_GC_ENOBG)
    luaL_argerror(L, 2, rc == SEG_GC_ENOFG ? "no (probable) foreground pixel"
                                           : "no (probable) background pixel");
  if (rc != SEG_OK) return luaL_error(L, "grabcut: %s", seg_graphcut_strerror(rc));
  if (!stats) return 2;
  lua_createtable(L, 0, 5);
  lua_createtable(L, o.iters < 64 ? o.iters : 64, 0);
  for (int i = 0; i < o.iters && i < 64; i++) {
    lua_pushnumber(L, st.flow[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "flow");
  lua_pushnumber(L, st.t_init);
  lua_setfield(L, -2, "time_init");
  lua_pushnumber(L, st.t_gmm);
  lua_setfield(L, -2, "time_gmm");
  lua_pushnumber(L, st.t_learn);
  lua_setfield(L, -2, "time_learn");
  lua_pushnumber(L, st.t_flow);
  lua_setfield(L, -2, "time_cut");
  return 3;
}

void seg_open_graphcut (lua_State *L) {
  static const luaL_Reg funcs[] = {{"maxflow", l_maxflow}, {NULL, NULL}};
  static const luaL_Reg methods[] = {
    {"graphcut", l_graphcut}, {"graphcut_graph", l_graphcut_graph}, {"grabcut", l_grabcut},
    {NULL, NULL}};
  seg_register(L, methods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

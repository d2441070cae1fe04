/* lcluster.c — bindings: kmeans. */
#include "lseg.h"
#include "ops/cluster/cluster.h"
#include "ops/colour/colour.h"

/* img:kmeans(k [, {seed=0, attempts=1, iters=100, eps=0, space="rgb"}])
** -> Labels (1..k), centers ({{c1, .., cC}, ...}, k arrays), compactness
** Pixels are points of R^C (any channel count; u8, u16, f32). */
static int l_kmeans (lua_State *L) {
  static const char *const keys[] = {"seed", "attempts", "iters", "eps", "space", NULL};
  /* Colour spaces the pixels are clustered in. A new space is one more
  ** name here and a conversion of 'src' into an f32 scratch image below;
  ** the centres are then reported in that space. */
  static const char *const spaces[] = {"rgb", "lab", NULL};
  seg_checkimage(L, 1);
  lua_Integer k = luaL_checkinteger(L, 2);
  seg_checkoptions(L, 3, keys);
  lua_settop(L, 3);
  SegKmeansOpts o;
  o.seed = (uint64_t)seg_optintegerfield(L, 3, "seed", 0);
  lua_Integer at = seg_optintegerfield(L, 3, "attempts", 1);
  if (at < 1 || at > 100) seg_optfielderror(L, 3, "attempts", "an integer in 1..100");
  lua_Integer it = seg_optintegerfield(L, 3, "iters", 100);
  if (it < 1 || it > 10000) seg_optfielderror(L, 3, "iters", "an integer in 1..10000");
  o.eps = seg_optnumberfield(L, 3, "eps", 0);
  if (!(o.eps >= 0)) seg_optfielderror(L, 3, "eps", "a non-negative number");
  int space = seg_optoptionfield(L, 3, "space", 0, spaces);
  o.attempts = (int)at;
  o.iters = (int)it;
  o.threads = seg_ctx(L)->threads;
  SegImage *im = seg_checkimage(L, 1);   /* live after the option reads */
  seg_checkpixels(L, 1, im);
  luaL_argcheck(L, im->b.c <= SEG_KMEANS_MAXC, 1, "at most 64 channels expected");
  /* The pixels clustered: the image itself for "rgb". Another space
  ** converts here, into an f32 image pushed on the stack, and points src
  ** at it (every allocation below is sized from src). */
  const SegBuf *src = &im->b;
  if (space == 1) {   /* CIE Lab (D65, 2 degrees), as img:lab() */
    luaL_argcheck(L, im->b.c == 3 || im->b.c == 4, 1, "space \"lab\" needs an RGB image");
    SegImage *labim = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, 3, SEG_F32);
    seg_rgb_to_lab(&im->b, &labim->b, o.threads);
    src = &labim->b;
  }
  size_t n = (size_t)src->w * (size_t)src->h;
  luaL_argcheck(L, k >= 1 && (size_t)k <= n, 2, "k must be between 1 and the pixel count");
  luaL_argcheck(L, k <= SEG_KMEANS_MAXK, 2, "k must be at most 1024");
  o.k = (int)k;
  size_t ns = seg_kmeans_scratch(src->w, src->h, src->c, o.k, o.threads);
  if (ns == 0) luaL_argerror(L, 1, "image too large");
  void *scratch = seg_pushscratch(L, ns);
  float *cen = seg_pushscratch(L, (size_t)o.k * (size_t)src->c * sizeof(float));
  SegImage *lab = seg_newimage_uninit(L, SEG_KIND_LABELS, src->w, src->h, 1, SEG_I32);
  double comp;
  int done;
  int st = seg_kmeans(src, &o, &lab->b, cen, &comp, &done, scratch);
  if (st != SEG_OK) luaL_argerror(L, 1, seg_cluster_strerror(st));
  lua_createtable(L, o.k, 0);
  for (int j = 0; j < o.k; j++) {
    lua_createtable(L, src->c, 0);
    for (int c = 0; c < src->c; c++) {
      lua_pushnumber(L, cen[(size_t)j * (size_t)src->c + (size_t)c]);
      lua_rawseti(L, -2, c + 1);
    }
    lua_rawseti(L, -2, j + 1);
  }
  lua_pushnumber(L, comp);
  return 3;
}

static const luaL_Reg methods[] = {
  {"kmeans", l_kmeans},
  {NULL, NULL}};

void seg_open_cluster (lua_State *L) {
  seg_register(L, methods);
}

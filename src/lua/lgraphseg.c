/* lgraphseg.c — bindings: felzenszwalb, meanshift, region merging on a RAG. */
#include <math.h>
#include "lseg.h"
#include "ops/graphseg/graphseg.h"

/* opts[k] in [lo, hi]; a NaN default makes the field required. */
/* img:felzenszwalb{scale=1, sigma=0.8, min_size=20} -> Labels, n
** (skimage.segmentation.felzenszwalb, labels + 1) */
static int l_felzenszwalb (lua_State *L) {
  static const char *const keys[] = {"scale", "sigma", "min_size", NULL};
  seg_checkimage(L, 1);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  double scale = seg_optrangefield(L, 2, "scale", 1.0, -HUGE_VAL, HUGE_VAL, "a number");
  double sigma = seg_optrangefield(L, 2, "sigma", 0.8, 0.0, 500.0, "a number from 0 to 500");
  lua_Integer min_size = seg_optintegerfield(L, 2, "min_size", 20);
  luaL_argcheck(L, min_size >= 0, 2, "'min_size' must be non-negative");
  SegImage *im = seg_checkimage(L, 1);   /* live after the option reads */
  seg_checkpixels(L, 1, im);
  int w = im->b.w, h = im->b.h;
  luaL_argcheck(L, (int64_t)w * h <= ((int64_t)1 << 30), 1, "image too large");
  void *scratch = seg_pushscratch(L, seg_felz_scratch(w, h, im->b.c));
  SegImage *lab = seg_newimage_uninit(L, SEG_KIND_LABELS, w, h, 1, SEG_I32);
  int32_t n = seg_felzenszwalb(&im->b, &lab->b, scale, sigma, (int64_t)min_size,
                               seg_ctx(L)->threads, scratch);
  if (n < 0) return luaL_error(L, "not enough memory");
  lua_pushinteger(L, n);
  return 2;
}

/* img:meanshift{spatial=, range=, max_level=0, iters=5, eps=1, labels=false}
** -> Image [, Labels, n] (cv2.pyrMeanShiftFiltering(img, spatial, range,
** maxLevel=0); labels: the 8-connected regions of equal filtered colour) */
static int l_meanshift (lua_State *L) {
  static const char *const keys[] = {"spatial", "range", "max_level", "iters", "eps", "labels", NULL};
  seg_checkimage(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  double sp = seg_optrangefield(L, 2, "spatial", NAN, 0.0, 500.0, "a number from 0 to 500");
  double sr = seg_optrangefield(L, 2, "range", NAN, 0.0, 1024.0, "a number from 0 to 1024");
  lua_Integer lev = seg_optintegerfield(L, 2, "max_level", 0);
  luaL_argcheck(L, lev == 0, 2, "only 'max_level' 0 is supported");
  lua_Integer iters = seg_optintegerfield(L, 2, "iters", 5);
  luaL_argcheck(L, iters >= 1 && iters <= 100, 2, "'iters' must be in 1..100");
  double eps = seg_optrangefield(L, 2, "eps", 1.0, 0.0, HUGE_VAL, "a number >= 0");
  int want_labels = seg_optboolfield(L, 2, "labels", 0);
  SegImage *im = seg_checkimage(L, 1);
  luaL_argcheck(L, im->b.dtype == SEG_U8 && (im->b.c == 1 || im->b.c == 3), 1,
                "u8 image with 1 or 3 channels expected");
  void *scratch = seg_pushscratch(L, seg_meanshift_scratch(im->b.w, im->b.h, im->b.c));
  SegImage *out = seg_newimage_uninit(L, im->kind, im->b.w, im->b.h, im->b.c, SEG_U8);
  SegImage *lab = NULL;
  uint32_t *parent = NULL;
  if (want_labels) {
    luaL_argcheck(L, (int64_t)im->b.w * im->b.h < ((int64_t)1 << 32), 1, "image too large");
    parent = seg_pushscratch(L, (size_t)im->b.w * (size_t)im->b.h * sizeof *parent);
    lab = seg_newimage_uninit(L, SEG_KIND_LABELS, im->b.w, im->b.h, 1, SEG_I32);
  }
  seg_meanshift(&im->b, &out->b, sp, sr, (int)iters, eps, seg_ctx(L)->threads, scratch);
  if (!lab) return 1;
  lua_pushvalue(L, -3);      /* out */
  lua_pushvalue(L, -2);      /* lab */
  lua_pushinteger(L, seg_equal_regions(&out->b, &lab->b, parent));
  return 3;
}

/* lab:merge{image=, threshold=, connectivity=8} and
** lab:merge_hierarchical{...} -> Labels, n */
static int merge (lua_State *L, int hierarchical) {
  static const char *const keys[] = {"image", "threshold", "connectivity", NULL};
  seg_checklabels(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  seg_checkoptions(L, 2, keys);
  lua_settop(L, 2);
  double thresh = seg_optrangefield(L, 2, "threshold", NAN, -HUGE_VAL, HUGE_VAL, "a number");
  int conn = seg_optconnfield(L, 2);
  lua_getfield(L, 2, "image");   /* 3 */
  SegImage *img = seg_testimage(L, 3);
  if (!img || seg_isreleased(img)) seg_optfielderror(L, 2, "image", "an Image");
  SegImage *lab = seg_checklabels(L, 1);
  if (img->b.w != lab->b.w || img->b.h != lab->b.h)
    luaL_argerror(L, 2, "'image' must have the labels' size");
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_LABELS, lab->b.w, lab->b.h, 1, SEG_I32);
  /* nothing raises from here until the graph is freed */
  SegRag *g = seg_rag_new(&lab->b, &img->b, conn, seg_ctx(L)->threads);
  int32_t n = -1;
  if (g) {
    int rc = hierarchical ? seg_rag_merge_hierarchical(g, thresh) : seg_rag_cut_threshold(g, thresh);
    if (rc == SEG_OK) n = seg_rag_relabel(g, &lab->b, &out->b);
    seg_rag_free(g);
  }
  if (n < 0) return luaL_error(L, "not enough memory");
  lua_pushinteger(L, n);
  return 2;
}

static int l_merge (lua_State *L) { return merge(L, 0); }
static int l_merge_hierarchical (lua_State *L) { return merge(L, 1); }

static const luaL_Reg methods[] = {
  {"felzenszwalb", l_felzenszwalb}, {"meanshift", l_meanshift},
  {NULL, NULL}};
static const luaL_Reg label_methods[] = {
  {"merge", l_merge}, {"merge_hierarchical", l_merge_hierarchical},
  {NULL, NULL}};

void seg_open_graphseg (lua_State *L) {
  seg_register(L, methods);
  seg_add_methods(L, SEG_KIND_LABELS, label_methods);
}

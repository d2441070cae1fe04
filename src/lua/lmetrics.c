/* lmetrics.c — bindings for the metrics family: mask overlap, confusion
** matrices, scikit-image's adapted Rand error, variation of information and
** Hausdorff distance (module functions). */
#include <math.h>
#include "lseg.h"
#include "ops/metrics/metrics.h"
#include "ops/label/regions.h"

#define MAX_CLASSES 1024
#define MAX_IGNORE 64

/* A 1-channel Mask, Labels or Image; integer dtypes unless 'anyfloat'. */
static SegImage *checkmap (lua_State *L, int idx, int anyfloat) {
  SegImage *im = seg_checkimage(L, idx);
  seg_checkchannels(L, idx, im, 1);
  if (!anyfloat && im->b.dtype == SEG_F32) luaL_argerror(L, idx, "integer image expected");
  return im;
}

/* Two maps of one size at 1 and 2. */
static void checkpair (lua_State *L, SegImage **a, SegImage **b, int anyfloat) {
  *a = checkmap(L, 1, anyfloat);
  *b = checkmap(L, 2, anyfloat);
  seg_checksamesize(L, 2, *a, *b);
}

/* f(a, b:label()) passes b's count as the class count k at 'kidx'. Raises
** with 'msg' and, when k is the largest label of the Labels before it,
** says that this is what probably happened. */
static void classerror (lua_State *L, int kidx, const char *msg) {
  SegImage *lab = (SegImage *)luaL_testudata(L, kidx - 1, SEG_LABELS_MT);
  if (lab && lab->b.data && lua_isinteger(L, kidx) &&
      seg_labels_max(&lab->b, seg_ctx(L)->threads) == lua_tointeger(L, kidx)) {
    lua_pushfstring(L, "%s; is %I the count label() returned with argument #%d? "
                    "keep one result with parentheses: (m:label())", msg,
                    lua_tointeger(L, kidx), kidx - 1);
    luaL_argerror(L, kidx, lua_tostring(L, -1));
  }
}

static int checkclasses (lua_State *L, int idx) {
  lua_Integer k = luaL_checkinteger(L, idx);
  if (k < 1 || k > MAX_CLASSES) {
    classerror(L, idx, "classes must be in 1..1024");
    luaL_argerror(L, idx, "classes must be in 1..1024");
  }
  return (int)k;
}

/* Confusion matrix of (pred, truth) at 1, 2 with k classes at 'kidx',
** in a userdata left on the stack. Raises on values outside 0..k-1. */
static uint64_t *pushconfusion (lua_State *L, int kidx, int *kout) {
  SegImage *pred, *truth;
  checkpair(L, &pred, &truth, 0);
  int k = checkclasses(L, kidx), threads = seg_ctx(L)->threads;
  uint64_t *cm = lua_newuserdatauv(L, (size_t)k * k * sizeof *cm, 0);
  uint64_t *scratch = lua_newuserdatauv(L, seg_confusion_scratch(k, threads) * sizeof *cm, 0);
  uint64_t bad = seg_confusion(&pred->b, &truth->b, k, cm, scratch, threads);
  lua_pop(L, 1);
  if (bad) {
    lua_pushfstring(L, "%I pixels outside classes 0..%d", (lua_Integer)bad, k - 1);
    classerror(L, kidx, lua_tostring(L, -1));   /* the label k falls outside 0..k-1 */
    luaL_argerror(L, 1, lua_tostring(L, -1));
  }
  *kout = k;
  return cm;
}

static void pusharray (lua_State *L, const double *v, int n) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) { lua_pushnumber(L, v[i]); lua_rawseti(L, -2, i + 1); }
}

/* seg.iou(a, b) -> number, over non-zero pixels;
** seg.iou(pred, truth, k) -> {iou of class 0, ..., class k-1}. */
static int overlap (lua_State *L, int dice) {
  if (lua_isnoneornil(L, 3)) {
    SegImage *a, *b;
    checkpair(L, &a, &b, 1);
    SegMaskCounts c;
    seg_mask_counts(&a->b, &b->b, &c, seg_ctx(L)->threads);
    lua_pushnumber(L, dice ? seg_counts_dice(&c) : seg_counts_iou(&c));
    return 1;
  }
  int k;
  uint64_t *cm = pushconfusion(L, 3, &k);
  double *v = lua_newuserdatauv(L, (size_t)k * sizeof *v, 0);
  if (dice) seg_confusion_dice(cm, k, v);
  else seg_confusion_iou(cm, k, v);
  pusharray(L, v, k);
  return 1;
}

static int l_iou (lua_State *L) { return overlap(L, 0); }
static int l_dice (lua_State *L) { return overlap(L, 1); }

/* seg.precision_recall(pred, truth) -> precision, recall (non-zero pixels). */
static int l_precision_recall (lua_State *L) {
  SegImage *p, *t;
  checkpair(L, &p, &t, 1);
  SegMaskCounts c;
  seg_mask_counts(&p->b, &t->b, &c, seg_ctx(L)->threads);
  lua_pushnumber(L, seg_counts_precision(&c));
  lua_pushnumber(L, seg_counts_recall(&c));
  return 2;
}

/* seg.confusion(pred, truth, k) -> k x k table, [t+1][p+1] = pixels of
** true class t predicted as p (scikit-learn's confusion_matrix). */
static int l_confusion (lua_State *L) {
  int k;
  uint64_t *cm = pushconfusion(L, 3, &k);
  lua_createtable(L, k, 0);
  for (int t = 0; t < k; t++) {
    lua_createtable(L, k, 0);
    for (int p = 0; p < k; p++) {
      lua_pushinteger(L, (lua_Integer)cm[(size_t)t * k + p]);
      lua_rawseti(L, -2, p + 1);
    }
    lua_rawseti(L, -2, t + 1);
  }
  return 1;
}

/* seg.mean_iou(pred, truth, k) -> mean over present classes, per-class table. */
static int l_mean_iou (lua_State *L) {
  int k;
  uint64_t *cm = pushconfusion(L, 3, &k);
  double *v = lua_newuserdatauv(L, (size_t)k * sizeof *v, 0);
  seg_confusion_iou(cm, k, v);
  lua_pushnumber(L, seg_confusion_mean_iou(cm, k));
  pusharray(L, v, k);
  return 2;
}

/* seg.pixel_accuracy(pred, truth) -> fraction of equal pixels. */
static int l_pixel_accuracy (lua_State *L) {
  SegImage *a, *b;
  checkpair(L, &a, &b, 0);
  lua_pushnumber(L, seg_pixel_accuracy(&a->b, &b->b, seg_ctx(L)->threads));
  return 1;
}

/* Reads opts.ignore (a list of integers, or one) at 'idx'; 'def' when absent. */
static int checkignore (lua_State *L, int idx, int64_t *ignore, int def) {
  static const char *const keys[] = {"ignore", NULL};
  if (!seg_checkoptions(L, idx, keys)) {
    ignore[0] = 0;
    return def;
  }
  int n = 0, isint, t = lua_getfield(L, idx, "ignore");
  if (t == LUA_TNIL) n = def, ignore[0] = 0;
  else if (t == LUA_TNUMBER) {
    ignore[0] = lua_tointegerx(L, -1, &isint);
    if (!isint) luaL_argerror(L, idx, "ignore must hold integers");
    n = 1;
  } else if (t == LUA_TTABLE) {
    n = (int)luaL_len(L, -1);
    luaL_argcheck(L, n <= MAX_IGNORE, idx, "too many ignored labels");
    for (int i = 0; i < n; i++) {
      lua_geti(L, -1, i + 1);
      ignore[i] = lua_tointegerx(L, -1, &isint);
      if (!isint) luaL_argerror(L, idx, "ignore must hold integers");
      lua_pop(L, 1);
    }
  } else luaL_argerror(L, idx, "ignore must be an integer or a list of integers");
  lua_pop(L, 1);
  return n;
}

static void checkstatus (lua_State *L, int r) {
  if (r == SEG_METRIC_NEGATIVE) luaL_argerror(L, 1, "labels must be non-negative");
  if (r == SEG_METRIC_NOMEM) luaL_error(L, "not enough memory");
}

/* seg.adapted_rand(truth, test [, {ignore = {0}}]) -> error, precision, recall */
static int l_adapted_rand (lua_State *L) {
  SegImage *t, *s;
  checkpair(L, &t, &s, 0);
  int64_t ignore[MAX_IGNORE];
  int n = checkignore(L, 3, ignore, 1);
  checkpair(L, &t, &s, 0);   /* live after the option reads (Lua code) */
  double out[3];
  checkstatus(L, seg_adapted_rand(&t->b, &s->b, ignore, n, out));
  for (int i = 0; i < 3; i++) lua_pushnumber(L, out[i]);
  return 3;
}

/* seg.vi(a, b [, {ignore = {}}]) -> split H(b|a), merge H(a|b), in bits */
static int l_vi (lua_State *L) {
  SegImage *a, *b;
  checkpair(L, &a, &b, 0);
  int64_t ignore[MAX_IGNORE];
  int n = checkignore(L, 3, ignore, 0);
  checkpair(L, &a, &b, 0);   /* live after the option reads (Lua code) */
  double out[2];
  checkstatus(L, seg_variation_of_information(&a->b, &b->b, ignore, n, out));
  lua_pushnumber(L, out[0]);
  lua_pushnumber(L, out[1]);
  return 2;
}

/* seg.hausdorff(a, b) -> distance between the non-zero pixels of a and b. */
static int l_hausdorff (lua_State *L) {
  SegImage *a, *b;
  checkpair(L, &a, &b, 1);
  int threads = seg_ctx(L)->threads;
  size_t n = seg_hausdorff_scratch(a->b.w, a->b.h, threads);
  int64_t *scratch = lua_newuserdatauv(L, n * sizeof *scratch, 0);
  lua_pushnumber(L, seg_hausdorff(&a->b, &b->b, scratch, threads));
  return 1;
}

void seg_open_metrics (lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"iou", l_iou}, {"dice", l_dice}, {"precision_recall", l_precision_recall},
    {"confusion", l_confusion}, {"mean_iou", l_mean_iou},
    {"pixel_accuracy", l_pixel_accuracy}, {"adapted_rand", l_adapted_rand},
    {"vi", l_vi}, {"hausdorff", l_hausdorff}, {NULL, NULL}};
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

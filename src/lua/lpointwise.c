/* lpointwise.c — bindings for + - * /, comparisons and mask algebra. */
#include "lseg.h"
#include "ops/pointwise/pointwise.h"

/* Reads a number or a table of one number per channel into s[c]. Returns
** 0 when the value at idx is neither. */
static int get_scalar (lua_State *L, int idx, int c, double *s) {
  if (lua_type(L, idx) == LUA_TNUMBER) {
    double v = lua_tonumber(L, idx);
    for (int k = 0; k < c; k++) s[k] = v;
    return 1;
  }
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  if (luaL_len(L, idx) != c) {
    lua_pushfstring(L, "table of %d values expected (one per channel)", c);
    luaL_argerror(L, idx, lua_tostring(L, -1));
  }
  for (int k = 0; k < c; k++) {
    lua_geti(L, idx, k + 1);
    if (!lua_isnumber(L, -1)) luaL_argerror(L, idx, "table of numbers expected");
    s[k] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return 1;
}

static void check_same (lua_State *L, const SegImage *a, const SegImage *b) {
  seg_checksamesize(L, 2, a, b);
  if (a->b.c != b->b.c) luaL_argerror(L, 2, "channel count mismatch");
  if (a->b.dtype != b->b.dtype) luaL_argerror(L, 2, "dtype mismatch (convert with :to())");
}

static int arith (lua_State *L, int op) {
  SegImage *a = seg_testimage(L, 1), *b = seg_testimage(L, 2);
  double s[1024];
  int threads = seg_ctx(L)->threads;
  if (a && b) {
    a = seg_checkimage(L, 1); b = seg_checkimage(L, 2);
    check_same(L, a, b);
    SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, a->b.w, a->b.h, a->b.c, a->b.dtype);
    seg_arith(&a->b, &b->b, &out->b, op, threads);
    return 1;
  }
  int left = a == NULL;   /* number op image */
  SegImage *im = left ? seg_checkimage(L, 2) : seg_checkimage(L, 1);
  int sidx = left ? 1 : 2;
  if (!get_scalar(L, sidx, im->b.c, s))
    luaL_typeerror(L, sidx, "number, table or seg.Image");
  SegImage *out = seg_newimage_uninit(L, SEG_KIND_IMAGE, im->b.w, im->b.h, im->b.c, im->b.dtype);
  seg_arith_scalar(&im->b, s, &out->b, op, left, threads);
  return 1;
}

static int l_add (lua_State *L) { return arith(L, SEG_OP_ADD); }
static int l_sub (lua_State *L) { return arith(L, SEG_OP_SUB); }
static int l_mul (lua_State *L) { return arith(L, SEG_OP_MUL); }
static int l_div (lua_State *L) { return arith(L, SEG_OP_DIV); }

/* img:gt(v) etc.: v a number, a table (one per channel) or an Image. The
** Mask is 1 where every channel compares true (ne: where any differs). */
static int compare (lua_State *L, int cmp) {
  SegImage *a = seg_checkimage(L, 1);
  double s[1024];
  SegImage *b = seg_testimage(L, 2);
  if (b) {
    b = seg_checkimage(L, 2);
    check_same(L, a, b);
    SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
    seg_compare(&a->b, &b->b, &m->b, cmp, seg_ctx(L)->threads);
    return 1;
  }
  if (!get_scalar(L, 2, a->b.c, s)) luaL_typeerror(L, 2, "number, table or seg.Image");
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_compare_scalar(&a->b, s, &m->b, cmp, seg_ctx(L)->threads);
  return 1;
}

static int l_gt (lua_State *L) { return compare(L, SEG_CMP_GT); }
static int l_ge (lua_State *L) { return compare(L, SEG_CMP_GE); }
static int l_lt (lua_State *L) { return compare(L, SEG_CMP_LT); }
static int l_le (lua_State *L) { return compare(L, SEG_CMP_LE); }
static int l_eqv (lua_State *L) { return compare(L, SEG_CMP_EQ); }
static int l_ne (lua_State *L) { return compare(L, SEG_CMP_NE); }

/* img:inrange(lo, hi) -> Mask of lo <= v <= hi on every channel (cv2.inRange). */
static int l_inrange (lua_State *L) {
  SegImage *a = seg_checkimage(L, 1);
  double lo[1024], hi[1024];
  if (!get_scalar(L, 2, a->b.c, lo)) luaL_typeerror(L, 2, "number or table");
  if (!get_scalar(L, 3, a->b.c, hi)) luaL_typeerror(L, 3, "number or table");
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_inrange(&a->b, lo, hi, &m->b, seg_ctx(L)->threads);
  return 1;
}

static int mask_binop (lua_State *L, int op) {
  SegImage *a = seg_checkmask(L, 1), *b = seg_checkmask(L, 2);
  seg_checksamesize(L, 2, a, b);
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_mask_binop(&a->b, &b->b, &m->b, op, seg_ctx(L)->threads);
  return 1;
}

static int l_band (lua_State *L) { return mask_binop(L, SEG_MASK_AND); }
static int l_bor (lua_State *L) { return mask_binop(L, SEG_MASK_OR); }
static int l_bxor (lua_State *L) { return mask_binop(L, SEG_MASK_XOR); }

static int l_bnot (lua_State *L) {
  SegImage *a = seg_checkmask(L, 1);
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_mask_not(&a->b, &m->b, seg_ctx(L)->threads);
  return 1;
}

/* img:to_mask() -> Mask of non-zero pixels (every channel counted). */
static int l_to_mask (lua_State *L) {
  SegImage *a = seg_checkimage(L, 1);
  double z[1024] = {0};
  SegImage *m = seg_newimage_uninit(L, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_compare_scalar(&a->b, z, &m->b, SEG_CMP_NE, seg_ctx(L)->threads);
  return 1;
}

static const luaL_Reg meta[] = {
  {"__add", l_add}, {"__sub", l_sub}, {"__mul", l_mul}, {"__div", l_div},
  {"__band", l_band}, {"__bor", l_bor}, {"__bxor", l_bxor}, {"__bnot", l_bnot},
  {NULL, NULL}};
static const luaL_Reg methods[] = {
  {"gt", l_gt}, {"ge", l_ge}, {"lt", l_lt}, {"le", l_le}, {"eq", l_eqv}, {"ne", l_ne},
  {"inrange", l_inrange}, {"to_mask", l_to_mask}, {NULL, NULL}};

void seg_open_pointwise (lua_State *L) {
  seg_add_meta(L, meta);
  seg_register(L, methods);
}

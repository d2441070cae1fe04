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

static const char *const out_only[] = {"out", NULL};

/* Options of a pointwise method at 'oi' (0 for a metamethod: none): pushes
** opts.out (or nil) and returns its index. Pointwise kernels read and write
** element i only, so 'out' may be one of the inputs. */
static int optout (lua_State *L, int oi) {
  if (!oi) { lua_pushnil(L); return lua_gettop(L); }
  seg_checkoptions(L, oi, out_only);
  return seg_optout(L, oi);
}

/* a op b for images and numbers; 'oi' is the options' index (0: none).
** Scalars and options are read before the images are checked for use:
** both reads can run Lua code (__index) that releases an image. */
static int arith (lua_State *L, int op, int oi) {
  double s[1024];
  int threads = seg_ctx(L)->threads;
  if (seg_testimage(L, 1) && seg_testimage(L, 2)) {
    int oidx = optout(L, oi);
    SegImage *a = seg_checkimage(L, 1), *b = seg_checkimage(L, 2);
    check_same(L, a, b);
    SegImage *out = seg_pushout(L, oi, oidx, SEG_KIND_IMAGE, a->b.w, a->b.h, a->b.c, a->b.dtype);
    seg_arith(&a->b, &b->b, &out->b, op, threads);
    return 1;
  }
  int left = seg_testimage(L, 1) == NULL;   /* number op image */
  int iidx = left ? 2 : 1, sidx = left ? 1 : 2;
  SegImage *im = seg_checkimage(L, iidx);
  if (!get_scalar(L, sidx, im->b.c, s))
    seg_typeerror(L, sidx, "number, table or seg.Image");
  int oidx = optout(L, oi);
  im = seg_checkimage(L, iidx);
  SegImage *out = seg_pushout(L, oi, oidx, SEG_KIND_IMAGE, im->b.w, im->b.h, im->b.c, im->b.dtype);
  seg_arith_scalar(&im->b, s, &out->b, op, left, threads);
  return 1;
}

static int l_add (lua_State *L) { return arith(L, SEG_OP_ADD, 0); }
static int l_sub (lua_State *L) { return arith(L, SEG_OP_SUB, 0); }
static int l_mul (lua_State *L) { return arith(L, SEG_OP_MUL, 0); }
static int l_div (lua_State *L) { return arith(L, SEG_OP_DIV, 0); }
/* img:add(v [, {out=}]) etc.: the operators as methods, for a destination. */
static int m_add (lua_State *L) { seg_checkimage(L, 1); return arith(L, SEG_OP_ADD, 3); }
static int m_sub (lua_State *L) { seg_checkimage(L, 1); return arith(L, SEG_OP_SUB, 3); }
static int m_mul (lua_State *L) { seg_checkimage(L, 1); return arith(L, SEG_OP_MUL, 3); }
static int m_div (lua_State *L) { seg_checkimage(L, 1); return arith(L, SEG_OP_DIV, 3); }

/* img:gt(v [, {out=}]) etc.: v a number, a table (one per channel) or an
** Image. The Mask is 1 where every channel compares true (ne: where any
** differs). */
static int compare (lua_State *L, int cmp) {
  SegImage *a = seg_checkimage(L, 1);
  double s[1024];
  if (seg_testimage(L, 2)) {
    int oidx = optout(L, 3);
    a = seg_checkimage(L, 1);
    SegImage *b = seg_checkimage(L, 2);
    check_same(L, a, b);
    SegImage *m = seg_pushout(L, 3, oidx, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
    seg_compare(&a->b, &b->b, &m->b, cmp, seg_ctx(L)->threads);
    return 1;
  }
  if (!get_scalar(L, 2, a->b.c, s)) seg_typeerror(L, 2, "number, table or seg.Image");
  int oidx = optout(L, 3);
  a = seg_checkimage(L, 1);
  SegImage *m = seg_pushout(L, 3, oidx, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_compare_scalar(&a->b, s, &m->b, cmp, seg_ctx(L)->threads);
  return 1;
}

static int l_gt (lua_State *L) { return compare(L, SEG_CMP_GT); }
static int l_ge (lua_State *L) { return compare(L, SEG_CMP_GE); }
static int l_lt (lua_State *L) { return compare(L, SEG_CMP_LT); }
static int l_le (lua_State *L) { return compare(L, SEG_CMP_LE); }
static int l_eqv (lua_State *L) { return compare(L, SEG_CMP_EQ); }
static int l_ne (lua_State *L) { return compare(L, SEG_CMP_NE); }

/* img:inrange(lo, hi [, {out=}]) -> Mask of lo <= v <= hi on every channel
** (cv2.inRange). */
static int l_inrange (lua_State *L) {
  SegImage *a = seg_checkimage(L, 1);
  double lo[1024], hi[1024];
  if (!get_scalar(L, 2, a->b.c, lo)) luaL_typeerror(L, 2, "number or table");
  if (!get_scalar(L, 3, a->b.c, hi)) luaL_typeerror(L, 3, "number or table");
  int oidx = optout(L, 4);
  a = seg_checkimage(L, 1);
  SegImage *m = seg_pushout(L, 4, oidx, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_inrange(&a->b, lo, hi, &m->b, seg_ctx(L)->threads);
  return 1;
}

static int mask_binop (lua_State *L, int op, int oi) {
  seg_checkmask(L, 1);
  seg_checkmask(L, 2);
  int oidx = optout(L, oi);
  SegImage *a = seg_checkmask(L, 1), *b = seg_checkmask(L, 2);
  seg_checksamesize(L, 2, a, b);
  SegImage *m = seg_pushout(L, oi, oidx, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_mask_binop(&a->b, &b->b, &m->b, op, seg_ctx(L)->threads);
  return 1;
}

static int l_band (lua_State *L) { return mask_binop(L, SEG_MASK_AND, 0); }
static int l_bor (lua_State *L) { return mask_binop(L, SEG_MASK_OR, 0); }
static int l_bxor (lua_State *L) { return mask_binop(L, SEG_MASK_XOR, 0); }
/* m:band(b [, {out=}]) etc.: & | ~ as methods, for a destination. */
static int m_band (lua_State *L) { return mask_binop(L, SEG_MASK_AND, 3); }
static int m_bor (lua_State *L) { return mask_binop(L, SEG_MASK_OR, 3); }
static int m_bxor (lua_State *L) { return mask_binop(L, SEG_MASK_XOR, 3); }

/* ~m, and m:bnot([{out=}]). The metamethod gets its operand twice. */
static int mask_not (lua_State *L, int oi) {
  seg_checkmask(L, 1);
  int oidx = optout(L, oi);
  SegImage *a = seg_checkmask(L, 1);
  SegImage *m = seg_pushout(L, oi, oidx, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_mask_not(&a->b, &m->b, seg_ctx(L)->threads);
  return 1;
}

static int l_bnot (lua_State *L) { return mask_not(L, 0); }
static int m_bnot (lua_State *L) { return mask_not(L, 2); }

/* img:to_mask([{out=}]) -> Mask of non-zero pixels (every channel counted). */
static int l_to_mask (lua_State *L) {
  seg_checkimage(L, 1);
  double z[1024] = {0};
  int oidx = optout(L, 2);
  SegImage *a = seg_checkimage(L, 1);
  SegImage *m = seg_pushout(L, 2, oidx, SEG_KIND_MASK, a->b.w, a->b.h, 1, SEG_U8);
  seg_compare_scalar(&a->b, z, &m->b, SEG_CMP_NE, seg_ctx(L)->threads);
  return 1;
}

static const luaL_Reg meta[] = {
  {"__add", l_add}, {"__sub", l_sub}, {"__mul", l_mul}, {"__div", l_div},
  {"__band", l_band}, {"__bor", l_bor}, {"__bxor", l_bxor}, {"__bnot", l_bnot},
  {NULL, NULL}};
static const luaL_Reg methods[] = {
  {"add", m_add}, {"sub", m_sub}, {"mul", m_mul}, {"div", m_div},
  {"gt", l_gt}, {"ge", l_ge}, {"lt", l_lt}, {"le", l_le}, {"eq", l_eqv}, {"ne", l_ne},
  {"inrange", l_inrange}, {"to_mask", l_to_mask}, {NULL, NULL}};
static const luaL_Reg mask_methods[] = {
  {"band", m_band}, {"bor", m_bor}, {"bxor", m_bxor}, {"bnot", m_bnot}, {NULL, NULL}};

void seg_open_pointwise (lua_State *L) {
  seg_add_meta(L, meta);
  seg_register(L, methods);
  seg_add_methods(L, SEG_KIND_MASK, mask_methods);
}

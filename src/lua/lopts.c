/* lopts.c — the conventions every binding shares for its arguments:
** options tables (readers, the unknown-key check), `out=` destinations,
** and type errors that explain a common slip of multiple results. */
#include <string.h>
#include "lseg.h"

static const char *const kind_name[] = {SEG_IMAGE_MT, SEG_MASK_MT, SEG_LABELS_MT};

/* ---------- type errors ---------- */

/* Functions such as label() return a Labels and a count; passed straight
** into another call, the count lands in the next parameter. When a number
** follows a Labels, the message says so instead of only "got number". */
int seg_typeerror (lua_State *L, int idx, const char *tname) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER && idx > 1 &&
      luaL_testudata(L, idx - 1, SEG_LABELS_MT)) {
    lua_pushfstring(L, "%s expected, got number; did you pass both results of "
                    "label()? keep one with parentheses: (m:label())", tname);
    return luaL_argerror(L, idx, lua_tostring(L, -1));
  }
  return luaL_typeerror(L, idx, tname);
}

/* ---------- options tables ---------- */

int seg_checkoptions (lua_State *L, int idx, const char *const valid[]) {
  if (lua_isnoneornil(L, idx)) return 0;
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) seg_typeerror(L, idx, "table");
  /* Raw traversal: a key served by a metatable's __index is not the
  ** table's own and cannot be misspelt by the caller of this function. */
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int i = 0;
    while (k && valid[i] && strcmp(valid[i], k) != 0) i++;
    if (!k || !valid[i]) {
      const char *kt = luaL_typename(L, -1);
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      if (k) lua_pushfstring(L, "unknown option '%s'; valid: ", k);
      else lua_pushfstring(L, "option names must be strings, got %s; valid: ", kt);
      luaL_addvalue(&b);
      for (i = 0; valid[i]; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, valid[i]);
      }
      luaL_pushresult(&b);
      luaL_argerror(L, idx, lua_tostring(L, -1));
    }
  }
  return 1;
}

static int optfield (lua_State *L, int t, const char *k) {
  if (lua_isnoneornil(L, t)) { lua_pushnil(L); return LUA_TNIL; }
  return lua_getfield(L, t, k);
}

static void fielderror (lua_State *L, int t, const char *k, const char *what) {
  lua_pushfstring(L, "'%s' must be %s", k, what);
  luaL_argerror(L, t, lua_tostring(L, -1));
}

lua_Number seg_optnumberfield (lua_State *L, int t, const char *k, lua_Number def) {
  lua_Number v = def;
  if (optfield(L, t, k) != LUA_TNIL) {
    int ok;
    v = lua_tonumberx(L, -1, &ok);
    if (!ok || v != v) fielderror(L, t, k, "a number");
  }
  lua_pop(L, 1);
  return v;
}

lua_Integer seg_optintegerfield (lua_State *L, int t, const char *k, lua_Integer def) {
  lua_Integer v = def;
  if (optfield(L, t, k) != LUA_TNIL) {
    int ok;
    v = lua_tointegerx(L, -1, &ok);
    if (!ok) fielderror(L, t, k, "an integer");
  }
  lua_pop(L, 1);
  return v;
}

int seg_optboolfield (lua_State *L, int t, const char *k, int def) {
  int v = def;
  int tt = optfield(L, t, k);
  if (tt == LUA_TBOOLEAN) v = lua_toboolean(L, -1);
  else if (tt == LUA_TNUMBER) v = lua_tonumber(L, -1) != 0;
  else if (tt != LUA_TNIL) fielderror(L, t, k, "a boolean");
  lua_pop(L, 1);
  return v;
}

int seg_optoptionfield (lua_State *L, int t, const char *k, int def, const char *const list[]) {
  int v = def;
  if (optfield(L, t, k) != LUA_TNIL) {
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    for (v = 0; s && list[v] && strcmp(list[v], s) != 0; v++) {}
    if (!s || !list[v]) {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      lua_pushfstring(L, "'%s' must be one of ", k);
      luaL_addvalue(&b);
      for (int i = 0; list[i]; i++) {
        if (i) luaL_addstring(&b, ", ");
        lua_pushfstring(L, "\"%s\"", list[i]);
        luaL_addvalue(&b);
      }
      luaL_pushresult(&b);
      luaL_argerror(L, t, lua_tostring(L, -1));
    }
  }
  lua_pop(L, 1);
  return v;
}

int seg_optsizefield (lua_State *L, int t, const char *k, int *w, int *h) {
  int found = 0;
  if (optfield(L, t, k) != LUA_TNIL) {
    lua_Integer x = 0, y = 0;
    int okx = 0, oky = 0;
    if (lua_isinteger(L, -1)) { x = y = lua_tointeger(L, -1); okx = oky = 1; }
    else if (lua_type(L, -1) == LUA_TTABLE) {
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2);
      x = lua_tointegerx(L, -2, &okx);
      y = lua_tointegerx(L, -1, &oky);
      lua_pop(L, 2);
    }
    if (!okx || !oky) fielderror(L, t, k, "an integer or {w, h}");
    if (x < 1 || y < 1 || x > 65536 || y > 65536) fielderror(L, t, k, "in 1..65536");
    *w = (int)x;
    *h = (int)y;
    found = 1;
  }
  lua_pop(L, 1);
  return found;
}

void seg_optfielderror (lua_State *L, int t, const char *k, const char *what) {
  fielderror(L, t, k, what);
}

lua_Number seg_optrangefield (lua_State *L, int t, const char *k, lua_Number def,
                              lua_Number lo, lua_Number hi, const char *what) {
  lua_Number v = seg_optnumberfield(L, t, k, def);
  if (!(v >= lo && v <= hi)) fielderror(L, t, k, what);
  return v;
}

int seg_optconnfield (lua_State *L, int t) {
  lua_Integer c = seg_optintegerfield(L, t, "connectivity", 8);
  if (c != 4 && c != 8) fielderror(L, t, "connectivity", "4 or 8");
  return (int)c;
}

/* ---------- out= destinations ---------- */

int seg_optout (lua_State *L, int t) {
  optfield(L, t, "out");
  return lua_gettop(L);
}

SegImage *seg_pushout (lua_State *L, int t, int outidx, SegKind kind, int w, int h,
                       int c, SegDtype dt) {
  if (!outidx || lua_isnil(L, outidx))
    return seg_newimage_uninit(L, kind, w, h, c, dt);
  SegImage *o = (SegImage *)luaL_testudata(L, outidx, kind_name[kind]);
  if (!o) {
    SegImage *other = seg_testimage(L, outidx);
    lua_pushfstring(L, "'out' must be a %s, got %s", kind_name[kind],
                    other ? kind_name[other->kind] : luaL_typename(L, outidx));
  } else if (seg_isreleased(o))
    lua_pushliteral(L, "'out' has been released");
  else if (o->b.w != w || o->b.h != h)
    lua_pushfstring(L, "'out' must be %dx%d, got %dx%d", w, h, o->b.w, o->b.h);
  else if (o->b.c != c)
    lua_pushfstring(L, "'out' must have %d channel%s, got %d", c, c == 1 ? "" : "s", o->b.c);
  else if (o->b.dtype != dt)
    lua_pushfstring(L, "'out' must be %s, got %s", seg_dtype_name(dt),
                    seg_dtype_name(o->b.dtype));
  else {
    lua_pushvalue(L, outidx);
    return o;
  }
  luaL_argerror(L, t, lua_tostring(L, -1));
  return NULL;
}

void seg_checknotinput (lua_State *L, int t, const SegImage *out, const SegImage *in) {
  if (out->b.data == in->b.data)
    luaL_argerror(L, t, "'out' must not be the input (each output pixel reads "
                  "a neighbourhood of input pixels)");
}

/* ltable.c — bindings: regions_table, to_csv, write_csv.
**
** A columnar table is {name = {v1, v2, ...}, ..., columns = {names in
** order}}; the 'columns' field (a list of strings) is the column order and
** never a column itself. Nested values of rows (a region's centroid, bbox,
** moments) become columns named parent_key: x, y, w, h for the fields of
** points and rectangles, 0-based indices for arrays (moments_0_1 is
** scikit-image's moments-0-1), so lab:regions_table() and the columns
** to_csv makes of lab:regions() have the same names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lseg.h"
#include "ops/table/csv.h"

/* Properties are those of lab:regions(), seg_regionprops (llabel.c), whose
** order is also the order of known columns in a CSV file. */

/* The shape of a property's value: its columns. */
enum { SHAPE_SCALAR, SHAPE_XY, SHAPE_BBOX, SHAPE_MAT4, SHAPE_VEC7 };
static int propshape (int p) {
  const char *s = seg_regionprops[p];
  if (strcmp(s, "bbox") == 0) return SHAPE_BBOX;
  if (strcmp(s, "centroid") == 0 || strcmp(s, "weighted_centroid") == 0) return SHAPE_XY;
  if (strcmp(s, "moments_hu") == 0) return SHAPE_VEC7;
  if (strncmp(s, "moments", 7) == 0) return SHAPE_MAT4;
  return SHAPE_SCALAR;
}

static int findprop (const char *s) {
  for (int i = 0; seg_regionprops[i]; i++)
    if (strcmp(s, seg_regionprops[i]) == 0) return i;
  return -1;
}

/* ---------- column order ---------- */

/* Rank of a nested key's suffix: x, y, w, h first, then indices. */
static int subrank (const char *s) {
  static const char *const xywh[] = {"x", "y", "w", "h"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, xywh[i]) == 0) return i + 1;
  /* "i" or "i_j", digits only */
  int v = 0, parts = 0;
  const char *p = s;
  while (*p) {
    if (*p < '0' || *p > '9') return -1;
    int d = 0;
    while (*p >= '0' && *p <= '9') { d = d * 10 + (*p - '0'); if (d > 99) return -1; p++; }
    v = v * 100 + d;
    if (++parts > 2) return -1;
    if (*p == '_') p++;
    else if (*p) return -1;
  }
  return parts ? 10 + v : -1;
}

/* Rank of a top-level name among the known columns (region properties and
** their flattened columns, in property order), or -1. */
static int knownrank (const char *s) {
  for (int i = 0; seg_regionprops[i]; i++) {
    size_t n = strlen(seg_regionprops[i]);
    if (strncmp(s, seg_regionprops[i], n) != 0) continue;
    if (s[n] == '\0') return i * 100000;
    if (s[n] == '_') {
      int r = subrank(s + n + 1);
      if (r >= 0) return i * 100000 + r;
    }
  }
  return -1;
}

typedef struct Key {
  int isint;
  lua_Integer i;
  const char *s;     /* anchored in a table on the stack */
  size_t len;
  int rank;          /* -1: unknown name, ordered by bytes after the known ones */
} Key;

static int cmpkey (const void *pa, const void *pb) {
  const Key *a = pa, *b = pb;
  /* known names, then integer keys (ascending), then other names by bytes */
  int ca = a->rank >= 0 ? 0 : a->isint ? 1 : 2, cb = b->rank >= 0 ? 0 : b->isint ? 1 : 2;
  if (ca != cb) return ca < cb ? -1 : 1;
  if (ca == 0) return a->rank < b->rank ? -1 : a->rank > b->rank;
  if (ca == 1) return a->i < b->i ? -1 : a->i > b->i;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->s, b->s, n);
  return c ? c : a->len < b->len ? -1 : a->len > b->len;
}

/* The keys of the table at idx, sorted as above (toplevel: ranked among the
** known columns; nested: x, y, w, h). Pushes the key array (anchoring the
** strings) and a userdata holding the Keys; returns them and their count.
** 'arg' and 'where' name the culprit of a bad key. */
static Key *sortedkeys (lua_State *L, int idx, int toplevel, int arg, const char *where,
                        size_t *count) {
  idx = lua_absindex(L, idx);
  lua_newtable(L);
  int anchor = lua_gettop(L);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    int t = lua_type(L, -1);
    if (t != LUA_TSTRING && !(t == LUA_TNUMBER && lua_isinteger(L, -1))) {
      lua_pushfstring(L, "%s has a key of type %s", where,
                      t == LUA_TNUMBER ? "float" : luaL_typename(L, -1));
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    lua_pushvalue(L, -1);
    lua_rawseti(L, anchor, (lua_Integer)++n);
  }
  Key *k = lua_newuserdatauv(L, (n ? n : 1) * sizeof *k, 0);
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, anchor, (lua_Integer)i + 1);
    Key *e = &k[i];
    e->isint = lua_type(L, -1) == LUA_TNUMBER;
    e->i = e->isint ? lua_tointeger(L, -1) : 0;
    e->s = e->isint ? "" : lua_tolstring(L, -1, &e->len);
    if (e->isint) e->len = 0;
    e->rank = e->isint ? -1 : toplevel ? knownrank(e->s) : subrank(e->s);
    if (!toplevel && e->rank >= 10) e->rank = -1;   /* digit strings are plain names */
    lua_pop(L, 1);
  }
  qsort(k, n, sizeof *k, cmpkey);
  *count = n;
  return k;
}

/* ---------- cells ---------- */

typedef struct Csv {
  luaL_Buffer b;
  char sep;
} Csv;

/* Appends the value at the top of the stack as one field and pops it.
** Strings come from tables still on the stack, so they stay alive once
** popped (the buffer may grow, and collect, while they are read). */
static void addfield (lua_State *L, Csv *o, int arg, const char *col) {
  char num[SEG_CSV_NUMBUF];
  size_t n;
  const char *s;
  int t = lua_type(L, -1);
  switch (t) {
    case LUA_TNIL: lua_pop(L, 1); return;
    case LUA_TBOOLEAN:
      s = lua_toboolean(L, -1) ? "true" : "false";
      lua_pop(L, 1);
      luaL_addstring(&o->b, s);
      return;
    case LUA_TNUMBER:
      n = lua_isinteger(L, -1) ? seg_csv_int(num, (int64_t)lua_tointeger(L, -1))
                               : seg_csv_double(num, lua_tonumber(L, -1));
      lua_pop(L, 1);
      luaL_addlstring(&o->b, num, n);
      return;
    case LUA_TSTRING:
      s = lua_tolstring(L, -1, &n);
      lua_pop(L, 1);
      if (!seg_csv_needs_quotes(s, n, o->sep)) { luaL_addlstring(&o->b, s, n); return; }
      luaL_addchar(&o->b, '"');
      for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') luaL_addchar(&o->b, '"');
        luaL_addchar(&o->b, s[i]);
      }
      luaL_addchar(&o->b, '"');
      return;
    default:
      lua_pushfstring(L, "column '%s' holds a %s", col, lua_typename(L, t));
      luaL_argerror(L, arg, lua_tostring(L, -1));
  }
}

/* ---------- rows ---------- */

#define MAXDEPTH 8

/* Adds the fields of the table at idx to the flat table at 'flat' as
** columns named under prefix (NULL at the top of a row), and each name not
** seen yet to the list 'cols' and the set 'seen' (name -> true). */
static void flatten (lua_State *L, int idx, const char *prefix, int depth, int flat,
                     int cols, int seen, lua_Integer row) {
  idx = lua_absindex(L, idx);
  int top = lua_gettop(L);
  if (depth > MAXDEPTH) {
    lua_pushfstring(L, "row %I nests tables deeper than %d", row, MAXDEPTH);
    luaL_argerror(L, 1, lua_tostring(L, -1));
  }
  lua_pushfstring(L, "row %I", row);
  size_t n;
  Key *k = sortedkeys(L, idx, prefix == NULL, 1, lua_tostring(L, top + 1), &n);
  for (size_t i = 0; i < n; i++) {
    /* integer keys are numbered from 0, as scikit-image's columns */
    if (k[i].isint) {
      if (prefix) lua_pushfstring(L, "%s_%I", prefix, (lua_Integer)(k[i].i - 1));
      else lua_pushfstring(L, "%I", (lua_Integer)(k[i].i - 1));
      lua_pushinteger(L, k[i].i);
    } else {
      if (prefix) lua_pushfstring(L, "%s_%s", prefix, k[i].s);
      else lua_pushlstring(L, k[i].s, k[i].len);
      lua_pushlstring(L, k[i].s, k[i].len);
    }
    lua_rawget(L, idx);                        /* name, value */
    if (lua_type(L, -1) == LUA_TTABLE) {
      flatten(L, -1, lua_tostring(L, -2), depth + 1, flat, cols, seen, row);
      lua_pop(L, 2);
      continue;
    }
    int vt = lua_type(L, -1);
    if (vt != LUA_TNUMBER && vt != LUA_TSTRING && vt != LUA_TBOOLEAN) {
      lua_pushfstring(L, "row %I: field '%s' is a %s", row, lua_tostring(L, -2),
                      luaL_typename(L, -1));
      luaL_argerror(L, 1, lua_tostring(L, -1));
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);                         /* name, name, value */
    lua_rawset(L, flat);                       /* name */
    lua_pushvalue(L, -1);
    if (lua_rawget(L, seen) == LUA_TNIL) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      lua_rawseti(L, cols, (lua_Integer)lua_rawlen(L, cols) + 1);
      lua_pushboolean(L, 1);
      lua_rawset(L, seen);                     /* pops name */
    } else lua_pop(L, 2);
  }
  lua_settop(L, top);
}

/* The list of column names at stack index idx (opts.columns or the
** columnar table's own): strings, checked; pushes a copy and returns its
** index and length. */
static int namelist (lua_State *L, int idx, int arg, lua_Integer *len) {
  idx = lua_absindex(L, idx);
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
  lua_createtable(L, (int)(n > 0 && n < 1 << 20 ? n : 0), 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, idx, i) != LUA_TSTRING) {
      lua_pushfstring(L, "columns[%I] must be a string", i);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    lua_rawseti(L, -2, i);
  }
  *len = n;
  return lua_gettop(L);
}

static int isnamelist (lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
  for (lua_Integer i = 1; i <= n; i++) {
    int t = lua_rawgeti(L, idx, i);
    lua_pop(L, 1);
    if (t != LUA_TSTRING) return 0;
  }
  return 1;
}

/* Renders data (arg 1) as CSV with options at 'oi' (may be none) and
** pushes the text. */
static void tocsv (lua_State *L, int oi) {
  static const char *const keys[] = {"columns", "sep", "header", NULL};
  luaL_checktype(L, 1, LUA_TTABLE);
  char sep = ',';
  int header = 1, ocols = 0;
  if (seg_checkoptions(L, oi, keys)) {
    header = seg_optboolfield(L, oi, "header", 1);
    lua_getfield(L, oi, "sep");
    if (!lua_isnil(L, -1)) {
      size_t n;
      const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
      if (!s || n != 1 || s[0] == '"' || s[0] == '\r' || s[0] == '\n')
        seg_optfielderror(L, oi, "sep", "one character other than a quote, CR or LF");
      sep = s[0];
    }
    lua_pop(L, 1);
    if (lua_getfield(L, oi, "columns") != LUA_TNIL) {
      if (!lua_istable(L, -1)) seg_optfielderror(L, oi, "columns", "a list of names");
      lua_Integer n;
      ocols = namelist(L, -1, oi, &n);
    } else lua_pop(L, 1);
  }
  int rows = lua_rawgeti(L, 1, 1) != LUA_TNIL;
  lua_pop(L, 1);
  if (!rows) {
    lua_pushnil(L);
    if (!lua_next(L, 1)) rows = 1;             /* {}: no rows */
    else lua_pop(L, 2);
  }
  int cols, flats = 0, seen = 0;
  lua_Integer nrows = 0, ncols;
  if (rows) {
    nrows = (lua_Integer)lua_rawlen(L, 1);
    lua_newtable(L); flats = lua_gettop(L);
    lua_newtable(L); cols = lua_gettop(L);
    lua_newtable(L); seen = lua_gettop(L);
    for (lua_Integer r = 1; r <= nrows; r++) {
      if (lua_rawgeti(L, 1, r) != LUA_TTABLE) {
        lua_pushfstring(L, "row %I is a %s, not a table", r, luaL_typename(L, -1));
        luaL_argerror(L, 1, lua_tostring(L, -1));
      }
      lua_newtable(L);
      flatten(L, -2, NULL, 0, lua_gettop(L), cols, seen, r);
      lua_rawseti(L, flats, r);
      lua_pop(L, 1);
    }
    if (ocols) {
      cols = ocols;
      for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, cols); i++) {
        lua_rawgeti(L, cols, i);
        if (lua_rawget(L, seen) == LUA_TNIL && nrows > 0) {
          lua_rawgeti(L, cols, i);
          lua_pushfstring(L, "no row has a field '%s'", lua_tostring(L, -1));
          luaL_argerror(L, oi, lua_tostring(L, -1));
        }
        lua_pop(L, 1);
      }
    }
    ncols = (lua_Integer)lua_rawlen(L, cols);
  } else {
    lua_getfield(L, 1, "columns");
    int own = isnamelist(L, -1);
    if (ocols) cols = ocols;
    else if (own) { lua_Integer n; cols = namelist(L, -1, 1, &n); }
    else {
      /* every key but a 'columns' list, in the documented order */
      size_t n;
      Key *k = sortedkeys(L, 1, 1, 1, "the columnar table", &n);
      lua_newtable(L); cols = lua_gettop(L);
      lua_Integer m = 0;
      for (size_t i = 0; i < n; i++) {
        if (k[i].isint) luaL_argerror(L, 1, "a columnar table has string keys only");
        lua_pushlstring(L, k[i].s, k[i].len);
        lua_rawseti(L, cols, ++m);
      }
    }
    ncols = (lua_Integer)lua_rawlen(L, cols);
    for (lua_Integer c = 1; c <= ncols; c++) {
      lua_rawgeti(L, cols, c);
      const char *name = lua_tostring(L, -1);
      if (lua_rawget(L, 1) != LUA_TTABLE) {
        lua_pushfstring(L, "column '%s' is %s", name,
                        lua_isnil(L, -1) ? "missing" : "not a table of values");
        luaL_argerror(L, 1, lua_tostring(L, -1));
      }
      lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
      lua_pop(L, 1);
      if (c == 1) nrows = n;
      else if (n != nrows) {
        lua_rawgeti(L, cols, 1);
        lua_pushfstring(L, "column '%s' has %I values, '%s' has %I", name, n,
                        lua_tostring(L, -1), nrows);
        luaL_argerror(L, 1, lua_tostring(L, -1));
      }
    }
    /* the column tables, in order, for the row loop */
    lua_createtable(L, (int)(ncols < 1 << 20 ? ncols : 0), 0);
    flats = lua_gettop(L);
    for (lua_Integer c = 1; c <= ncols; c++) {
      lua_rawgeti(L, cols, c);
      lua_rawget(L, 1);
      lua_rawseti(L, flats, c);
    }
  }
  Csv o;
  o.sep = sep;
  luaL_buffinit(L, &o.b);
  if (header && ncols > 0) {
    for (lua_Integer c = 1; c <= ncols; c++) {
      if (c > 1) luaL_addchar(&o.b, sep);
      lua_rawgeti(L, cols, c);
      addfield(L, &o, 1, "");
    }
    luaL_addchar(&o.b, '\n');
  }
  for (lua_Integer r = 1; r <= nrows && ncols > 0; r++) {
    for (lua_Integer c = 1; c <= ncols; c++) {
      if (c > 1) luaL_addchar(&o.b, sep);
      if (rows) {
        lua_rawgeti(L, flats, r);
        lua_rawgeti(L, cols, c);
        lua_rawget(L, -2);
        lua_remove(L, -2);
      } else {
        lua_rawgeti(L, flats, c);
        lua_rawgeti(L, -1, r);
        lua_remove(L, -2);
      }
      if (lua_type(L, -1) == LUA_TTABLE || lua_type(L, -1) == LUA_TFUNCTION ||
          lua_type(L, -1) == LUA_TUSERDATA || lua_type(L, -1) == LUA_TLIGHTUSERDATA ||
          lua_type(L, -1) == LUA_TTHREAD) {
        lua_rawgeti(L, cols, c);
        const char *name = lua_tostring(L, -1);
        lua_pop(L, 1);             /* anchored in cols */
        addfield(L, &o, 1, name);  /* raises */
      }
      addfield(L, &o, 1, "");
    }
    luaL_addchar(&o.b, '\n');
  }
  luaL_pushresult(&o.b);
}

/* seg.to_csv(rows_or_columns [, opts]) -> string */
static int l_to_csv (lua_State *L) {
  lua_settop(L, 2);
  tocsv(L, 2);
  return 1;
}

/* seg.write_csv(rows_or_columns, path [, opts]) -> true or nil, message.
** The text is built first (misuse raises there), then written, so no file
** is left open across a call that can raise. */
static int l_write_csv (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  /* a string, not a number Lua would convert: a path is never computed */
  if (lua_type(L, 2) != LUA_TSTRING) seg_typeerror(L, 2, "string");
  const char *path = lua_tostring(L, 2);
  lua_settop(L, 3);
  tocsv(L, 3);
  size_t n;
  const char *s = lua_tolstring(L, -1, &n);
  FILE *f = fopen(path, "wb");
  int ok = f != NULL, err = errno;
  if (ok) {
    ok = fwrite(s, 1, n, f) == n;
    if (!ok) err = errno;
    if (fclose(f) != 0 && ok) { ok = 0; err = errno; }
  }
  if (!ok) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(err));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ---------- regions_table ---------- */

/* Pushes the column names of property p, in order, into the list at cols. */
static void propcolumns (lua_State *L, int p, int cols) {
  const char *s = seg_regionprops[p];
  lua_Integer n = (lua_Integer)lua_rawlen(L, cols);
  switch (propshape(p)) {
    case SHAPE_SCALAR: lua_pushstring(L, s); lua_rawseti(L, cols, ++n); break;
    case SHAPE_XY:
      lua_pushfstring(L, "%s_x", s); lua_rawseti(L, cols, ++n);
      lua_pushfstring(L, "%s_y", s); lua_rawseti(L, cols, ++n);
      break;
    case SHAPE_BBOX: {
      static const char *const f[] = {"x", "y", "w", "h"};
      for (int i = 0; i < 4; i++) { lua_pushfstring(L, "%s_%s", s, f[i]); lua_rawseti(L, cols, ++n); }
      break;
    }
    case SHAPE_MAT4:
      for (int i = 0; i < 16; i++) {
        lua_pushfstring(L, "%s_%d_%d", s, i / 4, i % 4);
        lua_rawseti(L, cols, ++n);
      }
      break;
    default:
      for (int i = 0; i < 7; i++) { lua_pushfstring(L, "%s_%d", s, i); lua_rawseti(L, cols, ++n); }
  }
}

/* Appends the value(s) of property p of the region table at 'reg' to the
** column tables t[name] (next index r). */
static void propvalues (lua_State *L, int p, int reg, int t, int cols, lua_Integer *c,
                        lua_Integer r) {
  int shape = propshape(p);
  lua_getfield(L, reg, seg_regionprops[p]);          /* v */
  int nv = shape == SHAPE_SCALAR ? 1 : shape == SHAPE_XY ? 2 : shape == SHAPE_BBOX ? 4
           : shape == SHAPE_MAT4 ? 16 : 7;
  for (int i = 0; i < nv; i++) {
    lua_rawgeti(L, cols, ++*c);
    lua_rawget(L, t);                          /* v, column */
    switch (shape) {
      case SHAPE_SCALAR: lua_pushvalue(L, -2); break;
      case SHAPE_XY: lua_getfield(L, -2, i ? "y" : "x"); break;
      case SHAPE_BBOX: {
        static const char *const f[] = {"x", "y", "w", "h"};
        lua_getfield(L, -2, f[i]);
        break;
      }
      case SHAPE_MAT4:
        lua_rawgeti(L, -2, i / 4 + 1);
        lua_rawgeti(L, -1, i % 4 + 1);
        lua_remove(L, -2);
        break;
      default: lua_rawgeti(L, -2, i + 1);
    }
    lua_rawseti(L, -2, r);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* lab:regions_table([props [, intensity]]) or lab:regions_table(intensity
** [, props]) -> {name = {...}, ..., columns = {names in order}}: the
** properties of lab:regions(), one array per column, as
** skimage.measure.regionprops_table. props: a list of property names
** (default label, area, centroid, bbox), kept in the order given. */
static int l_regions_table (lua_State *L) {
  static const char *const defaults[] = {"label", "area", "centroid", "bbox", NULL};
  seg_checklabels(L, 1);
  int pi = 2, ii = 3;
  if (seg_testimage(L, 2)) { pi = 3; ii = 2; }
  int hasint = !lua_isnoneornil(L, ii);
  if (hasint) seg_checkimage(L, ii);
  int want[32], order[32], nw = 0;
  for (int i = 0; seg_regionprops[i]; i++) want[i] = 0;
  if (lua_isnoneornil(L, pi)) {
    for (int i = 0; defaults[i]; i++) { order[nw++] = findprop(defaults[i]); }
  } else {
    if (!lua_istable(L, pi)) seg_typeerror(L, pi, "table of property names");
    lua_Integer n = (lua_Integer)luaL_len(L, pi);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, pi, i);
      const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
      int p = s ? findprop(s) : -1;
      if (p < 0) {
        lua_pushfstring(L, "unknown property '%s'", s ? s : luaL_typename(L, -1));
        luaL_argerror(L, pi, lua_tostring(L, -1));
      }
      if (p >= SEG_REGIONPROP_INTENSITY && !hasint) {
        lua_pushfstring(L, "property '%s' needs an intensity image", s);
        luaL_argerror(L, pi, lua_tostring(L, -1));
      }
      if (!want[p]) order[nw++] = p;
      want[p] = 1;
      lua_pop(L, 1);
    }
  }
  /* regions(intensity?, {properties = ...}) through the method, so both
  ** give the same numbers */
  lua_getfield(L, 1, "regions");
  lua_pushvalue(L, 1);
  if (hasint) lua_pushvalue(L, ii);
  lua_createtable(L, 0, 1);
  lua_createtable(L, nw, 0);
  for (int i = 0; i < nw; i++) { lua_pushstring(L, seg_regionprops[order[i]]); lua_rawseti(L, -2, i + 1); }
  lua_setfield(L, -2, "properties");
  lua_call(L, hasint ? 3 : 2, 1);
  int regs = lua_gettop(L);
  lua_Integer nr = (lua_Integer)lua_rawlen(L, regs);
  lua_newtable(L);
  int t = lua_gettop(L);
  lua_newtable(L);
  int cols = t + 1;
  for (int i = 0; i < nw; i++) propcolumns(L, order[i], cols);
  lua_Integer nc = (lua_Integer)lua_rawlen(L, cols);
  for (lua_Integer c = 1; c <= nc; c++) {
    lua_rawgeti(L, cols, c);
    lua_createtable(L, (int)(nr < 1 << 24 ? nr : 0), 0);
    lua_rawset(L, t);
  }
  for (lua_Integer r = 1; r <= nr; r++) {
    lua_rawgeti(L, regs, r);
    int reg = lua_gettop(L);
    lua_Integer c = 0;
    for (int i = 0; i < nw; i++) propvalues(L, order[i], reg, t, cols, &c, r);
    lua_pop(L, 1);
  }
  lua_setfield(L, t, "columns");
  return 1;
}

void seg_open_table (lua_State *L) {
  static const luaL_Reg lmethods[] = {{"regions_table", l_regions_table}, {NULL, NULL}};
  static const luaL_Reg funcs[] = {
    {"to_csv", l_to_csv}, {"write_csv", l_write_csv}, {NULL, NULL}};
  seg_add_methods(L, SEG_KIND_LABELS, lmethods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

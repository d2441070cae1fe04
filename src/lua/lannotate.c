/* lannotate.c — bindings: lines, rectangles, circles, text.
** The draw_ methods change their image in place (their names say so) and
** return it, for chaining. Every value is read first (colour tables and
** option fields can run Lua code that releases the image), then the image
** is checked again, then the kernel runs. */
#include <math.h>
#include <stdint.h>
#include "lseg.h"
#include "ops/annotate/annotate.h"

/* A colour as given: n == 0 for one number meaning every channel. */
typedef struct Color { int n; double v[SEG_INK_MAXC]; } Color;

/* The colour at stack index idx; errors name argument 'arg' and 'what'. */
static void readcolor (lua_State *L, int idx, int arg, const char *what, Color *c) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER) {
    c->n = 0;
    c->v[0] = lua_tonumber(L, idx);
    return;
  }
  if (!lua_istable(L, idx)) {
    lua_pushfstring(L, "%s must be a number or a table of numbers, got %s", what,
                    luaL_typename(L, idx));
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  lua_Integer n = luaL_len(L, idx);
  if (n < 1 || n > SEG_INK_MAXC) {
    lua_pushfstring(L, "%s must hold 1 to %d values", what, SEG_INK_MAXC);
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  c->n = (int)n;
  for (int i = 0; i < c->n; i++) {
    lua_geti(L, idx, i + 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pushfstring(L, "%s[%d] must be a number", what, i + 1);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    c->v[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
}

/* The ink of colour c for image im: one value per channel, integers
** rounded to nearest, each in the range of the image's kind and dtype. */
static void makeink (lua_State *L, int arg, const char *what, const Color *c,
                     const SegImage *im, SegInk *ink) {
  int ch = im->b.c;
  if (ch > SEG_INK_MAXC) luaL_argerror(L, 1, "drawing supports up to 16 channels");
  if (c->n != 0 && c->n != ch) {
    lua_pushfstring(L, "%s has %d values for %d channels", what, c->n, ch);
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  double lo = 0, hi = 0, v[SEG_INK_MAXC];
  const char *range = NULL;
  switch (im->kind == SEG_KIND_MASK ? -1 : (int)im->b.dtype) {
    case -1: lo = 0; hi = 1; range = "a mask (0 or 1)"; break;
    case SEG_U8: lo = 0; hi = 255; range = "u8 (0..255)"; break;
    case SEG_U16: lo = 0; hi = 65535; range = "u16 (0..65535)"; break;
    case SEG_I32:
      lo = im->kind == SEG_KIND_LABELS ? 0 : INT32_MIN; hi = INT32_MAX;
      range = im->kind == SEG_KIND_LABELS ? "labels (0..2^31-1)" : "i32";
      break;
    default: lo = -HUGE_VAL; hi = HUGE_VAL; range = "f32"; break;
  }
  for (int i = 0; i < ch; i++) {
    double x = c->v[c->n ? i : 0];
    if (x != x) {
      lua_pushfstring(L, "%s is NaN", what);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    if (im->b.dtype != SEG_F32) x = floor(x + 0.5);
    if (x < lo || x > hi) {
      lua_pushfstring(L, "%s out of range for %s", what, range);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    v[i] = x;
  }
  seg_ink(im->b.dtype, ch, v, ink);
}

/* A coordinate or length: a finite number within +-2^30, rounded to the
** nearest integer (halves up). */
static int64_t checkcoord (lua_State *L, int arg, const char *what, double lo) {
  double v = luaL_checknumber(L, arg);
  double mx = (double)SEG_DRAW_MAXCOORD;
  if (!(v >= lo && v <= mx)) {
    if (lo >= 0) lua_pushfstring(L, "%s must be in 0..2^30", what);
    else lua_pushfstring(L, "%s must be within -2^30..2^30", what);
    luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  return (int64_t)floor(v + 0.5);
}

static int64_t optthickness (lua_State *L, int t) {
  lua_Integer th = seg_optintegerfield(L, t, "thickness", 1);
  if (th < 1 || th > SEG_DRAW_MAXCOORD) seg_optfielderror(L, t, "thickness", "an integer in 1..2^30");
  return th;
}

/* img:draw_line(x0, y0, x1, y1, color [, {thickness=}]) -> img */
static int l_draw_line (lua_State *L) {
  static const char *const keys[] = {"thickness", NULL};
  seg_checkimage(L, 1);
  double m = -(double)SEG_DRAW_MAXCOORD;
  int64_t x0 = checkcoord(L, 2, "x0", m), y0 = checkcoord(L, 3, "y0", m);
  int64_t x1 = checkcoord(L, 4, "x1", m), y1 = checkcoord(L, 5, "y1", m);
  luaL_checkany(L, 6);
  Color c;
  readcolor(L, 6, 6, "color", &c);
  int64_t th = 1;
  if (seg_checkoptions(L, 7, keys)) th = optthickness(L, 7);
  SegImage *im = seg_checkimage(L, 1);
  SegInk ink;
  makeink(L, 6, "color", &c, im, &ink);
  if (th == 1) seg_draw_line(&im->b, x0, y0, x1, y1, &ink);
  else seg_draw_capsule(&im->b, (double)x0, (double)y0, (double)x1, (double)y1, (double)th, &ink);
  lua_settop(L, 1);
  return 1;
}

static int64_t rectfield (lua_State *L, int t, const char *k, double lo) {
  lua_getfield(L, t, k);
  if (lua_type(L, -1) != LUA_TNUMBER) {
    lua_pushfstring(L, "rectangle field '%s' must be a number", k);
    luaL_argerror(L, t, lua_tostring(L, -1));
  }
  double v = lua_tonumber(L, -1), mx = (double)SEG_DRAW_MAXCOORD;
  lua_pop(L, 1);
  if (!(v >= lo && v <= (lo >= 0 ? 2 * mx : mx))) {
    lua_pushfstring(L, "rectangle field '%s' out of range", k);
    luaL_argerror(L, t, lua_tostring(L, -1));
  }
  return (int64_t)floor(v + 0.5);
}

/* img:draw_rect(x, y, w, h, color [, opts]) or img:draw_rect(rect, color
** [, opts]) with rect = {x=, y=, w=, h=} (a region's bbox) -> img.
** opts: fill (false), thickness (1, drawn inside the rectangle). */
static int l_draw_rect (lua_State *L) {
  static const char *const keys[] = {"fill", "thickness", NULL};
  seg_checkimage(L, 1);
  double m = -(double)SEG_DRAW_MAXCOORD;
  int64_t x, y, w, h;
  int ci;
  if (lua_istable(L, 2)) {
    x = rectfield(L, 2, "x", m); y = rectfield(L, 2, "y", m);
    w = rectfield(L, 2, "w", 0); h = rectfield(L, 2, "h", 0);
    ci = 3;
  } else {
    x = checkcoord(L, 2, "x", m); y = checkcoord(L, 3, "y", m);
    double wv = luaL_checknumber(L, 4), hv = luaL_checknumber(L, 5);
    luaL_argcheck(L, wv >= 0 && wv <= 2 * (double)SEG_DRAW_MAXCOORD, 4, "w must be in 0..2^31");
    luaL_argcheck(L, hv >= 0 && hv <= 2 * (double)SEG_DRAW_MAXCOORD, 5, "h must be in 0..2^31");
    w = (int64_t)floor(wv + 0.5); h = (int64_t)floor(hv + 0.5);
    ci = 6;
  }
  luaL_checkany(L, ci);
  Color c;
  readcolor(L, ci, ci, "color", &c);
  int fill = 0;
  int64_t th = 1;
  if (seg_checkoptions(L, ci + 1, keys)) {
    fill = seg_optboolfield(L, ci + 1, "fill", 0);
    th = optthickness(L, ci + 1);
  }
  SegImage *im = seg_checkimage(L, 1);
  SegInk ink;
  makeink(L, ci, "color", &c, im, &ink);
  seg_draw_rect(&im->b, x, y, w, h, th, fill, &ink);
  lua_settop(L, 1);
  return 1;
}

/* img:draw_circle(cx, cy, r, color [, {fill=, thickness=}]) -> img */
static int l_draw_circle (lua_State *L) {
  static const char *const keys[] = {"fill", "thickness", NULL};
  seg_checkimage(L, 1);
  double m = -(double)SEG_DRAW_MAXCOORD;
  int64_t cx = checkcoord(L, 2, "cx", m), cy = checkcoord(L, 3, "cy", m);
  int64_t r = checkcoord(L, 4, "r", 0);
  luaL_checkany(L, 5);
  Color c;
  readcolor(L, 5, 5, "color", &c);
  int fill = 0;
  int64_t th = 1;
  if (seg_checkoptions(L, 6, keys)) {
    fill = seg_optboolfield(L, 6, "fill", 0);
    th = optthickness(L, 6);
  }
  SegImage *im = seg_checkimage(L, 1);
  SegInk ink;
  makeink(L, 5, "color", &c, im, &ink);
  if (fill || th == 1) seg_draw_circle(&im->b, cx, cy, r, fill, &ink);
  else seg_draw_ring(&im->b, cx, cy, r, (double)th, &ink);
  lua_settop(L, 1);
  return 1;
}

#define MAXSCALE 4096

/* img:draw_text(x, y, text, color [, {scale=, background=}]) -> img */
static int l_draw_text (lua_State *L) {
  static const char *const keys[] = {"scale", "background", NULL};
  seg_checkimage(L, 1);
  double m = -(double)SEG_DRAW_MAXCOORD;
  int64_t x = checkcoord(L, 2, "x", m), y = checkcoord(L, 3, "y", m);
  size_t len;
  const char *s = luaL_checklstring(L, 4, &len);
  luaL_checkany(L, 5);
  Color c, bgc;
  readcolor(L, 5, 5, "color", &c);
  int64_t scale = 1, hasbg = 0;
  if (seg_checkoptions(L, 6, keys)) {
    scale = seg_optintegerfield(L, 6, "scale", 1);
    if (scale < 1 || scale > MAXSCALE) seg_optfielderror(L, 6, "scale", "an integer in 1..4096");
    if (lua_getfield(L, 6, "background") != LUA_TNIL) {
      readcolor(L, -1, 6, "background", &bgc);
      hasbg = 1;
    }
    lua_pop(L, 1);
  }
  SegImage *im = seg_checkimage(L, 1);
  SegInk ink, bg;
  makeink(L, 5, "color", &c, im, &ink);
  if (hasbg) makeink(L, 6, "background", &bgc, im, &bg);
  seg_draw_text(&im->b, x, y, s, len, scale, &ink, hasbg ? &bg : NULL);
  lua_settop(L, 1);
  return 1;
}

/* seg.text_size(text [, scale]) -> width, height in pixels of draw_text's cells */
static int l_text_size (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer scale = luaL_optinteger(L, 2, 1);
  luaL_argcheck(L, scale >= 1 && scale <= MAXSCALE, 2, "scale must be in 1..4096");
  int64_t w, h;
  seg_text_size(s, len, scale, &w, &h);
  lua_pushinteger(L, w);
  lua_pushinteger(L, h);
  return 2;
}

void seg_open_annotate (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"draw_line", l_draw_line}, {"draw_rect", l_draw_rect},
    {"draw_circle", l_draw_circle}, {"draw_text", l_draw_text},
    {NULL, NULL}};
  static const luaL_Reg funcs[] = {{"text_size", l_text_size}, {NULL, NULL}};
  seg_register(L, methods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

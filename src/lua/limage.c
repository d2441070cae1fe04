/* limage.c — the Lua types Image, Mask and Labels: creation, release,
** fields, pixel access, tables and raw bytes. */
#include <math.h>
#include <string.h>
#include "lseg.h"
#include "ops/convert/convert.h"

static const char *const kind_mt[] = {SEG_IMAGE_MT, SEG_MASK_MT, SEG_LABELS_MT};
static const char *const kind_methods[] = {
  "seg.methods.Image", "seg.methods.Mask", "seg.methods.Labels"};
static const char *const kind_short[] = {"Image", "Mask", "Labels"};

/* ---------- context ---------- */

SegCtx *seg_ctx (lua_State *L) {
  return (SegCtx *)lua_touserdata(L, lua_upvalueindex(1));
}

static const char ctx_key = 'k';

void seg_register (lua_State *L, const luaL_Reg *l) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key);
  luaL_setfuncs(L, l, 1);
}

void seg_add_methods (lua_State *L, SegKind kind, const luaL_Reg *l) {
  luaL_getmetatable(L, kind_methods[kind]);
  seg_register(L, l);
  lua_pop(L, 1);
}

/* ---------- creation ---------- */

SegImage *seg_newimage_uninit (lua_State *L, SegKind kind, int w, int h, int c, SegDtype t) {
  size_t bytes = seg_buf_bytes(w, h, c, t);
  if (bytes == 0) luaL_error(L, "invalid image size %dx%dx%d", w, h, c);
  int64_t px = (int64_t)w * (int64_t)h;
  SegCtx *ctx;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key);
  ctx = (SegCtx *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (px > ctx->max_pixels)
    luaL_error(L, "image of %dx%d exceeds the pixel limit (%I)", w, h,
               (lua_Integer)ctx->max_pixels);
  /* The object exists, valid and empty, before its pixels are allocated. */
  SegImage *im = (SegImage *)lua_newuserdatauv(L, sizeof(SegImage), 1);
  memset(im, 0, sizeof *im);
  im->kind = kind;
  im->b.dtype = t;
  luaL_setmetatable(L, kind_mt[kind]);
  /* Large buffers start on a 2 MiB boundary so huge pages cover them whole
  ** (the slack is address space that is never touched). */
  size_t slack = bytes >= SEG_HUGE_MIN ? SEG_HUGE_ALIGN : 0;
  uint8_t *pix = (uint8_t *)lua_newuserdatauv(L, bytes + slack, 0);
  if (slack) pix += (SEG_HUGE_ALIGN - (uintptr_t)pix % SEG_HUGE_ALIGN) % SEG_HUGE_ALIGN;
  seg_advise_huge(pix, bytes);
  lua_setiuservalue(L, -2, 1);
  im->b.w = w; im->b.h = h; im->b.c = c;
  im->b.stride = (size_t)w * (size_t)c * seg_dtype_size(t);
  im->b.data = pix;
  return im;
}

SegImage *seg_newobject (lua_State *L, SegKind kind, int w, int h, int c, SegDtype t) {
  SegImage *im = seg_newimage_uninit(L, kind, w, h, c, t);
  memset(im->b.data, 0, im->b.stride * (size_t)h);
  return im;
}

SegImage *seg_newimage (lua_State *L, int w, int h, int c, SegDtype t) {
  return seg_newobject(L, SEG_KIND_IMAGE, w, h, c, t);
}
SegImage *seg_newmask (lua_State *L, int w, int h) {
  return seg_newobject(L, SEG_KIND_MASK, w, h, 1, SEG_U8);
}
SegImage *seg_newlabels (lua_State *L, int w, int h) {
  return seg_newobject(L, SEG_KIND_LABELS, w, h, 1, SEG_I32);
}

/* ---------- checks ---------- */

SegImage *seg_testimage (lua_State *L, int idx) {
  for (int k = 0; k < 3; k++) {
    SegImage *im = (SegImage *)luaL_testudata(L, idx, kind_mt[k]);
    if (im) return im;
  }
  return NULL;
}

SegImage *seg_checkimage (lua_State *L, int idx) {
  SegImage *im = seg_testimage(L, idx);
  if (!im) seg_typeerror(L, idx, SEG_IMAGE_MT);
  if (!im->b.data) luaL_argerror(L, idx, "image has been released");
  return im;
}

SegImage *seg_checkmask (lua_State *L, int idx) {
  SegImage *im = (SegImage *)luaL_testudata(L, idx, SEG_MASK_MT);
  if (!im) seg_typeerror(L, idx, SEG_MASK_MT);
  if (!im->b.data) luaL_argerror(L, idx, "mask has been released");
  return im;
}

SegImage *seg_checklabels (lua_State *L, int idx) {
  SegImage *im = (SegImage *)luaL_testudata(L, idx, SEG_LABELS_MT);
  if (!im) seg_typeerror(L, idx, SEG_LABELS_MT);
  if (!im->b.data) luaL_argerror(L, idx, "labels have been released");
  return im;
}

SegDtype seg_checkdtype (lua_State *L, int idx) {
  static const char *const names[] = {"u8", "u16", "i32", "f32", NULL};
  return (SegDtype)luaL_checkoption(L, idx, NULL, names);
}

SegDtype seg_optdtype (lua_State *L, int idx, SegDtype def) {
  return lua_isnoneornil(L, idx) ? def : seg_checkdtype(L, idx);
}

void seg_checkchannels (lua_State *L, int idx, const SegImage *im, int n) {
  if (im->b.c != n) {
    lua_pushfstring(L, "%d-channel image expected, got %d channels", n, im->b.c);
    luaL_argerror(L, idx, lua_tostring(L, -1));
  }
}

void seg_checksamesize (lua_State *L, int idx, const SegImage *a, const SegImage *b) {
  if (a->b.w != b->b.w || a->b.h != b->b.h) {
    lua_pushfstring(L, "size mismatch (%dx%d vs %dx%d)", b->b.w, b->b.h, a->b.w, a->b.h);
    luaL_argerror(L, idx, lua_tostring(L, -1));
  }
}

static int checkdim (lua_State *L, int idx, const char *what) {
  lua_Integer v = luaL_checkinteger(L, idx);
  if (v <= 0 || v > INT32_MAX / 4) {
    lua_pushfstring(L, "%s must be positive", what);
    luaL_argerror(L, idx, lua_tostring(L, -1));
  }
  return (int)v;
}

static int checkchans (lua_State *L, int idx, int def, SegDtype t) {
  lua_Integer c = luaL_optinteger(L, idx, def);
  luaL_argcheck(L, c >= 1 && c <= 1024, idx, "channels must be in 1..1024");
  luaL_argcheck(L, c <= 4 || t == SEG_F32, idx, "more than 4 channels needs dtype f32");
  return (int)c;
}

/* ---------- element access ---------- */

static double get_elem (const SegBuf *b, size_t i) {
  return seg_elem(b->dtype, b->data, i);
}

static double saturate (double v, SegDtype t) {
  double lo, hi;
  switch (t) {
    case SEG_U8: lo = 0; hi = 255; break;
    case SEG_U16: lo = 0; hi = 65535; break;
    case SEG_I32: lo = INT32_MIN; hi = INT32_MAX; break;
    default: return v;
  }
  if (v != v) return 0;
  v = nearbyint(v);
  return v < lo ? lo : v > hi ? hi : v;
}

static void set_elem (SegBuf *b, size_t i, double v) {
  v = saturate(v, b->dtype);
  switch (b->dtype) {
    case SEG_U8: b->data[i] = (uint8_t)v; break;
    case SEG_U16: ((uint16_t *)b->data)[i] = (uint16_t)v; break;
    case SEG_I32: ((int32_t *)b->data)[i] = (int32_t)v; break;
    default: ((float *)b->data)[i] = (float)v; break;
  }
}

static void push_elem (lua_State *L, const SegBuf *b, size_t i) {
  if (b->dtype == SEG_F32) lua_pushnumber(L, get_elem(b, i));
  else lua_pushinteger(L, (lua_Integer)get_elem(b, i));
}

static size_t elem_index (const SegBuf *b, int x, int y, int c) {
  return ((size_t)y * (size_t)b->w + (size_t)x) * (size_t)b->c + (size_t)c;
}

static void check_xy (lua_State *L, const SegImage *im, int *x, int *y) {
  lua_Integer lx = luaL_checkinteger(L, 2), ly = luaL_checkinteger(L, 3);
  luaL_argcheck(L, lx >= 0 && lx < im->b.w, 2, "x out of range");
  luaL_argcheck(L, ly >= 0 && ly < im->b.h, 3, "y out of range");
  *x = (int)lx; *y = (int)ly;
}

/* img:get(x, y [, c]) -> value of channel c (1-based), or all channels. */
static int l_get (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  int x, y;
  check_xy(L, im, &x, &y);
  if (!lua_isnoneornil(L, 4)) {
    lua_Integer c = luaL_checkinteger(L, 4);
    luaL_argcheck(L, c >= 1 && c <= im->b.c, 4, "channel out of range");
    push_elem(L, &im->b, elem_index(&im->b, x, y, (int)c - 1));
    return 1;
  }
  luaL_checkstack(L, im->b.c, "too many channels");
  for (int c = 0; c < im->b.c; c++) push_elem(L, &im->b, elem_index(&im->b, x, y, c));
  return im->b.c;
}

/* img:set(x, y, v1 [, v2 ...]) — one value per channel, or one for all. */
static int l_set (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  int x, y;
  check_xy(L, im, &x, &y);
  int nv = lua_gettop(L) - 3;
  luaL_argcheck(L, nv == 1 || nv == im->b.c, 4, "one value or one per channel expected");
  for (int c = 0; c < im->b.c; c++) {
    double v = luaL_checknumber(L, 4 + (nv == 1 ? 0 : c));
    if (im->kind == SEG_KIND_MASK) v = v != 0;
    set_elem(&im->b, elem_index(&im->b, x, y, c), v);
  }
  lua_settop(L, 1);
  return 1;
}

/* ---------- constructors ---------- */

/* seg.image(w, h [, channels [, dtype [, fill]]]) */
static int l_image (lua_State *L) {
  int w = checkdim(L, 1, "width"), h = checkdim(L, 2, "height");
  SegDtype t = seg_optdtype(L, 4, SEG_U8);
  int c = checkchans(L, 3, 1, t);
  double fill = luaL_optnumber(L, 5, 0);
  SegImage *im = seg_newimage(L, w, h, c, t);
  if (fill != 0) {
    size_t n = seg_buf_nelem(&im->b);
    set_elem(&im->b, 0, fill);
    size_t es = seg_dtype_size(t);
    for (size_t i = 1; i < n; i++) memcpy(im->b.data + i * es, im->b.data, es);
  }
  return 1;
}

/* seg.mask(w, h [, fill]) */
static int l_mask (lua_State *L) {
  int w = checkdim(L, 1, "width"), h = checkdim(L, 2, "height");
  int fill = lua_toboolean(L, 3) && !(lua_isnumber(L, 3) && lua_tonumber(L, 3) == 0);
  SegImage *im = seg_newmask(L, w, h);
  if (fill) memset(im->b.data, 1, (size_t)w * (size_t)h);
  return 1;
}

/* seg.labels(w, h) */
static int l_labels (lua_State *L) {
  int w = checkdim(L, 1, "width"), h = checkdim(L, 2, "height");
  seg_newlabels(L, w, h);
  return 1;
}

/* Room for one more value in the growing array of doubles kept at stack
** slot 'slot': memory follows what was read, not what a table claims. */
static double *grow (lua_State *L, int slot, double *v, size_t n, size_t *cap) {
  size_t ncap = *cap ? *cap * 2 : 256;
  double *nv = (double *)lua_newuserdatauv(L, ncap * sizeof(double), 0);
  if (n) memcpy(nv, v, n * sizeof(double));
  lua_replace(L, slot);
  *cap = ncap;
  return nv;
}

typedef struct TableScan {
  double *v;              /* the values in reading order (HWC) */
  size_t n, cap;
  int isint;
  double mn, mx;
} TableScan;

static void addvalue (lua_State *L, TableScan *s, int idx) {
  if (!lua_isnumber(L, idx)) luaL_argerror(L, 1, "pixel values must be numbers or tables of numbers");
  double d = lua_tonumber(L, idx);
  if (!lua_isinteger(L, idx) && d != floor(d)) s->isint = 0;
  if (d < s->mn) s->mn = d;
  if (d > s->mx) s->mx = d;
  if (s->n == s->cap) s->v = grow(L, 3, s->v, s->n, &s->cap);
  s->v[s->n++] = d;
}

/* seg.from_table(rows [, dtype]) — rows of numbers or of per-channel tables.
** Every row, pixel and value is read exactly once (a table whose __index
** or __len answers differently on a second read cannot disagree with what
** was checked); the values are kept as doubles until the dtype is known. */
static int l_from_table (lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int forced = lua_isnoneornil(L, 2) ? -1 : (int)seg_checkdtype(L, 2);
  lua_settop(L, 2);
  lua_pushnil(L);                       /* 3: the values read so far */
  TableScan s = {NULL, 0, 0, 1, HUGE_VAL, -HUGE_VAL};
  lua_Integer h = luaL_len(L, 1), w = -1;
  int c = -1;
  luaL_argcheck(L, h > 0, 1, "non-empty table of rows expected");
  luaL_argcheck(L, h <= INT32_MAX / 4, 1, "too many rows");
  for (lua_Integer y = 1; y <= h; y++) {
    if (lua_geti(L, 1, y) != LUA_TTABLE) luaL_argerror(L, 1, "row is not a table");
    lua_Integer rw = luaL_len(L, -1);
    if (w < 0) {
      w = rw;
      luaL_argcheck(L, rw > 0, 1, "empty row");
      luaL_argcheck(L, rw <= INT32_MAX / 4 && w * h <= seg_ctx(L)->max_pixels, 1,
                    "image exceeds the pixel limit");
    } else if (rw != w) luaL_argerror(L, 1, "rows differ in length");
    for (lua_Integer x = 1; x <= w; x++) {
      lua_Integer pc = 1;
      if (lua_geti(L, -1, x) == LUA_TTABLE) {
        pc = luaL_len(L, -1);
        if (c < 0) luaL_argcheck(L, pc >= 1 && pc <= 1024, 1, "pixels need 1 to 1024 channels");
        else if (pc != c) luaL_argerror(L, 1, "pixels differ in channel count");
        for (lua_Integer k = 1; k <= pc; k++) {
          lua_geti(L, -1, k);
          addvalue(L, &s, -1);
          lua_pop(L, 1);
        }
      } else {
        if (c > 1) luaL_argerror(L, 1, "pixels differ in channel count");
        addvalue(L, &s, -1);
      }
      if (c < 0) c = (int)pc;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  SegDtype t;
  if (forced >= 0) t = (SegDtype)forced;
  else if (!s.isint) t = SEG_F32;
  else if (s.mn >= 0 && s.mx <= 255) t = SEG_U8;
  else if (s.mn >= 0 && s.mx <= 65535) t = SEG_U16;
  else if (s.mn >= INT32_MIN && s.mx <= INT32_MAX) t = SEG_I32;
  else t = SEG_F32;
  luaL_argcheck(L, c <= 4 || t == SEG_F32, 1, "more than 4 channels needs dtype f32");
  SegImage *im = seg_newimage_uninit(L, SEG_KIND_IMAGE, (int)w, (int)h, c, t);
  for (size_t i = 0; i < s.n; i++) set_elem(&im->b, i, s.v[i]);
  return 1;
}

/* img:to_table() — rows of numbers (1 channel) or of per-channel tables. */
static int l_to_table (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  const SegBuf *b = &im->b;
  size_t i = 0;
  lua_createtable(L, b->h, 0);
  for (int y = 0; y < b->h; y++) {
    lua_createtable(L, b->w, 0);
    for (int x = 0; x < b->w; x++) {
      if (b->c == 1) push_elem(L, b, i++);
      else {
        lua_createtable(L, b->c, 0);
        for (int k = 1; k <= b->c; k++) { push_elem(L, b, i++); lua_rawseti(L, -2, k); }
      }
      lua_rawseti(L, -2, x + 1);
    }
    lua_rawseti(L, -2, y + 1);
  }
  return 1;
}

/* seg.from_data(bytes, w, h [, channels [, dtype]]) — native-endian raw pixels. */
static int l_from_data (lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  int w = checkdim(L, 2, "width"), h = checkdim(L, 3, "height");
  SegDtype t = seg_optdtype(L, 5, SEG_U8);
  int c = checkchans(L, 4, 1, t);
  size_t need = seg_buf_bytes(w, h, c, t);
  luaL_argcheck(L, need != 0, 2, "image too large");
  if (n != need) {
    lua_pushfstring(L, "expected %I bytes, got %I", (lua_Integer)need, (lua_Integer)n);
    luaL_argerror(L, 1, lua_tostring(L, -1));
  }
  SegImage *im = seg_newimage_uninit(L, SEG_KIND_IMAGE, w, h, c, t);
  memcpy(im->b.data, s, n);
  return 1;
}

/* img:data() -> the pixels as one string (a single copy, row-major HWC). */
static int l_data (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  lua_pushlstring(L, (const char *)im->b.data, im->b.stride * (size_t)im->b.h);
  return 1;
}

/* ---------- copies ---------- */

SegImage *seg_pushcopy (lua_State *L, const SegImage *src) {
  SegImage *out = seg_newimage_uninit(L, src->kind, src->b.w, src->b.h, src->b.c, src->b.dtype);
  memcpy(out->b.data, src->b.data, src->b.stride * (size_t)src->b.h);
  return out;
}

static int l_clone (lua_State *L) {
  seg_pushcopy(L, seg_checkimage(L, 1));
  return 1;
}

/* img:crop(x, y, w, h) — the window must lie inside the image. */
static int l_crop (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  lua_Integer x = luaL_checkinteger(L, 2), y = luaL_checkinteger(L, 3);
  lua_Integer w = luaL_checkinteger(L, 4), h = luaL_checkinteger(L, 5);
  luaL_argcheck(L, x >= 0 && x < im->b.w, 2, "x out of range");
  luaL_argcheck(L, y >= 0 && y < im->b.h, 3, "y out of range");
  luaL_argcheck(L, w > 0 && x + w <= im->b.w, 4, "width out of range");
  luaL_argcheck(L, h > 0 && y + h <= im->b.h, 5, "height out of range");
  SegImage *out = seg_newimage_uninit(L, im->kind, (int)w, (int)h, im->b.c, im->b.dtype);
  seg_copy_window(&im->b, (int)x, (int)y, &out->b);
  return 1;
}

/* ---------- metamethods ---------- */

static int l_release (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  if (im && im->b.data) {
    im->b.data = NULL;
    im->b.w = im->b.h = 0;
    lua_pushnil(L);
    lua_setiuservalue(L, 1, 1);   /* the pixels become garbage */
  }
  return 0;
}

static int l_tostring (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  if (!im) return luaL_typeerror(L, 1, SEG_IMAGE_MT);
  if (!im->b.data)
    lua_pushfstring(L, "seg.%s (released)", kind_short[im->kind]);
  else
    lua_pushfstring(L, "seg.%s %dx%d, %d channel%s, %s", kind_short[im->kind], im->b.w,
                    im->b.h, im->b.c, im->b.c == 1 ? "" : "s", seg_dtype_name(im->b.dtype));
  return 1;
}

static int l_eq (lua_State *L) {
  SegImage *a = seg_testimage(L, 1), *b = seg_testimage(L, 2);
  int eq = a && b && a->b.w == b->b.w && a->b.h == b->b.h && a->b.c == b->b.c &&
           a->b.dtype == b->b.dtype && a->b.data && b->b.data &&
           memcmp(a->b.data, b->b.data, a->b.stride * (size_t)a->b.h) == 0;
  lua_pushboolean(L, eq);
  return 1;
}

/* __index: the fields first, then the kind's methods. */
static int l_index (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  const char *k = lua_tostring(L, 2);
  if (im && k) {
    if (strcmp(k, "width") == 0) { lua_pushinteger(L, im->b.w); return 1; }
    if (strcmp(k, "height") == 0) { lua_pushinteger(L, im->b.h); return 1; }
    if (strcmp(k, "channels") == 0) { lua_pushinteger(L, im->b.c); return 1; }
    if (strcmp(k, "dtype") == 0) { lua_pushstring(L, seg_dtype_name(im->b.dtype)); return 1; }
    if (strcmp(k, "kind") == 0) { lua_pushstring(L, kind_short[im->kind]); return 1; }
  }
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(1));
  return 1;
}

/* seg.type(x) -> "Image", "Mask", "Labels", or nil for other values. */
static int l_type (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  if (im) lua_pushstring(L, kind_short[im->kind]);
  else {
    const char *n = NULL;
    if (lua_getmetatable(L, 1) && lua_getfield(L, -1, "__name") == LUA_TSTRING)
      n = lua_tostring(L, -1);
    if (n && strncmp(n, "seg.", 4) == 0) lua_pushstring(L, n + 4);
    else luaL_pushfail(L);
  }
  return 1;
}

/* seg.threads([n]) -> threads in use (after setting n, when given). */
static int l_threads (lua_State *L) {
  SegCtx *ctx = seg_ctx(L);
  if (!lua_isnoneornil(L, 1)) {
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 1 && n <= 256, 1, "thread count must be in 1..256");
    ctx->threads = (int)n;
  }
  lua_pushinteger(L, ctx->threads);
  return 1;
}

/* seg.limits{max_pixels=} -> table of the current limits. */
static int l_limits (lua_State *L) {
  SegCtx *ctx = seg_ctx(L);
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getfield(L, 1, "max_pixels") != LUA_TNIL) {
      lua_Integer n = luaL_checkinteger(L, -1);
      luaL_argcheck(L, n >= 1, 1, "max_pixels must be positive");
      ctx->max_pixels = n;
    }
    lua_pop(L, 1);
  }
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, (lua_Integer)ctx->max_pixels);
  lua_setfield(L, -2, "max_pixels");
  return 1;
}

static const luaL_Reg module_funcs[] = {
  {"image", l_image}, {"mask", l_mask}, {"labels", l_labels},
  {"from_table", l_from_table}, {"from_data", l_from_data},
  {"type", l_type}, {"threads", l_threads}, {"limits", l_limits},
  {NULL, NULL}};

static const luaL_Reg common_methods[] = {
  {"get", l_get}, {"set", l_set}, {"to_table", l_to_table}, {"data", l_data},
  {"clone", l_clone}, {"crop", l_crop}, {"release", l_release},
  {NULL, NULL}};

static const luaL_Reg meta[] = {
  {"__gc", l_release}, {"__close", l_release}, {"__tostring", l_tostring},
  {"__eq", l_eq}, {NULL, NULL}};

/* Creates the context, the three metatables and the method tables. Leaves
** the module table at -2 and the shared methods table at -1. */
void seg_open_image (lua_State *L) {
  SegCtx *ctx = (SegCtx *)lua_newuserdatauv(L, sizeof(SegCtx), 0);
  ctx->threads = seg_cpu_count();
  ctx->max_pixels = SEG_DEFAULT_MAX_PIXELS;
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);
  /* methods: Image's table is shared; Mask and Labels inherit from it */
  luaL_newmetatable(L, kind_methods[0]);
  int common = lua_gettop(L);
  for (int k = 1; k < 3; k++) {
    luaL_newmetatable(L, kind_methods[k]);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, common);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
  }
  for (int k = 0; k < 3; k++) {
    luaL_newmetatable(L, kind_mt[k]);
    seg_register(L, meta);
    luaL_getmetatable(L, kind_methods[k]);
    lua_pushcclosure(L, l_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
  }
  seg_register(L, common_methods);  /* into the common methods table */
  lua_insert(L, -2);
  seg_register(L, module_funcs);
  lua_pushliteral(L, SEG_VERSION);
  lua_setfield(L, -2, "version");
  lua_insert(L, -2);
}

/* Adds metamethods named in l to every kind's metatable. */
void seg_add_meta (lua_State *L, const luaL_Reg *l) {
  for (int k = 0; k < 3; k++) {
    luaL_getmetatable(L, kind_mt[k]);
    seg_register(L, l);
    lua_pop(L, 1);
  }
}

/* limage.c — the Lua types Image, Mask and Labels: creation, release,
** fields, pixel access, tables and raw bytes. */
#include <limits.h>
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

/* ---------- pixel memory ---------- */

static SegCtx *state_ctx (lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key);
  SegCtx *ctx = (SegCtx *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  return ctx;
}

/* Pixel bytes that may be garbage before pacing forces a full collection,
** at the least (see pace). */
#define GC_SLACK ((size_t)64 << 20)
/* Small allocations are reported together, once they add up to this: a
** step per 4 KiB image cost more than the image (a third of a loop's time). */
#define GC_GRAIN ((size_t)64 << 10)

/* The collector cannot see pixel blocks, so each allocation is reported as
** a step of its size: the incremental collector does the work that much
** allocation would have asked for, the generational one a minor
** collection. Objects that grew old and died are not reached by minor
** collections, and a large Lua heap makes incremental cycles span many
** steps, so pixel garbage is also bounded directly: once the live pixel
** bytes exceed the base (what was live at the end of the last cycle, or
** less since) by more than the base, the Lua heap, or GC_SLACK (whichever
** is largest), a full collection runs. Between two of them at least that
** much was allocated, so their cost (the heap's size) stays in proportion
** to allocation, as with Lua's own pause. Nothing runs while the host has
** stopped the collector or from inside a finalizer (lua_gc answers -1
** there). */
static void pace (lua_State *L, SegCtx *ctx, size_t bytes) {
  if (lua_gc(L, LUA_GCISRUNNING) != 1) return;
  ctx->gc_pending += bytes;
  if (ctx->gc_pending >= GC_GRAIN) {
    size_t kb = ctx->gc_pending >> 10;
    ctx->gc_pending &= 1023;
    if (lua_gc(L, LUA_GCSTEP, kb > INT_MAX ? INT_MAX : (int)kb))
      ctx->gc_base = ctx->pool.live;   /* the step finished a cycle */
  }
  /* The base follows live bytes down at once (a base left high by a burst
  ** of live images would let garbage grow to twice the burst), and up only
  ** at the end of a cycle. */
  if (ctx->pool.live < ctx->gc_base) ctx->gc_base = ctx->pool.live;
  size_t base = ctx->gc_base, allow = base > GC_SLACK ? base : GC_SLACK;
  size_t heap = (size_t)lua_gc(L, LUA_GCCOUNT) << 10;
  if (heap > allow) allow = heap;
  if (ctx->pool.live + bytes > base + allow) {
    lua_gc(L, LUA_GCCOLLECT);
    ctx->gc_base = ctx->pool.live;
    ctx->gc_full++;
  }
}

/* Gives the block back to the pool and leaves the object released. */
static void free_pixels (SegCtx *ctx, SegImage *im) {
  void *p = im->b.data;
  size_t n = im->block_bytes;
  im->b.data = NULL;
  im->b.w = im->b.h = 0;
  im->block_bytes = 0;
  im->doomed = 0;
  seg_pool_free(&ctx->pool, p, n);
}

/* Released, or released from a finalizer with its pixels still in place. */
int seg_isreleased (const SegImage *im) { return !im->b.data || im->doomed; }

/* ---------- kernel scratch ---------- */

/* Scratch a kernel needs during one call lives outside the Lua heap, in the
** pixel pool, and is freed when the binding returns or raises: its box is a
** to-be-closed stack slot. So a 64 MB labelling stack neither waits for the
** collector nor counts in the Lua heap (which would widen the collector's
** pause for everything else). */
#define SEG_SCRATCH_MT "seg.Scratch"
typedef struct SegScratch { void *p; size_t n; } SegScratch;

static int l_scratch_free (lua_State *L) {
  SegScratch *s = (SegScratch *)luaL_checkudata(L, 1, SEG_SCRATCH_MT);
  if (s->p) {
    void *p = s->p;
    s->p = NULL;
    seg_pool_free(&seg_ctx(L)->pool, p, s->n);
  }
  return 0;
}

void *seg_pushscratch (lua_State *L, size_t bytes) {
  SegCtx *ctx = state_ctx(L);
  if (bytes == 0) bytes = 1;
  if (seg_pool_blocksize(bytes) == 0) luaL_error(L, "not enough memory");
  SegScratch *s = (SegScratch *)lua_newuserdatauv(L, sizeof *s, 0);
  s->p = NULL;
  s->n = bytes;
  luaL_setmetatable(L, SEG_SCRATCH_MT);
  void *p = seg_pool_alloc(&ctx->pool, bytes, 0);
  if (!p) {
    seg_pool_drain(&ctx->pool);
    if (lua_gc(L, LUA_GCISRUNNING) == 1) lua_gc(L, LUA_GCCOLLECT);
    p = seg_pool_alloc(&ctx->pool, bytes, 0);
    if (!p) luaL_error(L, "not enough memory");
  }
  s->p = p;
  lua_toclose(L, -1);
  return p;
}

/* ---------- creation ---------- */

/* A pool block for other userdata (tensors): paced like pixels, retried
** after draining the cache and collecting; raises when out of memory. */
void *seg_takeblock (lua_State *L, size_t bytes, int zero) {
  SegCtx *ctx = state_ctx(L);
  if (bytes == 0) bytes = 1;
  if (seg_pool_blocksize(bytes) == 0) luaL_error(L, "not enough memory");
  pace(L, ctx, seg_pool_blocksize(bytes));
  void *p = seg_pool_alloc(&ctx->pool, bytes, zero);
  if (!p) {
    seg_pool_drain(&ctx->pool);
    if (lua_gc(L, LUA_GCISRUNNING) == 1) lua_gc(L, LUA_GCCOLLECT);
    p = seg_pool_alloc(&ctx->pool, bytes, zero);
    if (!p) luaL_error(L, "not enough memory");
  }
  return p;
}

void seg_giveblock (lua_State *L, void *p, size_t bytes) {
  if (p) seg_pool_free(&seg_ctx(L)->pool, p, bytes ? bytes : 1);
}

static SegImage *newobject (lua_State *L, SegKind kind, int w, int h, int c, SegDtype t,
                            int zero) {
  size_t bytes = seg_buf_bytes(w, h, c, t);
  if (bytes == 0 || seg_pool_blocksize(bytes) == 0)
    luaL_error(L, "invalid image size %dx%dx%d", w, h, c);
  int64_t px = (int64_t)w * (int64_t)h;
  SegCtx *ctx = state_ctx(L);
  if (px > ctx->max_pixels)
    luaL_error(L, "image of %dx%d exceeds the pixel limit (%I)", w, h,
               (lua_Integer)ctx->max_pixels);
  pace(L, ctx, seg_pool_blocksize(bytes));
  /* The object exists, valid and empty, before its pixels are allocated. */
  SegImage *im = (SegImage *)lua_newuserdatauv(L, sizeof(SegImage), 0);
  memset(im, 0, sizeof *im);
  im->kind = kind;
  im->b.dtype = t;
  luaL_setmetatable(L, kind_mt[kind]);
  void *pix = seg_pool_alloc(&ctx->pool, bytes, zero);
  if (!pix) {
    /* Cached blocks and garbage may be what stands in the way. */
    seg_pool_drain(&ctx->pool);
    if (lua_gc(L, LUA_GCISRUNNING) == 1) lua_gc(L, LUA_GCCOLLECT);
    pix = seg_pool_alloc(&ctx->pool, bytes, zero);
    if (!pix) luaL_error(L, "not enough memory");
  }
  im->block_bytes = bytes;
  im->b.w = w; im->b.h = h; im->b.c = c;
  im->b.stride = (size_t)w * (size_t)c * seg_dtype_size(t);
  im->b.data = (uint8_t *)pix;
  return im;
}

SegImage *seg_newimage_uninit (lua_State *L, SegKind kind, int w, int h, int c, SegDtype t) {
  return newobject(L, kind, w, h, c, t, 0);
}

SegImage *seg_newobject (lua_State *L, SegKind kind, int w, int h, int c, SegDtype t) {
  return newobject(L, kind, w, h, c, t, 1);
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
  if (seg_isreleased(im)) luaL_argerror(L, idx, "image has been released");
  return im;
}

SegImage *seg_checkmask (lua_State *L, int idx) {
  SegImage *im = (SegImage *)luaL_testudata(L, idx, SEG_MASK_MT);
  if (!im) seg_typeerror(L, idx, SEG_MASK_MT);
  if (seg_isreleased(im)) luaL_argerror(L, idx, "mask has been released");
  return im;
}

SegImage *seg_checklabels (lua_State *L, int idx) {
  SegImage *im = (SegImage *)luaL_testudata(L, idx, SEG_LABELS_MT);
  if (!im) seg_typeerror(L, idx, SEG_LABELS_MT);
  if (seg_isreleased(im)) luaL_argerror(L, idx, "labels have been released");
  return im;
}

SegDtype seg_checkdtype (lua_State *L, int idx) {
  static const char *const names[] = {"u8", "u16", "i32", "f32", NULL};
  return (SegDtype)luaL_checkoption(L, idx, NULL, names);
}

SegDtype seg_optdtype (lua_State *L, int idx, SegDtype def) {
  return lua_isnoneornil(L, idx) ? def : seg_checkdtype(L, idx);
}

void seg_checkpixels (lua_State *L, int idx, const SegImage *im) {
  luaL_argcheck(L, im->b.dtype != SEG_I32, idx, "u8, u16 or f32 pixels expected");
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
  /* Compared as w <= width - x: x + w overflows for w near maxinteger. */
  luaL_argcheck(L, w > 0 && w <= im->b.w - x, 4, "width out of range");
  luaL_argcheck(L, h > 0 && h <= im->b.h - y, 5, "height out of range");
  SegImage *out = seg_newimage_uninit(L, im->kind, (int)w, (int)h, im->b.c, im->b.dtype);
  seg_copy_window(&im->b, (int)x, (int)y, &out->b);
  return 1;
}

/* ---------- metamethods ---------- */

/* img:release(), __close. Inside a finalizer (lua_gc answers -1 there) a
** binding further down the C stack may be reading this object's pixels, as
** the finalizer can have run from one of its allocations: the object is
** only doomed (refused from now on) and its block waits for its __gc. */
static int l_release (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  if (im && im->b.data) {
    if (lua_gc(L, LUA_GCCOUNT) < 0) im->doomed = 1;
    else free_pixels(seg_ctx(L), im);
  }
  return 0;
}

static int l_gc (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  if (im && im->b.data) free_pixels(seg_ctx(L), im);
  return 0;
}

static int l_tostring (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  if (!im) return luaL_typeerror(L, 1, SEG_IMAGE_MT);
  if (seg_isreleased(im))
    lua_pushfstring(L, "seg.%s (released)", kind_short[im->kind]);
  else
    lua_pushfstring(L, "seg.%s %dx%d, %d channel%s, %s", kind_short[im->kind], im->b.w,
                    im->b.h, im->b.c, im->b.c == 1 ? "" : "s", seg_dtype_name(im->b.dtype));
  return 1;
}

static int l_eq (lua_State *L) {
  SegImage *a = seg_testimage(L, 1), *b = seg_testimage(L, 2);
  int eq = a && b && a->b.w == b->b.w && a->b.h == b->b.h && a->b.c == b->b.c &&
           a->b.dtype == b->b.dtype && !seg_isreleased(a) && !seg_isreleased(b) &&
           memcmp(a->b.data, b->b.data, a->b.stride * (size_t)a->b.h) == 0;
  lua_pushboolean(L, eq);
  return 1;
}

/* __index: the fields first, then the kind's methods. */
static int l_index (lua_State *L) {
  SegImage *im = seg_testimage(L, 1);
  const char *k = lua_tostring(L, 2);
  if (im && k) {
    int gone = seg_isreleased(im);
    if (strcmp(k, "width") == 0) { lua_pushinteger(L, gone ? 0 : im->b.w); return 1; }
    if (strcmp(k, "height") == 0) { lua_pushinteger(L, gone ? 0 : im->b.h); return 1; }
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

/* Reads limits[key] as an integer >= 0 (>= 1 when 'positive'); -1 when absent. */
static lua_Integer limitfield (lua_State *L, const char *key, int positive) {
  lua_Integer v = -1;
  if (lua_getfield(L, 1, key) != LUA_TNIL) {
    int ok;
    v = lua_tointegerx(L, -1, &ok);
    if (!ok || v < positive) {
      lua_pushfstring(L, "'%s' must be %s integer", key,
                      positive ? "a positive" : "a non-negative");
      luaL_argerror(L, 1, lua_tostring(L, -1));
    }
  }
  lua_pop(L, 1);
  return v;
}

static const char *const limit_keys[] = {"max_pixels", "cache", "cache_blocks", NULL};

/* seg.limits{max_pixels=, cache=, cache_blocks=} -> table of the current
** limits (the same keys, so seg.limits(seg.limits()) changes nothing).
** Every key is checked before any is applied. */
static int l_limits (lua_State *L) {
  SegCtx *ctx = seg_ctx(L);
  if (!lua_isnoneornil(L, 1)) {
    seg_checkoptions(L, 1, limit_keys);
    lua_settop(L, 1);
    lua_Integer px = limitfield(L, "max_pixels", 1);
    lua_Integer bytes = limitfield(L, "cache", 0);
    lua_Integer blocks = limitfield(L, "cache_blocks", 0);
    if (px >= 0) ctx->max_pixels = px;
    if (bytes >= 0 || blocks >= 0)
      seg_pool_limit(&ctx->pool,
                     bytes < 0 ? ctx->pool.max_bytes
                     : (uint64_t)bytes > SIZE_MAX ? SIZE_MAX : (size_t)bytes,
                     blocks < 0 ? ctx->pool.max_blocks
                     : blocks > SEG_POOL_SLOTS ? SEG_POOL_SLOTS : (int)blocks);
  }
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, (lua_Integer)ctx->max_pixels);
  lua_setfield(L, -2, "max_pixels");
  lua_pushinteger(L, ctx->pool.max_bytes > (uint64_t)LUA_MAXINTEGER ? LUA_MAXINTEGER
                     : (lua_Integer)ctx->pool.max_bytes);
  lua_setfield(L, -2, "cache");
  lua_pushinteger(L, ctx->pool.max_blocks);
  lua_setfield(L, -2, "cache_blocks");
  return 1;
}

/* seg.memory() -> {live=, cached=, cached_blocks=, hits=, misses=,
** collections=}: bytes of pixels held by objects not yet released or
** collected, bytes and blocks waiting in the cache, how many large
** allocations the cache served and the system did, and how many full
** collections pacing forced. */
static int l_memory (lua_State *L) {
  SegCtx *ctx = seg_ctx(L);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, (lua_Integer)ctx->pool.live);
  lua_setfield(L, -2, "live");
  lua_pushinteger(L, (lua_Integer)ctx->pool.cached);
  lua_setfield(L, -2, "cached");
  lua_pushinteger(L, ctx->pool.count);
  lua_setfield(L, -2, "cached_blocks");
  lua_pushinteger(L, (lua_Integer)ctx->pool.hits);
  lua_setfield(L, -2, "hits");
  lua_pushinteger(L, (lua_Integer)ctx->pool.misses);
  lua_setfield(L, -2, "misses");
  lua_pushinteger(L, (lua_Integer)ctx->gc_full);
  lua_setfield(L, -2, "collections");
  return 1;
}

static const luaL_Reg module_funcs[] = {
  {"image", l_image}, {"mask", l_mask}, {"labels", l_labels},
  {"from_table", l_from_table}, {"from_data", l_from_data},
  {"type", l_type}, {"threads", l_threads}, {"limits", l_limits}, {"memory", l_memory},
  {NULL, NULL}};

static const luaL_Reg common_methods[] = {
  {"get", l_get}, {"set", l_set}, {"to_table", l_to_table}, {"data", l_data},
  {"clone", l_clone}, {"crop", l_crop}, {"release", l_release},
  {NULL, NULL}};

static const luaL_Reg meta[] = {
  {"__gc", l_gc}, {"__close", l_release}, {"__tostring", l_tostring},
  {"__eq", l_eq}, {NULL, NULL}};

/* The state is closing: objects finalized after this (the context was made
** first, so it is finalized after every object made from it, save ones a
** finalizer resurrected) give their blocks straight back to the system. */
static int l_ctx_gc (lua_State *L) {
  SegCtx *ctx = (SegCtx *)lua_touserdata(L, 1);
  seg_pool_limit(&ctx->pool, 0, 0);
  return 0;
}

/* Creates the context, the three metatables and the method tables. Leaves
** the module table at -2 and the shared methods table at -1. */
void seg_open_image (lua_State *L) {
  /* One context per state: loading the module again keeps the settings,
  ** the cache and the accounting of the objects already made. */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key) != LUA_TUSERDATA) {
    SegCtx *ctx = (SegCtx *)lua_newuserdatauv(L, sizeof(SegCtx), 0);
    memset(ctx, 0, sizeof *ctx);
    ctx->threads = seg_cpu_count();
    ctx->max_pixels = SEG_DEFAULT_MAX_PIXELS;
    seg_pool_init(&ctx->pool);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, l_ctx_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, SEG_SCRATCH_MT)) {
    static const luaL_Reg scratch_meta[] = {
      {"__gc", l_scratch_free}, {"__close", l_scratch_free}, {NULL, NULL}};
    seg_register(L, scratch_meta);
  }
  lua_pop(L, 1);
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

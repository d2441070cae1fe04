/* lio.c — I/O bindings: seg.load, seg.decode, img:save, img:encode.
**
** Misuse (bad options, a format that cannot hold the image, an unknown
** extension) raises; the outside world (missing or unreadable files,
** corrupt data, images beyond seg.limits) answers nil, message.
**
** Every resource that outlives a call that can raise is owned by a Lua
** value: file bytes live in a userdata or string on the stack, an open FILE
** in a seg.File box, encoder output in a seg.Bytes box, so an error thrown
** anywhere (out of memory included) leaks nothing. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "lseg.h"
#include "io/io.h"

#define FILE_MT  "seg.File"
#define BYTES_MT "seg.Bytes"

/* ---------- formats ---------- */

/* Names accepted by {format=} and img:encode; pgm and ppm are pnm with a
** fixed channel count. */
enum { F_PNG, F_JPEG, F_JPG, F_PNM, F_PGM, F_PPM };
static const char *const format_names[] = {"png", "jpeg", "jpg", "pnm", "pgm", "ppm", NULL};
static const int format_codec[] = {SEG_FMT_PNG, SEG_FMT_JPEG, SEG_FMT_JPEG,
                                   SEG_FMT_PNM, SEG_FMT_PNM, SEG_FMT_PNM};

static const struct { const char *ext; int f; } extensions[] = {
  {"png", F_PNG}, {"jpg", F_JPG}, {"jpeg", F_JPEG}, {"jpe", F_JPEG},
  {"pnm", F_PNM}, {"pgm", F_PGM}, {"ppm", F_PPM}, {NULL, 0}};

typedef struct Opts {
  int format;           /* F_*, or -1 when not given */
  SegDecodeOpts dec;
  SegEncodeOpts enc;
} Opts;

static lua_Integer opt_int (lua_State *L, int t, const char *k, lua_Integer def,
                            lua_Integer lo, lua_Integer hi) {
  lua_Integer v = seg_optintegerfield(L, t, k, def);
  if (v != def && (v < lo || v > hi)) {   /* def itself may lie outside: "unset" */
    lua_pushfstring(L, "'%s' must be an integer in %I..%I", k, lo, hi);
    luaL_argerror(L, t, lua_tostring(L, -1));
  }
  return v;
}

static int check_format (lua_State *L, int arg, int idx) {
  const char *s = lua_tostring(L, idx);
  for (int i = 0; s && format_names[i]; i++)
    if (strcmp(s, format_names[i]) == 0) return i;
  lua_pushfstring(L, "invalid format '%s'", s ? s : luaL_typename(L, idx));
  return luaL_argerror(L, arg, lua_tostring(L, -1));
}

/* The option names each function knows, sorted: they are listed as they
** stand in the message for a key outside them. */
static const char *const load_keys[] = {"orient", "partial", NULL};
static const char *const save_keys[] = {"binary", "format", "level", "quality", NULL};
static const char *const encode_keys[] = {"binary", "level", "quality", NULL};

/* Raises, naming the key, unless every key of the table at 't' is in
** 'keys': a misspelt option must not fall back to its default silently.
** "bad argument #2 to 'load' (unknown option 'partal'; valid: orient, partial)" */
static void read_opts (lua_State *L, int t, const char *const keys[], Opts *o) {
  o->format = -1;
  o->dec.orient = 1;
  o->dec.partial = 0;
  o->enc.level = -1;
  o->enc.quality = -1;
  o->enc.binary = 1;
  if (lua_isnoneornil(L, t)) return;
  seg_checkoptions(L, t, keys);
  if (keys == save_keys) {
    if (lua_getfield(L, t, "format") != LUA_TNIL) o->format = check_format(L, t, -1);
    lua_pop(L, 1);
  }
  if (keys == load_keys) {
    o->dec.orient = seg_optboolfield(L, t, "orient", 1);
    o->dec.partial = seg_optboolfield(L, t, "partial", 0);
  } else {
    o->enc.level = (int)opt_int(L, t, "level", -1, -1, 9);
    o->enc.quality = (int)opt_int(L, t, "quality", -1, 1, 100);
    o->enc.binary = seg_optboolfield(L, t, "binary", 1);
  }
}

/* ---------- owned resources ---------- */

typedef struct FileBox { FILE *f; } FileBox;

static void file_close (FileBox *b) {
  if (b->f) fclose(b->f);
  b->f = NULL;
}

static int file_gc (lua_State *L) {
  file_close((FileBox *)luaL_checkudata(L, 1, FILE_MT));
  return 0;
}

static int bytes_gc (lua_State *L) {
  seg_bytes_free((SegBytes *)luaL_checkudata(L, 1, BYTES_MT));
  return 0;
}

static SegBytes *new_bytes (lua_State *L) {
  SegBytes *b = (SegBytes *)lua_newuserdatauv(L, sizeof *b, 0);
  b->p = NULL;
  b->n = b->cap = 0;
  luaL_setmetatable(L, BYTES_MT);
  return b;
}

/* "No such file or directory" -> "no such file or directory" */
static void push_errno (lua_State *L, const char *path, int e) {
  char msg[128];
  snprintf(msg, sizeof msg, "%s", strerror(e));
  if (isupper((unsigned char)msg[0]) && islower((unsigned char)msg[1]))
    msg[0] = (char)tolower((unsigned char)msg[0]);
  lua_pushfstring(L, "%s: %s", path, msg);
}

static int push_fail (lua_State *L, const char *name, const char *msg) {
  luaL_pushfail(L);
  if (name) lua_pushfstring(L, "%s: %s", name, msg);
  else lua_pushstring(L, msg);
  return 2;
}

#define SEG_MAX_STREAM ((size_t)256 << 20)

/* Pushes the whole content of 'path' (a userdata or a string) and returns
** it, or pushes an error message and returns NULL. */
static const uint8_t *read_file (lua_State *L, const char *path, size_t *n) {
  FileBox *box = (FileBox *)lua_newuserdatauv(L, sizeof *box, 0);
  box->f = NULL;
  luaL_setmetatable(L, FILE_MT);
  struct stat st;
  box->f = fopen(path, "rb");
  if (!box->f || fstat(fileno(box->f), &st) != 0) {
    int e = errno;
    file_close(box);
    lua_pop(L, 1);
    push_errno(L, path, e);
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    file_close(box);
    lua_pop(L, 1);
    lua_pushfstring(L, "%s: is a directory", path);
    return NULL;
  }
  const uint8_t *data;
  int e = 0;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    size_t want = (size_t)st.st_size;
    uint8_t *p = (uint8_t *)lua_newuserdatauv(L, want, 0);
    *n = fread(p, 1, want, box->f);   /* a file that shrank meanwhile reads short */
    if (ferror(box->f)) e = errno;
    data = p;
  } else {   /* pipes, devices, files of unknown size: read up to a cap, so
              ** an endless device (/dev/zero) fails instead of eating memory */
    luaL_Buffer B;
    luaL_buffinit(L, &B);
    size_t got, total = 0;
    do {
      char *p = luaL_prepbuffer(&B);
      got = fread(p, 1, LUAL_BUFFERSIZE, box->f);
      luaL_addsize(&B, got);
      total += got;
    } while (got == LUAL_BUFFERSIZE && total <= SEG_MAX_STREAM);
    if (ferror(box->f)) e = errno;
    if (total > SEG_MAX_STREAM) {
      luaL_pushresult(&B);
      file_close(box);
      lua_pop(L, 2);
      lua_pushfstring(L, "%s: stream longer than %d MiB", path, (int)(SEG_MAX_STREAM >> 20));
      return NULL;
    }
    luaL_pushresult(&B);
    data = (const uint8_t *)lua_tolstring(L, -1, n);
  }
  file_close(box);
  lua_remove(L, -2);   /* the box; the bytes stay */
  if (e || *n == 0) {
    lua_pop(L, 1);
    if (e) push_errno(L, path, e);
    else lua_pushfstring(L, "%s: empty file", path);
    return NULL;
  }
  return data;
}

/* ---------- decoding ---------- */

typedef struct Codec {
  int (*info) (const uint8_t *, size_t, const SegDecodeOpts *, SegInfo *, char *, size_t);
  int (*decode) (const uint8_t *, size_t, const SegDecodeOpts *, SegBuf *, char *, size_t);
  int (*encode) (const SegBuf *, const SegEncodeOpts *, SegBytes *, char *, size_t);
} Codec;

static const Codec *codec (int fmt) {
  static const Codec png = {seg_png_info, seg_png_decode, seg_png_encode};
  static const Codec jpeg = {seg_jpeg_info, seg_jpeg_decode, seg_jpeg_encode};
  static const Codec pnm = {seg_pnm_info, seg_pnm_decode, seg_pnm_encode};
  switch (fmt) {
    case SEG_FMT_PNG: return &png;
    case SEG_FMT_JPEG: return &jpeg;
    case SEG_FMT_PNM: return &pnm;
    default: return NULL;
  }
}

/* Decodes data[0..n) (kept alive by the caller's stack) into a new Image.
** The header is read first so the pixel limit is enforced before any
** pixel memory exists. 'name' prefixes messages when not NULL. */
static int push_decoded (lua_State *L, const uint8_t *data, size_t n,
                         const SegDecodeOpts *o, const char *name) {
  char err[256];
  const Codec *k = codec(seg_sniff_format(data, n));
  if (!k) return push_fail(L, name, "not a png/jpeg/pnm image");
  SegInfo info;
  if (k->info(data, n, o, &info, err, sizeof err)) return push_fail(L, name, err);
  int64_t max = seg_ctx(L)->max_pixels;
  if (seg_buf_bytes(info.w, info.h, info.c, info.dtype) == 0 ||
      (int64_t)info.w * (int64_t)info.h > max) {
    snprintf(err, sizeof err, "image of %dx%d exceeds the pixel limit (%lld)",
             info.w, info.h, (long long)max);
    return push_fail(L, name, err);
  }
  SegImage *im = seg_newimage_uninit(L, SEG_KIND_IMAGE, info.w, info.h, info.c, info.dtype);
  if (k->decode(data, n, o, &im->b, err, sizeof err)) return push_fail(L, name, err);
  return 1;
}

/* seg.load(path [, opts]) -> Image | nil, msg */
static int l_load (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  Opts o;
  read_opts(L, 2, load_keys, &o);
  lua_settop(L, 2);
  size_t n = 0;
  const uint8_t *data = read_file(L, path, &n);
  if (!data) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
  }
  return push_decoded(L, data, n, &o.dec, path);
}

/* seg.decode(bytes [, opts]) -> Image | nil, msg */
static int l_decode (lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  Opts o;
  read_opts(L, 2, load_keys, &o);
  return push_decoded(L, (const uint8_t *)s, n, &o.dec, NULL);
}

/* ---------- encoding ---------- */

static int format_from_path (lua_State *L, int arg, const char *path) {
  const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
  if (dot && (!slash || dot > slash)) {
    char ext[8];
    size_t i = 0;
    for (const char *p = dot + 1; *p && i + 1 < sizeof ext; p++)
      ext[i++] = (char)tolower((unsigned char)*p);
    ext[i] = '\0';
    if (strlen(dot + 1) < sizeof ext)
      for (int k = 0; extensions[k].ext; k++)
        if (strcmp(ext, extensions[k].ext) == 0) return extensions[k].f;
    lua_pushfstring(L, "unknown image extension '%s'", dot);
  } else
    lua_pushliteral(L, "no image extension");
  return luaL_argerror(L, arg, lua_tostring(L, -1));
}

/* Raises unless format f can store the image as it is. */
static void check_storable (lua_State *L, const SegImage *im, int f) {
  const SegBuf *b = &im->b;
  const char *msg = NULL;
  switch (format_codec[f]) {
    case SEG_FMT_PNG:
      if (b->dtype != SEG_U8 && b->dtype != SEG_U16) msg = "png needs u8 or u16 pixels";
      else if (b->c > 4) msg = "png needs 1 to 4 channels";
      break;
    case SEG_FMT_JPEG:
      if (b->dtype != SEG_U8) msg = "jpeg needs u8 pixels";
      else if (b->c > 4) msg = "jpeg needs 1 to 4 channels";
      break;
    default:
      if (b->dtype != SEG_U8 && b->dtype != SEG_U16) msg = "pnm needs u8 or u16 pixels";
      else if (f == F_PGM && b->c != 1) msg = "pgm needs a 1-channel image";
      else if (f == F_PPM && b->c != 3) msg = "ppm needs a 3-channel image";
      else if (b->c != 1 && b->c != 3) msg = "pnm needs 1 or 3 channels";
  }
  if (msg) luaL_argerror(L, 1, msg);
}

/* Encodes into a seg.Bytes box left on the stack; returns it, or NULL with
** the kernel's message in err. */
static SegBytes *encode (lua_State *L, const SegImage *im, int f, const Opts *o,
                         char *err, size_t errlen) {
  SegBytes *b = new_bytes(L);
  if (codec(format_codec[f])->encode(&im->b, &o->enc, b, err, errlen)) {
    seg_bytes_free(b);
    return NULL;
  }
  return b;
}

/* img:save(path [, opts]) -> true | nil, msg */
static int l_save (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  const char *path = luaL_checkstring(L, 2);
  Opts o;
  read_opts(L, 3, save_keys, &o);
  im = seg_checkimage(L, 1);   /* an option's __index may have released it */
  int f = o.format >= 0 ? o.format : format_from_path(L, 2, path);
  check_storable(L, im, f);
  char err[256];
  SegBytes *b = encode(L, im, f, &o, err, sizeof err);
  if (!b) return push_fail(L, path, err);
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    int e = errno;
    luaL_pushfail(L);
    push_errno(L, path, e);
    return 2;
  }
  int e = fwrite(b->p, 1, b->n, fp) != b->n ? (errno ? errno : EIO) : 0;
  if (fclose(fp) != 0 && !e) e = errno;
  seg_bytes_free(b);   /* now rather than at the next collection */
  if (e) {
    luaL_pushfail(L);
    push_errno(L, path, e);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* img:encode(format [, opts]) -> string */
static int l_encode (lua_State *L) {
  SegImage *im = seg_checkimage(L, 1);
  int f = check_format(L, 2, 2);
  Opts o;
  read_opts(L, 3, encode_keys, &o);
  im = seg_checkimage(L, 1);   /* an option's __index may have released it */
  check_storable(L, im, f);
  char err[256];
  SegBytes *b = encode(L, im, f, &o, err, sizeof err);
  if (!b) return luaL_error(L, "%s", err);
  lua_pushlstring(L, (const char *)b->p, b->n);
  seg_bytes_free(b);
  return 1;
}

static const luaL_Reg funcs[] = {
  {"load", l_load}, {"decode", l_decode}, {NULL, NULL}};

static const luaL_Reg methods[] = {
  {"save", l_save}, {"encode", l_encode}, {NULL, NULL}};

/* Module table at -2, shared methods table at -1 (left as found). */
void seg_open_io (lua_State *L) {
  luaL_newmetatable(L, FILE_MT);
  lua_pushcfunction(L, file_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, BYTES_MT);
  lua_pushcfunction(L, bytes_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  seg_register(L, methods);
  lua_pushvalue(L, -2);
  seg_register(L, funcs);
  lua_pop(L, 1);
}

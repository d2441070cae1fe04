/* io_png.c — PNG decode/encode kernels over libpng 1.6.
**
** Decoding produces what cv2.imread(path, IMREAD_UNCHANGED) produces, in RGB
** order: 16-bit samples stay u16 (native endian), 1/2/4-bit gray is scaled
** to 8 bits (libpng's expand: 1 -> 255, 3 -> 255 for 2-bit, ...), palettes
** are expanded to RGB, and a tRNS chunk becomes an alpha channel for RGB and
** palette images but is ignored for gray ones. One deliberate difference:
** gray+alpha stays 2 channels, where OpenCV replicates the gray into BGRA.
**
** libpng reports errors through err_fn, which copies the message into the
** caller's buffer and longjmps back; warnings are dropped, so nothing is
** ever printed. The only heap memory we own across a longjmp is the row
** pointer array of interlaced images, held in a volatile pointer.
** Encoding: u8/u16, 1-4 channels; level -1 is a fast default (below), 0-9
** are zlib levels with libpng's adaptive filters, as cv2.imencode with
** IMWRITE_PNG_COMPRESSION. */
#include <ctype.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include <zlib.h>
#include "io/io.h"

/* A larger deflate buffer than libpng's 8 KiB: fewer IDAT chunks, fewer
** calls into the output callback. */
#define ZBUF_SIZE (256 * 1024)
#define PARTIAL_READ 64

typedef struct Ctx {
  const uint8_t *data;   /* decoder input */
  size_t n, pos;
  SegBytes *out;         /* encoder output */
  char *err;
  size_t errlen;
} Ctx;

static int fail (char *err, size_t errlen, const char *msg) {
  if (errlen > 0) snprintf(err, errlen, "%s", msg);
  return -1;
}

/* libpng's messages start with a capital ("Not a PNG file", "Read Error");
** ours are lowercase. Chunk names ("IDAT: CRC error") keep their case. */
static void err_fn (png_structp png, png_const_charp msg) {
  Ctx *c = (Ctx *)png_get_error_ptr(png);
  if (c->errlen > 0) {
    snprintf(c->err, c->errlen, "%s", msg);
    if (isupper((unsigned char)c->err[0]) && islower((unsigned char)c->err[1]))
      c->err[0] = (char)tolower((unsigned char)c->err[0]);
  }
  png_longjmp(png, 1);
}

static void warn_fn (png_structp png, png_const_charp msg) {
  (void)png; (void)msg;   /* benign problems (bad iCCP, ...) are not the user's concern */
}

static void read_fn (png_structp png, png_bytep out, size_t len) {
  Ctx *c = (Ctx *)png_get_io_ptr(png);
  if (len > c->n - c->pos) png_error(png, "truncated data");
  memcpy(out, c->data + c->pos, len);
  c->pos += len;
}

static int check_sig (const uint8_t *data, size_t n, char *err, size_t errlen) {
  if (n < 8 || png_sig_cmp(data, 0, 8) != 0) return fail(err, errlen, "not a png image");
  return 0;
}

/* Creates the read structs; the caller sets the jump buffer before any
** other libpng call. Returns NULL (message in err) when out of memory. */
static png_structp new_reader (Ctx *c, png_infop *info) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, err_fn, warn_fn);
  if (!png) return NULL;
  *info = png_create_info_struct(png);
  if (!*info) { png_destroy_read_struct(&png, NULL, NULL); return NULL; }
  png_set_read_fn(png, c, read_fn);
  /* The pixel limit is the binding's (seg.limits); libpng's own 1e6 x 1e6
  ** default would only get in its way. Chunk memory keeps libpng's cap. */
  png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  return png;
}

/* Output shape for a header already read by png_read_info. */
static void final_shape (png_structp png, png_infop info, SegInfo *si) {
  int ct = png_get_color_type(png, info), bd = png_get_bit_depth(png, info);
  int trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  si->w = (int)png_get_image_width(png, info);
  si->h = (int)png_get_image_height(png, info);
  si->dtype = bd == 16 ? SEG_U16 : SEG_U8;
  switch (ct) {
    case PNG_COLOR_TYPE_GRAY: si->c = 1; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: si->c = 2; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: si->c = 4; break;
    default: si->c = trns ? 4 : 3; break;   /* RGB, palette */
  }
}

int seg_png_info (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegInfo *info,
                  char *err, size_t errlen) {
  (void)o;   /* the bound below holds for partial images too */
  if (check_sig(data, n, err, errlen)) return -1;
  Ctx c = {data, n, 0, NULL, err, errlen};
  png_infop pi;
  png_structp png = new_reader(&c, &pi);
  if (!png) return fail(err, errlen, "out of memory");
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &pi, NULL);
    return -1;
  }
  png_read_info(png, pi);
  final_shape(png, pi, info);
  /* Deflate expands at most 1032:1, so a file whose every byte were image
  ** data could still not fill an image this large: refuse it before the
  ** caller allocates (a small file claiming a huge image). */
  double packed = (double)png_get_image_width(png, pi) * png_get_channels(png, pi) *
                  png_get_bit_depth(png, pi) / 8.0 * png_get_image_height(png, pi);
  png_destroy_read_struct(&png, &pi, NULL);
  if (packed > 1032.0 * (double)n) return fail(err, errlen, "truncated data");
  return 0;
}

/* The transformations of OpenCV's PngDecoder::readData for IMREAD_UNCHANGED,
** without its BGR swap. */
static void set_transforms (png_structp png, png_infop info, int channels) {
  int ct = png_get_color_type(png, info), bd = png_get_bit_depth(png, info);
  if (bd == 16) {
    const uint16_t one = 1;
    if (*(const uint8_t *)&one) png_set_swap(png);   /* PNG is big-endian */
  }
  if (ct == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (ct == PNG_COLOR_TYPE_GRAY && bd < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (channels == 4 && (ct == PNG_COLOR_TYPE_RGB || ct == PNG_COLOR_TYPE_PALETTE))
    png_set_tRNS_to_alpha(png);
}

/* With o->partial, an error once the pixels have begun (data cut short or
** corrupt, in IDAT or after it) keeps what was decoded: the rows before it
** (the passes before it for interlaced images), the rest 0. libpng reads
** IDAT in pieces of PARTIAL_READ bytes then (8 KiB by default), and a piece
** cut short is lost whole, so the rows lost at a cut are the few that
** these bytes hold. */
int seg_png_decode (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegBuf *dst,
                    char *err, size_t errlen) {
  const int partial = o && o->partial;
  if (check_sig(data, n, err, errlen)) return -1;
  if (dst->dtype != SEG_U8 && dst->dtype != SEG_U16)
    return fail(err, errlen, "png decodes to u8 or u16 pixels");
  Ctx c = {data, n, 0, NULL, err, errlen};
  png_infop pi;
  png_structp png = new_reader(&c, &pi);
  if (!png) return fail(err, errlen, "out of memory");
  png_bytep *volatile rows = NULL;   /* freed on both paths out */
  volatile int started = 0;          /* the pixels have begun */
  volatile int done = 0;             /* rows complete (no interlacing) */
  if (setjmp(png_jmpbuf(png))) {
    free(rows);
    png_destroy_read_struct(&png, &pi, NULL);
    if (!partial || !started) return -1;
    for (int y = done; y < dst->h; y++) memset(seg_row(dst, y), 0, seg_buf_rowbytes(dst));
    if (errlen > 0) err[0] = '\0';
    return 0;
  }
  png_read_info(png, pi);
  SegInfo si;
  final_shape(png, pi, &si);
  if (si.w != dst->w || si.h != dst->h || si.c != dst->c || si.dtype != dst->dtype)
    png_error(png, "image does not match its header");
  set_transforms(png, pi, si.c);
  if (partial) png_set_compression_buffer_size(png, PARTIAL_READ);   /* read side: IDAT pieces */
  int passes = png_set_interlace_handling(png);
  png_read_update_info(png, pi);
  if (png_get_rowbytes(png, pi) != seg_buf_rowbytes(dst) || png_get_channels(png, pi) != si.c)
    png_error(png, "unexpected row layout");
  if (passes == 1) {
    started = 1;
    for (int y = 0; y < dst->h; y++) {
      png_read_row(png, seg_row(dst, y), NULL);
      done = y + 1;
    }
  } else {
    /* Adam7 passes revisit every row: libpng needs all rows at once. */
    png_bytep *r = (png_bytep *)malloc((size_t)dst->h * sizeof *r);
    if (!r) png_error(png, "out of memory");
    rows = r;
    for (int y = 0; y < dst->h; y++) {
      r[y] = seg_row(dst, y);
      if (partial) memset(r[y], 0, seg_buf_rowbytes(dst));   /* passes fill what they reach */
    }
    done = dst->h;   /* an error leaves every row as far as the passes got */
    started = 1;
    png_read_image(png, r);
  }
  png_read_end(png, NULL);   /* checks the CRCs of what follows IDAT */
  free(rows);
  png_destroy_read_struct(&png, &pi, NULL);
  return 0;
}

/* ---------- encoder ---------- */

static void write_fn (png_structp png, png_bytep p, size_t len) {
  Ctx *c = (Ctx *)png_get_io_ptr(png);
  if (seg_bytes_append(c->out, p, len) != 0) png_error(png, "out of memory");
}

static void flush_fn (png_structp png) { (void)png; }

int seg_png_encode (const SegBuf *src, const SegEncodeOpts *o, SegBytes *out,
                    char *err, size_t errlen) {
  if (!src || !src->data || (src->dtype != SEG_U8 && src->dtype != SEG_U16))
    return fail(err, errlen, "png needs u8 or u16 pixels");
  if (src->c < 1 || src->c > 4) return fail(err, errlen, "png needs 1 to 4 channels");
  if (src->w < 1 || src->h < 1) return fail(err, errlen, "empty image");
  int level = o ? o->level : -1;
  if (level > 9) level = 9;
  static const int ctype[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                              PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  const size_t start = out->n;
  Ctx c = {NULL, 0, 0, out, err, errlen};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, err_fn, warn_fn);
  if (!png) return fail(err, errlen, "out of memory");
  png_infop pi = png_create_info_struct(png);
  if (!pi) {
    png_destroy_write_struct(&png, NULL);
    return fail(err, errlen, "out of memory");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &pi);
    out->n = start;   /* drop the partial stream; the caller frees 'out' */
    return -1;
  }
  png_set_write_fn(png, &c, write_fn, flush_fn);
  png_set_compression_buffer_size(png, ZBUF_SIZE);
  if (level < 0) {
    /* The default trades size for speed as cv2.imencode's does (one fixed
    ** filter, zlib level 1, Z_RLE: deflate looks only for runs of equal
    ** bytes), but with filter Up where OpenCV uses Sub: on skimage's photos
    ** and a 4096x4096 upscale, Up made more runs, so files 3-10% smaller
    ** and encoding 5-10% faster (fewer symbols to code), and Up is the
    ** cheaper filter to undo (no dependency along the row). */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    png_set_compression_level(png, Z_BEST_SPEED);
    png_set_compression_strategy(png, Z_RLE);
  } else {
    /* As cv2.imencode with IMWRITE_PNG_COMPRESSION: libpng's adaptive
    ** filters, the default strategy. */
    png_set_compression_level(png, level);
    png_set_compression_strategy(png, Z_DEFAULT_STRATEGY);
  }
  png_set_IHDR(png, pi, (png_uint_32)src->w, (png_uint_32)src->h,
               src->dtype == SEG_U16 ? 16 : 8, ctype[src->c - 1], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, pi);
  if (src->dtype == SEG_U16) {
    const uint16_t one = 1;
    if (*(const uint8_t *)&one) png_set_swap(png);
  }
  /* libpng copies each row before filtering, so it never writes to ours. */
  for (int y = 0; y < src->h; y++) png_write_row(png, seg_row(src, y));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &pi);
  return 0;
}

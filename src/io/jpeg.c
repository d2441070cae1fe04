/* io_jpeg.c — JPEG decode/encode kernels over libjpeg(-turbo)'s classic API.
**
** Decoder settings are libjpeg's defaults, exactly as OpenCV's JpegDecoder
** leaves them (JDCT_ISLOW, fancy upsampling on, no scaling), so the pixels
** are identical to cv2.imread(path, IMREAD_UNCHANGED) after BGR -> RGB,
** including OpenCV's CMYK -> RGB formula. Encoder settings are OpenCV's
** cv2.imencode defaults: jpeg_set_defaults (4:2:0, Huffman tables not
** optimised, baseline), quality 95 unless asked otherwise.
**
** Every libjpeg error lands in error_exit, which formats the message into the
** caller's buffer and longjmps back; libjpeg never prints. All scratch memory
** comes from libjpeg's own pools (JPOOL_IMAGE), so jpeg_destroy_* releases it
** on the error path too, and nothing here needs volatile bookkeeping. */
#include <ctype.h>
#include <setjmp.h>
#include <stdio.h>   /* jpeglib.h needs FILE and size_t first */
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "io/io.h"

#define MAX_DIM  65500   /* JPEG_MAX_DIMENSION of libjpeg */
#define MAX_SCANS 500    /* a real progressive file has about 10 */
#define STRIP 16         /* rows handed to libjpeg per call */
#define TSTRIP 64        /* rows per strip when rows become columns: 64 pixels
                            per dst row keep the scattered writes to whole
                            cache lines */

/* ---------- errors ---------- */

typedef struct ErrMgr {
  struct jpeg_error_mgr pub;
  jmp_buf jb;
  char *err;
  size_t errlen;
  int eof_may_wait;   /* running out of data need not be fatal yet */
  int eof_seen;       /* data ran out; any later complaint means truncation */
  int partial;        /* keep what decodes: corrupt-data warnings are not errors */
} ErrMgr;

static void set_err (ErrMgr *e, const char *msg) {
  if (e->errlen == 0) return;
  size_t i = 0;
  for (; msg[i] && i + 1 < e->errlen; i++)
    e->err[i] = (char)tolower((unsigned char)msg[i]);
  e->err[i] = '\0';
}

/* Our wording for the errors a user will meet; libjpeg's own text,
** lowercased, for the rest ("corrupt jpeg data: bad huffman code"). */
static void fail_with_message (j_common_ptr cinfo) {
  ErrMgr *e = (ErrMgr *)cinfo->err;
  if (e->eof_seen) e->pub.msg_code = JWRN_JPEG_EOF;   /* the root cause */
  switch (e->pub.msg_code) {
    /* the scan's data stops at a marker (EOI, the next scan's, a stray one) */
    case JWRN_JPEG_EOF: case JWRN_HIT_MARKER: set_err(e, "truncated jpeg data"); break;
    case JERR_NO_SOI: case JERR_INPUT_EMPTY: set_err(e, "not a jpeg file"); break;
    case JERR_OUT_OF_MEMORY: set_err(e, "out of memory"); break;
    default: {
      char buf[JMSG_LENGTH_MAX];
      (*e->pub.format_message)(cinfo, buf);
      set_err(e, buf);
    }
  }
  longjmp(e->jb, 1);
}

static void error_exit (j_common_ptr cinfo) {
  fail_with_message(cinfo);
}

/* Warnings (level -1) about the data are errors unless the caller asked for
** the partial image: libjpeg would pad what is missing or undecodable with
** gray and carry on (as OpenCV lets it). Trace messages (level >= 0) and the
** warnings that leave every pixel decoded are dropped: metadata it does not
** understand, and bytes skipped before a marker (seen in the wild after the
** last scan, e.g. "1 extraneous bytes before marker 0xd9"; corrupt data
** inside a scan also makes the entropy decoder warn, which is fatal).
**
** One truncation is let through: a single-scan Huffman file whose data ends
** without EOI. libjpeg's bit reader asks for bytes beyond what it needs, so
** the end of data is met while decoding the last MCU row; if the decoder
** then never lacks a bit (it would warn JWRN_HIT_MARKER), every pixel is
** exact. Multi-scan and arithmetic-coded files end silently between scans
** or inside the coder, so for them running out is fatal at once. */
static void emit_message (j_common_ptr cinfo, int level) {
  ErrMgr *e = (ErrMgr *)cinfo->err;
  if (level >= 0) return;
  e->pub.num_warnings++;
  if (e->partial) return;
  switch (e->pub.msg_code) {
    case JWRN_ADOBE_XFORM: case JWRN_JFIF_MAJOR: case JWRN_BOGUS_ICC:
    case JWRN_EXTRANEOUS_DATA: case JWRN_TOO_MUCH_DATA:
      return;
    case JWRN_JPEG_EOF:
      if (e->eof_seen || !e->eof_may_wait) fail_with_message(cinfo);
      e->eof_seen = 1;
      return;
    default:   /* bad codes, missing data, broken progression or restarts */
      fail_with_message(cinfo);
  }
}

static void output_message (j_common_ptr cinfo) { (void)cinfo; }

/* Bounds the work a tiny file can cause through thousands of scans. */
static void progress_monitor (j_common_ptr cinfo) {
  j_decompress_ptr d = (j_decompress_ptr)cinfo;
  if (d->input_scan_number > MAX_SCANS) {
    ErrMgr *e = (ErrMgr *)cinfo->err;
    set_err(e, "too many scans in jpeg");
    longjmp(e->jb, 1);
  }
}

static void init_err (ErrMgr *e, char *err, size_t errlen) {
  jpeg_std_error(&e->pub);
  e->pub.error_exit = error_exit;
  e->pub.emit_message = emit_message;
  e->pub.output_message = output_message;
  e->err = err;
  e->errlen = errlen;
  e->eof_may_wait = e->eof_seen = e->partial = 0;
  if (errlen) err[0] = '\0';
}

static int failure (char *err, size_t errlen, const char *msg) {
  if (errlen) snprintf(err, errlen, "%s", msg);
  return -1;
}

/* ---------- EXIF orientation ---------- */

static unsigned rd16 (const uint8_t *p, int le) {
  return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}
static uint32_t rd32 (const uint8_t *p, int le) {
  return le ? (uint32_t)rd16(p, 1) | (uint32_t)rd16(p + 2, 1) << 16
            : (uint32_t)rd16(p, 0) << 16 | (uint32_t)rd16(p + 2, 0);
}

/* Orientation tag (0x0112) of IFD0 in an APP1 "Exif\0\0" payload; 1 when
** absent or malformed. Every read is checked against 'n'. */
static int exif_orientation (const uint8_t *p, size_t n) {
  if (n < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0) return 1;
  const uint8_t *t = p + 6;            /* TIFF header; offsets are from here */
  size_t len = n - 6;
  int le;
  if (t[0] == 'I' && t[1] == 'I') le = 1;
  else if (t[0] == 'M' && t[1] == 'M') le = 0;
  else return 1;
  if (rd16(t + 2, le) != 42) return 1;
  uint32_t off = rd32(t + 4, le);
  if (off < 8 || off > len - 2) return 1;
  size_t count = rd16(t + off, le);
  size_t avail = (len - off - 2) / 12;
  if (count > avail) count = avail;    /* a cut IFD: read the entries present */
  for (size_t i = 0; i < count; i++) {
    const uint8_t *e = t + off + 2 + 12 * i;
    if (rd16(e, le) != 0x0112) continue;
    unsigned type = rd16(e + 2, le);
    uint32_t v;
    if (rd32(e + 4, le) < 1) return 1;
    if (type == 3) v = rd16(e + 8, le);          /* SHORT, as the spec says */
    else if (type == 4) v = rd32(e + 8, le);     /* LONG, seen in the wild */
    else return 1;
    return (v >= 1 && v <= 8) ? (int)v : 1;
  }
  return 1;
}

static int marker_orientation (j_decompress_ptr cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next)
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
        memcmp(m->data, "Exif\0\0", 6) == 0)
      return exif_orientation(m->data, m->data_length);
  return 1;
}

/* ---------- decoding ---------- */

typedef struct Dec {
  struct jpeg_decompress_struct cinfo;
  ErrMgr jerr;
  struct jpeg_progress_mgr progress;
  int orient;   /* EXIF orientation 1..8 to apply (1 when not asked) */
  int c;        /* channels delivered: 1 or 3 */
} Dec;

/* Refuses a Huffman-coded file whose 'n' bytes cannot hold every 8x8 block
** of every component, before anything of the image's size exists: libjpeg
** would otherwise pad the missing blocks with gray, and a progressive file
** makes it allocate 128 bytes of coefficients per block up front. Every
** Huffman code is at least 1 bit long, so a sequential block costs at least
** 2 (its DC code, then EOB or an AC code) and a progressive one at least 1
** (its DC code in the first DC scan; AC scans can skip whole runs of blocks
** with one EOBRUN). Flat images with optimised tables reach these bounds
** exactly. Arithmetic coding has no useful bound (a decision can cost
** ~1e-5 bits), so those rare files are bounded only by the caller's pixel
** limit. */
static void check_data_size (Dec *d, size_t n) {
  j_decompress_ptr ci = &d->cinfo;
  if (ci->arith_code) return;
  uint64_t blocks = 0;
  for (int i = 0; i < ci->num_components; i++)
    blocks += (uint64_t)ci->comp_info[i].width_in_blocks * ci->comp_info[i].height_in_blocks;
  if (blocks * (ci->progressive_mode ? 1u : 2u) > (uint64_t)n * 8u) {
    set_err(&d->jerr, "truncated jpeg data");
    longjmp(d->jerr.jb, 1);
  }
}

/* Parses the header and chooses the output colour space. Called under the
** caller's setjmp. */
static void read_header (Dec *d, const uint8_t *data, size_t n, const SegDecodeOpts *o) {
  j_decompress_ptr ci = &d->cinfo;
  jpeg_mem_src(ci, data, (unsigned long)n);
  if (o && o->orient) jpeg_save_markers(ci, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(ci, TRUE);
  check_data_size(d, n);
  d->jerr.partial = o && o->partial;
  d->progress.progress_monitor = progress_monitor;
  ci->progress = &d->progress;
  switch (ci->jpeg_color_space) {
    case JCS_GRAYSCALE: ci->out_color_space = JCS_GRAYSCALE; d->c = 1; break;
    case JCS_YCbCr: case JCS_RGB: ci->out_color_space = JCS_RGB; d->c = 3; break;
    /* YCCK -> CMYK is libjpeg's; CMYK -> RGB is OpenCV's (below). */
    case JCS_CMYK: case JCS_YCCK: ci->out_color_space = JCS_CMYK; d->c = 3; break;
    default:
      set_err(&d->jerr, "unsupported jpeg color space");
      longjmp(d->jerr.jb, 1);
  }
  d->orient = (o && o->orient) ? marker_orientation(ci) : 1;
}

static int check_jpeg_magic (const uint8_t *data, size_t n, char *err, size_t errlen) {
  if (!data || n < 3 || data[0] != 0xff || data[1] != 0xd8 || data[2] != 0xff)
    return failure(err, errlen, "not a jpeg file");
  return 0;
}

int seg_jpeg_info (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegInfo *info,
                   char *err, size_t errlen) {
  if (check_jpeg_magic(data, n, err, errlen)) return -1;
  Dec d;
  init_err(&d.jerr, err, errlen);
  d.cinfo.err = &d.jerr.pub;
  jpeg_create_decompress(&d.cinfo);
  if (setjmp(d.jerr.jb)) {
    jpeg_destroy_decompress(&d.cinfo);
    return -1;
  }
  read_header(&d, data, n, o);
  int w = (int)d.cinfo.image_width, h = (int)d.cinfo.image_height;
  jpeg_destroy_decompress(&d.cinfo);
  if (seg_buf_bytes(w, h, d.c, SEG_U8) == 0)
    return failure(err, errlen, "bad jpeg dimensions");
  info->w = d.orient >= 5 ? h : w;
  info->h = d.orient >= 5 ? w : h;
  info->c = d.c;
  info->dtype = SEG_U8;
  return 0;
}

/* OpenCV's icvCvt_CMYK2BGR_8u_C4C3R, in RGB order: libjpeg hands back the
** stored (Adobe-inverted) values, so R = k - (255 - c) * k / 256.
** Safe in place (dst == src): each output byte lies at or before its input. */
static void cmyk_to_rgb (const uint8_t *src, uint8_t *dst, int w) {
  for (int x = 0; x < w; x++) {
    int c = src[4 * x], m = src[4 * x + 1], y = src[4 * x + 2], k = src[4 * x + 3];
    uint8_t r = (uint8_t)(k - (((255 - c) * k) >> 8));
    uint8_t g = (uint8_t)(k - (((255 - m) * k) >> 8));
    uint8_t b = (uint8_t)(k - (((255 - y) * k) >> 8));
    dst[3 * x] = r; dst[3 * x + 1] = g; dst[3 * x + 2] = b;
  }
}

static void reverse_row (uint8_t *row, int w, int c) {
  for (int i = 0, j = w - 1; i < j; i++, j--) {
    uint8_t *a = row + (size_t)i * c, *b = row + (size_t)j * c;
    for (int k = 0; k < c; k++) { uint8_t t = a[k]; a[k] = b[k]; b[k] = t; }
  }
}

/* Reads up to 'max' rows into rows[]; libjpeg's memory source never
** suspends, so zero rows can only mean broken data. */
static int read_rows (Dec *d, JSAMPROW *rows, int max) {
  JDIMENSION got = jpeg_read_scanlines(&d->cinfo, rows, (JDIMENSION)max);
  if (got == 0) {
    set_err(&d->jerr, "truncated jpeg data");
    longjmp(d->jerr.jb, 1);
  }
  return (int)got;
}

/* Orientations 1-4 keep rows as rows: scanlines go straight into their dst
** row (from the bottom for 3 and 4) and are mirrored in place for 2 and 3.
** CMYK rows pass through a small strip and are converted into dst. */
static void decode_rows (Dec *d, SegBuf *dst, JSAMPARRAY strip) {
  j_decompress_ptr ci = &d->cinfo;
  int w = (int)ci->output_width, h = (int)ci->output_height, c = d->c;
  int flipv = d->orient == 3 || d->orient == 4;
  int fliph = d->orient == 2 || d->orient == 3;
  JSAMPROW rows[STRIP];
  while ((int)ci->output_scanline < h) {
    int y0 = (int)ci->output_scanline, k = h - y0 < STRIP ? h - y0 : STRIP;
    for (int i = 0; i < k; i++)
      rows[i] = strip ? strip[i] : seg_row_u8(dst, flipv ? h - 1 - (y0 + i) : y0 + i);
    int got = read_rows(d, rows, k);
    for (int i = 0; i < got; i++) {
      uint8_t *out = seg_row_u8(dst, flipv ? h - 1 - (y0 + i) : y0 + i);
      if (strip) cmyk_to_rgb(strip[i], out, w);
      if (fliph) reverse_row(out, w, c);
    }
  }
}

/* Copies strip rows [0, n) at column x into n consecutive pixels at p,
** forwards or backwards. Separate loops per channel count so each is a
** fixed-size copy. */
static void put_column (uint8_t *restrict p, JSAMPARRAY strip, int n, int x, int c, int back) {
  const ptrdiff_t step = back ? -c : c;
  const size_t sx = (size_t)x * c;
  if (c == 3)
    for (int i = 0; i < n; i++, p += step) {
      const uint8_t *s = strip[i] + sx;
      p[0] = s[0]; p[1] = s[1]; p[2] = s[2];
    }
  else
    for (int i = 0; i < n; i++, p += step) p[0] = strip[i][sx];
}

/* Orientations 5-8 turn source rows into dst columns: a strip of TSTRIP
** source rows fills TSTRIP consecutive pixels of every dst row. With src
** size w x h: 5 transpose dst(y, x); 6 rotate cw dst(h-1-y, x);
** 7 transverse dst(h-1-y, w-1-x); 8 rotate ccw dst(y, w-1-x). */
static void decode_transposed (Dec *d, SegBuf *dst, JSAMPARRAY strip) {
  j_decompress_ptr ci = &d->cinfo;
  int w = (int)ci->output_width, h = (int)ci->output_height, c = d->c;
  int cmyk = ci->out_color_space == JCS_CMYK;
  int revx = d->orient == 7 || d->orient == 8;    /* dst row = w-1-x */
  int revy = d->orient == 6 || d->orient == 7;    /* dst col = h-1-y */
  while ((int)ci->output_scanline < h) {
    int y0 = (int)ci->output_scanline, k = h - y0 < TSTRIP ? h - y0 : TSTRIP;
    int got = 0;
    while (got < k) {                  /* fill the whole strip first */
      int m = k - got < STRIP ? k - got : STRIP;
      got += read_rows(d, strip + got, m);
    }
    if (cmyk)
      for (int i = 0; i < got; i++) cmyk_to_rgb(strip[i], strip[i], w);
    int col = revy ? h - 1 - y0 : y0;
    for (int x = 0; x < w; x++) {
      uint8_t *out = seg_row_u8(dst, revx ? w - 1 - x : x) + (size_t)col * c;
      put_column(out, strip, got, x, c, revy);
    }
  }
}

int seg_jpeg_decode (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegBuf *dst,
                     char *err, size_t errlen) {
  if (check_jpeg_magic(data, n, err, errlen)) return -1;
  Dec d;
  init_err(&d.jerr, err, errlen);
  d.cinfo.err = &d.jerr.pub;
  jpeg_create_decompress(&d.cinfo);
  if (setjmp(d.jerr.jb)) {
    jpeg_destroy_decompress(&d.cinfo);
    return -1;
  }
  read_header(&d, data, n, o);
  d.jerr.eof_may_wait = !jpeg_has_multiple_scans(&d.cinfo) && !d.cinfo.arith_code;
  jpeg_start_decompress(&d.cinfo);
  int w = (int)d.cinfo.output_width, h = (int)d.cinfo.output_height;
  int tr = d.orient >= 5;
  if (!dst || !dst->data || dst->dtype != SEG_U8 || dst->c != d.c ||
      dst->w != (tr ? h : w) || dst->h != (tr ? w : h) ||
      dst->stride < (size_t)dst->w * (size_t)d.c) {
    set_err(&d.jerr, "output buffer does not match the jpeg");
    longjmp(d.jerr.jb, 1);
  }
  JSAMPARRAY strip = NULL;   /* pool memory: freed by jpeg_destroy_decompress */
  if (tr || d.cinfo.out_color_space == JCS_CMYK)
    strip = (*d.cinfo.mem->alloc_sarray)((j_common_ptr)&d.cinfo, JPOOL_IMAGE,
                                         (JDIMENSION)w * (JDIMENSION)d.cinfo.output_components,
                                         tr ? TSTRIP : STRIP);
  if (tr) decode_transposed(&d, dst, strip);
  else decode_rows(&d, dst, strip);
  jpeg_finish_decompress(&d.cinfo);
  jpeg_destroy_decompress(&d.cinfo);
  return 0;
}

/* ---------- encoding ---------- */

/* Destination manager writing straight into the caller's SegBytes (whose
** memory is malloc/realloc/free'd, see buf.c), with no bounce buffer. */
typedef struct Dest {
  struct jpeg_destination_mgr pub;
  SegBytes *out;
} Dest;

/* Doubles the buffer (64 KiB at least); 'used' bytes of it are kept. */
static void dest_grow (j_compress_ptr cinfo, size_t used) {
  Dest *dm = (Dest *)cinfo->dest;
  SegBytes *b = dm->out;
  if (b->cap > SIZE_MAX / 2) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  size_t cap = b->cap < 32768 ? 65536 : 2 * b->cap;
  uint8_t *p = realloc(b->p, cap);
  if (!p) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  b->p = p; b->cap = cap;
  dm->pub.next_output_byte = p + used;
  dm->pub.free_in_buffer = cap - used;
}

static void dest_init (j_compress_ptr cinfo) {
  SegBytes *b = ((Dest *)cinfo->dest)->out;
  if (b->cap - b->n < 4096) dest_grow(cinfo, b->n);
  else {
    cinfo->dest->next_output_byte = b->p + b->n;
    cinfo->dest->free_in_buffer = b->cap - b->n;
  }
}

static boolean dest_empty (j_compress_ptr cinfo) {
  dest_grow(cinfo, ((Dest *)cinfo->dest)->out->cap);   /* called only when full */
  return TRUE;
}

static void dest_term (j_compress_ptr cinfo) {
  SegBytes *b = ((Dest *)cinfo->dest)->out;
  b->n = b->cap - cinfo->dest->free_in_buffer;
}

/* Accepts u8 gray (1), gray+alpha (2), RGB (3) and RGBA (4). JPEG has no
** alpha, so it is dropped, as cv2.imencode drops it from BGRA. */
int seg_jpeg_encode (const SegBuf *src, const SegEncodeOpts *o, SegBytes *out,
                     char *err, size_t errlen) {
  if (!src || !src->data || src->dtype != SEG_U8 || src->c < 1 || src->c > 4)
    return failure(err, errlen, "jpeg needs 1 to 4 channel u8 pixels");
  if (src->w < 1 || src->h < 1)
    return failure(err, errlen, "empty image");
  if (src->w > MAX_DIM || src->h > MAX_DIM)
    return failure(err, errlen, "image too large for jpeg (65500 pixels a side at most)");
  int q = o ? o->quality : -1;
  if (q < 0) q = 95;
  if (q < 1) q = 1;
  if (q > 100) q = 100;
  const int w = src->w, h = src->h, sc = src->c, jc = sc >= 3 ? 3 : 1;
  const size_t start = out->n;
  const int had_memory = out->p != NULL;

  struct jpeg_compress_struct cinfo;
  ErrMgr jerr;
  Dest dm;
  init_err(&jerr, err, errlen);
  cinfo.err = &jerr.pub;
  jpeg_create_compress(&cinfo);
  if (setjmp(jerr.jb)) {
    jpeg_destroy_compress(&cinfo);
    out->n = start;                     /* drop the partial stream */
    if (!had_memory) seg_bytes_free(out);
    return -1;
  }
  dm.pub.init_destination = dest_init;
  dm.pub.empty_output_buffer = dest_empty;
  dm.pub.term_destination = dest_term;
  dm.out = out;
  cinfo.dest = &dm.pub;
  cinfo.image_width = (JDIMENSION)w;
  cinfo.image_height = (JDIMENSION)h;
  cinfo.input_components = jc;
  cinfo.in_color_space = jc == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, q, TRUE);
  jpeg_start_compress(&cinfo, TRUE);

  JSAMPARRAY strip = NULL;   /* alpha-dropping rows, pool memory */
  if (sc != jc)
    strip = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE,
                                       (JDIMENSION)w * (JDIMENSION)jc, STRIP);
  JSAMPROW rows[STRIP];
  while ((int)cinfo.next_scanline < h) {
    int y0 = (int)cinfo.next_scanline, k = h - y0 < STRIP ? h - y0 : STRIP;
    for (int i = 0; i < k; i++) {
      const uint8_t *s = seg_row_u8(src, y0 + i);
      if (!strip) { rows[i] = (JSAMPROW)s; continue; }  /* libjpeg only reads */
      uint8_t *restrict d = strip[i];
      if (jc == 1)
        for (int x = 0; x < w; x++) d[x] = s[2 * x];
      else
        for (int x = 0; x < w; x++) {
          d[3 * x] = s[4 * x]; d[3 * x + 1] = s[4 * x + 1]; d[3 * x + 2] = s[4 * x + 2];
        }
      rows[i] = d;
    }
    jpeg_write_scanlines(&cinfo, rows, (JDIMENSION)k);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return 0;
}

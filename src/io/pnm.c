/* io_pnm.c — Netpbm PBM/PGM/PPM kernels: P1-P6 in, P2/P3/P5/P6 out.
**
** Decoding matches cv2.imread(path, IMREAD_UNCHANGED), quirks included:
** maxval <= 255 gives u8 and > 255 gives u16; binary samples are taken as
** they are (not rescaled to the full range); ASCII u8 samples go through
** OpenCV's table v*255/maxval (integer division), ASCII u16 samples do not;
** ASCII samples above maxval are clamped to it; bitmaps (P1/P4) give 0 for
** black (bit 1) and 255 for white. '#' comments may appear between any two
** numbers; the binary raster starts after the one whitespace byte that
** ends maxval.
**
** The header alone tells how many bytes the raster needs at least, so a
** file too short for its dimensions is refused by seg_pnm_info, before the
** caller allocates anything. A partial image (SegDecodeOpts.partial) may
** lack most of its raster, the missing samples left 0, but its data must
** still hold 1/PARTIAL_RATIO of it: a few bytes never cost more than about
** a thousand times their size, as with the other codecs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/io.h"

#define PARTIAL_RATIO 1024

typedef struct Hdr {
  int kind;        /* 1..6, the digit after 'P' */
  int w, h, c;
  int maxval;      /* 1 for bitmaps */
  size_t offset;   /* first raster byte */
  size_t need;     /* least raster bytes of a whole image */
} Hdr;

typedef struct Scan {
  const uint8_t *p;
  size_t n, pos;
} Scan;

static int fail (char *err, size_t errlen, const char *msg) {
  if (errlen > 0) snprintf(err, errlen, "%s", msg);
  return -1;
}

static int is_space (int ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Skips whitespace and comments up to the next digit. Returns 0 at a digit,
** 1 at the end of the data, 2 at any other byte. */
static int skip_to_digit (Scan *s) {
  while (s->pos < s->n) {
    int ch = s->p[s->pos];
    if (ch >= '0' && ch <= '9') return 0;
    if (ch == '#') {
      while (s->pos < s->n && s->p[s->pos] != '\n' && s->p[s->pos] != '\r') s->pos++;
    } else if (is_space(ch)) s->pos++;
    else return 2;
  }
  return 1;
}

/* Reads a decimal number of at most 'maxdigits' digits (0: any), saturating
** at 'cap'+1 so a huge value stays detectably too large. Returns 0, or the
** code of skip_to_digit. */
static int read_number (Scan *s, int maxdigits, int64_t cap, int64_t *v) {
  int r = skip_to_digit(s);
  if (r) return r;
  int64_t x = 0;
  int digits = 0;
  while (s->pos < s->n && s->p[s->pos] >= '0' && s->p[s->pos] <= '9') {
    if (x <= cap) x = x * 10 + (s->p[s->pos] - '0');
    s->pos++;
    if (++digits == maxdigits) break;
  }
  *v = x > cap ? cap + 1 : x;
  return 0;
}

static int parse_header (const uint8_t *data, size_t n, int partial, Hdr *hd,
                         char *err, size_t errlen) {
  if (n < 3 || data[0] != 'P' || data[1] < '1' || data[1] > '6' || !is_space(data[2]))
    return fail(err, errlen, "not a pnm image");
  hd->kind = data[1] - '0';
  hd->c = hd->kind == 3 || hd->kind == 6 ? 3 : 1;
  Scan s = {data, n, 2};
  int64_t w, h, mv = 1;
  int r;
  if ((r = read_number(&s, 0, INT32_MAX, &w)) != 0 ||
      (r = read_number(&s, 0, INT32_MAX, &h)) != 0 ||
      (hd->kind != 1 && hd->kind != 4 && (r = read_number(&s, 0, 65535, &mv)) != 0))
    return fail(err, errlen, r == 1 ? "truncated header" : "bad header");
  if (w < 1 || h < 1 || w > INT32_MAX || h > INT32_MAX)
    return fail(err, errlen, "bad image dimensions");
  if (mv < 1 || mv > 65535) return fail(err, errlen, "bad maxval");
  hd->w = (int)w; hd->h = (int)h; hd->maxval = (int)mv;
  if (hd->kind >= 4) {
    /* exactly one whitespace byte separates the header from the raster */
    if (s.pos >= s.n) return fail(err, errlen, "truncated data");
    if (!is_space(s.p[s.pos])) return fail(err, errlen, "bad header");
    s.pos++;
  }
  hd->offset = s.pos;
  /* Least raster size the header implies: binary samples have a fixed
  ** width, ASCII ones at least one digit (P1) or a digit and a separator. */
  SegDtype t = mv > 255 ? SEG_U16 : SEG_U8;
  size_t need;
  if (hd->kind == 4) {
    size_t rb = ((size_t)w + 7) / 8;
    need = rb > SIZE_MAX / (size_t)h ? 0 : rb * (size_t)h;
  } else {
    need = seg_buf_bytes(hd->w, hd->h, hd->c, hd->kind >= 5 ? t : SEG_U8);
    if (hd->kind == 2 || hd->kind == 3) need = need > SIZE_MAX / 2 ? 0 : 2 * need - 1;
  }
  if (need == 0) return fail(err, errlen, "bad image dimensions");
  hd->need = need;
  if (partial) need = need / PARTIAL_RATIO + 1;
  if (need > n - s.pos) return fail(err, errlen, "truncated data");
  return 0;
}

int seg_pnm_info (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegInfo *info,
                  char *err, size_t errlen) {
  Hdr hd;
  if (parse_header(data, n, o && o->partial, &hd, err, errlen)) return -1;
  info->w = hd.w; info->h = hd.h; info->c = hd.c;
  info->dtype = hd.maxval > 255 ? SEG_U16 : SEG_U8;
  return 0;
}

static void zero_rows (SegBuf *dst, int y0) {
  for (int y = y0; y < dst->h; y++) memset(seg_row(dst, y), 0, seg_buf_rowbytes(dst));
}

/* With 'partial', running out of samples (not a bad one) ends the image:
** the rest is 0. */
static int decode_ascii (Scan *s, const Hdr *hd, int partial, SegBuf *dst,
                         char *err, size_t errlen) {
  uint8_t lut[256];
  if (dst->dtype == SEG_U8)
    for (int i = 0; i <= hd->maxval; i++)
      lut[i] = (uint8_t)(hd->kind == 1 ? (i ? 0 : 255) : i * 255 / hd->maxval);
  const int maxdigits = hd->kind == 1 ? 1 : 0;
  const int64_t cap = hd->kind == 1 ? 9 : hd->maxval;
  const size_t m = (size_t)dst->w * (size_t)dst->c;
  for (int y = 0; y < dst->h; y++) {
    uint8_t *d8 = seg_row_u8(dst, y);
    uint16_t *d16 = seg_row_u16(dst, y);
    for (size_t x = 0; x < m; x++) {
      int64_t v;
      int r = read_number(s, maxdigits, cap, &v);
      if (r == 1 && partial) {
        if (dst->dtype == SEG_U8) memset(d8 + x, 0, m - x);
        else memset(d16 + x, 0, (m - x) * sizeof *d16);
        zero_rows(dst, y + 1);
        return 0;
      }
      if (r) return fail(err, errlen, r == 1 ? "truncated data" : "bad sample");
      if (hd->kind == 1) v = v != 0;
      else if (v > hd->maxval) v = hd->maxval;
      if (dst->dtype == SEG_U8) d8[x] = lut[v];
      else d16[x] = (uint16_t)v;
    }
  }
  return 0;
}

static void decode_binary (const uint8_t *p, const Hdr *hd, SegBuf *dst) {
  const size_t m = (size_t)dst->w * (size_t)dst->c;
  if (hd->kind == 4) {
    const size_t rb = ((size_t)dst->w + 7) / 8;
    for (int y = 0; y < dst->h; y++, p += rb) {
      uint8_t *restrict d = seg_row_u8(dst, y);
      for (size_t x = 0; x < m; x++)
        d[x] = (p[x >> 3] >> (7 - (x & 7)) & 1) ? 0 : 255;
    }
  } else if (dst->dtype == SEG_U8) {
    for (int y = 0; y < dst->h; y++, p += m) memcpy(seg_row_u8(dst, y), p, m);
  } else {
    for (int y = 0; y < dst->h; y++, p += 2 * m) {
      const uint8_t *restrict s = p;
      uint16_t *restrict d = seg_row_u16(dst, y);
      for (size_t x = 0; x < m; x++) d[x] = (uint16_t)(s[2 * x] << 8 | s[2 * x + 1]);
    }
  }
}

/* A binary raster of 'avail' < hd->need bytes: the whole rows it holds,
** then the whole samples (bits for P4) of the next row, then zeros. */
static void decode_binary_short (const uint8_t *p, size_t avail, const Hdr *hd, SegBuf *dst) {
  const size_t es = seg_dtype_size(dst->dtype);
  const size_t rb = hd->kind == 4 ? ((size_t)dst->w + 7) / 8 : (size_t)dst->w * dst->c * es;
  const int full = (int)(avail / rb);   /* < dst->h: the raster is short */
  SegBuf top = *dst;
  top.h = full;
  decode_binary(p, hd, &top);
  zero_rows(dst, full);
  size_t rest = avail - (size_t)full * rb;
  const uint8_t *s = p + (size_t)full * rb;
  if (hd->kind == 4) {
    uint8_t *d = seg_row_u8(dst, full);
    for (size_t x = 0; x < rest * 8 && x < (size_t)dst->w; x++)
      d[x] = (s[x >> 3] >> (7 - (x & 7)) & 1) ? 0 : 255;
  } else if (es == 1) memcpy(seg_row_u8(dst, full), s, rest);
  else {
    uint16_t *d = seg_row_u16(dst, full);
    for (size_t x = 0; x < rest / 2; x++) d[x] = (uint16_t)(s[2 * x] << 8 | s[2 * x + 1]);
  }
}

int seg_pnm_decode (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegBuf *dst,
                    char *err, size_t errlen) {
  const int partial = o && o->partial;
  Hdr hd;
  if (parse_header(data, n, partial, &hd, err, errlen)) return -1;
  SegDtype t = hd.maxval > 255 ? SEG_U16 : SEG_U8;
  if (hd.w != dst->w || hd.h != dst->h || hd.c != dst->c || t != dst->dtype)
    return fail(err, errlen, "image does not match its header");
  if (hd.kind >= 4) {   /* parse_header checked the length */
    if (n - hd.offset < hd.need) decode_binary_short(data + hd.offset, n - hd.offset, &hd, dst);
    else decode_binary(data + hd.offset, &hd, dst);
    return 0;
  }
  Scan s = {data, n, hd.offset};
  return decode_ascii(&s, &hd, partial, dst, err, errlen);
}

/* ---------- encoder ---------- */

/* Makes room for 'extra' bytes at out->p + out->n without changing out->n. */
static int reserve (SegBytes *out, size_t extra) {
  if (extra <= out->cap - out->n) return 0;
  if (extra > SIZE_MAX - out->n) return -1;
  size_t cap = out->cap ? out->cap : 4096;
  while (cap - out->n < extra) {
    if (cap > SIZE_MAX / 2) { cap = out->n + extra; break; }
    cap *= 2;
  }
  uint8_t *p = realloc(out->p, cap);
  if (!p) return -1;
  out->p = p;
  out->cap = cap;
  return 0;
}

static char *put_uint (char *q, unsigned v) {
  char tmp[8];
  int k = 0;
  do { tmp[k++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (k) *q++ = tmp[--k];
  return q;
}

/* One row of ASCII samples, lines kept within 70 characters as Netpbm asks. */
static size_t ascii_row (const SegBuf *src, int y, char *q0) {
  const size_t m = (size_t)src->w * (size_t)src->c;
  const uint8_t *s8 = seg_row_u8(src, y);
  const uint16_t *s16 = seg_row_u16(src, y);
  char *q = q0, *line = q0;
  for (size_t x = 0; x < m; x++) {
    unsigned v = src->dtype == SEG_U8 ? s8[x] : s16[x];
    if (x > 0) {
      if (q - line > 64) { *q++ = '\n'; line = q; }
      else *q++ = ' ';
    }
    q = put_uint(q, v);
  }
  *q++ = '\n';
  return (size_t)(q - q0);
}

int seg_pnm_encode (const SegBuf *src, const SegEncodeOpts *o, SegBytes *out,
                    char *err, size_t errlen) {
  if (!src || !src->data || (src->dtype != SEG_U8 && src->dtype != SEG_U16))
    return fail(err, errlen, "pnm needs u8 or u16 pixels");
  if (src->c != 1 && src->c != 3) return fail(err, errlen, "pnm needs 1 or 3 channels");
  if (src->w < 1 || src->h < 1) return fail(err, errlen, "empty image");
  const int binary = o ? o->binary != 0 : 1;
  const size_t start = out->n;
  const size_t m = (size_t)src->w * (size_t)src->c;
  char hdr[64];
  int hn = snprintf(hdr, sizeof hdr, "P%c\n%d %d\n%d\n",
                    (src->c == 1 ? '2' : '3') + (binary ? 3 : 0), src->w, src->h,
                    src->dtype == SEG_U8 ? 255 : 65535);
  /* binary: the exact size, so the buffer grows once */
  const size_t es = seg_dtype_size(src->dtype);
  if (binary && (m * es > (SIZE_MAX - 64) / (size_t)src->h ||
                 reserve(out, (size_t)hn + m * es * (size_t)src->h)))
    goto nomem;
  if (seg_bytes_append(out, hdr, (size_t)hn)) goto nomem;
  for (int y = 0; y < src->h; y++) {
    /* worst case per row: binary 2 bytes a sample; ASCII 5 digits and a
    ** separator a sample, plus the final newline */
    if (reserve(out, binary ? 2 * m : 6 * m + 1)) goto nomem;
    uint8_t *restrict d = out->p + out->n;
    if (!binary) out->n += ascii_row(src, y, (char *)d);
    else if (src->dtype == SEG_U8) {
      memcpy(d, seg_row_u8(src, y), m);
      out->n += m;
    } else {
      const uint16_t *restrict s = seg_row_u16(src, y);
      for (size_t x = 0; x < m; x++) {   /* big-endian in the file */
        d[2 * x] = (uint8_t)(s[x] >> 8);
        d[2 * x + 1] = (uint8_t)s[x];
      }
      out->n += 2 * m;
    }
  }
  return 0;
nomem:
  out->n = start;
  return fail(err, errlen, "out of memory");
}

/* io.h — codecs: format sniffing, PNG, JPEG, PNM decode/encode over memory. */
#ifndef SEG_IO_H
#define SEG_IO_H

#include "core/segk.h"

/* ---------- io_*.c: codecs ---------- */
enum { SEG_FMT_UNKNOWN, SEG_FMT_PNG, SEG_FMT_JPEG, SEG_FMT_PNM };
/* Format from the first bytes of a file. */
int seg_sniff_format (const uint8_t *data, size_t n);

/* What a decoder will produce: the binding allocates a buffer of this shape
** and calls the matching *_decode with it. */
typedef struct SegInfo { int w, h, c; SegDtype dtype; } SegInfo;
typedef struct SegDecodeOpts {
  int orient;    /* apply EXIF orientation (JPEG) */
  int partial;   /* truncated or corrupt image data is not an error: what
                 ** decoded is kept, the rest filled (JPEG: libjpeg's gray;
                 ** PNG, PNM: zeros). Headers must still be whole, and the
                 ** data must still be able to hold the image (below). */
} SegDecodeOpts;
typedef struct SegEncodeOpts {
  int level;    /* PNG compression 0-9, -1 = default */
  int quality;  /* JPEG 1-100, -1 = default (95) */
  int binary;   /* PNM: 1 = P5/P6, 0 = P2/P3 */
} SegEncodeOpts;


/* All return 0 on success, or -1 with a short lowercase message in err.
** The *_info functions refuse, before the caller allocates, a file whose
** data could not hold its declared image even at the best compression its
** format allows (PNG: deflate's 1032:1; Huffman JPEG: 2 bits per 8x8 block
** and component, 1 for progressive; PNM: the raster itself), so a few bytes
** never cost more than about a thousand times their size. */
int seg_png_info (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegInfo *info,
                  char *err, size_t errlen);
int seg_png_decode (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegBuf *dst,
                    char *err, size_t errlen);
int seg_png_encode (const SegBuf *src, const SegEncodeOpts *o, SegBytes *out,
                    char *err, size_t errlen);
int seg_jpeg_info (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegInfo *info,
                   char *err, size_t errlen);
int seg_jpeg_decode (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegBuf *dst,
                     char *err, size_t errlen);
int seg_jpeg_encode (const SegBuf *src, const SegEncodeOpts *o, SegBytes *out,
                     char *err, size_t errlen);
int seg_pnm_info (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegInfo *info,
                  char *err, size_t errlen);
int seg_pnm_decode (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegBuf *dst,
                    char *err, size_t errlen);
int seg_pnm_encode (const SegBuf *src, const SegEncodeOpts *o, SegBytes *out,
                    char *err, size_t errlen);

#endif

/* segk.h — the kernel layer: pixel buffers and the plain-C operators on them.
** Nothing here knows Lua. Kernels take typed buffers, never allocate pixel
** memory themselves (outputs are allocated by the caller), and report
** failures through a return code and a caller-supplied message buffer. */
#ifndef SEGK_H
#define SEGK_H

#include <stddef.h>
#include <stdint.h>

/* Pixel element types. The order is part of the ABI of this header. */
typedef enum { SEG_U8 = 0, SEG_U16 = 1, SEG_I32 = 2, SEG_F32 = 3 } SegDtype;

/* One pixel buffer: interleaved (HWC) channels, rows 'stride' bytes apart.
** Buffers created by the module are contiguous (stride == w*c*size), which
** the pointwise kernels rely on through seg_buf_contiguous(). */
typedef struct SegBuf {
  int w, h, c;
  SegDtype dtype;
  size_t stride;
  uint8_t *data;
} SegBuf;

static inline size_t seg_dtype_size (SegDtype t) {
  static const unsigned char sz[] = {1, 2, 4, 4};
  return sz[t];
}

static inline uint8_t *seg_row (const SegBuf *b, int y) {
  return b->data + (size_t)y * b->stride;
}
#define seg_row_u8(b, y)  ((uint8_t *)seg_row(b, y))
#define seg_row_u16(b, y) ((uint16_t *)seg_row(b, y))
#define seg_row_i32(b, y) ((int32_t *)seg_row(b, y))
#define seg_row_f32(b, y) ((float *)seg_row(b, y))

/* Element i of a row (or any array) of type t, as a double: exact for every
** dtype. For generic paths; hot loops are written per type. */
static inline double seg_elem (SegDtype t, const void *p, size_t i) {
  switch (t) {
    case SEG_U8: return ((const uint8_t *)p)[i];
    case SEG_U16: return ((const uint16_t *)p)[i];
    case SEG_I32: return ((const int32_t *)p)[i];
    default: return ((const float *)p)[i];
  }
}

static inline size_t seg_buf_rowbytes (const SegBuf *b) {
  return (size_t)b->w * (size_t)b->c * seg_dtype_size(b->dtype);
}
static inline int seg_buf_contiguous (const SegBuf *b) {
  return b->stride == seg_buf_rowbytes(b);
}
static inline size_t seg_buf_nelem (const SegBuf *b) {
  return (size_t)b->w * (size_t)b->h * (size_t)b->c;
}

/* Byte size of a w*h*c image of type t, or 0 if it overflows size_t or
** any dimension is not positive. */
size_t seg_buf_bytes (int w, int h, int c, SegDtype t);

/* Buffers of SEG_HUGE_MIN bytes or more are placed on SEG_HUGE_ALIGN
** boundaries and backed by transparent huge pages where the OS has them. */
#define SEG_HUGE_ALIGN ((size_t)2 << 20)
#define SEG_HUGE_MIN ((size_t)8 << 20)
/* Hints the OS to back a large buffer with huge pages (no-op elsewhere). */
void seg_advise_huge (void *p, size_t n);

const char *seg_dtype_name (SegDtype t);
int seg_dtype_from_name (const char *s);   /* -1 when unknown */

/* Function multiversioning for hot loops: AVX2 and AVX-512 clones on x86-64
** chosen at load time by the dynamic linker, the portable baseline elsewhere. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SEG_NO_CLONES)
#define SEG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SEG_CLONES
#endif

/* ---------- parallel.c: row-parallel for ---------- */

/* Calls fn(arg, begin, end) on disjoint chunks covering [0, n), on up to
** 'threads' threads (the caller's thread takes the first chunk). Chunks are
** at least 'grain' items long so tiny jobs stay on one thread. Workers never
** touch Lua. If a thread cannot be created its chunk runs on the caller. */
typedef void (*SegRangeFn) (void *arg, int begin, int end);
void seg_parallel_for (int threads, int n, int grain, SegRangeFn fn, void *arg);
/* The same, telling each call its chunk index in [0, threads): for
** reductions into per-chunk slots. */
typedef void (*SegChunkFn) (void *arg, int chunk, int begin, int end);
void seg_parallel_chunks (int threads, int n, int grain, SegChunkFn fn, void *arg);
int seg_cpu_count (void);

/* ---------- convert.c: dtype, colour and channel conversions ---------- */

/* dst = saturate(round(src * scale)); same w, h, c; any dtypes. Rounding is
** to nearest, ties to even (as OpenCV's cvRound). */
void seg_convert (const SegBuf *src, SegBuf *dst, double scale, int threads);
/* RGB(A) -> gray with BT.601 weights, bit-exact with OpenCV's cvtColor
** (14-bit fixed point for u8/u16). Gray+alpha -> first channel. */
void seg_gray (const SegBuf *src, SegBuf *dst, int threads);
/* gray/gray+alpha -> replicated RGB; RGBA -> RGB; dst has 3 channels. */
void seg_rgb (const SegBuf *src, SegBuf *dst, int threads);
/* dst (1 channel) = channel ch of src. */
void seg_extract_channel (const SegBuf *src, SegBuf *dst, int ch);
/* dst channel ch = src (1 channel). */
void seg_insert_channel (const SegBuf *src, SegBuf *dst, int ch);
/* Copies a w*h window at (x, y) of src into dst (dst sized w*h). */
void seg_copy_window (const SegBuf *src, int x, int y, SegBuf *dst);

/* ---------- resize.c ---------- */
enum { SEG_RESIZE_NEAREST, SEG_RESIZE_BILINEAR, SEG_RESIZE_AREA };
/* dst sized by the caller; all dtypes, any channel count. Coordinates follow
** OpenCV's resize (pixel centres at +0.5). Returns 0, or -1 when out of
** memory for scratch tables. */
int seg_resize (const SegBuf *src, SegBuf *dst, int method, int threads);

/* ---------- pointwise.c: arithmetic, comparisons, mask algebra ---------- */
enum { SEG_OP_ADD, SEG_OP_SUB, SEG_OP_MUL, SEG_OP_DIV };
/* dst = a op b, element-wise, saturating for integer types (rounded to
** nearest for * and /, division by zero gives 0 as OpenCV's divide).
** a, b, dst: same shape and dtype. */
void seg_arith (const SegBuf *a, const SegBuf *b, SegBuf *dst, int op, int threads);
/* dst = a op s (or s op a when 'scalar_left'), one scalar per channel. */
void seg_arith_scalar (const SegBuf *a, const double *s, SegBuf *dst, int op,
                       int scalar_left, int threads);
enum { SEG_CMP_GT, SEG_CMP_GE, SEG_CMP_LT, SEG_CMP_LE, SEG_CMP_EQ, SEG_CMP_NE };
/* mask = 1 where every channel of a compares true with s (per channel). */
void seg_compare_scalar (const SegBuf *a, const double *s, SegBuf *mask, int cmp, int threads);
void seg_compare (const SegBuf *a, const SegBuf *b, SegBuf *mask, int cmp, int threads);
/* mask = 1 where lo[c] <= a[c] <= hi[c] for every channel (cv2.inRange). */
void seg_inrange (const SegBuf *a, const double *lo, const double *hi, SegBuf *mask, int threads);
enum { SEG_MASK_AND, SEG_MASK_OR, SEG_MASK_XOR };
void seg_mask_binop (const SegBuf *a, const SegBuf *b, SegBuf *dst, int op, int threads);
void seg_mask_not (const SegBuf *a, SegBuf *dst, int threads);

/* ---------- stats.c ---------- */
/* Histogram of one channel into 'bins' bins over [lo, hi]; values outside
** are ignored; for integer types with lo/hi their full range and bins equal
** to the range, bin i counts value lo+i. */
void seg_histogram (const SegBuf *src, int ch, int bins, double lo, double hi,
                    uint64_t *counts, int threads);
/* Per-channel min, max, mean and population standard deviation. */
void seg_stats (const SegBuf *src, double *mn, double *mx, double *mean,
                double *sd, int threads);
uint64_t seg_mask_count (const SegBuf *m, int threads);
/* Bounding box of non-zero pixels; returns 0 when the mask is empty. */
int seg_mask_bbox (const SegBuf *m, int *x, int *y, int *w, int *h);

/* ---------- io_*.c: codecs ---------- */
enum { SEG_FMT_UNKNOWN, SEG_FMT_PNG, SEG_FMT_JPEG, SEG_FMT_PNM };
/* Format from the first bytes of a file. */
int seg_sniff_format (const uint8_t *data, size_t n);

/* What a decoder will produce: the binding allocates a buffer of this shape
** and calls the matching *_decode with it. */
typedef struct SegInfo { int w, h, c; SegDtype dtype; } SegInfo;
typedef struct SegDecodeOpts { int orient; /* apply EXIF orientation (JPEG) */ } SegDecodeOpts;
typedef struct SegEncodeOpts {
  int level;    /* PNG compression 0-9, -1 = default */
  int quality;  /* JPEG 1-100, -1 = default (95) */
  int binary;   /* PNM: 1 = P5/P6, 0 = P2/P3 */
} SegEncodeOpts;

/* A growable byte buffer owned by whoever holds it (the binding wraps it in
** a userdata whose __gc frees 'p', so no path leaks it). */
typedef struct SegBytes { uint8_t *p; size_t n, cap; } SegBytes;
int seg_bytes_append (SegBytes *b, const void *src, size_t n); /* 0 or -1 (ENOMEM) */
void seg_bytes_free (SegBytes *b);

/* All return 0 on success, or -1 with a short lowercase message in err. */
int seg_png_info (const uint8_t *data, size_t n, SegInfo *info, char *err, size_t errlen);
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
int seg_pnm_info (const uint8_t *data, size_t n, SegInfo *info, char *err, size_t errlen);
int seg_pnm_decode (const uint8_t *data, size_t n, const SegDecodeOpts *o, SegBuf *dst,
                    char *err, size_t errlen);
int seg_pnm_encode (const SegBuf *src, const SegEncodeOpts *o, SegBytes *out,
                    char *err, size_t errlen);

#endif

/* segk.h — the kernel layer: pixel buffers and the plain-C operators on them.
** Nothing here knows Lua. Kernels take typed buffers, never allocate pixel
** memory themselves (outputs are allocated by the caller), and report
** failures through a SegStatus (below).
**
** Scratch memory, one rule: a kernel that needs scratch of a size known
** before it starts may take it from its caller (the binding's
** seg_pushscratch: pool memory outside the Lua heap in a to-be-closed slot,
** freed when the binding returns or raises); any other scratch the kernel
** allocates itself with malloc and frees on every path before returning,
** returning SEG_ENOMEM when an allocation fails. Kernels never call Lua, so
** nothing can raise between their malloc and free: no error path leaks.
** STYLE.md's "not from malloc held across a call that can raise" is about
** bindings, which must not hold malloc'd memory across a Lua call. */
#ifndef SEGK_H
#define SEGK_H

#include <stddef.h>
#include <stdint.h>

/* The status of a kernel that can fail. Kernels return SEG_OK (0) or one of
** these; a family whose data can admit no answer (a threshold of an image
** with no finite pixel) numbers its own codes from SEG_EFAMILY up and names
** them with its own function, which defers to seg_strerror below that.
** Kernels that return a count (labels, peaks) use a negative count for
** out-of-memory instead. */
typedef enum {
  SEG_OK = 0,
  SEG_ENOMEM,       /* scratch memory could not be allocated */
  SEG_EINVAL,       /* arguments outside the kernel's contract */
  SEG_EFAMILY = 16  /* first family-specific code */
} SegStatus;
/* "not enough memory" (as Lua's own message), "invalid argument", ... */
const char *seg_strerror (int status);

/* Contract checks: seg_assert(cond) aborts with file:line when a kernel's
** stated precondition does not hold. Compiled in only with -DSEG_CHECKS
** (the sanitizer builds); bindings check everything first, so a failing
** seg_assert is a bug in a binding, never a user error. */
#ifdef SEG_CHECKS
void seg_assert_fail (const char *cond, const char *file, int line);
#define seg_assert(c) ((c) ? (void)0 : seg_assert_fail(#c, __FILE__, __LINE__))
#else
#define seg_assert(c) ((void)0)
#endif

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
/* Same width and height (for seg_assert at kernel entries). */
static inline int seg_buf_samesize (const SegBuf *a, const SegBuf *b) {
  return a->w == b->w && a->h == b->h;
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

/* SEG_X86_TARGETS: functions may carry their own target("avx2") (etc.)
** attribute and use <immintrin.h>, in every build (clang and sanitizer
** builds included); such a path runs only where seg_cpu_* says so.
**
** The running CPU's vector extensions, for kernels that pick a vector
** width at run time (or have a separately targeted AVX2 path):
** __builtin_cpu_init is cheap and makes the answer right however the
** module was loaded. 0 off x86-64 and off GNU C compilers, where no
** targeted path is compiled. */
#if defined(__x86_64__) && defined(__GNUC__)
#define SEG_X86_TARGETS 1
static inline int seg_cpu_avx2 (void) { __builtin_cpu_init(); return __builtin_cpu_supports("avx2"); }
static inline int seg_cpu_avx512f (void) { __builtin_cpu_init(); return __builtin_cpu_supports("avx512f"); }
#else
static inline int seg_cpu_avx2 (void) { return 0; }
static inline int seg_cpu_avx512f (void) { return 0; }
#endif
/* Whether SEG_CLONES gives hot loops their AVX2/AVX-512 clones here: GNU
** vector kernels wider than 16 bytes only pay where it does (or where the
** whole build targets AVX2). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SEG_NO_CLONES)
#define SEG_HAVE_CLONES 1
#else
#define SEG_HAVE_CLONES 0
#endif

/* Lane shuffle of two GNU vectors by constant indices (lane i of the
** result is lane k_i of the concatenation a:b), for gcc and clang alike:
** clang and gcc >= 12 have __builtin_shufflevector; older gcc takes the
** indices as a mask vector of a's type (integer lanes only). */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define SEG_SHUFFLE(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define SEG_SHUFFLE(a, b, ...) __builtin_shuffle(a, b, (__typeof__(a)){__VA_ARGS__})
#endif

/* ---------- parallel.c: row-parallel for ---------- */

/* Calls fn(arg, begin, end) on min(threads, n / grain) disjoint chunks
** covering [0, n) (chunk i = [n*i/t, n*(i+1)/t)), run by the caller and
** the workers of one persistent process-wide pool; returns when all are
** done. Chunks are at least 'grain' items long so tiny jobs stay on the
** caller. Safe to call from several threads at once and from inside a
** chunk. Workers never touch Lua; fn must not either. */
typedef void (*SegRangeFn) (void *arg, int begin, int end);
void seg_parallel_for (int threads, int n, int grain, SegRangeFn fn, void *arg);
/* The same, telling each call its chunk index in [0, threads): for
** reductions into per-chunk slots. */
typedef void (*SegChunkFn) (void *arg, int chunk, int begin, int end);
void seg_parallel_chunks (int threads, int n, int grain, SegChunkFn fn, void *arg);
int seg_cpu_count (void);

/* ---------- buf.c: byte buffers ---------- */
/* A growable byte buffer owned by whoever holds it (the binding wraps it in
** a userdata whose __gc frees 'p', so no path leaks it). */
typedef struct SegBytes { uint8_t *p; size_t n, cap; } SegBytes;
int seg_bytes_append (SegBytes *b, const void *src, size_t n); /* 0 or -1 (ENOMEM) */
void seg_bytes_free (SegBytes *b);

#endif

/* buf.c — pixel buffer arithmetic shared by every kernel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "core/segk.h"

/* Large pixel buffers ask for transparent huge pages: a fresh 50 MB image
** otherwise takes ~12k page faults on first touch, which costs as much as
** the operator that fills it (NumPy does the same for arrays >= 4 MB). */
#if defined(MADV_HUGEPAGE)
void seg_advise_huge (void *p, size_t n) {
  const uintptr_t huge = (uintptr_t)2 << 20;
  if (n < 2 * huge) return;
  uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
  uintptr_t b = ((uintptr_t)p + n) & ~(huge - 1);
  if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
}
#else
void seg_advise_huge (void *p, size_t n) { (void)p; (void)n; }
#endif

size_t seg_buf_bytes (int w, int h, int c, SegDtype t) {
  if (w <= 0 || h <= 0 || c <= 0) return 0;
  size_t sz = seg_dtype_size(t);
  size_t n = (size_t)w;
  if (n > SIZE_MAX / (size_t)h) return 0;
  n *= (size_t)h;
  if (n > SIZE_MAX / (size_t)c) return 0;
  n *= (size_t)c;
  if (n > SIZE_MAX / sz) return 0;
  return n * sz;
}

static const char *const dtype_names[] = {"u8", "u16", "i32", "f32"};

const char *seg_dtype_name (SegDtype t) { return dtype_names[t]; }

int seg_dtype_from_name (const char *s) {
  for (int i = 0; i < 4; i++)
    if (strcmp(s, dtype_names[i]) == 0) return i;
  return -1;
}

int seg_bytes_append (SegBytes *b, const void *src, size_t n) {
  if (n > SIZE_MAX - b->n) return -1;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n) {
      if (cap > SIZE_MAX / 2) { cap = b->n + n; break; }
      cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p; b->cap = cap;
  }
  memcpy(b->p + b->n, src, n);
  b->n += n;
  return 0;
}

void seg_bytes_free (SegBytes *b) {
  free(b->p);
  b->p = NULL; b->n = b->cap = 0;
}

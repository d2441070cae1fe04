/* buf.c — pixel buffer arithmetic shared by every kernel. */
#include <stdlib.h>
#include <string.h>
#include "segk.h"

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

/* convert.c — dtype, colour and channel conversions. */
#include <string.h>
#include "segk.h"

void seg_copy_window (const SegBuf *src, int x, int y, SegBuf *dst) {
  size_t es = (size_t)src->c * seg_dtype_size(src->dtype);
  for (int r = 0; r < dst->h; r++)
    memcpy(seg_row(dst, r), seg_row(src, y + r) + (size_t)x * es, (size_t)dst->w * es);
}

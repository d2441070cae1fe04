/* rowpass.c — the row driver of the windowed filters (separable
** correlation, Gaussian, small medians, bilateral).
**
** Each thread takes a band of output rows and keeps a ring of the 2r+1
** horizontally filtered source rows that the vertical pass needs, so every
** source row is filtered once per band and the vertical pass reads a few
** L1/L2-resident rows (no full-size intermediate image). Borders are built
** once per source row in an extended row, so the inner loops have no bounds
** logic and vectorize. */
#include <stdlib.h>
#include <string.h>
#include "filter_internal.h"

static void make_ext (const SegBuf *s, int y, int rx, int border, uint8_t *ext) {
  size_t px = (size_t)s->c * seg_dtype_size(s->dtype);
  const uint8_t *row = seg_row(s, y);
  memcpy(ext + (size_t)rx * px, row, (size_t)s->w * px);
  for (int i = 1; i <= rx; i++) {
    memcpy(ext + (size_t)(rx - i) * px, row + (size_t)seg_border_index(-i, s->w, border) * px, px);
    memcpy(ext + (size_t)(rx + s->w - 1 + i) * px,
           row + (size_t)seg_border_index(s->w - 1 + i, s->w, border) * px, px);
  }
}

static void rowpass_band (void *arg, int y0, int y1) {
  RowPass *p = arg;
  const SegBuf *s = p->src;
  int n = 2 * p->ry + 1;
  size_t px = (size_t)s->c * seg_dtype_size(s->dtype);
  size_t extb = ALIGN64((size_t)(s->w + 2 * p->rx) * px + 64), hb = ALIGN64(p->hbytes);
  /* an odd number of 64-byte lines a ring row: v reads one offset of 2r + 1
  ** rows in turn, and at a stride of a multiple of 4 KiB (a 4096-pixel row)
  ** those lines, and the ones prefetched after them, all fall in one set of
  ** the L1 cache and evict each other; an odd stride spreads any 64 rows
  ** over 64 sets */
  if (hb / 64 % 2 == 0) hb += 64;
  size_t slots = (size_t)(s->h < n ? s->h : n);
  uint8_t *mem = malloc(slots * hb + extb + ALIGN64(p->tbytes) + (size_t)n * sizeof(void *) + 64);
  if (!mem) { __atomic_store_n(&p->fail, 1, __ATOMIC_RELAXED); return; }
  uint8_t *base = (uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  uint8_t *ring = base, *ext = ring + slots * hb, *tmp = ext + extb;
  const void **rows = (const void **)(tmp + ALIGN64(p->tbytes));
  if (s->h < n) {
    /* kernel taller than the image: the window's rows are border copies of
    ** the h source rows, each filtered once into its own slot, so the work
    ** follows the image, not the kernel's height */
    for (int sy = 0; sy < s->h; sy++) {
      make_ext(s, sy, p->rx, p->border, ext);
      p->h(p, ext, ring + (size_t)sy * hb, tmp);
    }
    for (int y = y0; y < y1; y++) {
      for (int j = 0; j < n; j++)
        rows[j] = ring + (size_t)seg_border_index(y - p->ry + j, s->h, p->border) * hb;
      p->v(p, rows, seg_row(p->dst, y), tmp);
    }
    free(mem);
    return;
  }
  int vbase = y0 - p->ry;
  for (int v = vbase; v < y1 + p->ry; v++) {
    make_ext(s, seg_border_index(v, s->h, p->border), p->rx, p->border, ext);
    p->h(p, ext, ring + (size_t)((v - vbase) % n) * hb, tmp);
    int y = v - p->ry;
    if (y < y0) continue;
    for (int j = 0; j < n; j++) rows[j] = ring + (size_t)((y - p->ry + j - vbase) % n) * hb;
    p->v(p, rows, seg_row(p->dst, y), tmp);
  }
  free(mem);
}

int seg_rowpass_run (RowPass *p, int threads) {
  p->fail = 0;
  int grain = 4 * (2 * p->ry + 1);      /* a band re-filters 2r rows: keep it long */
  seg_parallel_for(threads, p->src->h, grain < 16 ? 16 : grain, rowpass_band, p);
  return p->fail ? SEG_ENOMEM : 0;
}

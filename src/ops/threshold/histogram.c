/* histogram.c — the histogram scikit-image's thresholds see
** (skimage.exposure.histogram, source_range='image'): one bin per value
** for u8/u16, 256 bins with numpy's float32 edges for f32. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "threshold_internal.h"
#include "ops/stats/stats.h"

/* ---------- histogram ---------- */

typedef struct HJob {
  const SegBuf *src;
  uint32_t *part;   /* u16: 65536 counts per chunk */
  uint64_t *part64; /* f32: 256 counts per chunk */
  float mn[MAXT], mx[MAXT];
  float edge[257];
  double lo, norm;
} HJob;

static void u16_rows (void *arg, int chunk, int y0, int y1) {
  HJob *j = arg;
  uint32_t *h = j->part + (size_t)chunk * 65536;
  for (int y = y0; y < y1; y++) {
    const uint16_t *r = seg_row_u16(j->src, y);
    for (int x = 0; x < j->src->w; x++) h[r[x]]++;
  }
}

static void f32_minmax_rows (void *arg, int chunk, int y0, int y1) {
  HJob *j = arg;
  float mn = INFINITY, mx = -INFINITY;
  for (int y = y0; y < y1; y++) {
    const float *r = seg_row_f32(j->src, y);
    for (int x = 0; x < j->src->w; x++)
      if (isfinite(r[x])) { mn = r[x] < mn ? r[x] : mn; mx = r[x] > mx ? r[x] : mx; }
  }
  j->mn[chunk] = mn; j->mx[chunk] = mx;
}

/* numpy.histogram's bin of v: the last edge <= v, the top bin closed. */
static int f32_bin (const HJob *j, float v) {
  int i = (int)((v - j->lo) * j->norm);
  if (i < 0) i = 0;
  if (i > 255) i = 255;
  while (i > 0 && v < j->edge[i]) i--;
  while (i < 255 && v >= j->edge[i + 1]) i++;
  return i;
}

static void f32_rows (void *arg, int chunk, int y0, int y1) {
  HJob *j = arg;
  uint64_t *h = j->part64 + (size_t)chunk * 256;
  for (int y = y0; y < y1; y++) {
    const float *r = seg_row_f32(j->src, y);
    for (int x = 0; x < j->src->w; x++)
      if (isfinite(r[x])) h[f32_bin(j, r[x])]++;
  }
}

/* Trims a full-range integer histogram to [first, last] non-empty value. */
static int trim_int (SegHist *h, const uint64_t *full, int nfull) {
  int a = 0, b = nfull - 1;
  while (a < nfull && full[a] == 0) a++;
  if (a == nfull) return SEG_TH_EMPTY;
  while (full[b] == 0) b--;
  h->isint = 1;
  h->n = b - a + 1;
  h->lo = a; h->hi = b;
  h->total = 0;
  for (int i = 0; i < h->n; i++) {
    h->count[i] = full[a + i];
    h->center[i] = a + i;
    h->total += full[a + i];
  }
  return SEG_TH_OK;
}

int seg_hist_cap (const SegBuf *src) { return src->dtype == SEG_U16 ? 65536 : 256; }

size_t seg_hist_bytes (const SegBuf *src) {
  size_t head = (sizeof(SegHist) + 15) & ~(size_t)15;
  return head + (size_t)seg_hist_cap(src) * (sizeof(uint64_t) + sizeof(double));
}

SegHist *seg_hist_init (void *mem, const SegBuf *src) {
  SegHist *h = mem;
  size_t head = (sizeof(SegHist) + 15) & ~(size_t)15;
  memset(h, 0, sizeof *h);
  h->count = (uint64_t *)((char *)mem + head);
  h->center = (double *)(h->count + seg_hist_cap(src));
  return h;
}

int seg_hist_image (const SegBuf *src, SegHist *h, int threads) {
  seg_assert(src->c == 1 && src->dtype != SEG_I32);
  int t = chunks_for(threads, src->h);
  HJob *j = calloc(1, sizeof *j);
  if (!j) t = 0;
  if (src->dtype == SEG_U8) {
    uint64_t full[256];
    free(j);
    seg_histogram(src, 0, 256, 0, 255, full, threads);
    return trim_int(h, full, 256);
  }
  memset(h->count, 0, sizeof(uint64_t) * (size_t)seg_hist_cap(src));
  if (src->dtype == SEG_U16) {
    uint64_t *full = h->count;   /* counts land in place, then move down */
    uint32_t *part = j ? calloc((size_t)t * 65536, sizeof(uint32_t)) : NULL;
    if (part) {
      j->src = src; j->part = part;
      seg_parallel_chunks(t, src->h, 1, u16_rows, j);
      for (int c = 0; c < t; c++)
        for (int v = 0; v < 65536; v++) full[v] += part[(size_t)c * 65536 + v];
      free(part);
    } else {
      for (int y = 0; y < src->h; y++) {
        const uint16_t *r = seg_row_u16(src, y);
        for (int x = 0; x < src->w; x++) full[r[x]]++;
      }
    }
    free(j);
    /* trim_int copies forward from index a >= 0 into index 0: safe in place */
    return trim_int(h, full, 65536);
  }
  /* f32: numpy.histogram(image, 256) over [min, max] of the finite pixels */
  if (!j) return SEG_ENOMEM;
  j->src = src;
  seg_parallel_chunks(t, src->h, 1, f32_minmax_rows, j);
  float mn = INFINITY, mx = -INFINITY;
  for (int c = 0; c < t; c++) {
    if (j->mn[c] < mn) mn = j->mn[c];
    if (j->mx[c] > mx) mx = j->mx[c];
  }
  if (!(mn <= mx)) { free(j); return SEG_TH_EMPTY; }
  double first = mn, last = mx;
  if (first == last) { first -= 0.5; last += 0.5; }
  /* np.linspace(first, last, 257) in float64, then cast to float32 */
  double step = (last - first) / 256;
  for (int i = 0; i < 256; i++) j->edge[i] = (float)(i * step + first);
  j->edge[256] = (float)last;
  j->lo = first; j->norm = 256 / (last - first);
  uint64_t *part = calloc((size_t)t * 256, sizeof(uint64_t));
  if (!part) { free(j); return SEG_ENOMEM; }
  j->part64 = part;
  seg_parallel_chunks(t, src->h, 1, f32_rows, j);
  h->isint = 0; h->n = 256; h->lo = mn; h->hi = mx; h->total = 0;
  for (int b = 0; b < 256; b++) {
    uint64_t s = 0;
    for (int c = 0; c < t; c++) s += part[(size_t)c * 256 + b];
    h->count[b] = s;
    h->total += s;
    h->center[b] = (float)((float)(j->edge[b] + j->edge[b + 1]) / 2.0f);
  }
  free(part);
  free(j);
  return SEG_TH_OK;
}

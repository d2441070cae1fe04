/* equalize.c — global histogram equalisation, cv2.equalizeHist (OpenCV
** 4.6 modules/imgproc/src/histogram.cpp) on each channel: the histogram
** counted in row chunks (one slot per chunk, summed in chunk order), the
** table from the cumulative counts past the first occupied bin. */
#include <math.h>
#include <string.h>
#include "ops/intensity/intensity.h"
#include "core/lut.h"

static int bins_of (const SegBuf *s) { return s->dtype == SEG_U8 ? 256 : 65536; }
static int slots_of (int threads) { return threads < 1 ? 1 : threads > 256 ? 256 : threads; }

size_t seg_equalize_scratch (const SegBuf *src, int threads) {
  /* per-chunk histograms, then the tables (u16 entries cover both dtypes) */
  size_t per = (size_t)src->c * (size_t)bins_of(src);
  return per * (size_t)slots_of(threads) * sizeof(uint32_t) + per * sizeof(uint16_t);
}

typedef struct EqJob {
  const SegBuf *src;
  SegBuf *dst;
  uint32_t *hist;      /* slots x c x bins */
  const uint16_t *lut; /* c x bins */
  int bins;
} EqJob;

static void hist_chunk (void *arg, int chunk, int y0, int y1) {
  const EqJob *j = arg;
  const SegBuf *s = j->src;
  int c = s->c;
  uint32_t *h = j->hist + (size_t)chunk * (size_t)c * (size_t)j->bins;
  memset(h, 0, (size_t)c * (size_t)j->bins * sizeof *h);
  size_t n = (size_t)s->w;
  if (s->dtype == SEG_U8 && c == 1) {
    /* four sub-histograms break the store-to-load chains of runs */
    uint32_t q[4][256];
    memset(q, 0, sizeof q);
    for (int y = y0; y < y1; y++) {
      const uint8_t *r = seg_row(s, y);
      size_t i = 0;
      for (; i + 4 <= n; i += 4) { q[0][r[i]]++; q[1][r[i + 1]]++; q[2][r[i + 2]]++; q[3][r[i + 3]]++; }
      for (; i < n; i++) q[0][r[i]]++;
    }
    for (int v = 0; v < 256; v++) h[v] = q[0][v] + q[1][v] + q[2][v] + q[3][v];
    return;
  }
  for (int y = y0; y < y1; y++) {
    if (s->dtype == SEG_U8) {
      const uint8_t *r = seg_row(s, y);
      for (size_t i = 0; i < n; i++)
        for (int k = 0; k < c; k++) h[(size_t)k * 256 + r[i * (size_t)c + (size_t)k]]++;
    } else {
      const uint16_t *r = seg_row_u16(s, y);
      for (size_t i = 0; i < n; i++)
        for (int k = 0; k < c; k++) h[(size_t)k * 65536 + r[i * (size_t)c + (size_t)k]]++;
    }
  }
}

static void lut_rows (void *arg, int y0, int y1) {
  const EqJob *j = arg;
  const SegBuf *s = j->src;
  int c = s->c;
  size_t n = (size_t)s->w;
  for (int y = y0; y < y1; y++) {
    if (s->dtype == SEG_U8) {
      const uint8_t *r = seg_row(s, y);
      uint8_t *d = seg_row(j->dst, y);
      if (c == 1) {
        uint8_t lut8[256];
        for (int v = 0; v < 256; v++) lut8[v] = (uint8_t)j->lut[v];
        seg_lut_u8(lut8, r, d, n);
      }
      else
        for (size_t i = 0; i < n; i++)
          for (int k = 0; k < c; k++) {
            size_t e = i * (size_t)c + (size_t)k;
            d[e] = (uint8_t)j->lut[(size_t)k * 256 + r[e]];
          }
    } else {
      const uint16_t *r = seg_row_u16(s, y);
      uint16_t *d = seg_row_u16(j->dst, y);
      for (size_t i = 0; i < n; i++)
        for (int k = 0; k < c; k++) {
          size_t e = i * (size_t)c + (size_t)k;
          d[e] = j->lut[(size_t)k * 65536 + r[e]];
        }
    }
  }
}

/* OpenCV's table: lut[first] = 0, then round(sum * scale) with scale =
** 255.f / (total - hist[first]) in float (u8); the u16 extension computes
** in double (float cannot hold its sums). An image of one value maps to
** that value. */
static void make_lut (const uint32_t *hist, int bins, uint64_t total, uint16_t *lut) {
  int i = 0;
  memset(lut, 0, (size_t)bins * sizeof *lut);
  while (i < bins && !hist[i]) i++;
  if (i == bins) return;
  if (hist[i] == total) {
    for (int v = 0; v < bins; v++) lut[v] = (uint16_t)i;
    return;
  }
  int first = i;
  if (bins == 256) {
    float scale = (256 - 1.f) / (float)(int)(total - hist[first]);
    int sum = 0;
    for (lut[i++] = 0; i < bins; i++) {
      sum += (int)hist[i];
      float v = nearbyintf((float)sum * scale);
      lut[i] = (uint16_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  } else {
    double scale = 65535.0 / (double)(total - hist[first]);
    uint64_t sum = 0;
    for (lut[i++] = 0; i < bins; i++) {
      sum += hist[i];
      double v = nearbyint((double)sum * scale);
      lut[i] = (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v);
    }
  }
}

void seg_equalize_hist (const SegBuf *src, SegBuf *dst, int threads, void *scratch) {
  seg_assert(seg_buf_samesize(src, dst) && src->c == dst->c && src->dtype == dst->dtype);
  int slots = slots_of(threads), bins = bins_of(src), c = src->c;
  size_t per = (size_t)c * (size_t)bins;
  uint32_t *hist = scratch;
  uint16_t *lut = (uint16_t *)(void *)(hist + per * (size_t)slots);
  EqJob j = {src, dst, hist, lut, bins};
  int grain = (int)(262144 / ((size_t)src->w * (size_t)c + 1)) + 1;
  /* chunks that do not run leave their slot untouched: clear them all */
  memset(hist, 0, per * (size_t)slots * sizeof *hist);
  seg_parallel_chunks(slots, src->h, grain, hist_chunk, &j);
  for (int s = 1; s < slots; s++)
    for (size_t i = 0; i < per; i++) hist[i] += hist[(size_t)s * per + i];
  uint64_t total = (uint64_t)src->w * (uint64_t)src->h;
  for (int k = 0; k < c; k++) make_lut(hist + (size_t)k * bins, bins, total, lut + (size_t)k * bins);
  seg_parallel_for(threads, src->h, grain, lut_rows, &j);
}

/* peaks.c — local maxima as skimage.feature.peak_local_max, on a
** dilation by seg_morph. */
#include <stdlib.h>
#include <string.h>
#include "morph.h"

/* ---------- peaks ---------- */

size_t seg_peaks_scratch (const SegBuf *src, const SegBuf *se, int threads) {
  return seg_morph_scratch(src, se, threads);
}

/* numpy 1.24's argsort(kind='quicksort') of double keys: introsort with a
** median-of-3 partition, insertion sort below 16 elements and heapsort past
** 2*log2(n) levels. The exact order of equal keys matters: peak_local_max
** keeps the first of two tied peaks closer than min_distance. */
static void aheapsort (const double *v, int64_t *tosort, int64_t n) {
  int64_t *a = tosort - 1, i, j, l, tmp;
  for (l = n >> 1; l > 0; --l) {
    tmp = a[l];
    for (i = l, j = l << 1; j <= n;) {
      if (j < n && v[a[j]] < v[a[j + 1]]) j += 1;
      if (v[tmp] < v[a[j]]) { a[i] = a[j]; i = j; j += j; }
      else break;
    }
    a[i] = tmp;
  }
  for (; n > 1;) {
    tmp = a[n]; a[n] = a[1]; n -= 1;
    for (i = 1, j = 2; j <= n;) {
      if (j < n && v[a[j]] < v[a[j + 1]]) j++;
      if (v[tmp] < v[a[j]]) { a[i] = a[j]; i = j; j += j; }
      else break;
    }
    a[i] = tmp;
  }
}

static int msb (uint64_t n) { int d = 0; while (n >>= 1) d++; return d; }

#define ISWAP(a, b) do { int64_t t_ = (a); (a) = (b); (b) = t_; } while (0)

static void np_argsort (const double *v, int64_t *tosort, int64_t num) {
  int64_t *pl = tosort, *pr = tosort + num - 1;
  int64_t *stack[128], **sptr = stack, *pm, *pi, *pj, *pk, vi;
  int depth[128], *psdepth = depth, cdepth = msb((uint64_t)num) * 2;
  double vp;
  if (num <= 1) return;
  for (;;) {
    if (cdepth < 0) { aheapsort(v, pl, pr - pl + 1); goto stack_pop; }
    while ((pr - pl) > 15) {  /* SMALL_QUICKSORT */
      pm = pl + ((pr - pl) >> 1);
      if (v[*pm] < v[*pl]) ISWAP(*pm, *pl);
      if (v[*pr] < v[*pm]) ISWAP(*pr, *pm);
      if (v[*pm] < v[*pl]) ISWAP(*pm, *pl);
      vp = v[*pm];
      pi = pl; pj = pr - 1;
      ISWAP(*pm, *pj);
      for (;;) {
        do ++pi; while (v[*pi] < vp);
        do --pj; while (vp < v[*pj]);
        if (pi >= pj) break;
        ISWAP(*pi, *pj);
      }
      pk = pr - 1;
      ISWAP(*pi, *pk);
      if (pi - pl < pr - pi) { *sptr++ = pi + 1; *sptr++ = pr; pr = pi - 1; }
      else { *sptr++ = pl; *sptr++ = pi - 1; pl = pi + 1; }
      *psdepth++ = --cdepth;
    }
    for (pi = pl + 1; pi <= pr; ++pi) {
      vi = *pi; vp = v[vi]; pj = pi; pk = pi - 1;
      while (pj > pl && vp < v[*pk]) *pj-- = *pk--;
      *pj = vi;
    }
  stack_pop:
    if (sptr == stack) break;
    pr = *(--sptr); pl = *(--sptr); cdepth = *(--psdepth);
  }
}

static double getv (const SegBuf *b, int x, int y) {
  switch (b->dtype) {
    case SEG_U8: return seg_row_u8(b, y)[x];
    case SEG_U16: return seg_row_u16(b, y)[x];
    default: return seg_row_f32(b, y)[x];
  }
}

int64_t seg_peaks (const SegBuf *src, const SegPeakOpts *o, const SegBuf *se, SegBuf *dst,
                   SegBuf *maxf, int threads, void *scratch) {
  seg_assert(src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_U8 && dst->c == 1);
  seg_assert(seg_buf_samesize(src, maxf) && maxf->dtype == src->dtype && maxf->c == 1);
  int w = src->w, h = src->h, md = o->min_distance, eb = o->exclude_border;
  for (int y = 0; y < h; y++) memset(seg_row_u8(dst, y), 0, (size_t)w);
  /* ndimage.maximum_filter(mode='constant', cval=0): ignoring the outside,
  ** then 0 joins every window that crosses the border */
  seg_morph(src, maxf, NULL, se, SEG_MORPH_DILATE, threads, scratch);
  if (src->dtype == SEG_F32)
    for (int y = 0; y < h; y++) {
      float *m = seg_row_f32(maxf, y);
      int edge = y < md || y >= h - md;
      for (int x = 0; x < w; x++)
        if ((edge || x < md || x >= w - md) && m[x] < 0) m[x] = 0;
    }
  int64_t n = 0, trivial = 1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double v = getv(src, x, y);
      if (v != getv(maxf, x, y)) { trivial = 0; continue; }
      if (v > o->threshold && x >= eb && x < w - eb && y >= eb && y < h - eb) n++;
    }
  if (trivial || n == 0) return 0;
  int32_t *pos = malloc((size_t)n * sizeof *pos);
  double *key = malloc((size_t)n * sizeof *key);
  int64_t *ord = malloc((size_t)n * sizeof *ord);
  int gw = (w + md - 1) / md, gh = (h + md - 1) / md;
  int32_t *grid = malloc((size_t)gw * (size_t)gh * sizeof *grid);
  if (!pos || !key || !ord || !grid) {
    free(pos); free(key); free(ord); free(grid);
    return -1;
  }
  int64_t i = 0;
  for (int y = eb; y < h - eb; y++)
    for (int x = eb; x < w - eb; x++) {
      double v = getv(src, x, y);
      if (v != getv(maxf, x, y) || !(v > o->threshold)) continue;
      pos[i] = y * w + x;
      /* numpy negates in the image's dtype: unsigned values wrap around */
      key[i] = src->dtype == SEG_U8 ? (double)((256 - (int)v) % 256)
             : src->dtype == SEG_U16 ? (double)((65536 - (int)v) % 65536) : -v;
      ord[i] = i;
      i++;
    }
  np_argsort(key, ord, n);
  /* Greedy in that order: a peak closer than md (Chebyshev) to an accepted
  ** one is dropped. Accepted peaks are >= md apart, so a md x md cell holds
  ** at most one of them. */
  for (size_t g = 0; g < (size_t)gw * (size_t)gh; g++) grid[g] = -1;
  int64_t kept = 0;
  for (int64_t r = 0; r < n; r++) {
    int32_t p = pos[ord[r]];
    int x = p % w, y = p / w, cx = x / md, cy = y / md, ok = 1;
    for (int gy = cy - 1; gy <= cy + 1 && ok; gy++) {
      if (gy < 0 || gy >= gh) continue;
      for (int gx = cx - 1; gx <= cx + 1; gx++) {
        if (gx < 0 || gx >= gw) continue;
        int32_t q = grid[(size_t)gy * gw + gx];
        if (q < 0) continue;
        int ddx = abs(q % w - x), ddy = abs(q / w - y);
        if ((ddx > ddy ? ddx : ddy) < md) { ok = 0; break; }
      }
    }
    if (!ok) continue;
    grid[(size_t)cy * gw + cx] = p;
    seg_row_u8(dst, y)[x] = 1;
    kept++;
  }
  free(pos); free(key); free(ord); free(grid);
  return kept;
}

/* edits.c — label-map edits: relabel_sequential, selection by label,
** clear_border, find_boundaries, expand_labels. Work and memory follow
** the pixel count, never the label values (seg_labels_dense). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "regions.h"
#include "label.h"

size_t seg_relabel_scratch (const SegBuf *src, int32_t nlab) {
  int64_t npix = (int64_t)src->w * src->h;
  return seg_labels_dense(nlab, npix) ? (size_t)nlab + 1 : (size_t)npix;
}

static int cmp_i32 (const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Index of v in the sorted distinct values u[0..n), which hold it. */
static int32_t find_i32 (const int32_t *u, int32_t n, int32_t v) {
  int32_t lo = 0, hi = n - 1;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (u[mid] < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

int32_t seg_label_find (const int32_t *vals, int32_t n, int64_t v) {
  if (n <= 0 || v < vals[0] || v > vals[n - 1]) return -1;
  int32_t i = find_i32(vals, n, (int32_t)v);
  return vals[i] == v ? i : -1;
}

void seg_label_keep_sparse (const SegBuf *src, SegBuf *dst, const int32_t *vals, int32_t n,
                            const uint8_t *keep) {
  seg_assert(src->dtype == SEG_I32 && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_I32 && dst->c == 1);
  for (int y = 0; y < src->h; y++) {
    const int32_t *l = seg_row_i32(src, y);
    int32_t *d = seg_row_i32(dst, y);
    int32_t last = 0, lastkeep = 0;   /* runs of one label cost one search */
    for (int x = 0; x < src->w; x++) {
      if (l[x] <= 0) { d[x] = 0; continue; }
      if (l[x] != last) { last = l[x]; lastkeep = keep[find_i32(vals, n, l[x])]; }
      d[x] = lastkeep ? l[x] : 0;
    }
  }
}

int32_t seg_relabel (const SegBuf *src, SegBuf *dst, int32_t nlab, int32_t *map) {
  seg_assert(src->dtype == SEG_I32 && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_I32 && dst->c == 1);
  int64_t npix = (int64_t)src->w * src->h;
  if (!seg_labels_dense(nlab, npix)) {
    /* sparse values: sort the distinct positive labels, then renumber each
    ** pixel by its rank, O(pixels log pixels) whatever the values */
    int32_t n = 0;
    for (int y = 0; y < src->h; y++) {
      const int32_t *l = seg_row_i32(src, y);
      for (int x = 0; x < src->w; x++) if (l[x] > 0) map[n++] = l[x];
    }
    qsort(map, (size_t)n, sizeof *map, cmp_i32);
    int32_t u = 0;
    for (int32_t i = 0; i < n; i++) if (u == 0 || map[i] != map[u - 1]) map[u++] = map[i];
    for (int y = 0; y < src->h; y++) {
      const int32_t *l = seg_row_i32(src, y);
      int32_t *d = seg_row_i32(dst, y);
      for (int x = 0; x < src->w; x++) d[x] = l[x] > 0 ? find_i32(map, u, l[x]) + 1 : 0;
    }
    return u;
  }
  for (int64_t i = 0; i <= nlab; i++) map[i] = 0;
  for (int y = 0; y < src->h; y++) {
    const int32_t *l = seg_row_i32(src, y);
    for (int x = 0; x < src->w; x++)
      if (l[x] > 0) map[l[x]] = 1;
  }
  int32_t n = 0;
  for (int64_t i = 1; i <= nlab; i++) if (map[i]) map[i] = ++n;
  for (int y = 0; y < src->h; y++) {
    const int32_t *l = seg_row_i32(src, y);
    int32_t *d = seg_row_i32(dst, y);
    for (int x = 0; x < src->w; x++) d[x] = l[x] > 0 ? map[l[x]] : 0;
  }
  return n;
}

typedef struct MaskJob { const SegBuf *src; SegBuf *dst; int32_t id; } MaskJob;

static void mask_rows (void *arg, int b, int e) {
  MaskJob *j = arg;
  for (int y = b; y < e; y++) {
    const int32_t *restrict l = seg_row_i32(j->src, y);
    uint8_t *restrict d = seg_row_u8(j->dst, y);
    for (int x = 0; x < j->src->w; x++) d[x] = l[x] == j->id;
  }
}

void seg_label_mask (const SegBuf *src, SegBuf *dst, int32_t id, int threads) {
  seg_assert(src->dtype == SEG_I32 && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_U8 && dst->c == 1);
  MaskJob j = {src, dst, id};
  seg_parallel_for(threads, src->h, 64, mask_rows, &j);
}

void seg_label_keep (const SegBuf *src, SegBuf *dst, int32_t nlab, const uint8_t *keep) {
  seg_assert(src->dtype == SEG_I32 && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_I32 && dst->c == 1);
  for (int y = 0; y < src->h; y++) {
    const int32_t *l = seg_row_i32(src, y);
    int32_t *d = seg_row_i32(dst, y);
    for (int x = 0; x < src->w; x++)
      d[x] = l[x] > 0 && l[x] <= nlab && keep[l[x]] ? l[x] : 0;
  }
}

void seg_clear_border (const SegBuf *src, SegBuf *dst, int buffer, int32_t bgval,
                       SegBuf *comp, int32_t *scratch, uint8_t *hit, int threads) {
  seg_assert((src->dtype == SEG_I32 || src->dtype == SEG_U8) && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == src->dtype && dst->c == 1);
  seg_assert(seg_buf_samesize(src, comp) && comp->dtype == SEG_I32 && comp->c == 1);
  SegLabelOpts o = {8, src->dtype == SEG_U8, 1, 0};
  int32_t n = seg_label(src, comp, &o, threads, scratch);
  memset(hit, 0, (size_t)n + 1);
  int w = src->w, h = src->h, ext = buffer + 1;
  for (int y = 0; y < h; y++) {
    const int32_t *c = seg_row_i32(comp, y);
    if (y < ext || y >= h - ext) for (int x = 0; x < w; x++) hit[c[x]] = 1;
    else
      for (int x = 0; x < w; x++) {
        if (x == ext && w - ext > ext) x = w - ext;
        hit[c[x]] = 1;
      }
  }
  /* as skimage: when the band holds background (component 0), background
  ** pixels are set to bgval too */
  for (int y = 0; y < h; y++) {
    const int32_t *c = seg_row_i32(comp, y);
    if (src->dtype == SEG_U8) {
      const uint8_t *s = seg_row_u8(src, y);
      uint8_t *d = seg_row_u8(dst, y);
      for (int x = 0; x < w; x++) d[x] = hit[c[x]] ? (uint8_t)bgval : s[x];
    } else {
      const int32_t *s = seg_row_i32(src, y);
      int32_t *d = seg_row_i32(dst, y);
      for (int x = 0; x < w; x++) d[x] = hit[c[x]] ? bgval : s[x];
    }
  }
}

typedef struct BoundJob { const SegBuf *l; SegBuf *d; int mode; } BoundJob;

/* skimage's grey dilation/erosion use mode 'reflect': outside neighbours
** repeat the edge pixel, so only neighbours inside the image count. */
static void bound_rows (void *arg, int b, int e) {
  BoundJob *j = arg;
  const SegBuf *L = j->l;
  const int w = L->w, h = L->h;
  for (int y = b; y < e; y++) {
    const int32_t *l = seg_row_i32(L, y);
    const int32_t *up = y > 0 ? seg_row_i32(L, y - 1) : l;
    const int32_t *dn = y + 1 < h ? seg_row_i32(L, y + 1) : l;
    uint8_t *d = seg_row_u8(j->d, y);
    for (int x = 0; x < w; x++) {
      int32_t v = l[x];
      int xl = x > 0 ? x - 1 : x, xr = x + 1 < w ? x + 1 : x;
      int thick = up[x] != v || dn[x] != v || l[xl] != v || l[xr] != v;
      if (thick && j->mode == SEG_BOUND_INNER) thick = v != 0;
      else if (thick && j->mode == SEG_BOUND_OUTER && v != 0) {
        /* kept only next to another object in the 3x3 neighbourhood */
        int adj = 0;
        for (int q = xl; q <= xr; q++)
          adj |= (up[q] != 0 && up[q] != v) | (l[q] != 0 && l[q] != v) |
                 (dn[q] != 0 && dn[q] != v);
        thick = adj;
      }
      d[x] = (uint8_t)thick;
    }
  }
}

void seg_find_boundaries (const SegBuf *labels, SegBuf *dst, int mode, int threads) {
  seg_assert(labels->dtype == SEG_I32 && labels->c == 1 && seg_buf_samesize(labels, dst) && dst->dtype == SEG_U8 && dst->c == 1);
  BoundJob j = {labels, dst, mode};
  seg_parallel_for(threads, labels->h, 32, bound_rows, &j);
}

/* The distance test uses the exact squared distance to the nearest
** labelled pixel (from its index), not the rounded f32 distance. */
void seg_expand_labels (const SegBuf *labels, const SegBuf *idx, double distance,
                        SegBuf *dst) {
  seg_assert(labels->dtype == SEG_I32 && labels->c == 1 && seg_buf_samesize(labels, dst) && dst->dtype == SEG_I32 && dst->c == 1);
  seg_assert(seg_buf_samesize(labels, idx) && idx->dtype == SEG_I32 && idx->c == 2);
  double d2 = distance * distance;
  for (int y = 0; y < labels->h; y++) {
    const int32_t *ix = seg_row_i32(idx, y);
    int32_t *o = seg_row_i32(dst, y);
    for (int x = 0; x < labels->w; x++) {
      int64_t nx = ix[2 * x], ny = ix[2 * x + 1];
      double e = (double)((nx - x) * (nx - x) + (ny - y) * (ny - y));
      o[x] = nx >= 0 && e <= d2 ? seg_row_i32(labels, (int)ny)[nx] : 0;
    }
  }
}

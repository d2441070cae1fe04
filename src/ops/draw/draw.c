/* draw.c — pictures of segmentations: a label palette that keeps touching
** regions apart, the RGB u8 base of an overlay, alpha blending and boundary
** painting. Every output is an RGB u8 buffer allocated by the caller. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"

/* ---------- palette ---------- */

/* Roberts' R3 sequence: frac(offset + n / phi^k), k = 1..3, phi the real
** root of x^4 = x + 1. Successive points never cluster, for any n. */
#define PHI3 1.2207440846057596
#define ALT_STEP 7919   /* alternatives are other points of the same sequence */

static uint64_t splitmix (uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static double srgb_encode (double x) {
  return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055;
}

/* OKLab (Ottosson 2020) to linear sRGB; 1 when inside the gamut. */
static int oklab_rgb (double L, double a, double b, double rgb[3]) {
  double l = L + 0.3963377774 * a + 0.2158037573 * b;
  double m = L - 0.1055613458 * a - 0.0638541728 * b;
  double s = L - 0.0894841775 * a - 1.2914855480 * b;
  l = l * l * l; m = m * m * m; s = s * s * s;
  rgb[0] = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
  rgb[1] = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
  rgb[2] = -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s;
  const double eps = 1e-9;
  return rgb[0] >= -eps && rgb[0] <= 1 + eps && rgb[1] >= -eps && rgb[1] <= 1 + eps &&
         rgb[2] >= -eps && rgb[2] <= 1 + eps;
}

void seg_palette_color (int64_t id, uint32_t seed, int attempt, uint8_t out[3]) {
  uint64_t hs = splitmix(seed);
  double n = (double)id + (double)attempt * ALT_STEP, p = PHI3, f[3];
  for (int k = 0; k < 3; k++, p *= PHI3) {
    double off = (double)((hs >> (21 * k)) & 0x1FFFFF) / 2097152.0;
    double v = off + n / p;
    f[k] = v - floor(v);
  }
  double L = 0.45 + 0.43 * f[1], C = 0.08 + 0.11 * f[2], h = 6.283185307179586 * f[0];
  double ch = cos(h), sh = sin(h), rgb[3];
  if (!oklab_rgb(L, C * ch, C * sh, rgb)) {
    /* largest chroma of this hue and lightness inside the gamut */
    double lo = 0, hi = C;
    for (int i = 0; i < 12; i++) {
      double mid = 0.5 * (lo + hi);
      if (oklab_rgb(L, mid * ch, mid * sh, rgb)) lo = mid; else hi = mid;
    }
    oklab_rgb(L, lo * ch, lo * sh, rgb);
  }
  for (int k = 0; k < 3; k++) {
    double v = rgb[k] < 0 ? 0 : rgb[k] > 1 ? 1 : rgb[k];
    out[k] = (uint8_t)(srgb_encode(v) * 255 + 0.5);
  }
}

#define MAXCHUNKS 256

/* ---------- colouring labels ---------- */

typedef struct LutJob { uint8_t *lut; uint32_t seed; const int32_t *vals; } LutJob;

/* The label value that index i of the table stands for. */
static inline int64_t lut_value (const int32_t *vals, int32_t i) {
  return vals ? vals[i - 1] : i;
}

static void lut_range (void *arg, int i0, int i1) {
  LutJob *j = arg;
  for (int i = i0; i < i1; i++) {
    uint8_t *c = j->lut + 4 * (size_t)i;
    if (i == 0) c[0] = c[1] = c[2] = 0;
    else seg_palette_color(lut_value(j->vals, i), j->seed, 0, c);
    c[3] = 0;
  }
}

/* Set of label pairs a < b, open addressing; key a << 32 | b, 0 = empty
** (labels in a pair are > 0, so no pair has key 0). */
typedef struct PairSet { uint64_t *k; size_t cap, len; } PairSet;

static size_t pslot (uint64_t key, size_t cap) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

static int pairset_add (PairSet *s, uint64_t key) {
  if (2 * (s->len + 1) > s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 4096;
    uint64_t *k = calloc(cap, sizeof *k);
    if (!k) return SEG_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->k[i]) continue;
      size_t p = pslot(s->k[i], cap);
      while (k[p]) p = (p + 1) & (cap - 1);
      k[p] = s->k[i];
    }
    free(s->k);
    s->k = k; s->cap = cap;
  }
  size_t p = pslot(key, s->cap);
  while (s->k[p] && s->k[p] != key) p = (p + 1) & (s->cap - 1);
  if (!s->k[p]) { s->k[p] = key; s->len++; }
  return 0;
}

static int touch (PairSet *s, int32_t a, int32_t b, uint64_t *last, int32_t mx) {
  if (a == b || a <= 0 || b <= 0 || a > mx || b > mx) return 0;
  uint64_t key = a < b ? (uint64_t)a << 32 | (uint32_t)b : (uint64_t)b << 32 | (uint32_t)a;
  if (key == *last) return 0;
  *last = key;
  return pairset_add(s, key);
}

/* 1 when pixels x0-1 .. x0+n of rows r and d (clipped to the row) all
** hold one label: most blocks of a label map, skipped without a branch per
** pixel. */
SEG_CLONES static int uniform (const int32_t *restrict r, const int32_t *restrict d, int x0,
                               int n, int w) {
  int lo = x0 > 0 ? x0 - 1 : 0, hi = x0 + n < w ? x0 + n + 1 : w;
  int32_t a = r[lo], diff = 0;
  for (int x = lo; x < hi; x++) diff |= (r[x] ^ a) | (d ? d[x] ^ a : 0);
  return diff == 0;
}

/* Pairs of distinct labels that touch in the 8-neighbourhood. */
static int adjacency (const SegBuf *lab, int32_t mx, PairSet *s) {
  uint64_t last = 0;
  int w = lab->w;
  for (int y = 0; y < lab->h; y++) {
    const int32_t *r = seg_row_i32(lab, y);
    const int32_t *d = y + 1 < lab->h ? seg_row_i32(lab, y + 1) : NULL;
    for (int x0 = 0; x0 < w; x0 += 64) {
      int n = w - x0 < 64 ? w - x0 : 64;
      if (uniform(r, d, x0, n, w)) continue;
      for (int x = x0; x < x0 + n; x++) {
        int32_t a = r[x];
        int right = x + 1 < w && r[x + 1] != a;
        int below = d && (d[x] != a || (x > 0 && d[x - 1] != a) || (x + 1 < w && d[x + 1] != a));
        if (!right && !below) continue;
        if (right && touch(s, a, r[x + 1], &last, mx)) return SEG_ENOMEM;
        if (!below) continue;
        if (touch(s, a, d[x], &last, mx)) return SEG_ENOMEM;
        if (x > 0 && touch(s, a, d[x - 1], &last, mx)) return SEG_ENOMEM;
        if (x + 1 < w && touch(s, a, d[x + 1], &last, mx)) return SEG_ENOMEM;
      }
    }
  }
  return 0;
}

static int dist2 (const uint8_t *a, const uint8_t *b) {
  int d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}

/* Smallest squared distance from c to the colours of id's neighbours below id. */
static int nearest (const uint8_t *c, int32_t id, const int32_t *off, const int32_t *nb,
                    const uint8_t *lut) {
  int best = INT32_MAX;
  for (int32_t i = off[id]; i < off[id + 1]; i++) {
    if (nb[i] >= id) continue;
    int d = dist2(c, lut + 4 * (size_t)nb[i]);
    best = d < best ? d : best;
  }
  return best;
}

#define ATTEMPTS 48

int seg_colorize_lut (const SegBuf *lab, int32_t mx, const int32_t *vals, uint32_t seed,
                      uint8_t *lut, int threads) {
  LutJob j = {lut, seed, vals};
  seg_parallel_for(threads, mx + 1, 256, lut_range, &j);
  if (mx < 2) return 0;
  PairSet s = {NULL, 0, 0};
  int32_t *off = NULL, *nb = NULL;
  int r = -1;
  if (adjacency(lab, mx, &s) != 0) goto done;
  /* neighbour lists, both directions (CSR) */
  off = calloc((size_t)mx + 2, sizeof *off);
  nb = malloc((2 * s.len + 1) * sizeof *nb);
  if (!off || !nb) goto done;
  for (size_t i = 0; i < s.cap; i++)
    if (s.k[i]) { off[(s.k[i] >> 32) + 1]++; off[(s.k[i] & 0xFFFFFFFF) + 1]++; }
  for (int32_t i = 0; i <= mx; i++) off[i + 1] += off[i];
  for (size_t i = 0; i < s.cap; i++)
    if (s.k[i]) {
      int32_t a = (int32_t)(s.k[i] >> 32), b = (int32_t)(s.k[i] & 0xFFFFFFFF);
      nb[off[a]++] = b; nb[off[b]++] = a;
    }
  for (int32_t i = mx; i > 0; i--) off[i] = off[i - 1];   /* back to starts */
  off[0] = 0;
  const int min2 = SEG_DRAW_MIN_DIST * SEG_DRAW_MIN_DIST;
  for (int32_t id = 1; id <= mx; id++) {
    uint8_t *c = lut + 4 * (size_t)id;
    int best = nearest(c, id, off, nb, lut);
    if (best >= min2) continue;
    uint8_t alt[3], keep[3] = {c[0], c[1], c[2]};
    for (int a = 1; a < ATTEMPTS && best < min2; a++) {
      seg_palette_color(lut_value(vals, id), seed, a, alt);
      int d = nearest(alt, id, off, nb, lut);
      if (d > best) { best = d; memcpy(keep, alt, 3); }
    }
    memcpy(c, keep, 3);
  }
  r = 0;
done:
  free(s.k); free(off); free(nb);
  return r;
}

typedef struct PaintJob {
  SegBuf *rgb;
  const SegBuf *m, *lab;
  const uint8_t *lut;
  int32_t mx;
  double alpha;
  uint8_t color[3];
} PaintJob;

static void apply_rows (void *arg, int y0, int y1) {
  PaintJob *j = arg;
  uint32_t mx = (uint32_t)j->mx;
  const uint32_t *lut = (const uint32_t *)(const void *)j->lut;
  for (int y = y0; y < y1; y++) {
    const int32_t *restrict l = seg_row_i32(j->lab, y);
    uint8_t *restrict o = seg_row_u8(j->rgb, y);
    int w = j->lab->w;
    for (int x = 0; x < w - 1; x++) {           /* 4-byte stores, the 4th overwritten next */
      uint32_t id = (uint32_t)l[x];             /* negatives wrap above mx */
      uint32_t c = id <= mx ? lut[id] : lut[0];
      memcpy(o + 3 * (size_t)x, &c, 4);
    }
    uint32_t id = (uint32_t)l[w - 1], c = id <= mx ? lut[id] : lut[0];
    memcpy(o + 3 * (size_t)(w - 1), &c, 3);
  }
}

void seg_apply_lut (const SegBuf *lab, const uint8_t *lut, int32_t mx, SegBuf *rgb, int threads) {
  PaintJob j = {rgb, NULL, lab, lut, mx < 0 ? 0 : mx, 0, {0, 0, 0}};
  seg_parallel_for(threads, lab->h, 16, apply_rows, &j);
}

/* ---------- base image ---------- */

typedef struct BaseJob {
  const SegBuf *src; SegBuf *rgb;
  double lo, scale;
} BaseJob;

SEG_CLONES static void gray_u8_rgb (const uint8_t *restrict s, uint8_t *restrict o, int w, int c) {
  for (int x = 0; x < w; x++) {
    uint8_t v = s[(size_t)x * c];
    o[3 * (size_t)x] = v; o[3 * (size_t)x + 1] = v; o[3 * (size_t)x + 2] = v;
  }
}

static void base_rows (void *arg, int y0, int y1) {
  BaseJob *j = arg;
  const SegBuf *s = j->src;
  int c = s->c, w = s->w, gray = c < 3;
  if (s->dtype == SEG_U8 && c != 4) {
    for (int y = y0; y < y1; y++) {
      if (gray) gray_u8_rgb(seg_row_u8(s, y), seg_row_u8(j->rgb, y), w, c);
      else memcpy(seg_row_u8(j->rgb, y), seg_row_u8(s, y), 3 * (size_t)w);
    }
    return;
  }
  for (int y = y0; y < y1; y++) {
    uint8_t *restrict o = seg_row_u8(j->rgb, y);
    for (int x = 0; x < w; x++)
      for (int k = 0; k < 3; k++) {
        size_t i = (size_t)x * c + (gray ? 0 : k);
        uint8_t v;
        switch (s->dtype) {
          case SEG_U8: v = seg_row_u8(s, y)[i]; break;
          case SEG_U16: v = (uint8_t)((seg_row_u16(s, y)[i] * 2u + 257u) / 514u); break;
          case SEG_I32: {
            double t = ((double)seg_row_i32(s, y)[i] - j->lo) * j->scale;
            v = (uint8_t)(t + 0.5);
            break;
          }
          default: {
            double t = ((double)seg_row_f32(s, y)[i] - j->lo) * j->scale;
            v = t == t ? (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t + 0.5) : 0;
          }
        }
        o[3 * (size_t)x + k] = v;
      }
  }
}

void seg_draw_base (const SegBuf *src, SegBuf *rgb, int threads) {
  BaseJob j = {src, rgb, 0, 1};
  if (src->dtype == SEG_I32 || src->dtype == SEG_F32) {
    int nc = src->c < 3 ? 1 : 3;
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int y = 0; y < src->h; y++)
      for (int x = 0; x < src->w; x++)
        for (int k = 0; k < nc; k++) {
          size_t i = (size_t)x * src->c + k;
          double v = src->dtype == SEG_I32 ? seg_row_i32(src, y)[i] : seg_row_f32(src, y)[i];
          if (v != v || isinf(v)) continue;
          lo = v < lo ? v : lo; hi = v > hi ? v : hi;
        }
    if (hi > lo) { j.lo = lo; j.scale = 255.0 / (hi - lo); }
    else { j.lo = lo; j.scale = 0; }
  }
  seg_parallel_for(threads, src->h, 16, base_rows, &j);
}

/* ---------- blending and painting ---------- */

static void blend_mask_rows (void *arg, int y0, int y1) {
  PaintJob *j = arg;
  double ia = 1 - j->alpha, c[3];
  for (int k = 0; k < 3; k++) c[k] = j->color[k] * j->alpha;
  for (int y = y0; y < y1; y++) {
    const uint8_t *restrict m = seg_row_u8(j->m, y);
    uint8_t *restrict o = seg_row_u8(j->rgb, y);
    for (int x = 0; x < j->m->w; x++) {
      if (!m[x]) continue;
      for (int k = 0; k < 3; k++) {
        uint8_t *p = o + 3 * (size_t)x + k;
        *p = (uint8_t)(*p * ia + c[k] + 0.5);
      }
    }
  }
}

void seg_blend_mask (SegBuf *rgb, const SegBuf *mask, const uint8_t color[3], double alpha,
                     int threads) {
  PaintJob j = {rgb, mask, NULL, NULL, 0, alpha, {color[0], color[1], color[2]}};
  seg_parallel_for(threads, rgb->h, 16, blend_mask_rows, &j);
}

static void blend_labels_rows (void *arg, int y0, int y1) {
  PaintJob *j = arg;
  double a = j->alpha, ia = 1 - a;
  uint32_t mx = (uint32_t)j->mx;
  for (int y = y0; y < y1; y++) {
    const int32_t *restrict l = seg_row_i32(j->lab, y);
    uint8_t *restrict o = seg_row_u8(j->rgb, y);
    for (int x = 0; x < j->lab->w; x++) {
      uint32_t id = (uint32_t)l[x];
      if (id == 0 || id > mx) continue;
      const uint8_t *c = j->lut + 4 * (size_t)id;
      for (int k = 0; k < 3; k++) {
        uint8_t *p = o + 3 * (size_t)x + k;
        *p = (uint8_t)(*p * ia + c[k] * a + 0.5);
      }
    }
  }
}

void seg_blend_labels (SegBuf *rgb, const SegBuf *lab, const uint8_t *lut, int32_t mx,
                       double alpha, int threads) {
  PaintJob j = {rgb, NULL, lab, lut, mx < 0 ? 0 : mx, alpha, {0, 0, 0}};
  seg_parallel_for(threads, rgb->h, 16, blend_labels_rows, &j);
}

static void paint_rows (void *arg, int y0, int y1) {
  PaintJob *j = arg;
  uint32_t mx = (uint32_t)j->mx;
  for (int y = y0; y < y1; y++) {
    const uint8_t *restrict m = seg_row_u8(j->m, y);
    const int32_t *l = j->lab ? seg_row_i32(j->lab, y) : NULL;
    uint8_t *restrict o = seg_row_u8(j->rgb, y);
    for (int x = 0; x < j->m->w; x++) {
      if (!m[x]) continue;
      const uint8_t *c = j->color;
      if (l) {
        uint32_t id = (uint32_t)l[x];
        c = j->lut + 4 * (size_t)(id <= mx ? id : 0);
      }
      memcpy(o + 3 * (size_t)x, c, 3);
    }
  }
}

void seg_paint (SegBuf *rgb, const SegBuf *marks, const uint8_t color[3], int threads) {
  PaintJob j = {rgb, marks, NULL, NULL, 0, 0, {color[0], color[1], color[2]}};
  seg_parallel_for(threads, rgb->h, 16, paint_rows, &j);
}

void seg_paint_labels (SegBuf *rgb, const SegBuf *marks, const SegBuf *lab, const uint8_t *lut,
                       int32_t mx, int threads) {
  PaintJob j = {rgb, marks, lab, lut, mx < 0 ? 0 : mx, 0, {0, 0, 0}};
  seg_parallel_for(threads, rgb->h, 16, paint_rows, &j);
}

/* box.c — mean over a square window (cv2.blur) by running sums. */
#include <stdlib.h>
#include <string.h>
#include "filter_internal.h"

typedef struct BoxJob { const SegBuf *s; SegBuf *d; int r; int fail; } BoxJob;

/* Vertical running sums 'vs' over the window rows, extended by r pixels on
** each side (reflect-101), then a horizontal running sum per channel. */
SEG_CLONES static void vs_add_u8 (uint32_t *restrict vs, const uint8_t *restrict a,
                                  const uint8_t *restrict b, int n) {
  for (int i = 0; i < n; i++) vs[i] += (uint32_t)a[i] - b[i];
}
SEG_CLONES static void vs_add_u16 (uint32_t *restrict vs, const uint16_t *restrict a,
                                   const uint16_t *restrict b, int n) {
  for (int i = 0; i < n; i++) vs[i] += (uint32_t)a[i] - b[i];
}
SEG_CLONES static void vs_add_f32 (double *restrict vs, const float *restrict a,
                                   const float *restrict b, int n) {
  for (int i = 0; i < n; i++) vs[i] += (double)a[i] - (double)b[i];
}

/* Window sums along the row: one add and one subtract per element. The
** sums stay exact in u32 for every radius the binding accepts. */
static void box_slide (const uint32_t *restrict e, uint32_t *restrict hs, int w, int c, int win) {
  for (int ch = 0; ch < c; ch++) {
    uint32_t sum = 0;
    for (int i = 0; i < win; i++) sum += e[i * c + ch];
    const uint32_t *in = e + win * c + ch, *out = e + ch;
    uint32_t *o = hs + ch;
    for (int x = 0; x < w; x++) {
      o[x * c] = sum;
      sum += in[x * c] - out[x * c];
    }
  }
}

/* Rounded means; no ties since the area is odd. */
SEG_CLONES static void box_div_u8 (const uint32_t *restrict hs, uint8_t *restrict d, int n, double inv) {
  for (int i = 0; i < n; i++) d[i] = (uint8_t)(int)((double)hs[i] * inv + 0.5);
}
SEG_CLONES static void box_div_u16 (const uint32_t *restrict hs, uint16_t *restrict d, int n, double inv) {
  for (int i = 0; i < n; i++) d[i] = (uint16_t)(int)((double)hs[i] * inv + 0.5);
}

static void box_band (void *arg, int y0, int y1) {
  BoxJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, c = s->c, r = j->r, n = w * c, win = 2 * r + 1;
  int ext = (w + 2 * r) * c;
  size_t es = s->dtype == SEG_F32 ? sizeof(double) : sizeof(uint32_t);
  uint8_t *mem = calloc(2 * (size_t)n + (size_t)ext + (size_t)c, es);  /* +1 pixel: the last slide reads it */
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint32_t *vs = (uint32_t *)mem;
  double *vd = (double *)mem;
  uint32_t *e32 = vs + n, *hs = e32 + ext + c;
  double *ed = vd + n;
  /* initial window: virtual rows y0-r .. y0+r */
  for (int v = y0 - r; v <= y0 + r; v++) {
    int sy = seg_border_index(v, s->h, SEG_BORDER_REFLECT101);
    const uint8_t *row = seg_row(s, sy);
    for (int i = 0; i < n; i++) {
      if (s->dtype == SEG_U8) vs[i] += row[i];
      else if (s->dtype == SEG_U16) vs[i] += ((const uint16_t *)row)[i];
      else vd[i] += ((const float *)row)[i];
    }
  }
  uint64_t area = (uint64_t)win * (uint64_t)win;
  double inv = 1.0 / (double)area;
  for (int y = y0; y < y1; y++) {
    if (y > y0) {
      const uint8_t *a = seg_row(s, seg_border_index(y + r, s->h, SEG_BORDER_REFLECT101));
      const uint8_t *b = seg_row(s, seg_border_index(y - r - 1, s->h, SEG_BORDER_REFLECT101));
      if (s->dtype == SEG_U8) vs_add_u8(vs, a, b, n);
      else if (s->dtype == SEG_U16) vs_add_u16(vs, (const uint16_t *)a, (const uint16_t *)b, n);
      else vs_add_f32(vd, (const float *)a, (const float *)b, n);
    }
    /* extend horizontally (reflect-101), then slide along each channel */
    size_t vsz = s->dtype == SEG_F32 ? sizeof(double) : sizeof(uint32_t);
    uint8_t *eb = s->dtype == SEG_F32 ? (uint8_t *)ed : (uint8_t *)e32;
    const uint8_t *vb = s->dtype == SEG_F32 ? (const uint8_t *)vd : (const uint8_t *)vs;
    memcpy(eb + (size_t)r * c * vsz, vb, (size_t)n * vsz);
    for (int i = 1; i <= r; i++) {
      int lx = seg_border_index(-i, w, SEG_BORDER_REFLECT101);
      int rx = seg_border_index(w - 1 + i, w, SEG_BORDER_REFLECT101);
      memcpy(eb + (size_t)(r - i) * c * vsz, vb + (size_t)lx * c * vsz, (size_t)c * vsz);
      memcpy(eb + (size_t)(r + w - 1 + i) * c * vsz, vb + (size_t)rx * c * vsz, (size_t)c * vsz);
    }
    uint8_t *drow = seg_row(j->d, y);
    if (s->dtype == SEG_F32) {
      float *d = (float *)drow;
      for (int ch = 0; ch < c; ch++) {
        double sum = 0;
        for (int i = 0; i < win; i++) sum += ed[i * c + ch];
        for (int x = 0; x < w; x++) {
          d[x * c + ch] = (float)(sum * inv);
          sum += ed[(x + win) * c + ch] - ed[x * c + ch];
        }
      }
    } else {
      box_slide(e32, hs, w, c, win);
      if (s->dtype == SEG_U8) box_div_u8(hs, drow, n, inv);
      else box_div_u16(hs, (uint16_t *)drow, n, inv);
    }
  }
  free(mem);
}

/* u8: the vertical window sums fit u16 (255 * 255 < 65536) and live in a
** row extended by r pixels on each side (reflect-101), so the horizontal
** window is a sum of shifted rows, vectorized over the row: directly in u16
** while the window sum fits (win <= 16), else by doubling in u32 (sums of 1,
** 2, 4, ... pixels, combined by the bits of win). The mean is rounded in
** float: the sum is exact (< 2^24), the product is within 4e-5 of the true
** mean, and a mean of odd area is at least 1/(2 area) from a rounding
** boundary, so for area <= 4096 the result is the exactly rounded mean. */
#define BXB 1024            /* elements per block of the horizontal pass */

SEG_CLONES static void bx_vadd (uint16_t *restrict v, const uint8_t *restrict a,
                                const uint8_t *restrict b, int n) {
  for (int i = 0; i < n; i++) v[i] = (uint16_t)(v[i] + a[i] - b[i]);
}
SEG_CLONES static void bx_vinit (uint16_t *restrict v, const uint8_t *restrict a, int n) {
  for (int i = 0; i < n; i++) v[i] = (uint16_t)(v[i] + a[i]);
}
/* h[x] = sum of win elements of v c apart (win <= 16: fits u16) */
SEG_CLONES static void bx_h16 (const uint16_t *restrict v, uint16_t *restrict h, int c, int win, int m) {
  for (int x = 0; x < m; x++) h[x] = v[x];
  for (int i = 1; i < win; i++) {
    const uint16_t *restrict s = v + i * c;
    for (int x = 0; x < m; x++) h[x] = (uint16_t)(h[x] + s[x]);
  }
}
SEG_CLONES static void bx_div16 (const uint16_t *restrict h, uint8_t *restrict d, float inv, int m) {
  for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)h[x] * inv + 0.5f);
}
SEG_CLONES static void bx_acc (uint32_t *restrict h, const uint32_t *restrict t, int first, int m) {
  if (first) for (int x = 0; x < m; x++) h[x] = t[x];
  else for (int x = 0; x < m; x++) h[x] += t[x];
}
SEG_CLONES static void bx_double (uint32_t *restrict o, const uint32_t *restrict t, int sh, int m) {
  for (int x = 0; x < m; x++) o[x] = t[x] + t[x + sh];
}
static void bx_div32d (const uint32_t *restrict h, uint8_t *restrict d, double inv, int m) {
  for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((double)h[x] * inv + 0.5);
}

SEG_CLONES static void bx_dbl16 (uint16_t *restrict o, const uint16_t *restrict t, int sh, int m) {
  for (int x = 0; x < m; x++) o[x] = (uint16_t)(t[x] + t[x + sh]);
}
SEG_CLONES static void bx_dbl16w (uint32_t *restrict o, const uint16_t *restrict t, int sh, int m) {
  for (int x = 0; x < m; x++) o[x] = (uint32_t)t[x] + t[x + sh];
}
SEG_CLONES static void bx_acc16 (uint32_t *restrict h, const uint16_t *restrict t, int first, int m) {
  if (first) for (int x = 0; x < m; x++) h[x] = t[x];
  else for (int x = 0; x < m; x++) h[x] += t[x];
}
/* the last term fused with the rounding: d = (acc + t [+ t2]) / area */
SEG_CLONES static void bx_fin16 (const uint32_t *restrict h, const uint16_t *restrict t,
                                 const uint16_t *restrict t2, uint8_t *restrict d, float inv, int m) {
  if (t2) for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)(h[x] + t[x] + t2[x]) * inv + 0.5f);
  else for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)(h[x] + t[x]) * inv + 0.5f);
}
SEG_CLONES static void bx_fin32 (const uint32_t *restrict h, const uint32_t *restrict t,
                                 uint8_t *restrict d, float inv, int m) {
  for (int x = 0; x < m; x++) d[x] = (uint8_t)(int)((float)(h[x] + t[x]) * inv + 0.5f);
}

static void box_band_u8 (void *arg, int y0, int y1) {
  BoxJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, c = s->c, r = j->r, n = w * c, win = 2 * r + 1, rc = r * c;
  int ext = n + 2 * rc;
  size_t bl = (size_t)BXB + (size_t)(win - 1) * c;  /* block with its window */
  uint8_t *mem = calloc(1, ALIGN64(sizeof(uint16_t) * (size_t)ext) + 3 * ALIGN64(sizeof(uint32_t) * bl) +
                           3 * ALIGN64(sizeof(uint16_t) * bl));
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint16_t *E = (uint16_t *)mem, *vs = E + rc;
  uint32_t *t0 = (uint32_t *)(mem + ALIGN64(sizeof(uint16_t) * (size_t)ext));
  uint32_t *t1 = t0 + ALIGN64(sizeof(uint32_t) * bl) / 4, *acc = t1 + ALIGN64(sizeof(uint32_t) * bl) / 4;
  uint16_t *h16 = (uint16_t *)(acc + ALIGN64(sizeof(uint32_t) * bl) / 4);
  uint16_t *a16 = h16 + ALIGN64(sizeof(uint16_t) * bl) / 2, *b16 = a16 + ALIGN64(sizeof(uint16_t) * bl) / 2;
  for (int v = y0 - r; v <= y0 + r; v++)
    bx_vinit(vs, seg_row(s, seg_border_index(v, s->h, SEG_BORDER_REFLECT101)), n);
  int area = win * win;
  float invf = 1.0f / (float)area;
  double invd = 1.0 / (double)area;
  for (int y = y0; y < y1; y++) {
    if (y > y0)
      bx_vadd(vs, seg_row(s, seg_border_index(y + r, s->h, SEG_BORDER_REFLECT101)),
              seg_row(s, seg_border_index(y - r - 1, s->h, SEG_BORDER_REFLECT101)), n);
    for (int i = 1; i <= r; i++) {
      int lx = seg_border_index(-i, w, SEG_BORDER_REFLECT101);
      int rx = seg_border_index(w - 1 + i, w, SEG_BORDER_REFLECT101);
      memcpy(E + (r - i) * c, vs + lx * c, sizeof(uint16_t) * (size_t)c);
      memcpy(E + (r + w - 1 + i) * c, vs + rx * c, sizeof(uint16_t) * (size_t)c);
    }
    uint8_t *d = seg_row(j->d, y);
    for (int x0 = 0; x0 < n; x0 += BXB) {
      int m = n - x0 < BXB ? n - x0 : BXB;
      if (win <= 16) {
        bx_h16(E + x0, h16, c, win, m);
        bx_div16(h16, d + x0, invf, m);
        continue;
      }
      /* level 'len' holds sums of len pixels, valid for the first 'valid'
      ** elements; u16 while len * 255 * win fits. Terms are added by the
      ** bits of win, low first; the last (the top bit) is fused with the
      ** rounding when area <= 4096. win is odd: the first term is E. */
      int valid = m + (win - 1) * c, len = 1, off = 0, top = 1, fused = area <= 4096;
      while (top * 2 <= win) top *= 2;
      const uint16_t *t16 = E + x0;
      const uint32_t *t32 = NULL;
      uint16_t *n16 = a16;
      uint32_t *n32 = t0;
      bx_acc16(acc, t16, 1, m);
      off = 1;
      while (len < top) {
        valid -= len * c;
        if (!t32 && 2 * len * 255 * win <= 65535) {
          bx_dbl16(n16, t16, len * c, valid);
          t16 = n16; n16 = n16 == a16 ? b16 : a16;
        } else if (!t32) {
          if (2 * len == top && fused) {          /* the top term from two u16 halves */
            bx_fin16(acc, t16 + off * c, t16 + (off + len) * c, d + x0, invf, m);
            break;
          }
          bx_dbl16w(n32, t16, len * c, valid);
          t32 = n32; n32 = t1;
        } else {
          bx_double(n32, t32, len * c, valid);
          t32 = n32; n32 = n32 == t0 ? t1 : t0;
        }
        len *= 2;
        if (len == top && fused) {
          if (t32) bx_fin32(acc, t32 + off * c, d + x0, invf, m);
          else bx_fin16(acc, t16 + off * c, NULL, d + x0, invf, m);
          break;
        }
        if (win & len) {
          if (t32) bx_acc(acc, t32 + off * c, 0, m);
          else bx_acc16(acc, t16 + off * c, 0, m);
          off += len;
        }
      }
      if (!fused) bx_div32d(acc, d + x0, invd, m);
    }
  }
  free(mem);
}

int seg_box (const SegBuf *src, SegBuf *dst, int r, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == src->dtype);
  /* integer sums rounded to nearest (no ties: the area is odd), which is
  ** what OpenCV's 16- and 32-bit sum paths produce */
  BoxJob j = {src, dst, r, 0};
  seg_parallel_for(threads, src->h, 16 + 2 * r,
                   src->dtype == SEG_U8 && r <= 127 ? box_band_u8 : box_band, &j);
  return j.fail ? SEG_ENOMEM : 0;
}

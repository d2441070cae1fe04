/* reconstruct.c — morphological reconstruction by dilation or erosion
** (skimage.morphology.reconstruction, 3x3 footprint). */
#include <stdlib.h>
#include <string.h>
#include "morph.h"

#define MAXOP(a, b) ((a) > (b) ? (a) : (b))
#define MINOP(a, b) ((a) < (b) ? (a) : (b))

/* ---------- reconstruction (Vincent 1993, hybrid algorithm) ---------- */

typedef struct Fifo { int32_t *q; size_t cap, head, n; } Fifo;

static int fifo_push (Fifo *f, int32_t v) {
  if (f->n == f->cap) {
    size_t nc = f->cap ? f->cap * 2 : 4096;
    int32_t *q = malloc(nc * sizeof *q);
    if (!q) return SEG_ENOMEM;
    for (size_t i = 0; i < f->n; i++) q[i] = f->q[(f->head + i) % f->cap];
    free(f->q);
    f->q = q; f->cap = nc; f->head = 0;
  }
  f->q[(f->head + f->n) % f->cap] = v;
  f->n++;
  return 0;
}

static int32_t fifo_pop (Fifo *f) {
  int32_t v = f->q[f->head];
  f->head = (f->head + 1) % f->cap;
  f->n--;
  return v;
}

/* EXT grows the marker (max for dilation), LIM clips it by the mask (min),
** BEL(a, b): a is strictly below b in the growing order. */
#define RECON(T, NAME, EXT, LIM, BEL) \
static int NAME (const SegBuf *mk, const SegBuf *ms, SegBuf *dst) { \
  int w = mk->w, h = mk->h; \
  T *J = (T *)dst->data; const T *I = (const T *)ms->data; \
  for (int y = 0; y < h; y++) memcpy(seg_row(dst, y), seg_row(mk, y), (size_t)w * sizeof(T)); \
  for (int y = 0; y < h; y++) \
    for (int x = 0; x < w; x++) { \
      size_t p = (size_t)y * w + x; T v = J[p]; \
      if (x > 0) v = EXT(v, J[p - 1]); \
      if (y > 0) { \
        v = EXT(v, J[p - w]); \
        if (x > 0) v = EXT(v, J[p - w - 1]); \
        if (x + 1 < w) v = EXT(v, J[p - w + 1]); \
      } \
      J[p] = LIM(v, I[p]); \
    } \
  Fifo f = {NULL, 0, 0, 0}; \
  for (int y = h - 1; y >= 0; y--) \
    for (int x = w - 1; x >= 0; x--) { \
      size_t p = (size_t)y * w + x; T v = J[p]; \
      if (x + 1 < w) v = EXT(v, J[p + 1]); \
      if (y + 1 < h) { \
        v = EXT(v, J[p + w]); \
        if (x > 0) v = EXT(v, J[p + w - 1]); \
        if (x + 1 < w) v = EXT(v, J[p + w + 1]); \
      } \
      v = LIM(v, I[p]); J[p] = v; \
      int push = 0; \
      if (x + 1 < w && BEL(J[p + 1], v) && BEL(J[p + 1], I[p + 1])) push = 1; \
      if (y + 1 < h) { \
        if (BEL(J[p + w], v) && BEL(J[p + w], I[p + w])) push = 1; \
        if (x > 0 && BEL(J[p + w - 1], v) && BEL(J[p + w - 1], I[p + w - 1])) push = 1; \
        if (x + 1 < w && BEL(J[p + w + 1], v) && BEL(J[p + w + 1], I[p + w + 1])) push = 1; \
      } \
      if (push && fifo_push(&f, (int32_t)p) != 0) { free(f.q); return SEG_ENOMEM; } \
    } \
  while (f.n > 0) { \
    int32_t p = fifo_pop(&f); \
    int x = p % w, y = p / w; T v = J[p]; \
    for (int dy = -1; dy <= 1; dy++) { \
      int yy = y + dy; \
      if (yy < 0 || yy >= h) continue; \
      for (int dx = -1; dx <= 1; dx++) { \
        int xx = x + dx; \
        if ((dx == 0 && dy == 0) || xx < 0 || xx >= w) continue; \
        int32_t q = yy * w + xx; \
        if (BEL(J[q], v) && I[q] != J[q]) { \
          J[q] = LIM(v, I[q]); \
          if (fifo_push(&f, q) != 0) { free(f.q); return SEG_ENOMEM; } \
        } \
      } \
    } \
  } \
  free(f.q); \
  return 0; \
}

#define LT(a, b) ((a) < (b))
#define GT(a, b) ((a) > (b))
RECON(uint8_t, recon_dil_u8, MAXOP, MINOP, LT)
RECON(uint8_t, recon_ero_u8, MINOP, MAXOP, GT)
RECON(uint16_t, recon_dil_u16, MAXOP, MINOP, LT)
RECON(uint16_t, recon_ero_u16, MINOP, MAXOP, GT)
RECON(float, recon_dil_f32, MAXOP, MINOP, LT)
RECON(float, recon_ero_f32, MINOP, MAXOP, GT)

int seg_reconstruct (const SegBuf *seed, const SegBuf *mask, SegBuf *dst, int method) {
  seg_assert(seed->c == 1 && seg_buf_samesize(seed, mask) && seg_buf_samesize(seed, dst));
  seg_assert(mask->dtype == seed->dtype && dst->dtype == seed->dtype && mask->c == 1 && dst->c == 1);
  int dil = method == SEG_RECON_DILATION;
  switch (seed->dtype) {
    case SEG_U8: return (dil ? recon_dil_u8 : recon_ero_u8)(seed, mask, dst);
    case SEG_U16: return (dil ? recon_dil_u16 : recon_ero_u16)(seed, mask, dst);
    default: return (dil ? recon_dil_f32 : recon_ero_f32)(seed, mask, dst);
  }
}

#define RCHECK(T) do { \
    for (int y = 0; y < seed->h; y++) { \
      const T *s = (const T *)seg_row(seed, y), *m = (const T *)seg_row(mask, y); \
      for (int x = 0; x < seed->w; x++) \
        if (dil ? s[x] > m[x] : s[x] < m[x]) return 0; \
    } } while (0)

int seg_recon_check (const SegBuf *seed, const SegBuf *mask, int method) {
  int dil = method == SEG_RECON_DILATION;
  switch (seed->dtype) {
    case SEG_U8: RCHECK(uint8_t); break;
    case SEG_U16: RCHECK(uint16_t); break;
    default: RCHECK(float); break;
  }
  return 1;
}

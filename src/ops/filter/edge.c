/* edge.c — 3x3 gradient operators (Sobel, Scharr, Prewitt) and Canny.
** Each thread takes a band of rows and keeps three border-extended source
** rows as floats (or ints for Canny on u8), so the gradient, magnitude and
** suppression are single passes with no full-size intermediate image. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "edge.h"
#include "filter.h"

/* ---------------------------------------------------------------- gradients */

typedef struct EdgeJob {
  const SegBuf *s; SegBuf *d;
  float a, b, scale;    /* smoothing [a, b, a], input scale */
  int axis, fail;
} EdgeJob;

SEG_CLONES static void ext_row_f32 (const SegBuf *s, int y, float scale, float *restrict e) {
  int w = s->w;
  const uint8_t *row = seg_row(s, y);
  float *restrict m = e + 1;
  switch (s->dtype) {
    case SEG_U8: for (int x = 0; x < w; x++) m[x] = (float)row[x] * scale; break;
    case SEG_U16: for (int x = 0; x < w; x++) m[x] = (float)((const uint16_t *)row)[x] * scale; break;
    case SEG_I32: for (int x = 0; x < w; x++) m[x] = (float)((const int32_t *)row)[x] * scale; break;
    default: for (int x = 0; x < w; x++) m[x] = ((const float *)row)[x] * scale;
  }
  e[0] = m[seg_border_index(-1, w, SEG_BORDER_REFLECT)];
  e[w + 1] = m[seg_border_index(w, w, SEG_BORDER_REFLECT)];
}

/* d = sqrt(d). Without -fno-math-errno GCC keeps sqrtf scalar (it may set
** errno), so x86-64 uses SSE's sqrtps directly (correctly rounded, as sqrtf). */
#if defined(__x86_64__) || defined(__SSE2__)
#include <immintrin.h>
static inline void sqrt_row (float *d, int n) {
  int x = 0;
  for (; x + 4 <= n; x += 4) _mm_storeu_ps(d + x, _mm_sqrt_ps(_mm_loadu_ps(d + x)));
  for (; x < n; x++) d[x] = sqrtf(d[x]);
}
#else
static inline void sqrt_row (float *d, int n) {
  for (int x = 0; x < n; x++) d[x] = sqrtf(d[x]);
}
#endif

SEG_CLONES static void grad_row (const float *restrict r0, const float *restrict r1,
                                 const float *restrict r2, float *restrict vs, float *restrict vd,
                                 float *restrict d, int w, float a, float b, int axis) {
  for (int x = 0; x < w + 2; x++) {
    vs[x] = a * (r0[x] + r2[x]) + b * r1[x];
    vd[x] = r2[x] - r0[x];
  }
  switch (axis) {
    case SEG_AXIS_X: for (int x = 0; x < w; x++) d[x] = vs[x + 2] - vs[x]; break;
    case SEG_AXIS_Y: for (int x = 0; x < w; x++) d[x] = a * (vd[x] + vd[x + 2]) + b * vd[x + 1]; break;
    case SEG_AXIS_MAGNITUDE: {
      const float k = 0.70710678118654752f;
      for (int x = 0; x < w; x++) {
        float gx = vs[x + 2] - vs[x], gy = a * (vd[x] + vd[x + 2]) + b * vd[x + 1];
        d[x] = (gx * gx + gy * gy) * (k * k);
      }
      sqrt_row(d, w);
      break;
    }
    default:
      for (int x = 0; x < w; x++) {
        float gx = vs[x + 2] - vs[x], gy = a * (vd[x] + vd[x + 2]) + b * vd[x + 1];
        d[x] = atan2f(gy, gx);
      }
  }
}

static void edge_band (void *arg, int y0, int y1) {
  EdgeJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, h = s->h;
  size_t rw = (size_t)w + 2 + 16;
  float *mem = malloc(sizeof(float) * rw * 5);
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  float *r[3] = {mem, mem + rw, mem + 2 * rw}, *vs = mem + 3 * rw, *vd = mem + 4 * rw;
  ext_row_f32(s, seg_border_index(y0 - 1, h, SEG_BORDER_REFLECT), j->scale, r[0]);
  ext_row_f32(s, y0, j->scale, r[1]);
  for (int y = y0; y < y1; y++) {
    ext_row_f32(s, seg_border_index(y + 1, h, SEG_BORDER_REFLECT), j->scale, r[2]);
    grad_row(r[0], r[1], r[2], vs, vd, seg_row_f32(j->d, y), w, j->a, j->b, j->axis);
    float *t = r[0]; r[0] = r[1]; r[1] = r[2]; r[2] = t;
  }
  free(mem);
}

int seg_edge3 (const SegBuf *src, SegBuf *dst, int op, int axis, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->dtype == SEG_F32 && dst->c == 1);
  static const float sm[3][2] = {{0.25f, 0.5f}, {3.0f / 16, 10.0f / 16}, {1.0f / 3, 1.0f / 3}};
  EdgeJob j = {0};
  j.s = src; j.d = dst; j.a = sm[op][0]; j.b = sm[op][1]; j.axis = axis;
  j.scale = src->dtype == SEG_U8 ? 1.0f / 255 : src->dtype == SEG_U16 ? 1.0f / 65535 : 1.0f;
  seg_parallel_for(threads, src->h, 16, edge_band, &j);
  return j.fail ? SEG_ENOMEM : 0;
}

/* ---------------------------------------------------------------- Canny */

/* map: (w+2) x (h+2) bytes, one pixel of border; 0 = candidate, 1 = not an
** edge, 2 = strong (OpenCV's convention), 3 = edge after hysteresis. */
typedef struct CannyJob {
  const SegBuf *s; uint8_t *map; int mstep;
  int ilow, ihigh;             /* u8: thresholds on dx^2 + dy^2 */
  double low, high;            /* otherwise */
  int fail;
} CannyJob;

#define TG22 13573             /* (int)(tan(22.5 deg) * 2^15 + 0.5) */

/* Sobel dx, dy and dx^2 + dy^2 of row y (replicated borders), u8 input. */
SEG_CLONES static void canny_grad_u8 (const uint8_t *restrict p0, const uint8_t *restrict p1,
                                      const uint8_t *restrict p2, int *restrict dx,
                                      int *restrict dy, int *restrict mag, int w) {
  /* interior; columns 0 and w-1 are patched below */
  for (int x = 1; x < w - 1; x++) {
    int gx = (p0[x + 1] - p0[x - 1]) + 2 * (p1[x + 1] - p1[x - 1]) + (p2[x + 1] - p2[x - 1]);
    int gy = (p2[x - 1] + 2 * p2[x] + p2[x + 1]) - (p0[x - 1] + 2 * p0[x] + p0[x + 1]);
    dx[x] = gx; dy[x] = gy; mag[x] = gx * gx + gy * gy;
  }
  int edges[2] = {0, w - 1};
  for (int q = 0; q < (w == 1 ? 1 : 2); q++) {
    int x = edges[q], l = x > 0 ? x - 1 : 0, r = x < w - 1 ? x + 1 : w - 1;
    int gx = (p0[r] - p0[l]) + 2 * (p1[r] - p1[l]) + (p2[r] - p2[l]);
    int gy = (p2[l] + 2 * p2[x] + p2[r]) - (p0[l] + 2 * p0[x] + p0[r]);
    dx[x] = gx; dy[x] = gy; mag[x] = gx * gx + gy * gy;
  }
}

static void canny_grad_f (const SegBuf *s, int y, float *restrict dx, float *restrict dy,
                          double *restrict mag) {
  int w = s->w, h = s->h;
  const uint8_t *rows[3];
  for (int k = 0; k < 3; k++) rows[k] = seg_row(s, seg_border_index(y - 1 + k, h, SEG_BORDER_REPLICATE));
#define PX(k, x) (s->dtype == SEG_U16 ? (float)((const uint16_t *)rows[k])[x] : ((const float *)rows[k])[x])
  for (int x = 0; x < w; x++) {
    int l = x > 0 ? x - 1 : 0, r = x < w - 1 ? x + 1 : w - 1;
    float gx = (PX(0, r) - PX(0, l)) + 2 * (PX(1, r) - PX(1, l)) + (PX(2, r) - PX(2, l));
    float gy = (PX(2, l) + 2 * PX(2, x) + PX(2, r)) - (PX(0, l) + 2 * PX(0, x) + PX(0, r));
    dx[x] = gx; dy[x] = gy; mag[x] = (double)gx * gx + (double)gy * gy;
  }
#undef PX
}

/* OpenCV's suppression rules; mag rows carry a zero at -1 and w. */
#define NMS_ROW(T, MT, LOW, HIGH)                                                     \
  for (int x = 0; x < w; x++) {                                                       \
    MT m = ma[x];                                                                     \
    uint8_t mv = 1;                                                                   \
    if (m > LOW) {                                                                    \
      T xs = dxa[x], ys = dya[x];                                                     \
      double ax = fabs((double)xs), ay = fabs((double)ys) * 32768.0;                  \
      double tg22x = ax * TG22;                                                       \
      int keep;                                                                       \
      if (ay < tg22x) keep = m > ma[x - 1] && m >= ma[x + 1];                         \
      else {                                                                          \
        double tg67x = tg22x + ax * 65536.0;                                          \
        if (ay > tg67x) keep = m > mp[x] && m >= mn[x];                               \
        else {                                                                        \
          int sg = ((xs < 0) != (ys < 0)) ? -1 : 1;                                   \
          keep = m > mp[x - sg] && m > mn[x + sg];                                    \
        }                                                                             \
      }                                                                               \
      if (keep) mv = m > HIGH ? 2 : 0;                                                \
    }                                                                                 \
    mrow[x] = mv;                                                                     \
  }

static void canny_band (void *arg, int y0, int y1) {
  CannyJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, h = s->h, u8 = s->dtype == SEG_U8;
  size_t rw = (size_t)w + 2;
  size_t esz = u8 ? sizeof(int) * 3 : sizeof(float) * 2 + sizeof(double);
  uint8_t *mem = calloc(rw * 3 + 8, esz);
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  /* three rows (previous, current, next), each dx | dy | mag with padding */
  if (u8) {
    int *buf = (int *)mem, *dx[3], *dy[3], *mg[3];
    for (int k = 0; k < 3; k++) {
      dx[k] = buf + k * 3 * rw + 1; dy[k] = dx[k] + rw; mg[k] = dy[k] + rw;
    }
    for (int v = y0 - 1; v <= y1; v++) {
      int k = (v - y0 + 3) % 3;
      if (v >= 0 && v < h) {
        canny_grad_u8(seg_row_u8(s, v > 0 ? v - 1 : 0), seg_row_u8(s, v),
                      seg_row_u8(s, v < h - 1 ? v + 1 : h - 1), dx[k], dy[k], mg[k], w);
        mg[k][-1] = mg[k][w] = 0;
      } else {
        memset(mg[k] - 1, 0, sizeof(int) * rw);
      }
      int y = v - 1;
      if (y < y0) continue;
      int kp = (y - 1 - y0 + 3) % 3, ka = (y - y0 + 3) % 3, kn = (y + 1 - y0 + 3) % 3;
      const int *mp = mg[kp], *ma = mg[ka], *mn = mg[kn], *dxa = dx[ka], *dya = dy[ka];
      uint8_t *mrow = j->map + (size_t)(y + 1) * j->mstep + 1;
      int low = j->ilow, high = j->ihigh;
      NMS_ROW(int, int, low, high)
    }
  } else {
    float *fb = (float *)mem;
    double *db = (double *)(mem + sizeof(float) * 2 * rw * 3 + 16);
    float *dx[3], *dy[3];
    double *mg[3];
    for (int k = 0; k < 3; k++) {
      dx[k] = fb + k * 2 * rw + 1; dy[k] = dx[k] + rw; mg[k] = db + k * rw + 1;
    }
    for (int v = y0 - 1; v <= y1; v++) {
      int k = (v - y0 + 3) % 3;
      if (v >= 0 && v < h) {
        canny_grad_f(s, v, dx[k], dy[k], mg[k]);
        mg[k][-1] = mg[k][w] = 0;
      } else {
        for (size_t i = 0; i < rw; i++) mg[k][(ptrdiff_t)i - 1] = 0;
      }
      int y = v - 1;
      if (y < y0) continue;
      int kp = (y - 1 - y0 + 3) % 3, ka = (y - y0 + 3) % 3, kn = (y + 1 - y0 + 3) % 3;
      const double *mp = mg[kp], *ma = mg[ka], *mn = mg[kn];
      const float *dxa = dx[ka], *dya = dy[ka];
      uint8_t *mrow = j->map + (size_t)(y + 1) * j->mstep + 1;
      double low = j->low, high = j->high;
      NMS_ROW(float, double, low, high)
    }
  }
  free(mem);
}

/* Hysteresis: every candidate 8-connected to a strong pixel becomes an edge. */
static int canny_hysteresis (uint8_t *map, int w, int h, int mstep) {
  size_t cap = 4096, n = 0;
  uint32_t *stack = malloc(sizeof(uint32_t) * cap);
  if (!stack) return SEG_ENOMEM;
  const ptrdiff_t off[8] = {-mstep - 1, -mstep, -mstep + 1, -1, 1, mstep - 1, mstep, mstep + 1};
  for (int y = 0; y < h; y++) {
    uint8_t *row = map + (size_t)(y + 1) * mstep + 1;
    for (int x = 0; x < w; x++) {
      if (row[x] != 2) continue;
      row[x] = 3;
      stack[n++] = (uint32_t)((size_t)(y + 1) * mstep + 1 + x);
      while (n) {
        uint32_t p = stack[--n];
        for (int k = 0; k < 8; k++) {
          uint8_t *q = map + p + off[k];
          if (*q == 0 || *q == 2) {
            *q = 3;
            if (n == cap) {
              uint32_t *t = realloc(stack, sizeof(uint32_t) * cap * 2);
              if (!t) { free(stack); return SEG_ENOMEM; }
              stack = t; cap *= 2;
            }
            stack[n++] = (uint32_t)((ptrdiff_t)p + off[k]);
          }
        }
      }
    }
  }
  free(stack);
  return 0;
}

SEG_CLONES static void map_to_mask (const uint8_t *restrict m, uint8_t *restrict d, int w) {
  for (int x = 0; x < w; x++) d[x] = m[x] == 3;
}

int seg_canny (const SegBuf *src, SegBuf *smooth, SegBuf *mask, double sigma,
               double low, double high, int threads) {
  seg_assert(seg_buf_samesize(src, mask) && mask->dtype == SEG_U8 && mask->c == 1);
  const SegBuf *s = src;
  if (sigma > 0) {
    if (seg_gaussian(src, smooth, sigma, SEG_BORDER_REFLECT101, threads) != 0) return SEG_ENOMEM;
    s = smooth;
  }
  if (low > high) { double t = low; low = high; high = t; }
  int w = s->w, h = s->h, mstep = w + 2;
  if ((uint64_t)mstep * (uint64_t)(h + 2) >= UINT32_MAX) return SEG_ENOMEM;
  uint8_t *map = malloc((size_t)mstep * (size_t)(h + 2));
  if (!map) return SEG_ENOMEM;
  memset(map, 1, (size_t)mstep);
  memset(map + (size_t)(h + 1) * mstep, 1, (size_t)mstep);
  for (int y = 1; y <= h; y++) map[(size_t)y * mstep] = map[(size_t)y * mstep + w + 1] = 1;
  CannyJob j = {0};
  j.s = s; j.map = map; j.mstep = mstep;
  /* OpenCV squares the thresholds for L2 and floors them to int for u8 */
  double l = low < 32767 ? low : 32767, hh = high < 32767 ? high : 32767;
  if (l > 0) l *= l;
  if (hh > 0) hh *= hh;
  j.ilow = (int)floor(l); j.ihigh = (int)floor(hh);
  j.low = low > 0 ? low * low : low; j.high = high > 0 ? high * high : high;
  seg_parallel_for(threads, h, 16, canny_band, &j);
  int rc = j.fail ? SEG_ENOMEM : canny_hysteresis(map, w, h, mstep);
  if (rc == 0)
    for (int y = 0; y < h; y++) map_to_mask(map + (size_t)(y + 1) * mstep + 1, seg_row_u8(mask, y), w);
  free(map);
  return rc;
}

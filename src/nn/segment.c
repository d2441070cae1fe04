/* segment.c — the glue between pixel buffers and network tensors: an image
** window into a normalised planar tensor, activations over the class axis,
** tiles blended back into a probability image, and the class map. */
#include <math.h>
#include <string.h>

#include "core/segk.h"
#include "nn/segment.h"

static inline int clampi (int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Source channel feeding network channel k (or -1: luma of the first
** three, the gray version of a colour image). */
static int source_channel (int cin, int C, int k) {
  if (C == cin) return k;
  if (C == 1 && cin >= 3) return -1;
  if (C == 1) return 0;                       /* gray+alpha -> gray */
  if (cin == 1 || cin == 2) return 0;         /* gray -> replicated */
  return k < cin ? k : cin - 1;               /* RGBA -> RGB */
}

typedef struct WinJob {
  const SegBuf *img;
  int x0, y0, tw, th, C;
  const NnNorm *nm;
  float *dst;
} WinJob;

static void window_rows (void *arg, int y0, int y1) {
  const WinJob *j = arg;
  const SegBuf *b = j->img;
  const int cin = b->c;
  for (int y = y0; y < y1; y++) {
    int sy = clampi(j->y0 + y, 0, b->h - 1);   /* edge replication past the image */
    const uint8_t *row = seg_row(b, sy);
    for (int k = 0; k < j->C; k++) {
      float *d = j->dst + ((size_t)k * j->th + y) * j->tw;
      int sc = source_channel(cin, j->C, k);
      float sc_mul = j->nm->scale / j->nm->std[k], sc_add = -j->nm->mean[k] / j->nm->std[k];
      for (int x = 0; x < j->tw; x++) {
        int sx = clampi(j->x0 + x, 0, b->w - 1);
        size_t i = (size_t)sx * cin;
        double v;
        if (sc >= 0) v = seg_elem(b->dtype, row, i + (size_t)sc);
        else v = 0.299 * seg_elem(b->dtype, row, i) + 0.587 * seg_elem(b->dtype, row, i + 1) +
                 0.114 * seg_elem(b->dtype, row, i + 2);
        d[x] = (float)v * sc_mul + sc_add;
      }
    }
  }
}

void nn_image_window (const SegBuf *img, int x0, int y0, int tw, int th, int C,
                      const NnNorm *nm, float *dst, int threads) {
  WinJob j = {img, x0, y0, tw, th, C, nm, dst};
  seg_parallel_for(threads, th, 16, window_rows, &j);
}

typedef struct ActJob { float *p; int C; size_t hw; int mode; } ActJob;

static void act_chunk (void *arg, int b0, int b1) {
  const ActJob *j = arg;
  const size_t step = 1024;
  for (int b = b0; b < b1; b++) {
    size_t i0 = (size_t)b * step, i1 = i0 + step < j->hw ? i0 + step : j->hw;
    if (j->mode == NN_ACT_SIGMOID) {
      for (int k = 0; k < j->C; k++) {
        float *p = j->p + (size_t)k * j->hw;
        for (size_t i = i0; i < i1; i++) p[i] = 1.f / (1.f + expf(-p[i]));
      }
    } else if (j->mode == NN_ACT_SOFTMAX) {
      float mx[1024], sum[1024];
      size_t n = i1 - i0;
      for (size_t i = 0; i < n; i++) { mx[i] = -INFINITY; sum[i] = 0; }
      for (int k = 0; k < j->C; k++) {
        const float *p = j->p + (size_t)k * j->hw + i0;
        for (size_t i = 0; i < n; i++) mx[i] = p[i] > mx[i] ? p[i] : mx[i];
      }
      for (int k = 0; k < j->C; k++) {
        float *p = j->p + (size_t)k * j->hw + i0;
        for (size_t i = 0; i < n; i++) { p[i] = expf(p[i] - mx[i]); sum[i] += p[i]; }
      }
      for (int k = 0; k < j->C; k++) {
        float *p = j->p + (size_t)k * j->hw + i0;
        for (size_t i = 0; i < n; i++) p[i] /= sum[i];
      }
    }
  }
}

void nn_activate (float *planes, int C, size_t hw, int mode, int threads) {
  if (mode == NN_ACT_NONE) return;
  ActJob j = {planes, C, hw, mode};
  size_t blocks = (hw + 1023) / 1024;
  seg_parallel_for(threads, (int)blocks, 8, act_chunk, &j);
}

/* Linear ramp weight of position i in a tile of length n whose first
** 'lo' and last 'hi' positions overlap a neighbour (never 0 inside). */
float nn_ramp (int i, int n, int lo, int hi) {
  float w = 1.f;
  if (lo > 0 && i < lo) w = (float)(i + 1) / (float)(lo + 1);
  if (hi > 0 && i >= n - hi) {
    float v = (float)(n - i) / (float)(hi + 1);
    if (v < w) w = v;
  }
  return w;
}

typedef struct BlendJob {
  const float *tile;
  int tw, th, C, ox, oy, cw, ch, dx, dy;   /* tile origin in dst, copied window */
  const float *wx, *wy;
  SegBuf *dst;
} BlendJob;

static void blend_rows (void *arg, int y0, int y1) {
  const BlendJob *j = arg;
  for (int y = y0; y < y1; y++) {
    int ty = j->dy + y;
    float *d = seg_row_f32(j->dst, j->oy + y) + (size_t)j->ox * j->C;
    float wy = j->wy[ty];
    for (int x = 0; x < j->cw; x++) {
      int tx = j->dx + x;
      float w = wy * j->wx[tx];
      for (int k = 0; k < j->C; k++)
        d[(size_t)x * j->C + k] += w * j->tile[((size_t)k * j->th + ty) * j->tw + tx];
    }
  }
}

void nn_blend_tile (const float *tile, int tw, int th, int C, int dx, int dy, int cw, int ch,
                    const float *wx, const float *wy, SegBuf *dst, int ox, int oy, int threads) {
  BlendJob j = {tile, tw, th, C, ox, oy, cw, ch, dx, dy, wx, wy, dst};
  seg_parallel_for(threads, ch, 16, blend_rows, &j);
}

typedef struct ClassJob { const SegBuf *prob; SegBuf *lab; float thr; } ClassJob;

static void class_rows (void *arg, int y0, int y1) {
  const ClassJob *j = arg;
  const int C = j->prob->c;
  for (int y = y0; y < y1; y++) {
    const float *p = seg_row_f32(j->prob, y);
    int32_t *l = seg_row_i32(j->lab, y);
    if (C == 1) {
      for (int x = 0; x < j->prob->w; x++) l[x] = p[x] > j->thr;
      continue;
    }
    for (int x = 0; x < j->prob->w; x++) {
      const float *q = p + (size_t)x * C;
      int best = 0;
      for (int k = 1; k < C; k++)
        if (q[k] > q[best]) best = k;   /* ties: the lowest class, as argmax */
      l[x] = best;
    }
  }
}

void nn_classes (const SegBuf *prob, SegBuf *labels, float threshold, int threads) {
  ClassJob j = {prob, labels, threshold};
  seg_parallel_for(threads, prob->h, 32, class_rows, &j);
}

typedef struct NormJob { SegBuf *p; const float *sx, *sy; } NormJob;
static void norm_rows (void *arg, int y0, int y1) {
  const NormJob *j = arg;
  const int C = j->p->c;
  for (int y = y0; y < y1; y++) {
    float *d = seg_row_f32(j->p, y);
    for (int x = 0; x < j->p->w; x++) {
      float inv = 1.f / (j->sx[x] * j->sy[y]);
      for (int k = 0; k < C; k++) d[(size_t)x * C + k] *= inv;
    }
  }
}

void nn_normalise_rows (SegBuf *prob, const float *sx, const float *sy, int threads) {
  NormJob j = {prob, sx, sy};
  seg_parallel_for(threads, prob->h, 32, norm_rows, &j);
}

/* bilateral.c — cv2.bilateralFilter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "filter_internal.h"

typedef struct Bil {
  int radius, maxk, cn, u8;
  float *space_w; int *space_dy, *space_dx;
  float *color_w;      /* u8: exp(-i^2/2sc^2) for i < 256*cn; else the LUT */
  float scale_index;   /* float path: LUT bins per unit of L1 colour distance */
  int nbins;
  float *space_l2, gcl;  /* u8: log2 of space_w; gc * log2(e) */
} Bil;

static void bil_h (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  (void)tmp;
  int n = (p->src->w + 2 * p->rx) * p->src->c;
  const float *f = seg_row_float(p->src->dtype, ext, n, out);
  if (f != out) memcpy(out, f, sizeof(float) * (size_t)n);
}

/* u8: the weight of a neighbour, space_w * exp(t^2 gc) with t the (L1)
** colour distance, is computed as one 2^y, y = t^2 gc log2(e) + log2
** space_w, by a degree-6 polynomial (relative error ~1e-7, the table's own
** float rounding) instead of a table gather; this vectorizes. Accumulation
** order over the neighbours is OpenCV's. */
#define BIL_XB 128         /* pixels per block: the sums stay in L1 */

static inline float bil_exp2 (float y) {
  y = y >= -126.f ? y : -126.f;                 /* also NaN: the shift below needs k >= -126 */
  float k = (y + 12582912.f) - 12582912.f;      /* round to nearest, |y| < 2^22 */
  float f = y - k;                              /* |f| <= 1/2; Cephes exp2f */
  float p = 1.f + f * (6.931472028550421E-1f + f * (2.402264791363012E-1f + f * (5.550332471162809E-2f +
            f * (9.618437357674640E-3f + f * (1.339887440266574E-3f + f * 1.535336188319500E-4f)))));
  int32_t e = ((int32_t)k + 127) << 23;
  float s;
  memcpy(&s, &e, sizeof s);
  return p * s;
}

SEG_CLONES static void bil_u8_g (const float *restrict sr, const float *restrict c0, float gcl,
                                 float ls, float *restrict sum, float *restrict wsum, int m) {
  for (int x = 0; x < m; x++) {
    float t = sr[x] - c0[x];
    float wt = bil_exp2(t * t * gcl + ls);
    sum[x] += sr[x] * wt; wsum[x] += wt;
  }
}

SEG_CLONES static void bil_u8_c (const float *restrict sr, const float *restrict c0, float gcl,
                                 float ls, float *restrict sum, float *restrict wsum, int m) {
  for (int x = 0; x < m; x++) {
    const float *q = sr + 3 * x, *q0 = c0 + 3 * x;
    float t = fabsf(q[0] - q0[0]) + fabsf(q[1] - q0[1]) + fabsf(q[2] - q0[2]);
    float wt = bil_exp2(t * t * gcl + ls);
    sum[3 * x] += q[0] * wt; sum[3 * x + 1] += q[1] * wt; sum[3 * x + 2] += q[2] * wt;
    wsum[x] += wt;
  }
}

/* sum / wsum (gray), sum * (1 / wsum) (colour), as OpenCV; rounded to
** nearest even as lrintf, by the 1.5 * 2^23 trick (0 <= v <= 255). */
SEG_CLONES static void bil_out_u8 (const float *restrict sum, const float *restrict wsum,
                                   uint8_t *restrict o, int cn, int m) {
  if (cn == 1)
    for (int x = 0; x < m; x++) {
      float v = (sum[x] / wsum[x] + 12582912.f) - 12582912.f;
      o[x] = (uint8_t)(int)(v < 0.f ? 0.f : v > 255.f ? 255.f : v);
    }
  else
    for (int x = 0; x < m; x++) {
      float iw = 1.f / wsum[x];
      for (int ch = 0; ch < 3; ch++) {
        float v = (sum[3 * x + ch] * iw + 12582912.f) - 12582912.f;
        o[3 * x + ch] = (uint8_t)(int)(v < 0.f ? 0.f : v > 255.f ? 255.f : v);
      }
    }
}

static void bil_v_u8 (const RowPass *p, const void *const *rows, uint8_t *d) {
  const Bil *b = p->k;
  int w = p->src->w, cn = b->cn, R = b->radius;
  float sum[BIL_XB * 3], wsum[BIL_XB];
  for (int x0 = 0; x0 < w; x0 += BIL_XB) {
    int m = w - x0 < BIL_XB ? w - x0 : BIL_XB;
    memset(sum, 0, sizeof sum); memset(wsum, 0, sizeof wsum);
    const float *c0 = (const float *)rows[R] + (R + x0) * cn;
    for (int k = 0; k < b->maxk; k++) {
      const float *sr = (const float *)rows[R + b->space_dy[k]] + (R + x0 + b->space_dx[k]) * cn;
      if (cn == 1) bil_u8_g(sr, c0, b->gcl, b->space_l2[k], sum, wsum, m);
      else bil_u8_c(sr, c0, b->gcl, b->space_l2[k], sum, wsum, m);
    }
    bil_out_u8(sum, wsum, d + (size_t)x0 * cn, cn, m);
  }
}

/* The colour weight of a summed absolute difference: a table entry for u8,
** linearly interpolated between entries for float (as OpenCV's
** bilateralFilter_32f), NaN taken as 0. */
static inline float bil_color_weight (const Bil *b, float diff) {
  if (b->u8) return b->color_w[(int)diff];
  float alpha = diff * b->scale_index;
  if (!(alpha >= 0.f)) alpha = 0.f;
  if (alpha > (float)b->nbins) alpha = (float)b->nbins;
  int idx = (int)alpha;
  alpha -= (float)idx;
  return b->color_w[idx] + alpha * (b->color_w[idx + 1] - b->color_w[idx]);
}

static void bil_v (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  const Bil *b = p->k;
  if (b->u8) { bil_v_u8(p, rows, d); return; }
  int w = p->src->w, cn = b->cn, R = b->radius;
  float *sum = tmp, *wsum = sum + (size_t)w * cn;
  memset(sum, 0, sizeof(float) * (size_t)w * (size_t)(cn + 1));
  const float *c0 = (const float *)rows[R] + R * cn;
  for (int k = 0; k < b->maxk; k++) {
    const float *sr = (const float *)rows[R + b->space_dy[k]] + (R + b->space_dx[k]) * cn;
    float sw = b->space_w[k];
    if (cn == 1) {
      for (int x = 0; x < w; x++) {
        float diff = fabsf(sr[x] - c0[x]), wt;
        wt = sw * bil_color_weight(b, diff);
        sum[x] += sr[x] * wt; wsum[x] += wt;
      }
    } else {
      for (int x = 0; x < w; x++) {
        const float *q = sr + 3 * x, *q0 = c0 + 3 * x;
        float diff = fabsf(q[0] - q0[0]) + fabsf(q[1] - q0[1]) + fabsf(q[2] - q0[2]), wt;
        wt = sw * bil_color_weight(b, diff);
        sum[3 * x] += q[0] * wt; sum[3 * x + 1] += q[1] * wt; sum[3 * x + 2] += q[2] * wt;
        wsum[x] += wt;
      }
    }
  }
  for (int x = 0; x < w; x++)
    for (int ch = 0; ch < cn; ch++) {
      float v = cn == 1 ? sum[x] / wsum[x] : sum[x * 3 + ch] * (1.f / wsum[x]);
      int i = x * cn + ch;
      switch (p->src->dtype) {
        case SEG_U8: { int q = (int)lrintf(v); d[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q); break; }
        case SEG_U16: { long q = lrintf(v); ((uint16_t *)d)[i] = (uint16_t)(q < 0 ? 0 : q > 65535 ? 65535 : q); break; }
        default: ((float *)d)[i] = v;
      }
    }
}

int seg_bilateral (const SegBuf *src, SegBuf *dst, int dd, double sigma_color,
                   double sigma_space, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == src->dtype);
  seg_assert(src->c == 1 || src->c == 3);
  int cn = src->c;
  if (sigma_color <= 0) sigma_color = 1;
  if (sigma_space <= 0) sigma_space = 1;
  int radius = dd <= 0 ? (int)nearbyint(sigma_space * 1.5) : dd / 2;
  if (radius < 1) radius = 1;
  int d = 2 * radius + 1;
  double gc = -0.5 / (sigma_color * sigma_color), gs = -0.5 / (sigma_space * sigma_space);
  /* A sigma whose square underflows gives an infinite coefficient, and 0 *
  ** inf made every weight NaN (OpenCV then writes 0s). Bounded, the weights
  ** are what OpenCV computes for any sigma down to ~1e-154: 1 at distance 0,
  ** 0 beyond, so a tiny sigma gives the image back. -1e30 times the largest
  ** squared distance (255^2 * 9, 2 * 127^2) still fits a float. */
  if (!(gc >= -1e30)) gc = -1e30;
  if (!(gs >= -1e30)) gs = -1e30;
  Bil b = {0};
  b.radius = radius; b.cn = cn; b.u8 = src->dtype == SEG_U8;
  if (!b.u8) {
    /* OpenCV's float path: a table over the image's value range */
    double mn = 0, mx = 0;
    int first = 1;
    for (int y = 0; y < src->h; y++) {
      const uint8_t *row = seg_row(src, y);
      for (int i = 0; i < src->w * cn; i++) {
        double v = src->dtype == SEG_U16 ? ((const uint16_t *)row)[i] : ((const float *)row)[i];
        if (first || v < mn) mn = v;
        if (first || v > mx) mx = v;
        first = 0;
      }
    }
    if (fabs(mn - mx) < 1.1920929e-07) {
      for (int y = 0; y < src->h; y++) memcpy(seg_row(dst, y), seg_row(src, y), seg_buf_rowbytes(src));
      return 0;
    }
    b.nbins = (1 << 12) * cn;
    float len = (float)(mx - mn) * (float)cn;
    b.scale_index = (float)b.nbins / len;
  }
  size_t ncw = b.u8 ? (size_t)256 * cn : (size_t)b.nbins + 2;
  b.color_w = malloc(sizeof(float) * ncw);
  b.space_w = malloc(sizeof(float) * (size_t)d * d * 2);
  b.space_dy = malloc(sizeof(int) * (size_t)d * d * 2);
  if (!b.color_w || !b.space_w || !b.space_dy) {
    free(b.color_w); free(b.space_w); free(b.space_dy);
    return SEG_ENOMEM;
  }
  b.space_dx = b.space_dy + d * d;
  b.space_l2 = b.space_w + d * d;
  b.gcl = (float)(gc * 1.4426950408889634);
  if (b.u8)
    for (size_t i = 0; i < ncw; i++) b.color_w[i] = (float)exp((double)(i * i) * gc);
  else {
    float last = 1.f;
    for (size_t i = 0; i < ncw; i++) {
      if (last > 0.f) {
        double v = (double)i / b.scale_index;
        b.color_w[i] = last = (float)exp(v * v * gc);
      } else b.color_w[i] = 0.f;
    }
  }
  for (int i = -radius; i <= radius; i++)
    for (int j = -radius; j <= radius; j++) {
      double r = sqrt((double)i * i + (double)j * j);
      if (r > radius) continue;
      b.space_w[b.maxk] = (float)exp(r * r * gs);
      b.space_l2[b.maxk] = (float)(r * r * gs * 1.4426950408889634);
      b.space_dy[b.maxk] = i; b.space_dx[b.maxk] = j;
      b.maxk++;
    }
  RowPass p = {0};
  p.src = src; p.dst = dst; p.rx = radius; p.ry = radius; p.border = SEG_BORDER_REFLECT101;
  p.hbytes = (size_t)(src->w + 2 * radius) * (size_t)cn * sizeof(float);
  p.tbytes = (size_t)src->w * (size_t)(cn + 1) * sizeof(float);
  p.h = bil_h; p.v = bil_v; p.k = &b;
  int rc = seg_rowpass_run(&p, threads);
  free(b.color_w); free(b.space_w); free(b.space_dy);
  return rc;
}

/* resize.c — nearest, bilinear and area resampling, following OpenCV's
** cv::resize geometry (pixel centres at +0.5) and, for u8, its fixed-point
** arithmetic (11-bit coefficients) so results agree with cv2.resize. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"

#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)

/* A 2-tap interpolation table along one axis: for each output index the
** first source index and the weights of it and its successor. */
typedef struct Taps { int *idx; float *wf; int16_t *wi; } Taps;

static int clampi (int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }
static int floor_int (double v) { int i = (int)v; return i - (i > v); }

/* Bilinear taps (OpenCV INTER_LINEAR), or area-upscale taps when 'area'. */
/* The scale is 1/(dn/sn) and positions are rounded to float, as OpenCV
** computes them: this decides which way near-ties fall. */
/* 'clamp_weights': along x OpenCV moves border taps onto the edge pixel
** with weight one; along y it keeps the weights and clamps the rows. */
static void make_linear_taps (Taps *t, int sn, int dn, int area, int clamp_weights) {
  double inv = (double)dn / sn, scale = 1.0 / inv;
  for (int d = 0; d < dn; d++) {
    int s;
    float f;
    if (!area) {
      float fx = (float)((d + 0.5) * scale - 0.5);
      s = (int)floorf(fx);
      f = fx - (float)s;
    } else {
      s = floor_int(d * scale);
      f = (float)((d + 1) - (s + 1) * inv);
      f = f <= 0 ? 0.f : f - floorf(f);
    }
    if (clamp_weights) {
      if (s < 0) { s = 0; f = 0; }
      if (s >= sn - 1) { s = sn - 1; f = 0; }
    }
    t->idx[d] = s;
    t->wf[2 * d] = 1.f - f; t->wf[2 * d + 1] = f;
    t->wi[2 * d] = (int16_t)lrintf((1.f - f) * COEF_ONE);
    t->wi[2 * d + 1] = (int16_t)lrintf(f * COEF_ONE);
  }
}

typedef struct Job {
  const SegBuf *src; SegBuf *dst;
  Taps tx, ty;
  int k;   /* integer area factor (both axes), 0 otherwise */
  /* general area: per-output lists of (source index, weight) */
  int *ax_off, *ax_idx, *ay_off, *ay_idx; float *ax_w, *ay_w;
  /* per-chunk scratch rows, allocated before the parallel loop so a worker
  ** never has to fail: chunk i owns scratch + i * scratch_per */
  uint8_t *scratch; size_t scratch_per;
} Job;

static inline double load (const SegBuf *b, const uint8_t *row, size_t i) {
  return seg_elem(b->dtype, row, i);
}

static inline void store (const SegBuf *b, uint8_t *row, size_t i, double v) {
  switch (b->dtype) {
    case SEG_U8: v = nearbyint(v); row[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); break;
    case SEG_U16: v = nearbyint(v); ((uint16_t *)row)[i] = (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v); break;
    case SEG_I32: v = nearbyint(v);
      ((int32_t *)row)[i] = (int32_t)(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v); break;
    default: ((float *)row)[i] = (float)v; break;
  }
}

/* ---- nearest ---- */
static void nearest_rows (void *arg, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  size_t es = (size_t)s->c * seg_dtype_size(s->dtype);
  double sx = 1.0 / ((double)d->w / s->w), sy = 1.0 / ((double)d->h / s->h);  /* as OpenCV */
  for (int y = y0; y < y1; y++) {
    int yy = floor_int(y * sy); if (yy > s->h - 1) yy = s->h - 1;
    const uint8_t *sr = seg_row(s, yy);
    uint8_t *dr = seg_row(d, y);
    for (int x = 0; x < d->w; x++) {
      int xx = floor_int(x * sx); if (xx > s->w - 1) xx = s->w - 1;
      memcpy(dr + (size_t)x * es, sr + (size_t)xx * es, es);
    }
  }
}

/* ---- bilinear, u8 fixed point as OpenCV: horizontal pass to int rows
** scaled by 2^11, vertical pass with the same scale and a final
** ((b0*(r0>>4))>>16 + (b1*(r1>>4))>>16 + 2) >> 2. ---- */
static void hpass_u8 (const uint8_t *s, int c, const Taps *t, int dw, int sw, int32_t *out) {
  for (int x = 0; x < dw; x++) {
    int sx = t->idx[x], sx1 = sx + 1 < sw ? sx + 1 : sx;
    int a0 = t->wi[2 * x], a1 = t->wi[2 * x + 1];
    for (int k = 0; k < c; k++)
      out[x * c + k] = s[sx * c + k] * a0 + s[sx1 * c + k] * a1;
  }
}

SEG_CLONES static void vpass_u8 (const int32_t *restrict r0, const int32_t *restrict r1,
                                 int b0, int b1, uint8_t *restrict d, int n) {
  for (int i = 0; i < n; i++) {
    int v = (((b0 * (r0[i] >> 4)) >> 16) + ((b1 * (r1[i] >> 4)) >> 16) + 2) >> 2;
    d[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

static void linear_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  int c = s->c, n = d->w * c;
  if (s->dtype == SEG_U8) {
    int32_t *r0 = (int32_t *)(j->scratch + (size_t)chunk * j->scratch_per);
    int32_t *r1 = r0 + n;
    int have0 = -1, have1 = -1;
    for (int y = y0; y < y1; y++) {
      int sy = clampi(j->ty.idx[y], s->h), sy1 = clampi(j->ty.idx[y] + 1, s->h);
      if (have0 != sy) {
        if (have1 == sy) { int32_t *t = r0; r0 = r1; r1 = t; have0 = sy; have1 = -1; }
        else { hpass_u8(seg_row_u8(s, sy), c, &j->tx, d->w, s->w, r0); have0 = sy; }
      }
      if (have1 != sy1) { hpass_u8(seg_row_u8(s, sy1), c, &j->tx, d->w, s->w, r1); have1 = sy1; }
      vpass_u8(r0, r1, j->ty.wi[2 * y], j->ty.wi[2 * y + 1], seg_row_u8(d, y), n);
    }
    return;
  }
  for (int y = y0; y < y1; y++) {   /* other dtypes: in double */
    int sy = clampi(j->ty.idx[y], s->h), sy1 = clampi(j->ty.idx[y] + 1, s->h);
    float b0 = j->ty.wf[2 * y], b1 = j->ty.wf[2 * y + 1];
    const uint8_t *s0 = seg_row(s, sy), *s1 = seg_row(s, sy1);
    uint8_t *dr = seg_row(d, y);
    for (int x = 0; x < d->w; x++) {
      int sx = j->tx.idx[x], sx1 = sx + 1 < s->w ? sx + 1 : sx;
      float a0 = j->tx.wf[2 * x], a1 = j->tx.wf[2 * x + 1];
      for (int k = 0; k < c; k++) {
        double top = a0 * load(s, s0, (size_t)sx * c + k) + a1 * load(s, s0, (size_t)sx1 * c + k);
        double bot = a0 * load(s, s1, (size_t)sx * c + k) + a1 * load(s, s1, (size_t)sx1 * c + k);
        store(d, dr, (size_t)x * c + k, b0 * top + b1 * bot);
      }
    }
  }
}

/* ---- area, integer factor k: block mean. For k = 2 integer types round
** half up, (sum + 2) >> 2, as OpenCV's vector path; otherwise sum * (1/k^2)
** in float, rounded half to even, as its scalar path. ---- */

/* k = 2 on u8: vertical pair sums (u16, vectorized), then horizontal pairs
** of the same channel. The channel count is a compile-time constant in
** each instantiation so the compiler can vectorize the strided pairs. */
#define AREA2_U8(C) \
  static void area2_u8_c##C (const uint8_t *restrict a, const uint8_t *restrict b, \
                             uint16_t *restrict t, uint8_t *restrict d, int dw) { \
    int n = 2 * dw * C; \
    for (int i = 0; i < n; i++) t[i] = (uint16_t)(a[i] + b[i]); \
    for (int x = 0; x < dw; x++) \
      for (int q = 0; q < C; q++) \
        d[x * C + q] = (uint8_t)((t[2 * x * C + q] + t[(2 * x + 1) * C + q] + 2) >> 2); \
  }
SEG_CLONES AREA2_U8(1)
SEG_CLONES AREA2_U8(2)
SEG_CLONES AREA2_U8(3)
SEG_CLONES AREA2_U8(4)

static void area_int_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  int k = j->k, c = s->c, n = d->w * c;
  double inv = 1.0 / (k * k);
  uint16_t *tmp = NULL;
  if (s->dtype == SEG_U8 && k == 2 && c <= 4)
    tmp = (uint16_t *)(j->scratch + (size_t)chunk * j->scratch_per);
  for (int y = y0; y < y1; y++) {
    uint8_t *dr = seg_row(d, y);
    if (tmp) {
      const uint8_t *a = seg_row_u8(s, 2 * y), *b = seg_row_u8(s, 2 * y + 1);
      switch (c) {
        case 1: area2_u8_c1(a, b, tmp, dr, d->w); break;
        case 2: area2_u8_c2(a, b, tmp, dr, d->w); break;
        case 3: area2_u8_c3(a, b, tmp, dr, d->w); break;
        default: area2_u8_c4(a, b, tmp, dr, d->w); break;
      }
      continue;
    }
    for (int i = 0; i < n; i++) {
      int x = i / c, q = i % c;
      double sum = 0;
      for (int dy = 0; dy < k; dy++) {
        const uint8_t *sr = seg_row(s, y * k + dy);
        for (int dx = 0; dx < k; dx++) sum += load(s, sr, ((size_t)x * k + dx) * c + q);
      }
      if (s->dtype == SEG_F32) store(d, dr, i, sum * inv);
      else if (k == 2) store(d, dr, i, floor((sum + 2) / 4));
      else store(d, dr, i, (float)(sum * (float)inv));
    }
  }
}

/* ---- area, general downscale: each output pixel is the overlap-weighted
** mean of the source pixels its footprint covers (OpenCV's ResizeArea). ---- */
static int make_area_taps (int sn, int dn, int **off, int **idx, float **w) {
  double scale = (double)sn / dn;
  int cap = dn * ((int)ceil(scale) + 2);
  *off = malloc(sizeof(int) * ((size_t)dn + 1));
  *idx = malloc(sizeof(int) * (size_t)cap);
  *w = malloc(sizeof(float) * (size_t)cap);
  if (!*off || !*idx || !*w) return SEG_ENOMEM;
  int m = 0;
  for (int d = 0; d < dn; d++) {
    double f0 = d * scale, f1 = f0 + scale;
    int s0 = (int)ceil(f0), s1 = (int)floor(f1);
    if (s1 > sn) s1 = sn;
    (*off)[d] = m;
    if (s0 - f0 > 1e-3) { (*idx)[m] = s0 - 1; (*w)[m++] = (float)((s0 - f0) / scale); }
    for (int s = s0; s < s1; s++) { (*idx)[m] = s; (*w)[m++] = (float)(1.0 / scale); }
    if (f1 - s1 > 1e-3 && s1 < sn) { (*idx)[m] = s1; (*w)[m++] = (float)((f1 - s1) / scale); }
  }
  (*off)[dn] = m;
  return 0;
}

static void area_gen_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const SegBuf *s = j->src; SegBuf *d = j->dst;
  int c = s->c, n = d->w * c;
  double *acc = (double *)(j->scratch + (size_t)chunk * j->scratch_per);
  double *row = acc + n;
  for (int y = y0; y < y1; y++) {
    memset(acc, 0, sizeof(double) * (size_t)n);
    for (int t = j->ay_off[y]; t < j->ay_off[y + 1]; t++) {
      const uint8_t *sr = seg_row(s, j->ay_idx[t]);
      for (int x = 0; x < d->w; x++)
        for (int q = 0; q < c; q++) {
          double v = 0;
          for (int u = j->ax_off[x]; u < j->ax_off[x + 1]; u++)
            v += j->ax_w[u] * load(s, sr, (size_t)j->ax_idx[u] * c + q);
          row[x * c + q] = v;
        }
      float wy = j->ay_w[t];
      for (int i = 0; i < n; i++) acc[i] += wy * row[i];
    }
    uint8_t *dr = seg_row(d, y);
    for (int i = 0; i < n; i++) store(d, dr, i, acc[i]);
  }
}

/* Allocates 'threads' scratch slots of 'per' bytes (16-byte multiples). */
static int alloc_scratch (Job *j, int threads, int rows, size_t per) {
  int t = threads < 1 ? 1 : threads > rows ? rows : threads;
  j->scratch_per = (per + 15) & ~(size_t)15;
  j->scratch = malloc(j->scratch_per * (size_t)t);
  return j->scratch ? 0 : -1;
}

int seg_resize (const SegBuf *src, SegBuf *dst, int method, int threads) {
  seg_assert(dst->c == src->c && dst->dtype == src->dtype);
  Job j;
  memset(&j, 0, sizeof j);
  j.src = src; j.dst = dst;
  int rc = 0;
  if (method == SEG_RESIZE_NEAREST) {
    seg_parallel_for(threads, dst->h, 8, nearest_rows, &j);
    return 0;
  }
  int down = dst->w <= src->w && dst->h <= src->h;
  if (method == SEG_RESIZE_AREA && down) {
    size_t n = (size_t)dst->w * (size_t)dst->c;
    if (src->w % dst->w == 0 && src->h % dst->h == 0 && src->w / dst->w == src->h / dst->h) {
      j.k = src->w / dst->w;
      if (alloc_scratch(&j, threads, dst->h, 2 * n * sizeof(uint16_t))) return SEG_ENOMEM;
      seg_parallel_chunks(threads, dst->h, 8, area_int_rows, &j);
      free(j.scratch);
      return 0;
    }
    if (make_area_taps(src->w, dst->w, &j.ax_off, &j.ax_idx, &j.ax_w) ||
        make_area_taps(src->h, dst->h, &j.ay_off, &j.ay_idx, &j.ay_w) ||
        alloc_scratch(&j, threads, dst->h, 2 * n * sizeof(double))) rc = SEG_ENOMEM;
    else seg_parallel_chunks(threads, dst->h, 8, area_gen_rows, &j);
    free(j.scratch);
    free(j.ax_off); free(j.ax_idx); free(j.ax_w);
    free(j.ay_off); free(j.ay_idx); free(j.ay_w);
    return rc;
  }
  /* OpenCV turns an exact 2x bilinear downscale into its area fast path:
  ** the two are bit-identical there (weights 1/2, 1/2 on both axes). */
  if (method == SEG_RESIZE_BILINEAR && src->w == 2 * dst->w && src->h == 2 * dst->h &&
      src->c != 2) {
    j.k = 2;
    if (alloc_scratch(&j, threads, dst->h, 2 * (size_t)dst->w * (size_t)dst->c * sizeof(uint16_t)))
      return SEG_ENOMEM;
    seg_parallel_chunks(threads, dst->h, 8, area_int_rows, &j);
    free(j.scratch);
    return 0;
  }
  /* bilinear, or area upscaling (OpenCV's linear path with area taps) */
  int area = method == SEG_RESIZE_AREA;
  j.tx.idx = malloc(sizeof(int) * (size_t)dst->w);
  j.tx.wf = malloc(sizeof(float) * 2 * (size_t)dst->w);
  j.tx.wi = malloc(sizeof(int16_t) * 2 * (size_t)dst->w);
  j.ty.idx = malloc(sizeof(int) * (size_t)dst->h);
  j.ty.wf = malloc(sizeof(float) * 2 * (size_t)dst->h);
  j.ty.wi = malloc(sizeof(int16_t) * 2 * (size_t)dst->h);
  if (!j.tx.idx || !j.tx.wf || !j.tx.wi || !j.ty.idx || !j.ty.wf || !j.ty.wi ||
      alloc_scratch(&j, threads, dst->h, 2 * (size_t)dst->w * (size_t)dst->c * sizeof(int32_t)))
    rc = SEG_ENOMEM;
  else {
    make_linear_taps(&j.tx, src->w, dst->w, area, 1);
    make_linear_taps(&j.ty, src->h, dst->h, area, 0);
    seg_parallel_chunks(threads, dst->h, 8, linear_rows, &j);
  }
  free(j.scratch);
  free(j.tx.idx); free(j.tx.wf); free(j.tx.wi);
  free(j.ty.idx); free(j.ty.wf); free(j.ty.wi);
  return rc;
}

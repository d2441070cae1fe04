/* features.c — the pixel features SLIC and quick shift cluster: as
** scikit-image 0.19's slic and quickshift prepare them (img_as_float, the
** min/max rescaling of slic, rgb2lab, gaussian smoothing, the colour
** weight), laid out planar so the distance loops read each channel as a
** contiguous row. */
#include <math.h>
#include "superpixel.h"
#include "ops/colour/colour.h"
#include "ops/filter/filter.h"

typedef struct Planar {
  const float *src;     /* interleaved, C channels */
  float *dst;           /* planar */
  int w, c;
  size_t plane;
  float scale;
} Planar;

static void planar_rows (void *arg, int y0, int y1) {
  const Planar *p = arg;
  for (int y = y0; y < y1; y++) {
    const float *s = p->src + (size_t)y * p->w * p->c;
    for (int c = 0; c < p->c; c++) {
      float *restrict d = p->dst + c * p->plane + (size_t)y * p->w;
      for (int x = 0; x < p->w; x++) d[x] = s[(size_t)x * p->c + c] * p->scale;
    }
  }
}

typedef struct Plain {
  const SegBuf *src;
  float *dst;           /* interleaved f32 */
  double gain, offset;
} Plain;

static void plain_rows (void *arg, int y0, int y1) {
  const Plain *p = arg;
  size_t n = (size_t)p->src->w * p->src->c;
  for (int y = y0; y < y1; y++) {
    const uint8_t *row = seg_row(p->src, y);
    float *d = p->dst + (size_t)y * n;
    for (size_t i = 0; i < n; i++) d[i] = (float)(seg_elem(p->src->dtype, row, i) * p->gain + p->offset);
  }
}

/* Smallest and largest sample (NaN ignored; 0, 0 when there is none). */
static void minmax (const SegBuf *b, double *mn, double *mx) {
  double lo = INFINITY, hi = -INFINITY;
  size_t n = (size_t)b->w * b->c;
  for (int y = 0; y < b->h; y++) {
    const uint8_t *row = seg_row(b, y);
    if (b->dtype == SEG_U8) {
      uint8_t l = 255, h = 0;
      for (size_t i = 0; i < n; i++) { l = row[i] < l ? row[i] : l; h = row[i] > h ? row[i] : h; }
      lo = fmin(lo, l); hi = fmax(hi, h);
    } else {
      for (size_t i = 0; i < n; i++) {
        double v = seg_elem(b->dtype, row, i);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (!(lo <= hi)) lo = hi = 0;
  *mn = lo; *mx = hi;
}

int seg_superpixel_features (const SegBuf *src, int lab, int normalise, double sigma,
                             double scale, float *f, float *tmp, int threads) {
  int w = src->w, h = src->h, C = lab ? 3 : src->c;
  size_t plane = (size_t)w * h;
  double unit = seg_colour_unit(src->dtype), gain = unit, offset = 0;
  if (normalise) {               /* image -= image.min(); image /= image.max() (if not 0) */
    double mn, mx;
    minmax(src, &mn, &mx);
    mn *= unit; mx *= unit;
    double range = mx - mn;
    if (range != 0) { gain = unit / range; offset = -mn / range; }
    else offset = -mn;
  }
  int grain = 1 + 16384 / (w > 0 ? w : 1);
  float *a = tmp, *b = tmp + plane * C;
  SegBuf ab = {w, h, C, SEG_F32, (size_t)w * C * sizeof(float), (uint8_t *)a};
  SegBuf bb = {w, h, C, SEG_F32, (size_t)w * C * sizeof(float), (uint8_t *)b};
  if (lab && !(sigma > 0)) {       /* straight to the planes, scaled as planar_rows does */
    seg_colour_planar(src, f, (float)scale, SEG_COLOUR_LAB, gain, offset, threads);
    return SEG_OK;
  }
  if (lab) seg_colour_convert(src, &ab, SEG_COLOUR_LAB, 0, gain, offset, threads);
  else {
    Plain p = {src, a, gain, offset};
    seg_parallel_for(threads, h, grain, plain_rows, &p);
  }
  const float *in = a;
  float s = (float)scale;
  if (sigma > 0) {
    int rc = seg_gaussian_scipy(&ab, &bb, sigma, 4.0, SEG_BORDER_REFLECT, scale, threads);
    if (rc != SEG_OK) return rc;
    in = b;
    s = 1.0f;
  }
  Planar p = {in, f, w, C, plane, s};
  seg_parallel_for(threads, h, grain, planar_rows, &p);
  return SEG_OK;
}

/* separable.c — generic separable correlation in float (seg_sepfilter),
** also the f32 path of the Gaussian and the float rows of the bilateral. */
#include "filter_internal.h"

SEG_CLONES static void to_float_u8 (const uint8_t *restrict s, float *restrict d, int n) {
  for (int i = 0; i < n; i++) d[i] = s[i];
}
SEG_CLONES static void to_float_u16 (const uint16_t *restrict s, float *restrict d, int n) {
  for (int i = 0; i < n; i++) d[i] = s[i];
}
static void to_float_i32 (const int32_t *restrict s, float *restrict d, int n) {
  for (int i = 0; i < n; i++) d[i] = (float)s[i];
}

/* Row as floats: a copy for f32, a conversion otherwise (into tmp). */
const float *seg_row_float (SegDtype t, const uint8_t *ext, int n, float *tmp) {
  switch (t) {
    case SEG_U8: to_float_u8(ext, tmp, n); return tmp;
    case SEG_U16: to_float_u16((const uint16_t *)ext, tmp, n); return tmp;
    case SEG_I32: to_float_i32((const int32_t *)ext, tmp, n); return tmp;
    default: return (const float *)ext;
  }
}

SEG_CLONES static void sh_f32 (const float *restrict e, float *restrict o,
                               const float *restrict k, int nk, int c, int n) {
  float k0 = k[0];
  for (int x = 0; x < n; x++) o[x] = k0 * e[x];
  for (int i = 1; i < nk; i++) {
    const float *restrict a = e + i * c;
    float ki = k[i];
    if (ki == 0) continue;
    for (int x = 0; x < n; x++) o[x] += ki * a[x];
  }
}

static inline void macc_f32 (float *restrict acc, const float *restrict a, float k, int m) {
  for (int x = 0; x < m; x++) acc[x] += k * a[x];
}

SEG_CLONES static void sv_f32 (const float *const *rows, float *restrict d,
                               const float *restrict k, int nk, int n, float gain, int accum,
                               float *restrict acc) {
  for (int x0 = 0; x0 < n; x0 += XBLOCK) {
    int m = n - x0 < XBLOCK ? n - x0 : XBLOCK;
    const float *restrict r0 = rows[0] + x0;
    float k0 = k[0];
    for (int x = 0; x < m; x++) acc[x] = k0 * r0[x];
    for (int j = 1; j < nk; j++)
      if (k[j] != 0) macc_f32(acc, rows[j] + x0, k[j], m);
    float *restrict o = d + x0;
    if (accum) for (int x = 0; x < m; x++) o[x] += gain * acc[x];
    else for (int x = 0; x < m; x++) o[x] = gain * acc[x];
  }
}

void seg_sep_h (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  const SepK *k = p->k;
  int c = p->src->c, n = (p->src->w + 2 * p->rx) * c;
  const float *e = seg_row_float(p->src->dtype, ext, n, (float *)tmp + XBLOCK);
  sh_f32(e, out, k->kx, k->nx, c, p->src->w * c);
}
void seg_sep_v (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  const SepK *k = p->k;
  sv_f32((const float *const *)rows, (float *)d, k->ky, k->ny, p->src->w * p->src->c,
         k->gain, k->acc, tmp);
}

int seg_sepfilter (const SegBuf *src, SegBuf *dst, const float *kx, int nx,
                   const float *ky, int ny, int border, float gain, int acc, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == SEG_F32);
  SepK k = {kx, ky, nx, ny, gain, acc};
  RowPass p = {0};
  p.src = src; p.dst = dst; p.rx = nx / 2; p.ry = ny / 2; p.border = border;
  p.hbytes = (size_t)src->w * (size_t)src->c * sizeof(float);
  p.tbytes = (XBLOCK + (size_t)(src->w + 2 * p.rx) * (size_t)src->c) * sizeof(float);
  p.h = seg_sep_h; p.v = seg_sep_v; p.k = &k;
  return seg_rowpass_run(&p, threads);
}

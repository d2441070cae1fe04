/* stats.c — histograms, per-channel statistics, mask counts and boxes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

#define MAXT 256

/* ---------- histogram ---------- */

typedef struct HistJob {
  const SegBuf *src; int ch, bins; double lo, hi;
  uint64_t *part;   /* threads x bins partial counts */
  int nparts;
} HistJob;

/* u8 counts of one row pair. Four sub-histograms per stream keep
** neighbouring pixels, which often share a value, off one counter's
** store-to-load chain; two streams half a chunk apart make the pixels that
** do share a sub-histogram unrelated (12% faster than one stream). */
static void u8_count2 (const uint8_t *a, const uint8_t *b, int n, uint32_t (*t)[256]) {
  int x = 0;
  for (; x + 4 <= n; x += 4) {
    uint32_t u, v;
    memcpy(&u, a + x, 4); memcpy(&v, b + x, 4);
    t[0][u & 255]++; t[1][(u >> 8) & 255]++; t[2][(u >> 16) & 255]++; t[3][u >> 24]++;
    t[4][v & 255]++; t[5][(v >> 8) & 255]++; t[6][(v >> 16) & 255]++; t[7][v >> 24]++;
  }
  for (; x < n; x++) { t[0][a[x]]++; t[4][b[x]]++; }
}

/* Adds the 32-bit sub-histograms into h and clears them. */
static void u8_flush (uint32_t (*t)[256], int nsub, uint64_t *h) {
  for (int v = 0; v < 256; v++)
    for (int k = 0; k < nsub; k++) { h[v] += t[k][v]; t[k][v] = 0; }
}

/* Full-range 256-bin histogram of one u8 channel over rows [y0, y1). */
static void hist_u8_rows (const SegBuf *s, int ch, int y0, int y1, uint64_t *h) {
  uint32_t t[8][256];
  memset(t, 0, sizeof t);
  const size_t cap = ((size_t)1 << 31) - 2 * (size_t)s->w;   /* 32-bit counts never wrap */
  size_t since = 0;
  if (s->c == 1) {
    int half = (y1 - y0) / 2;
    for (int i = 0; i < half; i++) {
      u8_count2(seg_row_u8(s, y0 + i), seg_row_u8(s, y0 + half + i), s->w, t);
      if ((since += 2 * (size_t)s->w) >= cap) { u8_flush(t, 8, h); since = 0; }
    }
    for (int y = y0 + 2 * half; y < y1; y++) {   /* an odd row out */
      const uint8_t *r = seg_row_u8(s, y);
      for (int x = 0; x < s->w; x++) h[r[x]]++;
    }
  } else {
    for (int y = y0; y < y1; y++) {
      const uint8_t *r = seg_row_u8(s, y) + ch;
      int x = 0, c = s->c;
      for (; x + 4 <= s->w; x += 4) {
        t[0][r[(size_t)x * c]]++; t[1][r[(size_t)(x + 1) * c]]++;
        t[2][r[(size_t)(x + 2) * c]]++; t[3][r[(size_t)(x + 3) * c]]++;
      }
      for (; x < s->w; x++) t[0][r[(size_t)x * c]]++;
      if ((since += (size_t)s->w) >= cap) { u8_flush(t, 4, h); since = 0; }
    }
  }
  u8_flush(t, 8, h);
}

static void hist_rows (void *arg, int slot, int y0, int y1) {
  HistJob *j = arg;
  const SegBuf *s = j->src;
  uint64_t *h = j->part + (size_t)slot * (size_t)j->bins;
  int c = s->c, ch = j->ch;
  if (s->dtype == SEG_U8 && j->bins == 256 && j->lo == 0 && j->hi == 255) {
    hist_u8_rows(s, ch, y0, y1, h);
    return;
  }
  double lo = j->lo, hi = j->hi;
  int bins = j->bins;
  int isint = s->dtype != SEG_F32;
  /* Halved so that hi - lo cannot overflow for finite lo, hi (the binding
  ** refuses others); then v - lo of any v in [lo, hi] is finite too. */
  double half = isint ? hi * 0.5 - lo * 0.5 + 0.5 : hi * 0.5 - lo * 0.5;
  double k = half > 0 ? bins / half : 0;
  for (int y = y0; y < y1; y++) {
    const uint8_t *r = seg_row(s, y);
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)x * c + ch;
      double v = seg_elem(s->dtype, r, i);
      if (!(v >= lo && v <= hi)) continue;   /* also drops NaN */
      /* f is NaN only for 0 * inf (k infinite for a subnormal span, v = lo):
      ** bin 0; f >= bins (also +inf) is the closed last bin */
      double f = (v * 0.5 - lo * 0.5) * k;
      int b = f >= 1 ? (f < bins ? (int)f : bins - 1) : 0;
      h[b]++;
    }
  }
}

void seg_histogram (const SegBuf *src, int ch, int bins, double lo, double hi,
                    uint64_t *counts, int threads) {
  int t = threads < 1 ? 1 : threads > MAXT ? MAXT : threads;
  if (t > src->h) t = src->h;
  uint64_t *part = calloc((size_t)t * (size_t)bins, sizeof(uint64_t));
  memset(counts, 0, sizeof(uint64_t) * (size_t)bins);
  if (!part) {   /* no scratch: one pass straight into counts */
    HistJob j = {src, ch, bins, lo, hi, counts, 1};
    hist_rows(&j, 0, 0, src->h);
    return;
  }
  HistJob j = {src, ch, bins, lo, hi, part, t};
  seg_parallel_chunks(t, src->h, 1, hist_rows, &j);
  for (int p = 0; p < t; p++)
    for (int b = 0; b < bins; b++) counts[b] += part[(size_t)p * bins + b];
  free(part);
}

int seg_finite_range (const SegBuf *src, double *lo, double *hi) {
  double a = HUGE_VAL, b = -HUGE_VAL;
  size_t n = (size_t)src->w * (size_t)src->c;
  for (int y = 0; y < src->h; y++) {
    const uint8_t *r = seg_row(src, y);
    for (size_t i = 0; i < n; i++) {
      double v = seg_elem(src->dtype, r, i);
      if (!isfinite(v)) continue;
      a = v < a ? v : a;
      b = v > b ? v : b;
    }
  }
  if (a > b) { *lo = *hi = 0; return 0; }
  *lo = a; *hi = b;
  return 1;
}

/* ---------- per-channel statistics ---------- */

typedef struct StatPart { double mn[4], mx[4], sum[4], sq[4]; } StatPart;
typedef struct StatJob { const SegBuf *src; StatPart *parts; int ch, wide; } StatJob;

/* u8 with 1-4 channels: all channels in one pass over the flat row. The
** row is read in blocks of P = 16*c elements into P lane accumulators (a
** fixed-length unit-stride inner loop, which vectorizes); lane j belongs to
** channel j % c. 32-bit lanes are folded into doubles every 4096 blocks,
** well before 255^2 * 4096 * ... could wrap. */
SEG_CLONES static void stat_u8_row (const uint8_t *restrict r, size_t n, int c, uint32_t *restrict s,
                                    uint32_t *restrict q, uint8_t *restrict mn, uint8_t *restrict mx,
                                    double *sum, double *sq) {
  const size_t P = 16 * (size_t)c;
  size_t i = 0;
  while (i + P <= n) {
    size_t blocks = (n - i) / P;
    if (blocks > 4096) blocks = 4096;
    for (int j = 0; j < 64; j++) { s[j] = 0; q[j] = 0; }
    for (size_t b = 0; b < blocks; b++, i += P)
      for (size_t j = 0; j < P; j++) {
        uint32_t v = r[i + j];
        s[j] += v; q[j] += v * v;
        mn[j] = r[i + j] < mn[j] ? r[i + j] : mn[j];
        mx[j] = r[i + j] > mx[j] ? r[i + j] : mx[j];
      }
    for (size_t j = 0; j < P; j++) { sum[j % (size_t)c] += s[j]; sq[j % (size_t)c] += q[j]; }
  }
  for (; i < n; i++) {   /* tail: i is a multiple of P here, so lane = i % P */
    size_t j = i % P;
    uint32_t v = r[i];
    sum[j % (size_t)c] += v; sq[j % (size_t)c] += (double)(v * v);
    mn[j] = r[i] < mn[j] ? r[i] : mn[j];
    mx[j] = r[i] > mx[j] ? r[i] : mx[j];
  }
}

/* The same sums with AVX2 (only called where the CPU has it: seg_cpu_avx2),
** exact in 64-bit integers. A row is read 32 bytes at a time, 30 for RGB
** (whose last two bytes are masked to zero), so every step starts on a
** pixel and byte j of a step is always channel j % c. Bytes are split into
** even and odd u16 lanes (v & 0xff, v >> 8); their u16 sums take at most
** 256 steps (255 * 256 < 65536) before they are flushed into the 64-bit
** totals. vpmaddwd of a half with itself sums the squares of a dword's two
** bytes (4l, 4l+2 or 4l+1, 4l+3), one channel when c divides 2; for c = 3
** and 4 a second vpmaddwd with the pair's high word zeroed gives the first
** byte's square alone, and the second's is the difference. The dword
** sums of squares stay below 2 * 255^2 * 256. Min and max are vpminub /
** vpmaxub over the unmasked step: its bytes 30 and 31 (RGB) are the row's
** own, of channels 0 and 1 as 30 % 3 and 31 % 3 say. No load reaches past
** the row: a step runs only while 32 bytes remain, the rest is scalar. */
#ifdef SEG_X86_TARGETS
#include <immintrin.h>
typedef struct StatU8 { uint64_t sum[4], sq[4]; uint8_t mn[4], mx[4]; } StatU8;

__attribute__((target("avx2")))
static void stat_u8_flush (int c, __m256i se, __m256i so, __m256i qe, __m256i qo, __m256i re,
                           __m256i ro, StatU8 *a) {
  uint16_t e[16], o[16];
  uint32_t q[2][8], r[2][8];
  _mm256_storeu_si256((__m256i *)e, se); _mm256_storeu_si256((__m256i *)o, so);
  _mm256_storeu_si256((__m256i *)q[0], qe); _mm256_storeu_si256((__m256i *)q[1], qo);
  _mm256_storeu_si256((__m256i *)r[0], re); _mm256_storeu_si256((__m256i *)r[1], ro);
  for (int m = 0; m < 16; m++) { a->sum[2 * m % c] += e[m]; a->sum[(2 * m + 1) % c] += o[m]; }
  for (int l = 0; l < 8; l++)
    for (int h = 0; h < 2; h++) {   /* h: the even or odd bytes, 4l + h and 4l + 2 + h */
      if (c <= 2) { a->sq[(4 * l + h) % c] += q[h][l]; continue; }
      a->sq[(4 * l + h) % c] += r[h][l];
      a->sq[(4 * l + 2 + h) % c] += q[h][l] - r[h][l];
    }
}

__attribute__((target("avx2"), always_inline))
static inline void stat_u8_avx2_c (const SegBuf *s, int y0, int y1, const int c, StatU8 *a) {
  const size_t n = (size_t)s->w * (size_t)c, step = c == 3 ? 30 : 32;
  const __m256i m8 = _mm256_set1_epi16(0xff), m16 = _mm256_set1_epi32(0xffff);
  const __m256i keep = c == 3 ? _mm256_setr_epi64x(-1, -1, -1, 0xffffffffffffLL) : _mm256_set1_epi8(-1);
  const __m256i zero = _mm256_setzero_si256();
  __m256i se = zero, so = zero, qe = zero, qo = zero, re = zero, ro = zero;
  __m256i vmn = _mm256_set1_epi8(-1), vmx = zero;
  int k = 0;
  for (int y = y0; y < y1; y++) {
    const uint8_t *r = seg_row_u8(s, y);
    size_t i = 0;
    for (; i + 32 <= n; i += step) {
      __m256i v = _mm256_loadu_si256((const __m256i *)(r + i));
      vmn = _mm256_min_epu8(vmn, v); vmx = _mm256_max_epu8(vmx, v);
      if (c == 3) v = _mm256_and_si256(v, keep);
      __m256i e = _mm256_and_si256(v, m8), o = _mm256_srli_epi16(v, 8);
      se = _mm256_add_epi16(se, e); so = _mm256_add_epi16(so, o);
      qe = _mm256_add_epi32(qe, _mm256_madd_epi16(e, e));
      qo = _mm256_add_epi32(qo, _mm256_madd_epi16(o, o));
      if (c >= 3) {
        re = _mm256_add_epi32(re, _mm256_madd_epi16(e, _mm256_and_si256(e, m16)));
        ro = _mm256_add_epi32(ro, _mm256_madd_epi16(o, _mm256_and_si256(o, m16)));
      }
      if (++k == 256) {
        stat_u8_flush(c, se, so, qe, qo, re, ro, a);
        se = so = qe = qo = re = ro = zero; k = 0;
      }
    }
    for (int ch = 0; i < n; i++, ch = ch + 1 == c ? 0 : ch + 1) {   /* i % c == 0 on entry */
      uint32_t v = r[i];
      a->sum[ch] += v; a->sq[ch] += v * v;
      a->mn[ch] = r[i] < a->mn[ch] ? r[i] : a->mn[ch];
      a->mx[ch] = r[i] > a->mx[ch] ? r[i] : a->mx[ch];
    }
  }
  stat_u8_flush(c, se, so, qe, qo, re, ro, a);
  uint8_t bmn[32], bmx[32];
  _mm256_storeu_si256((__m256i *)bmn, vmn); _mm256_storeu_si256((__m256i *)bmx, vmx);
  for (int j = 0; j < 32; j++) {
    a->mn[j % c] = bmn[j] < a->mn[j % c] ? bmn[j] : a->mn[j % c];
    a->mx[j % c] = bmx[j] > a->mx[j % c] ? bmx[j] : a->mx[j % c];
  }
}

/* Rows [y0, y1) of a u8 image with 1-4 channels into a (zeroed, mn 255). */
__attribute__((target("avx2")))
static void stat_u8_avx2 (const SegBuf *s, int y0, int y1, StatU8 *a) {
  switch (s->c) {
    case 1: stat_u8_avx2_c(s, y0, y1, 1, a); break;
    case 2: stat_u8_avx2_c(s, y0, y1, 2, a); break;
    case 3: stat_u8_avx2_c(s, y0, y1, 3, a); break;
    default: stat_u8_avx2_c(s, y0, y1, 4, a); break;
  }
}
#endif

static void stat_rows (void *arg, int slot, int y0, int y1) {
  StatJob *j = arg;
  const SegBuf *s = j->src;
  StatPart *p = &j->parts[slot];
  int c = s->c;
#ifdef SEG_X86_TARGETS
  if (s->dtype == SEG_U8 && c <= 4 && j->wide) {
    StatU8 a;
    memset(&a, 0, sizeof a);
    memset(a.mn, 255, sizeof a.mn);
    stat_u8_avx2(s, y0, y1, &a);
    for (int k = 0; k < c; k++) {   /* exact below 2^53, as the doubles below */
      p->mn[k] = a.mn[k]; p->mx[k] = a.mx[k];
      p->sum[k] = (double)a.sum[k]; p->sq[k] = (double)a.sq[k];
    }
    return;
  }
#endif
  if (s->dtype == SEG_U8 && c <= 4) {
    uint32_t ls[64], lq[64];
    uint8_t mn[64], mx[64];
    double sum[4] = {0}, sq[4] = {0};
    memset(mn, 255, sizeof mn);
    memset(mx, 0, sizeof mx);
    for (int y = y0; y < y1; y++)
      stat_u8_row(seg_row_u8(s, y), (size_t)s->w * (size_t)c, c, ls, lq, mn, mx, sum, sq);
    for (int k = 0; k < c; k++) {
      p->mn[k] = HUGE_VAL; p->mx[k] = -HUGE_VAL;
      p->sum[k] = sum[k]; p->sq[k] = sq[k];
    }
    for (int jj = 0; jj < 16 * c; jj++) {
      int k = jj % c;
      if (mn[jj] < p->mn[k]) p->mn[k] = mn[jj];
      if (mx[jj] > p->mx[k]) p->mx[k] = mx[jj];
    }
    return;
  }
  /* other types: one channel (j->ch) per call */
  int ch = j->ch;
  double mn = HUGE_VAL, mx = -HUGE_VAL, sum = 0, sq = 0;
  for (int y = y0; y < y1; y++) {
    const uint8_t *r = seg_row(s, y);
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)x * c + ch;
      double v = seg_elem(s->dtype, r, i);
      sum += v; sq += v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
  }
  p->mn[0] = mn; p->mx[0] = mx; p->sum[0] = sum; p->sq[0] = sq;
}

static void stat_fold (const StatPart *parts, int t, int k, double n, double *mn, double *mx,
                       double *mean, double *sd, int out) {
  double a = HUGE_VAL, b = -HUGE_VAL, s = 0, q = 0;
  for (int p = 0; p < t; p++) {
    if (parts[p].mn[k] < a) a = parts[p].mn[k];
    if (parts[p].mx[k] > b) b = parts[p].mx[k];
    s += parts[p].sum[k]; q += parts[p].sq[k];
  }
  double m = s / n, var = q / n - m * m;
  if (mn) mn[out] = a;
  if (mx) mx[out] = b;
  if (mean) mean[out] = m;
  if (sd) sd[out] = sqrt(var > 0 ? var : 0);
}

void seg_stats (const SegBuf *src, double *mn, double *mx, double *mean,
                double *sd, int threads) {
  int t = threads < 1 ? 1 : threads > MAXT ? MAXT : threads;
  if (t > src->h) t = src->h;
  StatPart parts[MAXT];
  double n = (double)src->w * src->h;
  if (src->dtype == SEG_U8 && src->c <= 4) {
    StatJob j = {src, parts, 0, seg_cpu_avx2()};
    memset(parts, 0, sizeof(StatPart) * (size_t)t);
    seg_parallel_chunks(t, src->h, 1, stat_rows, &j);
    for (int k = 0; k < src->c; k++) stat_fold(parts, t, k, n, mn, mx, mean, sd, k);
    return;
  }
  for (int ch = 0; ch < src->c; ch++) {
    StatJob j = {src, parts, ch, 0};
    for (int p = 0; p < t; p++) parts[p] = (StatPart){{HUGE_VAL}, {-HUGE_VAL}, {0}, {0}};
    seg_parallel_chunks(t, src->h, 1, stat_rows, &j);
    stat_fold(parts, t, 0, n, mn, mx, mean, sd, ch);
  }
}

/* ---------- masks ---------- */

typedef struct CountJob { const SegBuf *m; uint64_t part[MAXT]; int nparts; } CountJob;

SEG_CLONES static uint64_t count_row (const uint8_t *restrict r, int w) {
  uint32_t s = 0;
  for (int x = 0; x < w; x++) s += r[x] != 0;
  return s;
}

static void count_rows (void *arg, int slot, int y0, int y1) {
  CountJob *j = arg;
  uint64_t s = 0;
  for (int y = y0; y < y1; y++) s += count_row(seg_row_u8(j->m, y), j->m->w);
  j->part[slot] = s;
}

uint64_t seg_mask_count (const SegBuf *m, int threads) {
  CountJob j;
  j.m = m;
  j.nparts = threads < 1 ? 1 : threads > MAXT ? MAXT : threads;
  if (j.nparts > m->h) j.nparts = m->h;
  memset(j.part, 0, sizeof j.part);
  seg_parallel_chunks(j.nparts, m->h, 1, count_rows, &j);
  uint64_t s = 0;
  for (int p = 0; p < j.nparts; p++) s += j.part[p];
  return s;
}

int seg_mask_bbox (const SegBuf *m, int *x, int *y, int *w, int *h) {
  int x0 = m->w, x1 = -1, y0 = m->h, y1 = -1;
  for (int r = 0; r < m->h; r++) {
    const uint8_t *p = seg_row_u8(m, r);
    int first = -1, last = -1;
    for (int c = 0; c < m->w; c++) if (p[c]) { first = c; break; }
    if (first < 0) continue;
    for (int c = m->w - 1; c >= first; c--) if (p[c]) { last = c; break; }
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
    if (r < y0) y0 = r;
    y1 = r;
  }
  if (x1 < 0) return 0;
  *x = x0; *y = y0; *w = x1 - x0 + 1; *h = y1 - y0 + 1;
  return 1;
}

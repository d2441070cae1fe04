/* median.c — median over a square window, exact for every dtype: sorting
** networks (r <= 2), Perreault & Hebert's constant-time histograms (u8),
** sorted windows (u16, f32). */
#include <stdlib.h>
#include <string.h>
#include "filter_internal.h"

/* Knuth's merge-exchange sorting network (TAOCP 5.2.2, Algorithm M), pruned
** backwards to the comparators the middle output depends on. */
static int median_network (int n, uint8_t (*cmp)[2]) {
  uint8_t all[2048][2];
  int m = 0, t = 0;
  while ((1 << t) < n) t++;
  for (int p = 1 << (t - 1); p > 0; p >>= 1) {
    int q = 1 << (t - 1), r = 0, d = p;
    for (;;) {
      for (int i = 0; i < n - d; i++)
        if ((i & p) == r) { all[m][0] = (uint8_t)i; all[m][1] = (uint8_t)(i + d); m++; }
      if (q == p) break;
      d = q - p; q >>= 1; r = p;
    }
  }
  uint8_t need[64] = {0};
  need[n / 2] = 1;
  int keep = 0;
  uint8_t kept[2048];
  for (int i = m - 1; i >= 0; i--) {
    kept[i] = need[all[i][0]] || need[all[i][1]];
    if (kept[i]) { need[all[i][0]] = need[all[i][1]] = 1; keep++; }
  }
  int o = 0;
  for (int i = 0; i < m; i++)
    if (kept[i]) { cmp[o][0] = all[i][0]; cmp[o][1] = all[i][1]; o++; }
  return keep;
}

typedef struct MedNet { uint8_t cmp[2048][2]; int ncmp, k; } MedNet;

#define MNB 64   /* elements per network block */
#define DEF_NET(T, NAME)                                                              \
  SEG_CLONES static void NAME (const T *const *rows, T *restrict d, const MedNet *net, \
                               int r, int c, int n, T *restrict v) {                  \
    int k = net->k, win = 2 * r + 1;                                                  \
    for (int x0 = 0; x0 < n; x0 += MNB) {                                             \
      int m = n - x0 < MNB ? n - x0 : MNB;                                            \
      for (int dy = 0; dy < win; dy++)                                                \
        for (int dx = 0; dx < win; dx++) {                                            \
          const T *s = rows[dy] + x0 + dx * c;                                        \
          T *o = v + (dy * win + dx) * MNB;                                           \
          for (int x = 0; x < m; x++) o[x] = s[x];                                    \
          for (int x = m; x < MNB; x++) o[x] = s[0];                                  \
        }                                                                             \
      for (int q = 0; q < net->ncmp; q++) {                                           \
        T *restrict a = v + net->cmp[q][0] * MNB, *restrict b = v + net->cmp[q][1] * MNB; \
        for (int x = 0; x < MNB; x++) {                                               \
          T lo = a[x] < b[x] ? a[x] : b[x], hi = a[x] < b[x] ? b[x] : a[x];           \
          a[x] = lo; b[x] = hi;                                                       \
        }                                                                             \
      }                                                                               \
      const T *md = v + (k / 2) * MNB;                                                \
      for (int x = 0; x < m; x++) d[x0 + x] = md[x];                                  \
    }                                                                                 \
  }
DEF_NET(uint8_t, net_u8)
DEF_NET(uint16_t, net_u16)
DEF_NET(float, net_f32)

static void ext_h (const RowPass *p, const uint8_t *ext, void *out, void *tmp) {
  (void)tmp;
  memcpy(out, ext, p->hbytes);
}
static void net_v (const RowPass *p, const void *const *rows, uint8_t *d, void *tmp) {
  int c = p->src->c, n = p->src->w * c;
  switch (p->src->dtype) {
    case SEG_U8: net_u8((const uint8_t *const *)rows, d, p->k, p->rx, c, n, tmp); break;
    case SEG_U16: net_u16((const uint16_t *const *)rows, (uint16_t *)d, p->k, p->rx, c, n, tmp); break;
    default: net_f32((const float *const *)rows, (float *)d, p->k, p->rx, c, n, tmp);
  }
}

/* Perreault & Hebert 2007, "Median filtering in constant time": per-column
** histograms (16 coarse + 256 fine bins) slid down the rows, a kernel coarse
** histogram slid along the row, and kernel fine histograms updated lazily,
** only for the coarse bin that holds the median. Columns are processed in
** stripes so the column histograms stay in cache. */
#define PH_STRIPE 512
typedef struct PHJob { const SegBuf *s; SegBuf *d; int r; int fail; } PHJob;

static inline __attribute__((always_inline)) void add16 (uint16_t *restrict a, const uint16_t *restrict b,
                                                          const uint16_t *restrict c) {
  for (int i = 0; i < 16; i++) a[i] = (uint16_t)(a[i] + b[i] - c[i]);
}

/* One output row of a stripe: windows at virtual columns u .. u + 2r for
** x = x0 + u in [x0, x1), from the column histograms 'fine' (272 u16 a
** column: 256 fine bins, then 16 coarse). The kernel coarse histogram
** slides along the row; the kernel fine histogram of a coarse bin (kf) is
** brought up to date only when the median falls in that bin, from the
** column it was last updated at (luc). */
static void ph_row (const uint16_t *fine, int x0, int x1, int r, int half, uint8_t *d, int c) {
  const int win = 2 * r + 1;
  uint16_t kc[16] = {0}, kf[256];
  int luc[16];
  for (int b = 0; b < 16; b++) luc[b] = -0x40000000;
  for (int u = 0; u < win; u++)
    for (int b = 0; b < 16; b++) kc[b] = (uint16_t)(kc[b] + fine[(size_t)u * 272 + 256 + b]);
  static const uint16_t zero16[16] = {0};
  for (int x = x0; x < x1; x++) {
    int u = x - x0;      /* window = virtual columns u .. u+2r */
    if (x > x0) add16(kc, fine + (size_t)(u + 2 * r) * 272 + 256, fine + (size_t)(u - 1) * 272 + 256);
    int b = 0, cum = 0;
    while (cum + kc[b] <= half) { cum += kc[b]; b++; }
    uint16_t *f = kf + b * 16;
    if (u - luc[b] >= win) {
      memset(f, 0, sizeof(uint16_t) * 16);
      for (int q = u; q <= u + 2 * r; q++) add16(f, fine + (size_t)q * 272 + b * 16, zero16);
    } else {
      for (int q = luc[b] + 1; q <= u; q++)
        add16(f, fine + (size_t)(q + 2 * r) * 272 + b * 16, fine + (size_t)(q - 1) * 272 + b * 16);
    }
    luc[b] = u;
    int i = 0;
    while (cum + f[i] <= half) { cum += f[i]; i++; }
    d[(size_t)x * c] = (uint8_t)(b * 16 + i);
  }
}

/* ph_row with AVX2 (chosen at run time): the kernel coarse histogram stays
** in a register, and both searches are a prefix sum of 16 u16 lanes
** compared with the rank at once (the counts stay below 65536, so the
** sums are exact and compare unsigned). Same bins, same result. */
#ifdef SEG_X86_TARGETS
#include <immintrin.h>
__attribute__((target("avx2"))) static inline __m256i prefix16 (__m256i v) {
  v = _mm256_add_epi16(v, _mm256_slli_si256(v, 2));
  v = _mm256_add_epi16(v, _mm256_slli_si256(v, 4));
  v = _mm256_add_epi16(v, _mm256_slli_si256(v, 8));
  __m256i t = _mm256_shuffle_epi8(v, _mm256_set1_epi16(0x0F0E));   /* each lane's total */
  return _mm256_add_epi16(v, _mm256_permute2x128_si256(t, t, 0x08)); /* low total into the high lane */
}

/* The number of (non-decreasing) prefix sums at or below lim. */
__attribute__((target("avx2"))) static inline int count_le (__m256i p, int lim) {
  __m256i le = _mm256_cmpeq_epi16(_mm256_min_epu16(p, _mm256_set1_epi16((short)lim)), p);
  return __builtin_popcount((unsigned)_mm256_movemask_epi8(le)) >> 1;
}

#define LD16(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
__attribute__((target("avx2")))
static void ph_row_avx2 (const uint16_t *fine, int x0, int x1, int r, int half, uint8_t *d, int c) {
  const int win = 2 * r + 1;
  uint16_t kf[256] __attribute__((aligned(32)));
  uint16_t ps[16] __attribute__((aligned(32)));
  int luc[16];
  for (int b = 0; b < 16; b++) luc[b] = -0x40000000;
  __m256i kc = _mm256_setzero_si256();
  for (int u = 0; u < win; u++) kc = _mm256_add_epi16(kc, LD16(fine + (size_t)u * 272 + 256));
  for (int x = x0; x < x1; x++) {
    int u = x - x0;
    if (x > x0)
      kc = _mm256_sub_epi16(_mm256_add_epi16(kc, LD16(fine + (size_t)(u + 2 * r) * 272 + 256)),
                            LD16(fine + (size_t)(u - 1) * 272 + 256));
    __m256i pc = prefix16(kc);
    int b = count_le(pc, half);
    _mm256_store_si256((__m256i *)(void *)ps, pc);
    int cum = b ? ps[b - 1] : 0;
    uint16_t *f = kf + b * 16;
    __m256i fv;
    if (u - luc[b] >= win) {
      fv = _mm256_setzero_si256();
      for (int q = u; q <= u + 2 * r; q++) fv = _mm256_add_epi16(fv, LD16(fine + (size_t)q * 272 + b * 16));
    } else {
      fv = _mm256_load_si256((const __m256i *)(void *)f);
      for (int q = luc[b] + 1; q <= u; q++)
        fv = _mm256_sub_epi16(_mm256_add_epi16(fv, LD16(fine + (size_t)(q + 2 * r) * 272 + b * 16)),
                              LD16(fine + (size_t)(q - 1) * 272 + b * 16));
    }
    _mm256_store_si256((__m256i *)(void *)f, fv);
    luc[b] = u;
    d[(size_t)x * c] = (uint8_t)(b * 16 + count_le(prefix16(fv), half - cum));
  }
}
#undef LD16
#endif

static void ph_band (void *arg, int y0, int y1) {
  PHJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, h = s->h, c = s->c, r = j->r, win = 2 * r + 1;
  int half = (win * win) / 2;
  int ncol = PH_STRIPE + 2 * r;
  uint16_t *fine = malloc(sizeof(uint16_t) * (size_t)ncol * 272 + sizeof(int) * (size_t)ncol);
  if (!fine) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  int *sxi = (int *)(void *)(fine + (size_t)ncol * 272);   /* source byte offset of each virtual column */
#ifdef SEG_X86_TARGETS
  const int wide = seg_cpu_avx2();
#endif
  for (int ch = 0; ch < c; ch++)
    for (int x0 = 0; x0 < w; x0 += PH_STRIPE) {
      int x1 = x0 + PH_STRIPE < w ? x0 + PH_STRIPE : w;
      int nc = x1 - x0 + 2 * r;       /* virtual columns x0-r .. x1+r-1 */
      for (int u = 0; u < nc; u++) sxi[u] = seg_border_index(x0 - r + u, w, SEG_BORDER_REPLICATE) * c + ch;
      memset(fine, 0, sizeof(uint16_t) * (size_t)nc * 272);
      /* layout per column: 256 fine bins then 16 coarse bins */
      for (int v = y0 - r; v <= y0 + r; v++) {
        const uint8_t *row = seg_row(s, seg_border_index(v, h, SEG_BORDER_REPLICATE));
        for (int u = 0; u < nc; u++) {
          int val = row[sxi[u]];
          uint16_t *hc = fine + (size_t)u * 272;
          hc[val]++; hc[256 + (val >> 4)]++;
        }
      }
      for (int y = y0; y < y1; y++) {
        if (y > y0) {
          const uint8_t *in = seg_row(s, seg_border_index(y + r, h, SEG_BORDER_REPLICATE));
          const uint8_t *out = seg_row(s, seg_border_index(y - r - 1, h, SEG_BORDER_REPLICATE));
          for (int u = 0; u < nc; u++) {
            uint16_t *hc = fine + (size_t)u * 272;
            int a = in[sxi[u]], b = out[sxi[u]];
            hc[a]++; hc[256 + (a >> 4)]++;
            hc[b]--; hc[256 + (b >> 4)]--;
          }
        }
        uint8_t *d = seg_row(j->d, y) + ch;
#ifdef SEG_X86_TARGETS
        if (wide) { ph_row_avx2(fine, x0, x1, r, half, d, c); continue; }
#endif
        ph_row(fine, x0, x1, r, half, d, c);
      }
    }
  free(fine);
}

/* Sorted-window median for u16/f32 (keys are order-preserving u32): each
** column keeps its 2r+1 values sorted as the rows slide (one removal, one
** insertion), and the window's sorted list is updated along the row by one
** merge pass that drops the leaving column and merges the entering one. */
typedef struct SWJob { const SegBuf *s; SegBuf *d; int r; int fail; } SWJob;

static inline uint32_t key_of (const SegBuf *s, const uint8_t *row, int i) {
  if (s->dtype == SEG_U16) return ((const uint16_t *)row)[i];
  uint32_t u;
  memcpy(&u, (const float *)row + i, 4);
  return u & 0x80000000u ? ~u : u | 0x80000000u;
}
static inline void put_key (SegBuf *d, uint8_t *row, int i, uint32_t k) {
  if (d->dtype == SEG_U16) { ((uint16_t *)row)[i] = (uint16_t)k; return; }
  uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
  memcpy((float *)row + i, &u, 4);
}

static void col_remove_insert (uint32_t *col, int m, uint32_t out, uint32_t in) {
  int i = 0;
  while (col[i] != out) i++;           /* present: it was inserted earlier */
  memmove(col + i, col + i + 1, sizeof(uint32_t) * (size_t)(m - 1 - i));
  int j = m - 1;
  while (j > 0 && col[j - 1] > in) { col[j] = col[j - 1]; j--; }
  col[j] = in;
}

static void sw_band (void *arg, int y0, int y1) {
  SWJob *j = arg;
  const SegBuf *s = j->s;
  int w = s->w, h = s->h, c = s->c, r = j->r, m = 2 * r + 1, k = m * m;
  int nc = w + 2 * r;
  uint32_t *mem = malloc(sizeof(uint32_t) * ((size_t)nc * (size_t)m + 2 * (size_t)k));
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint32_t *cols = mem, *win = cols + (size_t)nc * m, *nw = win + k;
  for (int ch = 0; ch < c; ch++) {
    for (int u = 0; u < nc; u++) {
      uint32_t *col = cols + (size_t)u * m;
      int sx = seg_border_index(u - r, w, SEG_BORDER_REPLICATE) * c + ch;
      for (int q = 0; q < m; q++) {
        uint32_t v = key_of(s, seg_row(s, seg_border_index(y0 - r + q, h, SEG_BORDER_REPLICATE)), sx);
        int t = q;
        while (t > 0 && col[t - 1] > v) { col[t] = col[t - 1]; t--; }
        col[t] = v;
      }
    }
    for (int y = y0; y < y1; y++) {
      if (y > y0) {
        const uint8_t *in = seg_row(s, seg_border_index(y + r, h, SEG_BORDER_REPLICATE));
        const uint8_t *out = seg_row(s, seg_border_index(y - r - 1, h, SEG_BORDER_REPLICATE));
        for (int u = 0; u < nc; u++) {
          int sx = seg_border_index(u - r, w, SEG_BORDER_REPLICATE) * c + ch;
          col_remove_insert(cols + (size_t)u * m, m, key_of(s, out, sx), key_of(s, in, sx));
        }
      }
      /* window at x = 0: merge columns 0 .. 2r */
      int n = 0;
      for (int u = 0; u < m; u++) {
        const uint32_t *col = cols + (size_t)u * m;
        int a = 0, b = 0, o = 0;
        while (a < n || b < m) {
          if (b >= m || (a < n && win[a] <= col[b])) nw[o++] = win[a++];
          else nw[o++] = col[b++];
        }
        n = o;
        uint32_t *t = win; win = nw; nw = t;
      }
      uint8_t *drow = seg_row(j->d, y);
      put_key(j->d, drow, ch, win[k / 2]);
      for (int x = 1; x < w; x++) {
        const uint32_t *out = cols + (size_t)(x - 1) * m, *in = cols + (size_t)(x + 2 * r) * m;
        int a = 0, po = 0, pi = 0, o = 0;
        while (a < k) {
          uint32_t v = win[a];
          if (po < m && v == out[po]) { po++; a++; continue; }
          if (pi < m && in[pi] < v) { nw[o++] = in[pi++]; continue; }
          nw[o++] = v; a++;
        }
        while (pi < m) nw[o++] = in[pi++];
        uint32_t *t = win; win = nw; nw = t;
        put_key(j->d, drow, x * c + ch, win[k / 2]);
      }
    }
  }
  free(mem);
}

/* ---------- u8 3x3 and 5x5: column sorts shared along the row ----------
** Each window column is sorted once per output row (vertically) and reused
** by the 2r+1 outputs that see it. 3x3: the median is med3 of the max of
** the lows, the median of the middles and the min of the highs. 5x5: sorted
** column pairs P[u] = merge(C[u], C[u+1]) and triples Q[u] = merge(P[u],
** C[u+2]) are also shared, so an output only selects rank 12 of
** Q[x-2] + P[x+1]: 9 + 13 + 25 + 23 comparators per pixel (vs 99 for the
** best plain 25-input network). The merges are Batcher's odd-even merge,
** pruned backwards to what the median needs; the composition was checked
** on every 0-1 input with sorted columns (the 0-1 principle). Exact. */
#define MB 512                 /* output elements per block */
#define MS (MB + 64)           /* rank plane stride: a block plus 4c, c <= 16 */
#define CE(a, b) do { uint8_t t_ = a < b ? a : b; b = a < b ? b : a; a = t_; } while (0)
#define LO(a, b) (a = a < b ? a : b)
#define HI(a, b) (b = a < b ? b : a)

SEG_CLONES static void m3_cols (const uint8_t *restrict a, const uint8_t *restrict b,
                                const uint8_t *restrict e, uint8_t *restrict C, int m) {
  for (int x = 0; x < m; x++) {
    uint8_t v0 = a[x], v1 = b[x], v2 = e[x];
    CE(v0, v1); CE(v1, v2); CE(v0, v1);
    C[x] = v0; C[MS + x] = v1; C[2 * MS + x] = v2;
  }
}

SEG_CLONES static void m3_out (const uint8_t *restrict C, uint8_t *restrict d, int c, int m) {
  const uint8_t *lo = C, *mi = C + MS, *hi = C + 2 * MS;
  for (int x = 0; x < m; x++) {
    uint8_t a = lo[x], b = lo[x + c], e = lo[x + 2 * c];
    uint8_t l = a < b ? b : a; l = l < e ? e : l;
    a = hi[x]; b = hi[x + c]; e = hi[x + 2 * c];
    uint8_t h = a < b ? a : b; h = h < e ? h : e;
    a = mi[x]; b = mi[x + c]; e = mi[x + 2 * c];
    CE(a, b); LO(b, e); HI(a, b);       /* b = med3 */
    a = l; e = h;
    CE(a, b); LO(b, e); HI(a, b);
    d[x] = b;
  }
}

SEG_CLONES static void m5_cols (const uint8_t *restrict r0, const uint8_t *restrict r1,
                                const uint8_t *restrict r2, const uint8_t *restrict r3,
                                const uint8_t *restrict r4, uint8_t *restrict C, int m) {
  for (int x = 0; x < m; x++) {
    uint8_t v0 = r0[x], v1 = r1[x], v2 = r2[x], v3 = r3[x], v4 = r4[x];
    CE(v0, v1); CE(v3, v4); CE(v2, v4); CE(v2, v3); CE(v0, v3); CE(v0, v2);
    CE(v1, v4); CE(v1, v3); CE(v1, v2);
    C[x] = v0; C[MS + x] = v1; C[2 * MS + x] = v2; C[3 * MS + x] = v3; C[4 * MS + x] = v4;
  }
}

/* P[u] = ranks of C[u] + C[u+c] */
SEG_CLONES static void m5_pairs (const uint8_t *restrict C, uint8_t *restrict P,
                                 int c, int m) {
  for (int x = 0; x < m; x++) {
    uint8_t v0 = C[x], v1 = C[MS + x], v2 = C[2 * MS + x], v3 = C[3 * MS + x], v4 = C[4 * MS + x];
    uint8_t v5 = C[x + c], v6 = C[MS + x + c], v7 = C[2 * MS + x + c], v8 = C[3 * MS + x + c],
            v9 = C[4 * MS + x + c];
    CE(v0, v5); CE(v4, v9); CE(v4, v5); CE(v2, v7); CE(v2, v4); CE(v7, v5);
    CE(v1, v6); CE(v3, v8); CE(v3, v6); CE(v1, v2); CE(v3, v4); CE(v6, v7);
    CE(v8, v5);
    P[x] = v0; P[MS + x] = v1; P[2 * MS + x] = v2; P[3 * MS + x] = v3; P[4 * MS + x] = v4;
    P[5 * MS + x] = v6; P[6 * MS + x] = v7; P[7 * MS + x] = v8; P[8 * MS + x] = v5; P[9 * MS + x] = v9;
  }
}

/* Q[u] = ranks 0..13 of P[u] + C[u+2c] (rank 14, the maximum, is never the median) */
SEG_CLONES static void m5_triples (const uint8_t *restrict P, const uint8_t *restrict C,
                                   uint8_t *restrict Q, int c, int m) {
  const uint8_t *C2 = C + 2 * c;
  for (int x = 0; x < m; x++) {
    uint8_t v0 = P[x], v1 = P[MS + x], v2 = P[2 * MS + x], v3 = P[3 * MS + x], v4 = P[4 * MS + x],
            v5 = P[5 * MS + x], v6 = P[6 * MS + x], v7 = P[7 * MS + x], v8 = P[8 * MS + x],
            v9 = P[9 * MS + x];
    uint8_t v10 = C2[x], v11 = C2[MS + x], v12 = C2[2 * MS + x], v13 = C2[3 * MS + x],
            v14 = C2[4 * MS + x];
    CE(v0, v10); CE(v8, v10); CE(v4, v14); CE(v4, v8); CE(v14, v10); CE(v2, v12);
    CE(v6, v12); CE(v2, v4); CE(v6, v8); CE(v12, v14); CE(v1, v11); CE(v9, v11);
    CE(v5, v9); CE(v3, v13); CE(v7, v13); CE(v3, v5); CE(v7, v9); CE(v13, v11);
    CE(v1, v2); CE(v3, v4); CE(v5, v6); CE(v7, v8); CE(v9, v12); CE(v13, v14);
    LO(v11, v10);
    Q[x] = v0; Q[MS + x] = v1; Q[2 * MS + x] = v2; Q[3 * MS + x] = v3; Q[4 * MS + x] = v4;
    Q[5 * MS + x] = v5; Q[6 * MS + x] = v6; Q[7 * MS + x] = v7; Q[8 * MS + x] = v8;
    Q[9 * MS + x] = v9; Q[10 * MS + x] = v12; Q[11 * MS + x] = v13; Q[12 * MS + x] = v14;
    Q[13 * MS + x] = v11;
  }
}

/* d[u] = rank 12 of Q[u] + P[u+3c] */
SEG_CLONES static void m5_out (const uint8_t *restrict Q, const uint8_t *restrict P,
                               uint8_t *restrict d, int c, int m) {
  const uint8_t *P3 = P + 3 * c;
  for (int x = 0; x < m; x++) {
    uint8_t v0 = Q[x], v1 = Q[MS + x], v2 = Q[2 * MS + x], v3 = Q[3 * MS + x], v4 = Q[4 * MS + x],
            v5 = Q[5 * MS + x], v6 = Q[6 * MS + x], v7 = Q[7 * MS + x], v8 = Q[8 * MS + x],
            v9 = Q[9 * MS + x], v10 = Q[10 * MS + x], v11 = Q[11 * MS + x], v12 = Q[12 * MS + x],
            v13 = Q[13 * MS + x];
    uint8_t v15 = P3[x], v16 = P3[MS + x], v17 = P3[2 * MS + x], v18 = P3[3 * MS + x],
            v19 = P3[4 * MS + x], v20 = P3[5 * MS + x], v21 = P3[6 * MS + x], v22 = P3[7 * MS + x],
            v23 = P3[8 * MS + x], v24 = P3[9 * MS + x];
    HI(v0, v15); LO(v8, v23); HI(v8, v15); HI(v4, v19); LO(v12, v19); LO(v12, v15);
    HI(v2, v17); LO(v10, v17); LO(v6, v21); HI(v6, v10); HI(v10, v12); HI(v1, v16);
    LO(v9, v24); HI(v9, v16); HI(v5, v20); LO(v13, v20); LO(v13, v16); HI(v3, v18);
    LO(v11, v18); LO(v7, v22); HI(v7, v11); LO(v11, v13); HI(v11, v12);
    d[x] = v12;
  }
}
#undef CE
#undef LO
#undef HI

typedef struct MedJob { const SegBuf *s; SegBuf *d; int r; int fail; } MedJob;

/* Copies the column ranks of the elements of a block that fall outside the
** row from the edge pixel's (replicated border). */
static void med_halo (uint8_t *C, int ranks, long b0, long lo, long hi, int len, int n, int c) {
  for (long u = 0; u < len; u++) {
    if (u == lo) u = hi;
    if (u >= len) break;
    long e = b0 + u, f = e < 0 ? ((e % c) + c) % c : n - c + e % c;
    for (int k = 0; k < ranks; k++) C[(size_t)k * MS + (size_t)u] = C[(size_t)k * MS + (size_t)(f - b0)];
  }
}

static void med_small_band (void *arg, int y0, int y1) {
  MedJob *j = arg;
  const SegBuf *s = j->s;
  int r = j->r, c = s->c, n = s->w * c, h = s->h;
  uint8_t *mem = malloc((size_t)MS * (r == 1 ? 3 : 5 + 10 + 14) + 64);
  if (!mem) { __atomic_store_n(&j->fail, 1, __ATOMIC_RELAXED); return; }
  uint8_t *C = (uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  uint8_t *P = C + 5 * MS, *Q = P + 10 * MS;
  for (int y = y0; y < y1; y++) {
    const uint8_t *rw[5];
    for (int i = 0; i < 2 * r + 1; i++) rw[i] = seg_row(s, seg_border_index(y - r + i, h, SEG_BORDER_REPLICATE));
    uint8_t *d = seg_row(j->d, y);
    for (int x0 = 0; x0 < n; x0 += MB) {
      int m = n - x0 < MB ? n - x0 : MB;
      long b0 = (long)x0 - (long)r * c;
      int len = m + 2 * r * c;                         /* columns the block needs */
      long lo = b0 < 0 ? -b0 : 0, hi = b0 + len > n ? n - b0 : len;
      if (r == 1) {
        m3_cols(rw[0] + (b0 + lo), rw[1] + (b0 + lo), rw[2] + (b0 + lo), C + lo, (int)(hi - lo));
        if (lo > 0 || hi < len) med_halo(C, 3, b0, lo, hi, len, n, c);
        m3_out(C, d + x0, c, m);
      } else {
        m5_cols(rw[0] + (b0 + lo), rw[1] + (b0 + lo), rw[2] + (b0 + lo), rw[3] + (b0 + lo),
                rw[4] + (b0 + lo), C + lo, (int)(hi - lo));
        if (lo > 0 || hi < len) med_halo(C, 5, b0, lo, hi, len, n, c);
        m5_pairs(C, P, c, m + 3 * c);
        m5_triples(P, C, Q, c, m);
        m5_out(Q, P, d + x0, c, m);
      }
    }
  }
  free(mem);
}

int seg_median (const SegBuf *src, SegBuf *dst, int r, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == src->dtype);
  if (r == 0) {
    for (int y = 0; y < src->h; y++) memcpy(seg_row(dst, y), seg_row(src, y), seg_buf_rowbytes(src));
    return 0;
  }
  if (r <= 2 && src->dtype == SEG_U8 && src->c <= 16) {
    MedJob j = {src, dst, r, 0};
    seg_parallel_for(threads, src->h, 16, med_small_band, &j);
    return j.fail ? SEG_ENOMEM : 0;
  }
  if (r <= 2) {
    MedNet *net = malloc(sizeof *net);
    if (!net) return SEG_ENOMEM;
    net->k = (2 * r + 1) * (2 * r + 1);
    net->ncmp = median_network(net->k, net->cmp);
    RowPass p = {0};
    p.src = src; p.dst = dst; p.rx = r; p.ry = r; p.border = SEG_BORDER_REPLICATE;
    p.hbytes = (size_t)(src->w + 2 * r) * (size_t)src->c * seg_dtype_size(src->dtype);
    p.tbytes = (size_t)net->k * MNB * 4;
    p.h = ext_h; p.v = net_v; p.k = net;
    int rc = seg_rowpass_run(&p, threads);
    free(net);
    return rc;
  }
  if (src->dtype == SEG_U8) {
    PHJob j = {src, dst, r, 0};
    seg_parallel_for(threads, src->h, 32, ph_band, &j);
    return j.fail ? SEG_ENOMEM : 0;
  }
  SWJob j = {src, dst, r, 0};
  seg_parallel_for(threads, src->h, 16, sw_band, &j);
  return j.fail ? SEG_ENOMEM : 0;
}

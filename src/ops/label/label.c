/* label.c — connected-component labelling.
**
** Two-pass union-find (Wu, Otoo & Suzuki 2009: SAUF scan order, with the
** equivalence array P kept so that P[i] <= i and every root is the smallest
** provisional label of its set). Provisional labels are handed out in raster
** order, so the root of a component is the label of its first pixel and
** numbering roots in increasing order reproduces skimage's raster order of
** first appearance.
**
** The scan stores runs (x0, x1, provisional label) rather than pixels, so
** the label image is written once, in the final pass, from the runs and
** the flattened equivalence table: no pixel-sized read-modify-write pass.
** On a Mask the runs come from a 64-pixel-per-word foreground bitmap of the
** row (its transitions b ^ (b << 1), found with ctz), so the scan reads the
** mask at memory speed; the rest of the time is the output's first touch.
**
** Parallel variant: the rows are cut into strips, each strip scanned
** independently with its own range of provisional labels (strip t owns
** base[t]+1 .. base[t]+bound[t], increasing with t, so raster order and the
** P[i] <= i invariant survive), then the strips are merged along their top
** rows, P is flattened in label order (sequential, one step per provisional
** label) and a final row-parallel pass writes the labels. */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "label.h"

#define MAX_STRIPS 256
#define MIN_STRIP_ROWS 32

static inline int32_t findroot (const int32_t *P, int32_t i) {
  while (P[i] < i) i = P[i];
  return i;
}

static inline void setroot (int32_t *P, int32_t i, int32_t root) {
  while (P[i] < i) { int32_t j = P[i]; P[i] = root; i = j; }
  P[i] = root;
}

/* Joins the sets of i and j; returns their (smallest) root. */
static inline int32_t merge (int32_t *P, int32_t i, int32_t j) {
  int32_t root = findroot(P, i);
  if (i != j) {
    int32_t rj = findroot(P, j);
    if (root > rj) root = rj;
    setroot(P, j, root);
  }
  setroot(P, i, root);
  return root;
}

static int nstrips (int h, int threads) {
  int n = threads < 1 ? 1 : threads;
  if (n > MAX_STRIPS) n = MAX_STRIPS;
  if (n > h / MIN_STRIP_ROWS) n = h / MIN_STRIP_ROWS;
  return n < 1 ? 1 : n;
}

static int strip_y (int h, int n, int t) { return (int)((int64_t)h * t / n); }

/* Most new provisional labels a strip of w*r pixels can create. */
static size_t strip_bound (int w, int r, const SegLabelOpts *o) {
  if (o->binary)
    return o->connectivity == 4 ? ((size_t)w * (size_t)r + 1) / 2
                                : ((size_t)(w + 1) / 2) * ((size_t)(r + 1) / 2);
  return (size_t)w * (size_t)r;
}

#define LABEL_LIMIT ((size_t)INT32_MAX - ((size_t)1 << 20))

typedef struct Run { int32_t x0, x1, lab; } Run;   /* [x0, x1) */

/* Most foreground runs one row can hold. */
static size_t runs_per_row (int w, const SegLabelOpts *o) {
  return o->binary ? ((size_t)w + 1) / 2 : (size_t)w;
}

/* 64-bit words of one row's foreground bitmap, with a zero word after. */
static size_t bit_words (int w) { return ((size_t)w + 63) / 64 + 1; }

/* Scratch layout (int32 elements): P, then row run starts and ends (h
** each), then the runs (strip t's at y0_t * runs_per_row), then for a
** binary scan one row bitmap per strip (8-byte aligned in place). */
static size_t p_elems (int w, int h, const SegLabelOpts *o, int n) {
  size_t total = 1;
  for (int t = 0; t < n; t++)
    total += strip_bound(w, strip_y(h, n, t + 1) - strip_y(h, n, t), o);
  return total;
}

size_t seg_label_scratch (int w, int h, const SegLabelOpts *o, int threads) {
  if (w <= 0 || h <= 0 || (size_t)w * (size_t)h >= LABEL_LIMIT) return 0;
  int n = nstrips(h, threads);
  size_t bits = o->binary ? 2 * ((size_t)n * bit_words(w) + 1) : 0;
  return p_elems(w, h, o, n) + 2 * (size_t)h + 3 * (size_t)h * runs_per_row(w, o) + bits;
}

/* ---------- the scan, one instance per pixel key ---------- */

/* f32 as numpy's astype(intp) on x86-64: truncation toward zero, NaN and
** out-of-range values become INT64_MIN. */
static inline int64_t f32key (float v) {
  if (!(v > -9.2e18f && v < 9.2e18f)) return INT64_MIN;
  return (int64_t)v;
}

/* Foreground bitmap of a mask row: bit i of b[k] is s[64k + i] != 0; the
** bits from w on, and the word after the last, are 0. Masks have long runs
** of equal bytes, which the bitmap turns into whole words the run finder
** skips with one test. SSE2 is x86-64's baseline, so no dispatch. */
static void row_bits (const uint8_t *restrict s, int w, uint64_t *restrict b) {
  int k = 0, x = 0;
#if defined(__SSE2__)
  const __m128i z = _mm_setzero_si128();
  for (; x + 64 <= w; x += 64, k++) {
    __builtin_prefetch((const void *)((uintptr_t)(s + x) + 2048));   /* DRAM latency: ~2 KB ahead */
    uint64_t m0 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + x)), z));
    uint64_t m1 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + x + 16)), z));
    uint64_t m2 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + x + 32)), z));
    uint64_t m3 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + x + 48)), z));
    b[k] = ~(m0 | m1 << 16 | m2 << 32 | m3 << 48);
  }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t low7 = 0x7f7f7f7f7f7f7f7fu, highs = 0x8080808080808080u;
  for (; x + 64 <= w; x += 64, k++) {
    uint64_t m = 0;
    for (int i = 0; i < 8; i++) {
      uint64_t v;
      memcpy(&v, s + x + 8 * i, 8);
      v = (((v & low7) + low7) | v) & highs;              /* 0x80 per non-zero byte */
      m |= ((v >> 7) * 0x0102040810204080u) >> 56 << (8 * i);   /* gather to 8 bits */
    }
    b[k] = m;
  }
#else
  for (; x + 64 <= w; x += 64, k++) {
    uint64_t m = 0;
    for (int i = 0; i < 64; i++) m |= (uint64_t)(s[x + i] != 0) << i;
    b[k] = m;
  }
#endif
  uint64_t m = 0;
  for (int i = 0; x + i < w; i++) m |= (uint64_t)(s[x + i] != 0) << i;
  b[k++] = m;            /* the partial word, or (w % 64 == 0) a zero word */
  if (x < w) b[k] = 0;
}

/* The zero pixels of the row as the foreground: bits past w stay 0. */
static void invert_bits (uint64_t *b, int w) {
  int full = w / 64;
  for (int k = 0; k < full; k++) b[k] = ~b[k];
  if (w % 64) b[full] = ~b[full] & (((uint64_t)1 << (w % 64)) - 1);
}

/* Joins a new run [x0, x1) of a row with the runs of the row above that
** touch it (runs[*j .. je) from the first that may); returns its label. */
static inline int32_t link_run (int32_t *P, const Run *runs, int32_t *j, int32_t je,
                                int x0, int x1, int d, int32_t *next) {
  int32_t q = *j;
  while (q < je && runs[q].x1 + d <= x0) q++;
  *j = q;
  int32_t lab = 0;
  for (; q < je && runs[q].x0 < x1 + d; q++)
    lab = lab ? merge(P, lab, runs[q].lab) : runs[q].lab;
  if (!lab) { lab = ++*next; P[lab] = lab; }
  return lab;
}

/* The mask scan (see DEFINE_SCAN below for the contract): runs come from
** the transitions of the row bitmap, t = b ^ (b << 1), one set bit per run
** start or end. bg != 0 scans the zero pixels instead (the background of
** fill_holes and remove_small_holes). */
static int32_t scan_bin (const SegBuf *src, int y0, int y1, int conn, int64_t bg,
                         int32_t *P, int32_t base, Run *runs, int32_t nr,
                         int32_t *rs, int32_t *re, uint64_t *bits) {
  const int w = src->w, nw = (int)bit_words(w), d = conn == 8;
  int32_t next = base;
  for (int y = y0; y < y1; y++) {
    row_bits(seg_row_u8(src, y), w, bits);
    if (bg) invert_bits(bits, w);
    int32_t j = y > y0 ? rs[y - 1] : 0, je = y > y0 ? re[y - 1] : 0;
    rs[y] = nr;
    uint64_t carry = 0;
    int x0 = 0;
    for (int k = 0; k < nw; k++) {
      uint64_t b = bits[k], t = b ^ (b << 1 | carry);
      carry = b >> 63;
      while (t) {
        int i = __builtin_ctzll(t);
        t &= t - 1;
        int x = k * 64 + i;
        if (b >> i & 1) { x0 = x; continue; }
        int32_t lab = link_run(P, runs, &j, je, x0, x, d, &next);
        runs[nr].x0 = x0; runs[nr].x1 = x; runs[nr].lab = lab; nr++;
      }
    }
    re[y] = nr;
  }
  return next - base;
}

#define RUNEND_GENERIC(KEY, T)                                               \
static inline int runend_##T (const T *s, int x, int w, int64_t k) {          \
  while (x < w && KEY(s[x]) == k) x++;                                        \
  return x;                                                                   \
}
#define KEY_INT(p) ((int64_t)(p))
#define KEY_F32(p) f32key(p)

/* Scans rows [y0, y1) as if y0 were the first row of the image, appending
** the foreground runs of row y at runs[rs[y] .. re[y]); returns the number
** of provisional labels created (base+1 ...). A maximal run of equal keys
** takes one label, joined with every run of the row above that touches it
** (8: columns [x0-1, x1]; 4: [x0, x1-1]) and has the same key. */
#define DEFINE_SCAN(NAME, T, KEY, RUNEND, BIN)                                 \
static int32_t NAME (const SegBuf *src, int y0, int y1, int conn, int64_t bg,  \
                     int32_t *P, int32_t base, Run *runs, int32_t nr,          \
                     int32_t *rs, int32_t *re, uint64_t *bits) {               \
  const int w = src->w;                                                        \
  (void)bits;                                                                  \
  int32_t next = base;                                                         \
  for (int y = y0; y < y1; y++) {                                              \
    const T *s = (const T *)seg_row(src, y);                                   \
    const T *sp = y > y0 ? (const T *)seg_row(src, y - 1) : NULL;              \
    int32_t j = y > y0 ? rs[y - 1] : 0, je = y > y0 ? re[y - 1] : 0;           \
    rs[y] = nr;                                                                \
    int x = 0;                                                                 \
    while (x < w) {                                                            \
      int64_t k = KEY(s[x]);                                                   \
      int x1 = RUNEND(s, x + 1, w, k);                                         \
      if (k != bg) {                                                           \
        int qa = conn == 8 ? x - 1 : x, qe = conn == 8 ? x1 : x1 - 1;          \
        while (j < je && runs[j].x1 - 1 < qa) j++;                             \
        int32_t lab = 0;                                                       \
        for (int32_t q = j; q < je && runs[q].x0 <= qe; q++) {                 \
          if (!BIN && KEY(sp[runs[q].x0]) != k) continue;                      \
          lab = lab ? merge(P, lab, runs[q].lab) : runs[q].lab;                \
        }                                                                      \
        if (!lab) { ++next; P[next] = next; lab = next; }                      \
        runs[nr].x0 = x; runs[nr].x1 = x1; runs[nr].lab = lab; nr++;           \
      }                                                                        \
      x = x1;                                                                  \
    }                                                                          \
    re[y] = nr;                                                                \
  }                                                                            \
  return next - base;                                                          \
}
/* Joins the runs of row y with those of row y-1 (a seam between strips). */
#define DEFINE_SEAM(NAME, T, KEY, BIN)                                         \
static void NAME##_seam (const SegBuf *src, int y, int conn, int32_t *P,       \
                         const Run *runs, const int32_t *rs, const int32_t *re) {\
  const T *s = (const T *)seg_row(src, y), *sp = (const T *)seg_row(src, y - 1);\
  int32_t j = rs[y - 1], je = re[y - 1];                                       \
  for (int32_t i = rs[y]; i < re[y]; i++) {                                    \
    int x = runs[i].x0, x1 = runs[i].x1;                                       \
    int64_t k = KEY(s[x]);                                                     \
    int qa = conn == 8 ? x - 1 : x, qe = conn == 8 ? x1 : x1 - 1;              \
    while (j < je && runs[j].x1 - 1 < qa) j++;                                 \
    for (int32_t q = j; q < je && runs[q].x0 <= qe; q++)                       \
      if (BIN || KEY(sp[runs[q].x0]) == k) merge(P, runs[i].lab, runs[q].lab); \
  }                                                                            \
}

typedef float f32;
RUNEND_GENERIC(KEY_INT, uint8_t)
RUNEND_GENERIC(KEY_INT, uint16_t)
RUNEND_GENERIC(KEY_INT, int32_t)
RUNEND_GENERIC(KEY_F32, f32)
DEFINE_SCAN(scan_u8, uint8_t, KEY_INT, runend_uint8_t, 0)
DEFINE_SCAN(scan_u16, uint16_t, KEY_INT, runend_uint16_t, 0)
DEFINE_SCAN(scan_i32, int32_t, KEY_INT, runend_int32_t, 0)
DEFINE_SCAN(scan_f32, float, KEY_F32, runend_f32, 0)
#define KEY_BIN(p) ((int64_t)((p) != 0))
DEFINE_SEAM(scan_bin, uint8_t, KEY_BIN, 1)
DEFINE_SEAM(scan_u8, uint8_t, KEY_INT, 0)
DEFINE_SEAM(scan_u16, uint16_t, KEY_INT, 0)
DEFINE_SEAM(scan_i32, int32_t, KEY_INT, 0)
DEFINE_SEAM(scan_f32, float, KEY_F32, 0)

typedef int32_t (*ScanFn) (const SegBuf *, int, int, int, int64_t, int32_t *, int32_t,
                           Run *, int32_t, int32_t *, int32_t *, uint64_t *);
typedef void (*SeamFn) (const SegBuf *, int, int, int32_t *, const Run *,
                        const int32_t *, const int32_t *);

typedef struct Job {
  const SegBuf *src; SegBuf *dst;
  int conn, n;
  int64_t bg;
  int32_t *P, *rs, *re;
  Run *runs;
  uint64_t *bits;      /* binary scan: bit_words(w) words per strip */
  size_t perrow;
  ScanFn scan;
  int32_t base[MAX_STRIPS], count[MAX_STRIPS];
} Job;

static void scan_strips (void *arg, int b, int e) {
  Job *j = arg;
  for (int t = b; t < e; t++) {
    int y0 = strip_y(j->src->h, j->n, t);
    j->count[t] = j->scan(j->src, y0, strip_y(j->src->h, j->n, t + 1), j->conn, j->bg,
                          j->P, j->base[t], j->runs, (int32_t)((size_t)y0 * j->perrow),
                          j->rs, j->re, j->bits ? j->bits + (size_t)t * bit_words(j->src->w) : NULL);
  }
}

/* 16 labels at p: one 64-byte store where the clone has AVX-512. */
static inline void store16 (int32_t *p, int32_t v) {
  for (int i = 0; i < 16; i++) p[i] = v;
}

/* l[a..b) = v, where everything from b to w is written after this call,
** so a short span may spill over it; nothing is written at or past w. */
static inline void fill_span (int32_t *l, int a, int b, int w, int32_t v) {
  if (a >= b) return;
  if (b - a >= 16) {             /* aligned stores, overlapping both ends */
    store16(l + a, v);
    int32_t *p = (int32_t *)(((uintptr_t)(l + a) + 64) & ~(uintptr_t)63);
    for (; p + 16 <= l + b; p += 16) store16(__builtin_assume_aligned(p, 64), v);
    if (p < l + b) store16(l + b - 16, v);
  }
  else if (a + 16 <= w) store16(l + a, v);
  else for (; a < b; a++) l[a] = v;
}

/* Final labels from the runs: stores only, mostly whole vectors (runs of
** a gray image average 2-3 pixels). */
SEG_CLONES static void fill_row (int32_t *restrict l, int w, const Run *r, int32_t nr,
                                 const int32_t *restrict P) {
  int x = 0;
  for (int32_t i = 0; i < nr; i++) {
    fill_span(l, x, r[i].x0, w, 0);
    fill_span(l, r[i].x0, r[i].x1, w, P[r[i].lab]);
    x = r[i].x1;
  }
  fill_span(l, x, w, w, 0);
}

static void fill_rows (void *arg, int b, int e) {
  Job *j = arg;
  for (int y = b; y < e; y++)
    fill_row(seg_row_i32(j->dst, y), j->dst->w, j->runs + j->rs[y], j->re[y] - j->rs[y], j->P);
}

/* The scan, seams and flattening of seg_label: afterwards P[run.lab] is
** the final label (1..k, returned) of every run in j->runs. 'invert' (masks
** only) labels the zero pixels. */
static int32_t label_runs (Job *j, const SegBuf *src, const SegLabelOpts *o, int invert,
                           int threads, int32_t *scratch) {
  j->src = src;
  j->conn = o->connectivity == 4 ? 4 : 8;
  j->n = nstrips(src->h, threads);
  j->perrow = runs_per_row(src->w, o);
  size_t np = p_elems(src->w, src->h, o, j->n);
  j->P = scratch;
  j->rs = scratch + np;
  j->re = j->rs + src->h;
  j->runs = (Run *)(j->re + src->h);
  j->bits = NULL;
  if (!o->binary)
    seg_advise_huge(scratch, seg_label_scratch(src->w, src->h, o, threads) * sizeof *scratch);
  if (o->binary) {
    uintptr_t a = (uintptr_t)(j->runs + (size_t)src->h * j->perrow);
    j->bits = (uint64_t *)((a + 7) & ~(uintptr_t)7);
  }
  SeamFn seam;
  if (o->binary) {
    j->scan = scan_bin; seam = scan_bin_seam; j->bg = invert != 0;
  } else {
    j->bg = o->has_bg ? o->bg : INT64_MAX;   /* INT64_MAX is no pixel's key */
    switch (src->dtype) {
      case SEG_U8: j->scan = scan_u8; seam = scan_u8_seam; break;
      case SEG_U16: j->scan = scan_u16; seam = scan_u16_seam; break;
      case SEG_I32: j->scan = scan_i32; seam = scan_i32_seam; break;
      default: j->scan = scan_f32; seam = scan_f32_seam; break;
    }
  }
  size_t base = 0;
  for (int t = 0; t < j->n; t++) {
    j->base[t] = (int32_t)base;
    base += strip_bound(src->w, strip_y(src->h, j->n, t + 1) - strip_y(src->h, j->n, t), o);
  }
  scratch[0] = 0;
  seg_parallel_for(j->n, j->n, 1, scan_strips, j);
  for (int t = 1; t < j->n; t++)
    seam(src, strip_y(src->h, j->n, t), j->conn, j->P, j->runs, j->rs, j->re);
  /* Flatten: roots get 1, 2, ... in increasing provisional order; every
  ** other label copies the final label of its (smaller, done) parent. */
  int32_t k = 0, *P = j->P;
  for (int t = 0; t < j->n; t++)
    for (int32_t i = j->base[t] + 1; i <= j->base[t] + j->count[t]; i++)
      P[i] = P[i] == i ? ++k : P[P[i]];
  return k;
}

int32_t seg_label (const SegBuf *src, SegBuf *dst, const SegLabelOpts *o,
                   int threads, int32_t *scratch) {
  seg_assert(src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_I32 && dst->c == 1);
  seg_assert(!o->binary || src->dtype == SEG_U8);
  Job j;
  j.dst = dst;
  int32_t k = label_runs(&j, src, o, 0, threads, scratch);
  seg_parallel_for(threads, src->h, 64, fill_rows, &j);
  return k;
}

/* ---------- mask clean-up on the runs ---------- */

/* fill_holes and remove_small never need the label image: the runs of the
** scanned pixels (the mask, or its zero pixels) and their final labels
** decide everything, so the only pixel-sized work is the scan and the
** writing of the u8 result (a label() with a quarter of its output bytes).
** Each run gets the value its component's entry in 'val' says; the pixels
** that were not scanned keep their own value, 'rest'. */

size_t seg_mask_clean_scratch (int w, int h, int threads) {
  SegLabelOpts o = {4, 1, 1, 0};   /* 4-connectivity bounds labels the most */
  size_t n = seg_label_scratch(w, h, &o, threads);
  if (n == 0) return 0;
  int ns = nstrips(h, threads);
  return n + p_elems(w, h, &o, ns) + 1;   /* + one int32 per possible label */
}

typedef struct CleanJob {
  const Job *j;
  SegBuf *dst;
  const int32_t *val;   /* per final label: the value its runs get */
  uint8_t rest;         /* value of the pixels that were not scanned */
} CleanJob;

static void clean_rows (void *arg, int b, int e) {
  CleanJob *c = arg;
  const Job *j = c->j;
  int w = c->dst->w;
  for (int y = b; y < e; y++) {
    uint8_t *d = seg_row_u8(c->dst, y);
    int x = 0;
    for (int32_t i = j->rs[y]; i < j->re[y]; i++) {
      const Run *r = &j->runs[i];
      memset(d + x, c->rest, (size_t)(r->x0 - x));
      memset(d + r->x0, (uint8_t)c->val[j->P[r->lab]], (size_t)(r->x1 - r->x0));
      x = r->x1;
    }
    memset(d + x, c->rest, (size_t)(w - x));
  }
}

/* Labels the scanned pixels (zero pixels when 'invert') into the runs; the
** per-label table 'val' (k + 1 int32) follows P's part of the scratch. */
static int32_t clean_label (Job *j, const SegBuf *src, int conn, int invert, int threads,
                            int32_t *scratch, int32_t **val) {
  SegLabelOpts o = {conn, 1, 1, 0};
  int32_t k = label_runs(j, src, &o, invert, threads, scratch);
  *val = scratch + seg_label_scratch(src->w, src->h, &o, threads);
  return k;
}

void seg_fill_holes (const SegBuf *src, SegBuf *dst, int threads, int32_t *scratch) {
  seg_assert(src->dtype == SEG_U8 && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_U8 && dst->c == 1);
  Job j;
  int32_t *val, w = src->w, h = src->h;
  int32_t k = clean_label(&j, src, 4, 1, threads, scratch, &val);
  /* a background component is a hole (becomes 1) unless it touches the
  ** border: a run in the first or last row, or at either end of a row */
  for (int32_t i = 0; i <= k; i++) val[i] = 1;
  for (int y = 0; y < h; y++)
    for (int32_t i = j.rs[y]; i < j.re[y]; i++) {
      const Run *r = &j.runs[i];
      if (y == 0 || y == h - 1 || r->x0 == 0 || r->x1 == w) val[j.P[r->lab]] = 0;
    }
  CleanJob c = {&j, dst, val, 1};
  seg_parallel_for(threads, h, 64, clean_rows, &c);
}

void seg_remove_small (const SegBuf *src, SegBuf *dst, int64_t min_area, int value,
                       int connectivity, int threads, int32_t *scratch) {
  seg_assert(src->dtype == SEG_U8 && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_U8 && dst->c == 1);
  Job j;
  int32_t *val;
  int32_t k = clean_label(&j, src, connectivity, value == 0, threads, scratch, &val);
  /* areas (below 2^31: the image is) accumulate in val, then turn into the
  ** value each component keeps: its own, or the other one when small */
  for (int32_t i = 0; i <= k; i++) val[i] = 0;
  for (int y = 0; y < src->h; y++)
    for (int32_t i = j.rs[y]; i < j.re[y]; i++)
      val[j.P[j.runs[i].lab]] += j.runs[i].x1 - j.runs[i].x0;
  for (int32_t i = 1; i <= k; i++) val[i] = val[i] < min_area ? !value : value;
  CleanJob c = {&j, dst, val, (uint8_t)!value};
  seg_parallel_for(threads, src->h, 64, clean_rows, &c);
}

void seg_keep_marked (const SegBuf *src, SegBuf *dst, uint8_t mark, int connectivity, int threads,
                      int32_t *scratch) {
  seg_assert(src->dtype == SEG_U8 && src->c == 1 && seg_buf_samesize(src, dst) && dst->dtype == SEG_U8 && dst->c == 1);
  Job j;
  int32_t *val;
  int32_t k = clean_label(&j, src, connectivity, 0, threads, scratch, &val);
  for (int32_t i = 0; i <= k; i++) val[i] = 0;
  for (int y = 0; y < src->h; y++) {
    const uint8_t *r = seg_row_u8(src, y);
    for (int32_t i = j.rs[y]; i < j.re[y]; i++) {
      const Run *u = &j.runs[i];
      int32_t *v = &val[j.P[u->lab]];
      if (!*v && memchr(r + u->x0, mark, (size_t)(u->x1 - u->x0))) *v = 1;
    }
  }
  CleanJob c = {&j, dst, val, 0};
  seg_parallel_for(threads, src->h, 64, clean_rows, &c);
}

/* morph.c — erosion, dilation and the operations built on them.
**
** An element is compiled to horizontal runs (one per maximal run of set
** pixels in each of its rows). For every source row we build a ladder of
** running extrema over 1, 2, 4, ... pixels (level k holds the extremum of
** 2^k consecutive pixels); the extremum of a run of length L starting at
** x is then op(lev_k[x], lev_k[x + L - 2^k]) with 2^k <= L < 2^(k+1)
** (Gil-Kimmel / Urbach-Wilkinson's decomposition). An output row is the
** extremum, over the runs, of that value on the run's source row, shifted:
** O(log w) work per source pixel plus O(number of runs) per output pixel,
** instead of O(area of the element). A w x h rectangle costs log2(w) + h
** operations per pixel, a disk of radius r about log2(r) + 2r + 1 (+ r for
** the distinct run lengths), each a vectorized min or max across the row.
**
** Threads own disjoint ranges of output rows and keep a ring of the kh
** source rows' ladders, so each source row's ladder is built once per
** thread.
**
** Rectangles (one equal run on consecutive rows) are separable and take
** their own path (rect_rows): vertical extremum over whole rows, van Herk /
** Gil-Werman above RECT_DIRECT_MAX rows (about three row operations per
** output row whatever the height), then a radix-4 ladder across the row
** (log4(w) + 1 passes of four loads). The second pass of open/close/
** tophat/blackhat runs in place in dst: each chunk first copies the rows of
** its neighbours it needs, and saves each of its rows before overwriting. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "morph.h"

typedef struct Run { int dy, off1, off2, lev; } Run;

typedef struct Plan {
  int kw, kh, ax, ay, nlev, nruns;
  int rect;           /* the runs form a rectangle: rows dy0 .. dy0 + rh - 1 */
  int dy0, rh;        /* each with the same single run (runs[0]) */
  size_t padw;        /* elements in a padded row: (w + kw - 1) * c */
  size_t padl;        /* elements left of x = 0 in a padded row */
  size_t slot;        /* bytes of one ring slot: nlev padded rows */
  size_t perthread;   /* bytes of scratch per thread */
  size_t rowb;        /* bytes of one unpadded row, rounded up */
  int dymin, dymax;   /* first and last non-empty element rows, from the anchor */
  int ring;           /* in place: copies of the rows already overwritten */
  size_t iooff;       /* in place: offset of the ring, then kh halo rows */
} Plan;

static int floor_log2 (int v) { int k = 0; while ((2 << k) <= v) k++; return k; }

/* Counts runs and levels; fills 'runs' when not NULL. */
static int compile (const SegBuf *src, const SegBuf *se, Plan *p, Run *runs) {
  int c = src->c;
  p->kw = se->w; p->kh = se->h; p->ax = se->w / 2; p->ay = se->h / 2;
  p->nlev = 1; p->nruns = 0;
  for (int j = 0; j < se->h; j++) {
    const uint8_t *r = seg_row_u8(se, j);
    for (int i = 0; i < se->w; ) {
      if (!r[i]) { i++; continue; }
      int i0 = i;
      while (i < se->w && r[i]) i++;
      int len = i - i0, k = floor_log2(len);
      if (k + 1 > p->nlev) p->nlev = k + 1;
      if (runs) {
        Run *u = &runs[p->nruns];
        u->dy = j - p->ay; u->lev = k;
        u->off1 = (i0 - p->ax) * c;
        u->off2 = (i0 - p->ax + len - (1 << k)) * c;
      }
      p->nruns++;
    }
  }
  /* A rectangle: consecutive non-empty rows, each one run with the same
  ** start and length. */
  int jlo = -1, jhi = -1, i0r = -1, lenr = -1;
  p->rect = 1;
  for (int j = 0; j < se->h && p->rect; j++) {
    const uint8_t *r = seg_row_u8(se, j);
    int a = -1, b = -1, n = 0;
    for (int i = 0; i < se->w; i++)
      if (r[i] && (i == 0 || !r[i - 1])) { n++; a = i; b = i; while (b < se->w && r[b]) b++; }
    if (n == 0) continue;
    if (n > 1 || (jlo >= 0 && (jhi != j - 1 || a != i0r || b - a != lenr))) p->rect = 0;
    if (jlo < 0) { jlo = j; i0r = a; lenr = b - a; }
    jhi = j;
  }
  if (jlo < 0) p->rect = 0;
  p->dy0 = jlo - p->ay; p->rh = jhi - jlo + 1;
  p->dymin = p->dymax = 0;
  for (int j = 0, any = 0; j < se->h; j++) {
    const uint8_t *r = seg_row_u8(se, j);
    int set = 0;
    for (int i = 0; i < se->w && !set; i++) set = r[i] != 0;
    if (!set) continue;
    if (!any) p->dymin = j - p->ay;
    p->dymax = j - p->ay; any = 1;
  }
  p->ring = 2 + (p->dymin < 0 ? -p->dymin : 0);
  size_t es = seg_dtype_size(src->dtype);
  p->rowb = ((size_t)src->w * (size_t)c * es + 63) & ~(size_t)63;
  p->padw = (size_t)(src->w + p->kw - 1) * (size_t)c;
  p->padl = (size_t)p->ax * (size_t)c;
  p->slot = (size_t)p->nlev * p->padw * es;
  p->slot = (p->slot + 63) & ~(size_t)63;
  p->perthread = (size_t)p->kh * p->slot + (size_t)p->nruns * sizeof(Run)
               + (size_t)p->kh * sizeof(int) + 128;
  if (p->rect) {
    /* the padded ladder, then rh suffix rows, two prefix rows and a
    ** neutral row of w * c elements each */
    size_t r = p->slot + ((size_t)p->rh + 3) * p->rowb + 128;
    if (r > p->perthread) p->perthread = r;
  }
  p->iooff = (p->perthread - 128 + 63) & ~(size_t)63;
  p->perthread = p->iooff + ((size_t)p->ring + (size_t)p->kh) * p->rowb + 128;
  return p->nruns;
}

size_t seg_morph_scratch (const SegBuf *src, const SegBuf *se, int threads) {
  if (se->w < 1 || se->h < 1 || se->w > SEG_MORPH_MAX_SE || se->h > SEG_MORPH_MAX_SE)
    return 0;
  Plan p;
  if (compile(src, se, &p, NULL) == 0) return 0;
  if (threads < 1) threads = 1;
  /* The element's runs, shared, then one ring per thread. */
  return (size_t)p.nruns * sizeof(Run) + 64 + (size_t)threads * p.perthread;
}

/* ---------- typed inner loops ---------- */

#define MAXOP(a, b) ((a) > (b) ? (a) : (b))
#define MINOP(a, b) ((a) < (b) ? (a) : (b))

/* Builds levels 1..nlev-1 of a ladder whose level 0 is filled. */
#define LADDER(T, NAME, OP) \
SEG_CLONES static void NAME (T *lev, size_t padw, int nlev, int c) { \
  for (int k = 1; k < nlev; k++) { \
    const T *restrict a = lev + (size_t)(k - 1) * padw; \
    T *restrict d = lev + (size_t)k * padw; \
    size_t sh = ((size_t)1 << (k - 1)) * (size_t)c; \
    size_t n = padw - (((size_t)1 << k) - 1) * (size_t)c; \
    for (size_t i = 0; i < n; i++) d[i] = OP(a[i], a[i + sh]); \
  } \
}

/* acc = op(acc, op(a[i], b[i])) or acc = op(a[i], b[i]) when 'first'. */
#define COMBINE(T, NAME, OP) \
SEG_CLONES static void NAME (T *restrict acc, const T *a, const T *b, size_t n, int first) { \
  if (first) { \
    if (a == b) memcpy(acc, a, n * sizeof(T)); \
    else for (size_t i = 0; i < n; i++) acc[i] = OP(a[i], b[i]); \
  } else if (a == b) { \
    for (size_t i = 0; i < n; i++) acc[i] = OP(acc[i], a[i]); \
  } else { \
    for (size_t i = 0; i < n; i++) { T v = OP(a[i], b[i]); acc[i] = OP(acc[i], v); } \
  } \
}

/* van Herk's prefix step fused with the output: p = op(pin, r), v = op(s, p). */
#define VHSTEP(T, NAME, OP) \
SEG_CLONES static void NAME (T *restrict p, const T *restrict pin, const T *restrict r, \
                             const T *restrict s, T *restrict v, size_t n) { \
  for (size_t i = 0; i < n; i++) { T q = OP(pin[i], r[i]); p[i] = q; v[i] = OP(s[i], q); } \
}

/* d[i] = op of a[i], a[i + s1], a[i + s2], a[i + s3]: four windows of a
** radix-4 ladder (offsets may repeat). */
#define OP4(T, NAME, OP) \
SEG_CLONES static void NAME (T *restrict d, const T *restrict a, size_t s1, size_t s2, \
                             size_t s3, size_t n) { \
  for (size_t i = 0; i < n; i++) d[i] = OP(OP(a[i], a[i + s1]), OP(a[i + s2], a[i + s3])); \
}

OP4(uint8_t, op4_max_u8, MAXOP)
OP4(uint8_t, op4_min_u8, MINOP)
OP4(uint16_t, op4_max_u16, MAXOP)
OP4(uint16_t, op4_min_u16, MINOP)
OP4(float, op4_max_f32, MAXOP)
OP4(float, op4_min_f32, MINOP)
VHSTEP(uint8_t, vhstep_max_u8, MAXOP)
VHSTEP(uint8_t, vhstep_min_u8, MINOP)
VHSTEP(uint16_t, vhstep_max_u16, MAXOP)
VHSTEP(uint16_t, vhstep_min_u16, MINOP)
VHSTEP(float, vhstep_max_f32, MAXOP)
VHSTEP(float, vhstep_min_f32, MINOP)
LADDER(uint8_t, ladder_max_u8, MAXOP)
LADDER(uint8_t, ladder_min_u8, MINOP)
LADDER(uint16_t, ladder_max_u16, MAXOP)
LADDER(uint16_t, ladder_min_u16, MINOP)
LADDER(float, ladder_max_f32, MAXOP)
LADDER(float, ladder_min_f32, MINOP)
COMBINE(uint8_t, combine_max_u8, MAXOP)
COMBINE(uint8_t, combine_min_u8, MINOP)
COMBINE(uint16_t, combine_max_u16, MAXOP)
COMBINE(uint16_t, combine_min_u16, MINOP)
COMBINE(float, combine_max_f32, MAXOP)
COMBINE(float, combine_min_f32, MINOP)

/* Fills n elements at p with the neutral value of the operation: for an
** erosion the top of the value range, which is 1 for a 0/1 mask ('top'),
** so that a window lying wholly outside the image keeps a Mask 0/1. */
static void fill_neutral (void *p, size_t n, SegDtype t, int dilate, uint8_t top) {
  if (t == SEG_U8) memset(p, dilate ? 0 : top, n);
  else if (t == SEG_U16) memset(p, dilate ? 0 : 0xff, n * 2);
  else {
    float v = dilate ? -INFINITY : INFINITY, *f = p;
    for (size_t i = 0; i < n; i++) f[i] = v;
  }
}

static void ladder (void *lev, const Plan *p, int c, SegDtype t, int dilate) {
  switch (t) {
    case SEG_U8: (dilate ? ladder_max_u8 : ladder_min_u8)(lev, p->padw, p->nlev, c); break;
    case SEG_U16: (dilate ? ladder_max_u16 : ladder_min_u16)(lev, p->padw, p->nlev, c); break;
    default: (dilate ? ladder_max_f32 : ladder_min_f32)(lev, p->padw, p->nlev, c); break;
  }
}

static void combine (void *acc, const void *a, const void *b, size_t n, SegDtype t,
                     int dilate, int first) {
  switch (t) {
    case SEG_U8: (dilate ? combine_max_u8 : combine_min_u8)(acc, a, b, n, first); break;
    case SEG_U16: (dilate ? combine_max_u16 : combine_min_u16)(acc, a, b, n, first); break;
    default: (dilate ? combine_max_f32 : combine_min_f32)(acc, a, b, n, first); break;
  }
}

static void vhstep (void *p, const void *pin, const void *r, const void *s, void *v,
                    size_t n, SegDtype t, int dilate) {
  switch (t) {
    case SEG_U8: (dilate ? vhstep_max_u8 : vhstep_min_u8)(p, pin, r, s, v, n); break;
    case SEG_U16: (dilate ? vhstep_max_u16 : vhstep_min_u16)(p, pin, r, s, v, n); break;
    default: (dilate ? vhstep_max_f32 : vhstep_min_f32)(p, pin, r, s, v, n); break;
  }
}

static void op4 (void *d, const void *a, size_t s1, size_t s2, size_t s3, size_t n,
                 SegDtype t, int dilate) {
  switch (t) {
    case SEG_U8: (dilate ? op4_max_u8 : op4_min_u8)(d, a, s1, s2, s3, n); break;
    case SEG_U16: (dilate ? op4_max_u16 : op4_min_u16)(d, a, s1, s2, s3, n); break;
    default: (dilate ? op4_max_f32 : op4_min_f32)(d, a, s1, s2, s3, n); break;
  }
}

/* ---------- erosion / dilation ---------- */

typedef struct Job {
  const SegBuf *src; SegBuf *dst;
  const Plan *p; const Run *runs;
  int dilate;
  uint8_t top;        /* u8 erosion's neutral: 0xff, or 1 for masks */
  int inplace;        /* src == dst: rows are overwritten as we go */
  uint8_t *scratch;
} Job;

/* In place, a chunk [y0, y1) reads the original rows through copies: the
** rows of neighbouring chunks it needs (taken before any chunk writes) and
** a ring of its own rows up to the current one, each saved just before it
** is overwritten. Rows below the current one are still untouched. */
typedef struct Rows { const Job *j; int y0, y1; uint8_t *ring, *halo; } Rows;

static uint8_t *chunk_base (const Job *j, int chunk) {
  uint8_t *base = j->scratch + (size_t)chunk * j->p->perthread;
  return (uint8_t *)(((uintptr_t)base + 63) & ~(uintptr_t)63);
}

static Rows rows_init (const Job *j, int chunk, int y0, int y1) {
  uint8_t *io = chunk_base(j, chunk) + j->p->iooff;
  Rows r = {j, y0, y1, io, io + (size_t)j->p->ring * j->p->rowb};
  return r;
}

/* The halo slot of row s, outside [y0, y1) and needed by the chunk. */
static uint8_t *halo_row (const Rows *r, int s) {
  const Plan *p = r->j->p;
  int top = p->dymin < 0 ? -p->dymin : 0;
  int slot = s < r->y0 ? s - (r->y0 - top) : top + (s - r->y1);
  return r->halo + (size_t)slot * p->rowb;
}

/* Original row s (0 <= s < h) while output row y is being made. */
static const uint8_t *orig_row (const Rows *r, int s, int y) {
  const Job *j = r->j;
  if (!j->inplace) return seg_row(j->src, s);
  if (s < r->y0 || s >= r->y1) return halo_row(r, s);
  if (s <= y) return r->ring + (size_t)(s % j->p->ring) * j->p->rowb;
  return seg_row(j->src, s);
}

/* Before output row y is written in place: keep its original. */
static void save_row (const Rows *r, int y) {
  const Job *j = r->j;
  if (j->inplace)
    memcpy(r->ring + (size_t)(y % j->p->ring) * j->p->rowb, seg_row(j->src, y),
           (size_t)j->src->w * (size_t)j->src->c * seg_dtype_size(j->src->dtype));
}

/* Phase one of an in-place pass: every chunk copies its halo. */
static void halo_copy (void *arg, int chunk, int y0, int y1) {
  const Job *j = arg;
  Rows r = rows_init(j, chunk, y0, y1);
  size_t n = (size_t)j->src->w * (size_t)j->src->c * seg_dtype_size(j->src->dtype);
  for (int s = y0 + j->p->dymin; s < y1 + j->p->dymax; s++) {
    if (s >= y0 && s < y1) { s = y1 - 1; continue; }
    if (s < 0 || s >= j->src->h) continue;
    memcpy(halo_row(&r, s), seg_row(j->src, s), n);
  }
}

static void morph_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const Plan *p = j->p;
  const SegBuf *src = j->src;
  SegDtype t = src->dtype;
  size_t es = seg_dtype_size(t), rowe = (size_t)src->w * (size_t)src->c;
  uint8_t *base = chunk_base(j, chunk);
  Rows rw = rows_init(j, chunk, y0, y1);
  int *held = (int *)(base + (size_t)p->kh * p->slot);  /* source row in each slot */
  for (int i = 0; i < p->kh; i++) held[i] = -1;
  for (int y = y0; y < y1; y++) {
    uint8_t *out = seg_row(j->dst, y);
    int first = 1;
    save_row(&rw, y);
    for (int r = 0; r < p->nruns; r++) {
      const Run *u = &j->runs[r];
      int s = y + u->dy;
      if (s < 0 || s >= src->h) continue;
      int si = s % p->kh;
      uint8_t *lev = base + (size_t)si * p->slot;
      if (held[si] != s) {
        /* level 0: the source row between neutral margins */
        fill_neutral(lev, p->padl, t, j->dilate, j->top);
        memcpy(lev + p->padl * es, orig_row(&rw, s, y), rowe * es);
        fill_neutral(lev + (p->padl + rowe) * es, p->padw - p->padl - rowe, t, j->dilate, j->top);
        ladder(lev, p, src->c, t, j->dilate);
        held[si] = s;
      }
      const uint8_t *lk = lev + ((size_t)u->lev * p->padw + p->padl) * es;
      combine(out, lk + (ptrdiff_t)u->off1 * (ptrdiff_t)es, lk + (ptrdiff_t)u->off2 * (ptrdiff_t)es,
              rowe, t, j->dilate, first);
      first = 0;
    }
    if (first) fill_neutral(out, rowe, t, j->dilate, j->top);
  }
}

/* Rectangles are separable: the extremum over rows dy0 .. dy0 + rh - 1
** (outside rows neutral) goes into level 0 of the padded ladder, whose
** run gives the output row. Short rectangles take the extremum row by row;
** taller ones use van Herk / Gil-Werman on whole rows: source rows are cut
** into blocks of rh (from this chunk's first window on), each window is the
** suffix of one block (computed backwards, once per block) and the prefix
** of the next (one running row), so about three row operations per output
** row whatever rh. */
#define RECT_DIRECT_MAX 4

static void rect_rows (void *arg, int chunk, int y0, int y1) {
  Job *j = arg;
  const Plan *p = j->p;
  const Run *u = &j->runs[0];
  const SegBuf *src = j->src;
  SegDtype t = src->dtype;
  int dil = j->dilate, rh = p->rh, H = src->h;
  size_t es = seg_dtype_size(t), rowe = (size_t)src->w * (size_t)src->c;
  uint8_t *base = chunk_base(j, chunk);
  Rows rw = rows_init(j, chunk, y0, y1);
  uint8_t *lev = base, *v = lev + p->padl * es;
  uint8_t *sbuf = base + p->slot;                 /* suffix rows 0 .. rh - 1 */
  uint8_t *pbuf[2] = {sbuf + (size_t)rh * p->rowb, sbuf + ((size_t)rh + 1) * p->rowb};
  uint8_t *neutral = sbuf + ((size_t)rh + 2) * p->rowb;
  fill_neutral(lev, p->padl, t, dil, j->top);
  fill_neutral(v + rowe * es, p->padw - p->padl - rowe, t, dil, j->top);
  fill_neutral(neutral, rowe, t, dil, j->top);
#define SROW(s) ((s) < 0 || (s) >= H ? (const uint8_t *)neutral : orig_row(&rw, (s), y))
#define SUF(i) (sbuf + (size_t)(i) * p->rowb)
  const uint8_t *pp = NULL;   /* running prefix of the next block */
  int L = (u->off2 - u->off1) / src->c + (1 << u->lev);   /* run length */
  int pi = 0;
  for (int y = y0; y < y1; y++) {
    int a = y + p->dy0;                           /* window: rows a .. a + rh - 1 */
    save_row(&rw, y);
    if (rh <= RECT_DIRECT_MAX) {
      int lo = a < 0 ? 0 : a, hi = a + rh - 1 < H ? a + rh - 1 : H - 1;
      if (lo > hi) fill_neutral(v, rowe, t, dil, j->top);
      else if (lo == hi) memcpy(v, SROW(lo), rowe * es);
      else {
        combine(v, SROW(lo), SROW(lo + 1), rowe, t, dil, 1);
        for (int s = lo + 2; s <= hi; s += 2)
          combine(v, SROW(s), SROW(s + 1 <= hi ? s + 1 : s), rowe, t, dil, 0);
      }
    } else {
      int k = (y - y0) % rh;                      /* offset in the block */
      if (k == 0) {
        /* suffixes of rows a .. a + rh - 1; SUF(i) covers a + i .. a + rh - 1 */
        combine(SUF(rh - 2), SROW(a + rh - 2), SROW(a + rh - 1), rowe, t, dil, 1);
        for (int i = rh - 3; i >= 1; i--)
          combine(SUF(i), SUF(i + 1), SROW(a + i), rowe, t, dil, 1);
        combine(v, SUF(1), SROW(a), rowe, t, dil, 1);
      } else if (k == 1) {
        pp = SROW(a + rh - 1);
        combine(v, SUF(1), pp, rowe, t, dil, 1);
      } else {
        const uint8_t *s = k == rh - 1 ? SROW(a) : SUF(k);   /* the block's last row */
        vhstep(pbuf[pi], pp, SROW(a + rh - 1), s, v, rowe, t, dil);
        pp = pbuf[pi]; pi ^= 1;
      }
    }
    /* horizontal: a radix-4 ladder (level m holds windows of 4^m pixels,
    ** each level one pass of four loads), then at most four windows of
    ** the highest level below L cover the run */
    size_t bw = 1, cs = (size_t)src->c, n = p->padw;
    uint8_t *lb = lev;                            /* current level, at x = -ax */
    while (bw * 4 <= (size_t)L) {
      uint8_t *nd = lb + p->padw * es;
      n -= 3 * bw * cs;                           /* valid elements of the new level */
      op4(nd, lb, bw * cs, 2 * bw * cs, 3 * bw * cs, n, t, dil);
      lb = nd; bw *= 4;
    }
    const uint8_t *lk = lb + p->padl * es;
    size_t last = ((size_t)L - bw) * cs;
    size_t s2 = 2 * bw * cs < last ? 2 * bw * cs : last;
    op4(seg_row(j->dst, y), lk + (ptrdiff_t)u->off1 * (ptrdiff_t)es,
        bw * cs < last ? bw * cs : last, s2, last, rowe, t, dil);
  }
#undef SROW
#undef SUF
}

static void erode_dilate (const SegBuf *src, SegBuf *dst, const SegBuf *se, int dilate,
                          int binary, int threads, void *scratch) {
  Plan p;
  compile(src, se, &p, NULL);
  Run *runs = (Run *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  compile(src, se, &p, runs);
  Job j = {src, dst, &p, runs, dilate, binary ? 1 : 0xff, src->data == dst->data,
           (uint8_t *)runs + (size_t)p.nruns * sizeof(Run)};
  /* Each chunk re-reads kh - 1 rows around it: keep chunks well above kh. */
  int grain = p.kh * 4 > 32 ? p.kh * 4 : 32;
  if (threads < 1) threads = 1;
  /* the same arguments give the same chunks, so each finds its halo */
  if (j.inplace) seg_parallel_chunks(threads, src->h, grain, halo_copy, &j);
  seg_parallel_chunks(threads, src->h, grain, p.rect ? rect_rows : morph_rows, &j);
}

/* ---------- differences ---------- */

typedef struct Diff { const SegBuf *a, *b; SegBuf *d; } Diff;

/* Saturating: with an element that does not hold its anchor (or an even
** one, whose opening is then not anti-extensive) a - b can be negative,
** and OpenCV's morphologyEx saturates it to 0. */
SEG_CLONES static void sub_u8 (const uint8_t *a, const uint8_t *b, uint8_t *d, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)(a[i] > b[i] ? a[i] - b[i] : 0);
}
SEG_CLONES static void sub_u16 (const uint16_t *a, const uint16_t *b, uint16_t *d, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] = (uint16_t)(a[i] > b[i] ? a[i] - b[i] : 0);
}
SEG_CLONES static void sub_f32 (const float *a, const float *b, float *d, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] = a[i] - b[i];
}

/* d = a - b, saturated at 0 for integer types (d may alias a or b). */
static void diff_rows (void *arg, int y0, int y1) {
  Diff *j = arg;
  size_t n = (size_t)j->a->w * (size_t)j->a->c;
  for (int y = y0; y < y1; y++) {
    const void *a = seg_row(j->a, y), *b = seg_row(j->b, y);
    void *d = seg_row(j->d, y);
    switch (j->a->dtype) {
      case SEG_U8: sub_u8(a, b, d, n); break;
      case SEG_U16: sub_u16(a, b, d, n); break;
      default: sub_f32(a, b, d, n); break;
    }
  }
}

static void diff (const SegBuf *a, const SegBuf *b, SegBuf *d, int threads) {
  Diff j = {a, b, d};
  seg_parallel_for(threads, a->h, 64, diff_rows, &j);
}

void seg_morph (const SegBuf *src, SegBuf *dst, SegBuf *tmp, const SegBuf *se,
                int op, int threads, void *scratch) {
  seg_assert(seg_buf_samesize(src, dst) && dst->c == src->c && dst->dtype == src->dtype);
  seg_assert(!tmp || (seg_buf_samesize(src, tmp) && tmp->c == src->c && tmp->dtype == src->dtype));
  seg_assert(se->dtype == SEG_U8 && se->c == 1 && (!tmp || tmp->data != src->data));
  seg_assert(dst->data != src->data || ((op & ~SEG_MORPH_BINARY) != SEG_MORPH_TOPHAT &&
                                        (op & ~SEG_MORPH_BINARY) != SEG_MORPH_BLACKHAT));
  int bin = (op & SEG_MORPH_BINARY) != 0;
  switch (op & ~SEG_MORPH_BINARY) {
    case SEG_MORPH_ERODE: erode_dilate(src, dst, se, 0, bin, threads, scratch); break;
    case SEG_MORPH_DILATE: erode_dilate(src, dst, se, 1, bin, threads, scratch); break;
    /* The second pass of the compound operations runs in place in dst;
    ** only gradient uses 'tmp' (NULL is fine for every other op). */
    case SEG_MORPH_OPEN:
      erode_dilate(src, dst, se, 0, bin, threads, scratch);
      erode_dilate(dst, dst, se, 1, bin, threads, scratch);
      break;
    case SEG_MORPH_CLOSE:
      erode_dilate(src, dst, se, 1, bin, threads, scratch);
      erode_dilate(dst, dst, se, 0, bin, threads, scratch);
      break;
    case SEG_MORPH_GRADIENT:
      erode_dilate(src, tmp, se, 0, bin, threads, scratch);
      erode_dilate(src, dst, se, 1, bin, threads, scratch);
      diff(dst, tmp, dst, threads);
      break;
    case SEG_MORPH_TOPHAT:
      erode_dilate(src, dst, se, 0, bin, threads, scratch);
      erode_dilate(dst, dst, se, 1, bin, threads, scratch);
      diff(src, dst, dst, threads);
      break;
    default:  /* blackhat */
      erode_dilate(src, dst, se, 1, bin, threads, scratch);
      erode_dilate(dst, dst, se, 0, bin, threads, scratch);
      diff(dst, src, dst, threads);
      break;
  }
}

/* ---------- elements ---------- */

void seg_se_disk (SegBuf *se, int r) {
  seg_assert(se->w == 2 * r + 1 && se->h == 2 * r + 1 && se->dtype == SEG_U8 && se->c == 1);
  for (int j = 0; j < se->h; j++) {
    uint8_t *row = seg_row_u8(se, j);
    for (int i = 0; i < se->w; i++) {
      int64_t dx = i - r, dy = j - r;
      row[i] = dx * dx + dy * dy <= (int64_t)r * r;
    }
  }
}

void seg_se_cross (SegBuf *se, int r) {
  seg_assert(se->w == 2 * r + 1 && se->h == 2 * r + 1 && se->dtype == SEG_U8 && se->c == 1);
  for (int j = 0; j < se->h; j++) {
    uint8_t *row = seg_row_u8(se, j);
    for (int i = 0; i < se->w; i++) row[i] = i == r || j == r;
  }
}

/* contours.c — marching squares with skimage's contour assembly.
**
** Segments are produced square by square in raster order with skimage's
** case table (_find_contours_cy.pyx) and fed at once to its assembly
** (_find_contours.py): contours grow at both ends through two maps keyed by
** the exact (row, column) point, 'starts' and 'ends', and when a segment
** joins two contours the one created later is merged into the earlier one.
** The maps are open-addressing hash tables (below). Squares are classified
** a row at a time into bytes, and runs of eight squares with no segment
** are passed over with one word compare. */
#include <math.h>
#include <string.h>
#include "contours.h"

/* Pixel x of row y as a double (the corners of a square with a segment). */
static inline double at (const SegBuf *b, int y, int x) {
  switch (b->dtype) {
    case SEG_U8: return seg_row_u8(b, y)[x];
    case SEG_U16: return seg_row_u16(b, y)[x];
    case SEG_I32: return seg_row_i32(b, y)[x];
    default: return seg_row_f32(b, y)[x];
  }
}

/* above[x] = 1 where pixel x of row y is > level, 2 where it is NaN, else
** 0. Integers compare with floor(level), which is the same test. */
static void classify (const SegBuf *b, int y, double level, uint8_t *restrict above) {
  const int w = b->w;
  if (b->dtype == SEG_F32) {
    const float *s = seg_row_f32(b, y);
    for (int x = 0; x < w; x++) above[x] = (uint8_t)((s[x] > level) | (s[x] != s[x]) << 1);
    return;
  }
  if (!(level < 2147483647.0)) { memset(above, 0, (size_t)w); return; }   /* NaN too */
  if (level < -2147483648.0) { memset(above, 1, (size_t)w); return; }
  int64_t l = (int64_t)floor(level);
  switch (b->dtype) {
    case SEG_U8: {
      const uint8_t *s = seg_row_u8(b, y);
      int t = l < -1 ? -1 : l > 255 ? 255 : (int)l;
      for (int x = 0; x < w; x++) above[x] = (uint8_t)(s[x] > t);
      break;
    }
    case SEG_U16: {
      const uint16_t *s = seg_row_u16(b, y);
      int t = l < -1 ? -1 : l > 65535 ? 65535 : (int)l;
      for (int x = 0; x < w; x++) above[x] = (uint8_t)(s[x] > t);
      break;
    }
    default: {
      const int32_t *s = seg_row_i32(b, y);
      int32_t t = (int32_t)l;
      for (int x = 0; x < w; x++) above[x] = (uint8_t)(s[x] > t);
      break;
    }
  }
}

static inline double frac (double from, double to, double level) {
  if (to == from) return 0;
  return (level - from) / (to - from);
}

typedef struct Pt { double y, x; } Pt;

/* ---------- point -> contour maps ----------
** Open addressing with linear probing and backward-shift deletion (no
** tombstones, so probes stay short however many keys come and go). A slot
** holds the index of its key point in the point array (whose coordinates
** never change) and the contour number. A point's home slot follows its
** square's raster position, so the keys of the rows being swept sit
** together and lookups in scan order touch neighbouring slots. */

typedef struct Slot { int32_t pt, val; } Slot;
typedef struct Map { Slot *s; size_t mask; const SegCPoint *pts; } Map;

static inline size_t home (const Map *m, Pt p) {
  /* a row's cells in consecutive pairs of slots; rows at scattered
  ** offsets, so that ends left open on the image border (one per row in
  ** the worst case) do not pile onto a few homes */
  return ((size_t)p.x * 2 + (size_t)p.y * 0x9E3779B1u) & m->mask;
}

static inline int same (const Map *m, int32_t pt, Pt p) {
  return m->pts[pt].y == p.y && m->pts[pt].x == p.x;
}

/* The slot holding key p, or the empty slot where it would go. */
static inline size_t probe (const Map *m, Pt p) {
  size_t i = home(m, p);
  while (m->s[i].pt >= 0 && !same(m, m->s[i].pt, p)) i = (i + 1) & m->mask;
  return i;
}

/* dict.pop(p, None) -> value or -1 */
static int32_t pop (Map *m, Pt p) {
  size_t i = probe(m, p);
  if (m->s[i].pt < 0) return -1;
  int32_t v = m->s[i].val;
  /* close the gap: move back every later key of the run whose home is
  ** not in (i, j] */
  for (size_t j = (i + 1) & m->mask; m->s[j].pt >= 0; j = (j + 1) & m->mask) {
    const SegCPoint *q = &m->pts[m->s[j].pt];
    size_t h = home(m, (Pt){q->y, q->x});
    if (((j - h) & m->mask) >= ((j - i) & m->mask)) { m->s[i] = m->s[j]; i = j; }
  }
  m->s[i].pt = -1;
  return v;
}

/* dict[point pt] = v */
static void put (Map *m, int32_t pt, int32_t v) {
  const SegCPoint *q = &m->pts[pt];
  size_t i = probe(m, (Pt){q->y, q->x});
  if (m->s[i].pt < 0) m->s[i].pt = pt;
  m->s[i].val = v;
}

/* ---------- assembly ---------- */

typedef struct Asm {
  SegContours *c;
  Map starts, ends;
  int32_t npts;
} Asm;

static int32_t newpt (Asm *a, Pt p) {
  SegCPoint *q = &a->c->pts[a->npts];
  q->y = p.y; q->x = p.x; q->next = -1;
  return a->npts++;
}

static void append (Asm *a, int32_t k, Pt p) {
  SegContours *c = a->c;
  int32_t i = newpt(a, p);
  c->pts[c->last[k]].next = i;
  c->last[k] = i;
  c->len[k]++;
}

static void appendleft (Asm *a, int32_t k, Pt p) {
  SegContours *c = a->c;
  int32_t i = newpt(a, p);
  c->pts[i].next = c->first[k];
  c->first[k] = i;
  c->len[k]++;
}

/* contour k = k followed by contour j; j disappears */
static void concat (SegContours *c, int32_t k, int32_t j) {
  c->pts[c->last[k]].next = c->first[j];
  c->last[k] = c->last[j];
  c->len[k] += c->len[j];
  c->first[j] = c->last[j] = -1;
  c->len[j] = 0;
}

static Pt first_pt (const SegContours *c, int32_t k) {
  const SegCPoint *q = &c->pts[c->first[k]];
  return (Pt){q->y, q->x};
}

static void segment (Asm *a, Pt from, Pt to) {
  SegContours *c = a->c;
  if (from.y == to.y && from.x == to.x) return;
  int32_t tail = pop(&a->starts, to), head = pop(&a->ends, from);
  if (tail >= 0 && head >= 0) {
    if (tail == head) append(a, head, to);
    else if (tail > head) {
      concat(c, head, tail);
      put(&a->starts, c->first[head], head);
      put(&a->ends, c->last[head], head);
    } else {
      pop(&a->starts, first_pt(c, head));
      concat(c, head, tail);           /* tail.extendleft(reversed(head)) */
      /* the merged contour keeps tail's number */
      c->first[tail] = c->first[head]; c->last[tail] = c->last[head];
      c->len[tail] = c->len[head];
      c->first[head] = c->last[head] = -1; c->len[head] = 0;
      put(&a->starts, c->first[tail], tail);
      put(&a->ends, c->last[tail], tail);
    }
  } else if (tail < 0 && head < 0) {
    int32_t k = c->n++;
    c->first[k] = newpt(a, from);
    c->last[k] = newpt(a, to);
    c->pts[c->first[k]].next = c->last[k];
    c->len[k] = 2;
    put(&a->starts, c->first[k], k);
    put(&a->ends, c->last[k], k);
  } else if (head < 0) {
    appendleft(a, tail, from);
    put(&a->starts, c->first[tail], tail);
  } else {
    append(a, head, to);
    put(&a->ends, c->last[head], head);
  }
}

/* ---------- marching squares ---------- */

static inline uint64_t load8 (const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* Feeds every segment to the assembly in skimage's order, or only counts
** them when a == NULL. a0b/a1b: rows of w bytes.
** Eight squares whose corners all classify alike (all above, all below,
** all NaN: no segment) are passed over at once. */
static int64_t march (const SegBuf *img, double level, int high, uint8_t *a0b, uint8_t *a1b,
                      Asm *a) {
  int64_t n = 0;
  const int w = img->w;
  if (img->h < 2 || w < 2) return 0;
  classify(img, 0, level, a0b);
  for (int r0 = 0; r0 + 1 < img->h; r0++) {
    int r1 = r0 + 1;
    classify(img, r1, level, a1b);
    for (int c0 = 0; c0 + 1 < w;) {
      if (c0 + 9 <= w) {
        uint64_t t = load8(a0b + c0);
        if (((t ^ load8(a0b + c0 + 1)) | (t ^ load8(a1b + c0)) | (t ^ load8(a1b + c0 + 1))) == 0) {
          c0 += 8;
          continue;
        }
      }
      int c1 = c0 + 1;
      int sq = a0b[c0] | a0b[c1] << 1 | a1b[c0] << 2 | a1b[c1] << 3;
      if (sq == 0 || sq == 15 || ((a0b[c0] | a0b[c1] | a1b[c0] | a1b[c1]) & 2)) { c0++; continue; }
      n += sq == 6 || sq == 9 ? 2 : 1;
      if (!a) { c0++; continue; }
      double ul = at(img, r0, c0), ur = at(img, r0, c1), ll = at(img, r1, c0), lr = at(img, r1, c1);
      Pt top = {r0, c0 + frac(ul, ur, level)}, bottom = {r1, c0 + frac(ll, lr, level)};
      Pt left = {r0 + frac(ul, ll, level), c0}, right = {r0 + frac(ur, lr, level), c1};
      switch (sq) {
        case 1: segment(a, top, left); break;
        case 2: segment(a, right, top); break;
        case 3: segment(a, right, left); break;
        case 4: segment(a, left, bottom); break;
        case 5: segment(a, top, bottom); break;
        case 6:
          if (high) { segment(a, left, top); segment(a, right, bottom); }
          else { segment(a, right, top); segment(a, left, bottom); }
          break;
        case 7: segment(a, right, bottom); break;
        case 8: segment(a, bottom, right); break;
        case 9:
          if (high) { segment(a, top, right); segment(a, bottom, left); }
          else { segment(a, top, left); segment(a, bottom, right); }
          break;
        case 10: segment(a, bottom, top); break;
        case 11: segment(a, bottom, left); break;
        case 12: segment(a, left, right); break;
        case 13: segment(a, top, right); break;
        default: segment(a, left, top); break;   /* 14 */
      }
      c0++;
    }
    uint8_t *u = a0b; a0b = a1b; a1b = u;
  }
  return n;
}

int64_t seg_contour_segments (const SegBuf *img, double level, int high) {
  /* two rows of bytes on the heap would need a free path: count in
  ** windows of CH + 1 columns on the stack instead */
  int64_t n = 0;
  if (img->h < 2 || img->w < 2) return 0;
  enum { CH = 4096 };
  uint8_t ca[CH + 1], cb[CH + 1];
  for (int x0 = 0; x0 + 1 < img->w; x0 += CH) {
    int wn = img->w - x0 < CH + 1 ? img->w - x0 : CH + 1;
    SegBuf win = *img;
    win.w = wn;
    win.data = img->data + (size_t)x0 * seg_dtype_size(img->dtype);
    n += march(&win, level, high, ca, cb, NULL);
  }
  return n > INT32_MAX / 16 ? -1 : n;
}

/* load factor at most 1/2 whatever stays open */
static size_t slots_for (int64_t nseg) {
  size_t s = 16;
  while (s < (size_t)nseg * 2 + 16) s <<= 1;
  return s;
}

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

size_t seg_contours_scratch (int w, int64_t nseg) {
  size_t n = (size_t)nseg;
  return 2 * ALIGN8((size_t)w) + 3 * ALIGN8((n + 1) * sizeof(int32_t)) +
         ALIGN8((2 * n + 2) * sizeof(SegCPoint)) + 2 * slots_for(nseg) * sizeof(Slot);
}

void seg_contours (const SegBuf *img, double level, int high, int64_t nseg,
                   void *scratch, SegContours *out) {
  size_t n = (size_t)nseg;
  uint8_t *p = scratch;
  uint8_t *a0 = p, *a1 = p + ALIGN8((size_t)img->w);
  p += 2 * ALIGN8((size_t)img->w);
  out->n = 0;
  out->first = (int32_t *)p; p += ALIGN8((n + 1) * sizeof(int32_t));
  out->last = (int32_t *)p; p += ALIGN8((n + 1) * sizeof(int32_t));
  out->len = (int32_t *)p; p += ALIGN8((n + 1) * sizeof(int32_t));
  out->pts = (SegCPoint *)p; p += ALIGN8((2 * n + 2) * sizeof(SegCPoint));
  size_t slots = slots_for(nseg);
  Asm a;
  a.c = out; a.npts = 0;
  a.starts = (Map){(Slot *)p, slots - 1, out->pts};
  a.ends = a.starts;
  a.ends.s = a.starts.s + slots;
  memset(a.starts.s, 0xff, 2 * slots * sizeof(Slot));    /* pt = -1: empty */
  march(img, level, high, a0, a1, &a);
}

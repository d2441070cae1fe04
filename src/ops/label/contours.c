/* contours.c — marching squares with skimage's contour assembly.
**
** Segments are produced square by square in raster order with skimage's
** case table (_find_contours_cy.pyx) and fed at once to its assembly
** (_find_contours.py): contours grow at both ends through two maps keyed by
** the exact (row, column) point, 'starts' and 'ends', and when a segment
** joins two contours the one created later is merged into the earlier one.
** The maps are open-addressing hash tables on the bits of the two doubles
** (tombstones on removal, sized so they never fill). */
#include <math.h>
#include <string.h>
#include "contours.h"

static void load_row (const SegBuf *b, int y, double *out) {
  switch (b->dtype) {
    case SEG_U8: { const uint8_t *s = seg_row_u8(b, y); for (int x = 0; x < b->w; x++) out[x] = s[x]; break; }
    case SEG_U16: { const uint16_t *s = seg_row_u16(b, y); for (int x = 0; x < b->w; x++) out[x] = s[x]; break; }
    case SEG_I32: { const int32_t *s = seg_row_i32(b, y); for (int x = 0; x < b->w; x++) out[x] = s[x]; break; }
    default: { const float *s = seg_row_f32(b, y); for (int x = 0; x < b->w; x++) out[x] = s[x]; break; }
  }
}

static inline double frac (double from, double to, double level) {
  if (to == from) return 0;
  return (level - from) / (to - from);
}

typedef struct Pt { double y, x; } Pt;

/* ---------- point -> contour maps ---------- */

enum { EMPTY = 0, LIVE = 1, DEAD = 2 };
typedef struct Slot { double y, x; int32_t val; int32_t state; } Slot;
typedef struct Map { Slot *s; size_t mask; } Map;

static inline uint64_t hash (Pt p) {
  uint64_t a, b;
  double y = p.y + 0.0, x = p.x + 0.0;    /* -0.0 and 0.0 are one key, as in Python */
  memcpy(&a, &y, 8);
  memcpy(&b, &x, 8);
  uint64_t h = a * 0x9E3779B97F4A7C15u ^ (b + 0x632BE59BD9B4E019u + (a << 6) + (a >> 2));
  h ^= h >> 29; h *= 0xBF58476D1CE4E5B9u; h ^= h >> 32;
  return h;
}

static Slot *find (Map *m, Pt p) {
  for (size_t i = hash(p) & m->mask;; i = (i + 1) & m->mask) {
    Slot *s = &m->s[i];
    if (s->state == EMPTY) return NULL;
    if (s->state == LIVE && s->y == p.y && s->x == p.x) return s;
  }
}

/* dict.pop(p, None) -> value or -1 */
static int32_t pop (Map *m, Pt p) {
  Slot *s = find(m, p);
  if (!s) return -1;
  s->state = DEAD;
  return s->val;
}

static void put (Map *m, Pt p, int32_t v) {
  Slot *s = find(m, p);
  if (s) { s->val = v; return; }
  for (size_t i = hash(p) & m->mask;; i = (i + 1) & m->mask) {
    s = &m->s[i];
    if (s->state != LIVE) { s->y = p.y; s->x = p.x; s->val = v; s->state = LIVE; return; }
  }
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
static Pt last_pt (const SegContours *c, int32_t k) {
  const SegCPoint *q = &c->pts[c->last[k]];
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
      put(&a->starts, first_pt(c, head), head);
      put(&a->ends, last_pt(c, head), head);
    } else {
      pop(&a->starts, first_pt(c, head));
      concat(c, head, tail);           /* tail.extendleft(reversed(head)) */
      /* the merged contour keeps tail's number */
      c->first[tail] = c->first[head]; c->last[tail] = c->last[head];
      c->len[tail] = c->len[head];
      c->first[head] = c->last[head] = -1; c->len[head] = 0;
      put(&a->starts, first_pt(c, tail), tail);
      put(&a->ends, last_pt(c, tail), tail);
    }
  } else if (tail < 0 && head < 0) {
    int32_t k = c->n++;
    c->first[k] = newpt(a, from);
    c->last[k] = newpt(a, to);
    c->pts[c->first[k]].next = c->last[k];
    c->len[k] = 2;
    put(&a->starts, from, k);
    put(&a->ends, to, k);
  } else if (head < 0) {
    appendleft(a, tail, from);
    put(&a->starts, from, tail);
  } else {
    append(a, head, to);
    put(&a->ends, to, head);
  }
}

/* ---------- marching squares ---------- */

/* Calls emit(from, to) for every segment, in skimage's order, or only
** counts them when a == NULL. */
static int64_t march (const SegBuf *img, double level, int high, double *r0b, double *r1b,
                      Asm *a) {
  int64_t n = 0;
  if (img->h < 2 || img->w < 2) return 0;
  load_row(img, 0, r0b);
  for (int r0 = 0; r0 + 1 < img->h; r0++) {
    int r1 = r0 + 1;
    load_row(img, r1, r1b);
    for (int c0 = 0; c0 + 1 < img->w; c0++) {
      int c1 = c0 + 1;
      double ul = r0b[c0], ur = r0b[c1], ll = r1b[c0], lr = r1b[c1];
      if (isnan(ul) || isnan(ur) || isnan(ll) || isnan(lr)) continue;
      int sq = (ul > level) | (ur > level) << 1 | (ll > level) << 2 | (lr > level) << 3;
      if (sq == 0 || sq == 15) continue;
      n += sq == 6 || sq == 9 ? 2 : 1;
      if (!a) continue;
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
    }
    double *t = r0b; r0b = r1b; r1b = t;
  }
  return n;
}

int64_t seg_contour_segments (const SegBuf *img, double level, int high) {
  /* two rows of doubles on the heap would need a free path: count with a
  ** small stack window instead, row by row */
  int64_t n = 0;
  if (img->h < 2 || img->w < 2) return 0;
  enum { CH = 256 };
  double a[CH + 1], b[CH + 1];
  for (int x0 = 0; x0 + 1 < img->w; x0 += CH) {
    int wn = img->w - x0 < CH + 1 ? img->w - x0 : CH + 1;
    SegBuf win = *img;
    win.w = wn;
    win.data = img->data + (size_t)x0 * seg_dtype_size(img->dtype);
    n += march(&win, level, high, a, b, NULL);
  }
  return n > INT32_MAX / 16 ? -1 : n;
}

static size_t slots_for (int64_t nseg) {
  size_t s = 16;
  while (s < (size_t)nseg * 8 + 16) s <<= 1;
  return s;
}

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

size_t seg_contours_scratch (int w, int64_t nseg) {
  size_t n = (size_t)nseg;
  return ALIGN8(2 * (size_t)w * sizeof(double)) + 3 * ALIGN8((n + 1) * sizeof(int32_t)) +
         ALIGN8((2 * n + 2) * sizeof(SegCPoint)) + 2 * slots_for(nseg) * sizeof(Slot);
}

void seg_contours (const SegBuf *img, double level, int high, int64_t nseg,
                   void *scratch, SegContours *out) {
  size_t n = (size_t)nseg;
  uint8_t *p = scratch;
  double *r0 = (double *)p, *r1 = r0 + img->w;
  p += ALIGN8(2 * (size_t)img->w * sizeof(double));
  out->n = 0;
  out->first = (int32_t *)p; p += ALIGN8((n + 1) * sizeof(int32_t));
  out->last = (int32_t *)p; p += ALIGN8((n + 1) * sizeof(int32_t));
  out->len = (int32_t *)p; p += ALIGN8((n + 1) * sizeof(int32_t));
  out->pts = (SegCPoint *)p; p += ALIGN8((2 * n + 2) * sizeof(SegCPoint));
  size_t slots = slots_for(nseg);
  Asm a;
  a.c = out; a.npts = 0;
  a.starts.s = (Slot *)p; a.starts.mask = slots - 1;
  a.ends.s = a.starts.s + slots; a.ends.mask = slots - 1;
  memset(a.starts.s, 0, 2 * slots * sizeof(Slot));
  march(img, level, high, r0, r1, &a);
}

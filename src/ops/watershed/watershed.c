/* watershed.c — priority-flood watershed, skimage.segmentation.watershed
** (0.19.3) pixel for pixel. See watershed.h for the ordering argument.
**
** Reference: _watershed_cy.pyx (watershed_raveled) and heap_general.pxi.
** skimage pads the image by one pixel with mask 0; here a state byte per
** pixel carries the same facts (inside the mask, labelled, which image
** edges it touches), so neighbours off the image are skipped as the
** padding would skip them. Neighbours are visited in skimage's order
** (_offsets_to_raveled_neighbors: by distance, then raster order): N, W,
** E, S, then NW, NE, SW, SE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "watershed.h"

enum {
  ST_IN = 1,      /* inside the mask and not (yet) a watershed line */
  ST_LAB = 2,     /* output is nonzero */
  ST_W = 4, ST_E = 8, ST_N = 16, ST_S = 32   /* on that edge of the image */
};

/* ---------- the binary heap of heap_general.pxi ----------
** The same operations as skimage's heappush/heappop with a moving hole in
** place of pointer swaps: sift-up moves the new item above every parent it
** is strictly smaller than; sift-down moves the last item down, taking the
** left child when it is strictly smaller, then the right child when it is
** strictly smaller than the smaller so far. Equal keys therefore land
** where skimage's heap puts them. */

/* Integer keys: (elevation mapped to an order-preserving u32) << 32 |
** (age as skimage's int32, mapped the same way). */
typedef struct { uint64_t key; uint32_t idx, src; } IItem;
/* Double keys (compact watershed, f32 with NaN): skimage's comparison,
** NaN and all: a before b iff a.v < b.v when a.v != b.v, else by age. */
typedef struct { double v; int32_t age; uint32_t idx, src; } DItem;

#define ILESS(a, b) ((a)->key < (b)->key)
#define DLESS(a, b) ((a)->v != (b)->v ? (a)->v < (b)->v : (a)->age < (b)->age)

#define HEAP(NAME, ITEM, LESS) \
typedef struct { ITEM *a; size_t n, cap; } NAME; \
static int NAME##_grow (NAME *hp) { \
  size_t nc = hp->cap ? hp->cap * 2 : 4096; \
  ITEM *a = realloc(hp->a, nc * sizeof *a); \
  if (!a) return -1; \
  hp->a = a; hp->cap = nc; \
  return 0; \
} \
static inline int NAME##_push (NAME *hp, ITEM x) { \
  if (hp->n == hp->cap && NAME##_grow(hp) != 0) return -1; \
  ITEM *a = hp->a; \
  size_t c = hp->n++; \
  while (c > 0) { \
    size_t p = (c + 1) / 2 - 1; \
    if (!LESS(&x, &a[p])) break; \
    a[c] = a[p]; \
    c = p; \
  } \
  a[c] = x; \
  return 0; \
} \
static inline ITEM NAME##_pop (NAME *hp) { \
  ITEM *a = hp->a, top = a[0]; \
  size_t n = --hp->n; \
  if (n == 0) return top; \
  ITEM x = a[n]; \
  size_t i = 0; \
  for (;;) { \
    size_t l = 2 * i + 1, s = i; \
    if (l >= n) break; \
    __builtin_prefetch(&a[4 * i + 3]); \
    __builtin_prefetch(&a[4 * i + 6]); \
    const ITEM *sm = &x; \
    if (LESS(&a[l], sm)) { s = l; sm = &a[l]; } \
    if (l + 1 < n && LESS(&a[l + 1], sm)) s = l + 1; \
    if (s == i) break; \
    a[i] = a[s]; \
    i = s; \
  } \
  a[i] = x; \
  return top; \
}

HEAP(IHeap, IItem, ILESS)
HEAP(DHeap, DItem, DLESS)

/* ---------- bucket queue (u8/u16 elevations, distinct keys) ----------
** One FIFO of blocks per level and a two-level bitmap of the non-empty
** levels. Items of a level leave in the order they came, i.e. by age. */

#define BQ_B 1022
typedef struct { uint32_t idx, src; } BItem;
typedef struct BBlock { struct BBlock *next, *all; uint32_t n, pad; BItem it[BQ_B]; } BBlock;
typedef struct { BBlock *head, *tail; uint32_t hpos; } BLevel;
typedef struct {
  BLevel *lv;
  uint64_t *bits, *sum;
  BBlock *free, *all;
  int nlev, cur;
  size_t count;
} BQueue;

static int bq_init (BQueue *q, int nlev) {
  memset(q, 0, sizeof *q);
  q->nlev = nlev;
  q->lv = calloc((size_t)nlev, sizeof *q->lv);
  q->bits = calloc((size_t)(nlev + 63) / 64, sizeof *q->bits);
  q->sum = calloc((size_t)(nlev + 4095) / 4096, sizeof *q->sum);
  q->cur = nlev;
  return q->lv && q->bits && q->sum ? 0 : -1;
}

/* Also for a queue zeroed and never (or partly) initialised. */
static void bq_free (BQueue *q) {
  for (BBlock *b = q->all, *nx; b; b = nx) { nx = b->all; free(b); }
  free(q->lv); free(q->bits); free(q->sum);
}

static inline int bq_push (BQueue *q, int lev, BItem x) {
  BLevel *L = &q->lv[lev];
  BBlock *t = L->tail;
  if (!t || t->n == BQ_B) {
    BBlock *b = q->free;
    if (b) q->free = b->next;
    else {
      b = malloc(sizeof *b);
      if (!b) return -1;
      b->all = q->all; q->all = b;
    }
    b->next = NULL; b->n = 0;
    if (t) t->next = b; else { L->head = b; L->hpos = 0; }
    L->tail = t = b;
    q->bits[lev >> 6] |= (uint64_t)1 << (lev & 63);
    q->sum[lev >> 12] |= (uint64_t)1 << ((lev >> 6) & 63);
  }
  t->it[t->n++] = x;
  if (lev < q->cur) q->cur = lev;
  q->count++;
  return 0;
}

/* First non-empty level >= from (the queue is not empty). */
static inline int bq_first (const BQueue *q, int from) {
  int w = from >> 6;
  uint64_t m = q->bits[w] & (~(uint64_t)0 << (from & 63));
  if (m) return (w << 6) + __builtin_ctzll(m);
  w++;
  int sw = w >> 6;
  uint64_t sm = (w & 63) ? q->sum[sw] & (~(uint64_t)0 << (w & 63)) : q->sum[sw];
  while (!sm) sm = q->sum[++sw];
  w = (sw << 6) + __builtin_ctzll(sm);
  return (w << 6) + __builtin_ctzll(q->bits[w]);
}

static inline BItem bq_pop (BQueue *q) {
  int lev = q->cur = bq_first(q, q->cur);
  BLevel *L = &q->lv[lev];
  BBlock *h = L->head;
  BItem x = h->it[L->hpos++];
  if (L->hpos == h->n) {
    if (h == L->tail) {
      L->head = L->tail = NULL;
      q->bits[lev >> 6] &= ~((uint64_t)1 << (lev & 63));
      if (!q->bits[lev >> 6]) q->sum[lev >> 12] &= ~((uint64_t)1 << ((lev >> 6) & 63));
    } else L->head = h->next;
    L->hpos = 0;
    h->next = q->free; q->free = h;
  }
  q->count--;
  return x;
}

/* bq_pop that also points *ahead at the item d places behind the popped
** one in the same block (NULL when there is none), for prefetching. */
static inline BItem bq_pop_peek (BQueue *q, uint32_t d, const BItem **ahead) {
  int lev = q->cur = bq_first(q, q->cur);
  const BLevel *L = &q->lv[lev];
  uint32_t k = L->hpos + d;
  *ahead = k < L->head->n ? &L->head->it[k] : NULL;
  return bq_pop(q);
}

/* ---------- setup ---------- */

typedef struct Ws {
  int w, h;
  int32_t *out;
  uint8_t *st;
  int nn;
  ptrdiff_t off[8];
  uint8_t need[8];       /* edge bits that rule neighbour k out */
  int lines;
  int64_t mage;          /* age of the next marker: 0 (skimage), or
                         ** -(markers) counting up (raster ties) */
  int mstep;             /* 0 or 1 */
} Ws;

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

/* Layout: state bytes; for u8/u16 then the combined elements; for f32
** u16 ranks, then combined elements of the ranks. */
size_t seg_watershed_scratch (int w, int h, SegDtype elev) {
  size_t n = (size_t)w * (size_t)h;
  switch (elev) {
    case SEG_U8: return ALIGN64(n) + 2 * n;
    case SEG_U16: return ALIGN64(n) + 4 * n;
    case SEG_F32: return ALIGN64(n) + ALIGN64(2 * n) + 4 * n;
    default: return n;
  }
}

static int32_t marker_at (const SegBuf *m, int y, int x) {
  switch (m->dtype) {
    case SEG_U8: return seg_row_u8(m, y)[x];
    case SEG_U16: return seg_row_u16(m, y)[x];
    default: return seg_row_i32(m, y)[x];
  }
}

static void setup (Ws *ws, const SegBuf *markers, const SegBuf *mask, SegBuf *dst,
                   const SegWatershedOpts *o, uint8_t *state) {
  int w = dst->w, h = dst->h;
  ws->w = w; ws->h = h;
  ws->out = (int32_t *)dst->data;
  ws->st = state;
  ws->lines = o->lines;
  ws->nn = o->connectivity == 4 ? 4 : 8;
  const ptrdiff_t W = w;
  const ptrdiff_t off[8] = {-W, -1, 1, W, -W - 1, -W + 1, W - 1, W + 1};
  const uint8_t need[8] = {ST_N, ST_W, ST_E, ST_S, ST_N | ST_W, ST_N | ST_E,
                           ST_S | ST_W, ST_S | ST_E};
  memcpy(ws->off, off, sizeof off);
  memcpy(ws->need, need, sizeof need);
  for (int y = 0; y < h; y++) {
    uint8_t *s = state + (size_t)y * w;
    int32_t *d = ws->out + (size_t)y * w;
    const uint8_t *mk = mask ? seg_row_u8(mask, y) : NULL;
    uint8_t edge = (uint8_t)((y == 0 ? ST_N : 0) | (y == h - 1 ? ST_S : 0));
    for (int x = 0; x < w; x++) {
      uint8_t v = (uint8_t)(edge | (x == 0 ? ST_W : 0) | (x == w - 1 ? ST_E : 0));
      int32_t l = 0;
      if (!mk || mk[x]) {
        v |= ST_IN;
        l = marker_at(markers, y, x);
        if (l) v |= ST_LAB;
      }
      s[x] = v;
      d[x] = l;
    }
  }
}

/* skimage's _diff_neighbors: 1 (and the pixel leaves the mask) when its
** neighbours inside the mask carry two distinct nonzero labels. Its quirk
** is kept: the first label slot takes the first in-mask neighbour's value
** even when that is 0, and is only replaced while it stays 0. */
static int diff_neighbors (const Ws *ws, size_t p) {
  uint8_t s = ws->st[p];
  if (!(s & ST_IN)) return 1;
  int32_t l0 = 0;
  for (int k = 0; k < ws->nn; k++) {
    if (s & ws->need[k]) continue;
    size_t q = p + ws->off[k];
    if (!(ws->st[q] & ST_IN)) continue;
    if (!l0) l0 = ws->out[q];
    else {
      int32_t l1 = ws->out[q];
      if (l1 && l1 != l0) { ws->st[p] = (uint8_t)(s & ~ST_IN); return 1; }
    }
  }
  return 0;
}

/* skimage's int32 age (the Py_ssize_t counter truncated) in u32 order. */
static inline uint32_t agekey (uint64_t age) {
  return (uint32_t)age ^ 0x80000000u;
}
#define MARKER_AGE 0x80000000u

/* Order-preserving u32 images of the elevations. */
static inline uint32_t key_u8 (const void *e, size_t i) { return ((const uint8_t *)e)[i]; }
static inline uint32_t key_u16 (const void *e, size_t i) { return ((const uint16_t *)e)[i]; }
static inline uint32_t key_i32 (const void *e, size_t i) {
  return (uint32_t)((const int32_t *)e)[i] ^ 0x80000000u;
}
/* f32 without NaN; -0 and +0 compare equal as doubles, so map alike. */
static inline uint32_t key_f32 (const void *e, size_t i) {
  uint32_t b;
  memcpy(&b, (const float *)e + i, 4);
  if (b == 0x80000000u) b = 0;
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

/* ---------- integer keys: plain and line watersheds ----------
** 'nlev' > 0 (u8/u16) lets the flood move to the bucket queue once no two
** queued markers tie: 'ties' is how many markers must leave the heap first
** (those whose elevation is at or below the highest elevation that two
** markers share). */

#define WS_INT(NAME, KEY) \
static int NAME (Ws *ws, const void *elev, int nlev, size_t ties) { \
  IHeap hp = {NULL, 0, 0}; \
  BQueue bq; \
  int bucket = 0, rc = SEG_ENOMEM; \
  memset(&bq, 0, sizeof bq); \
  int32_t *out = ws->out; \
  uint8_t *st = ws->st; \
  const size_t n = (size_t)ws->w * (size_t)ws->h; \
  const int nn = ws->nn, lines = ws->lines; \
  uint64_t age = 1; \
  size_t popped = 0; \
  if (nlev > 0 && ties == 0) { \
    if (bq_init(&bq, nlev) != 0) goto done; \
    bucket = 1; \
  } \
  for (size_t p = 0; p < n; p++) \
    if (out[p]) { \
      if (bucket) { \
        if (bq_push(&bq, (int)KEY(elev, p), (BItem){(uint32_t)p, (uint32_t)p}) != 0) goto done; \
      } else { \
        IItem it = {((uint64_t)KEY(elev, p) << 32) | agekey((uint64_t)ws->mage), (uint32_t)p, (uint32_t)p}; \
        ws->mage += ws->mstep; \
        if (IHeap_push(&hp, it) != 0) goto done; \
      } \
    } \
  for (;;) { \
    uint32_t p, src; \
    if (!bucket) { \
      if (hp.n == 0) break; \
      IItem e = IHeap_pop(&hp); \
      p = e.idx; src = e.src; \
      if (hp.n > 0) { \
        size_t a = hp.a[0].idx, W = (size_t)ws->w; \
        __builtin_prefetch(&st[a - (a >= W ? W : 0)]); \
        __builtin_prefetch(&st[a + (a + W < n ? W : 0)]); \
        __builtin_prefetch(&out[a]); \
      } \
      if (nlev > 0 && (uint32_t)e.key == MARKER_AGE && ++popped == ties) { \
        /* every key left is distinct: the sorted order is the heap's */ \
        if (bq_init(&bq, nlev) != 0) goto done; \
        bucket = 1; \
        while (hp.n > 0) { \
          IItem f = IHeap_pop(&hp); \
          if (bq_push(&bq, (int)(f.key >> 32), (BItem){f.idx, f.src}) != 0) goto done; \
        } \
      } \
    } else { \
      if (bq.count == 0) break; \
      BItem e = bq_pop(&bq); \
      p = e.idx; src = e.src; \
    } \
    uint8_t s = st[p]; \
    int32_t lab; \
    if (lines) { \
      if ((s & ST_LAB) && p != src) continue; \
      if (diff_neighbors(ws, p)) continue; \
      lab = out[p] = out[src]; \
      st[p] = (uint8_t)(s | ST_LAB); \
    } else lab = out[p]; \
    for (int k = 0; k < nn; k++) { \
      if (s & ws->need[k]) continue; \
      size_t q = p + ws->off[k]; \
      if ((st[q] & (ST_IN | ST_LAB)) != ST_IN) continue; \
      age++; \
      if (!lines) { out[q] = lab; st[q] |= ST_LAB; } \
      if (bucket) { \
        if (bq_push(&bq, (int)KEY(elev, q), (BItem){(uint32_t)q, src}) != 0) goto done; \
      } else { \
        IItem it = {((uint64_t)KEY(elev, q) << 32) | agekey(age), (uint32_t)q, src}; \
        if (IHeap_push(&hp, it) != 0) goto done; \
      } \
    } \
  } \
  rc = SEG_OK; \
done: \
  free(hp.a); \
  bq_free(&bq); \
  return rc; \
}

WS_INT(ws_u8, key_u8)
WS_INT(ws_u16, key_u16)
WS_INT(ws_i32, key_i32)
WS_INT(ws_f32, key_f32)

/* ---------- packed keys: the plain u8/u16 watershed ----------
** One u64 per item, value | age | index from the high bits down, compared
** without the index bits: (value, age) order as above in half the memory
** (the heap's cache misses are most of the time). Ages of the plain
** watershed stay below n + 2, so they need no int32 wrap. */

typedef struct { uint64_t *a; size_t n, cap; unsigned sh; } PHeap;

static int pheap_grow (PHeap *hp) {
  size_t nc = hp->cap ? hp->cap * 2 : 4096;
  uint64_t *a = realloc(hp->a, nc * sizeof *a);
  if (!a) return -1;
  hp->a = a; hp->cap = nc;
  return 0;
}

/* Inlined: three pushes in four leave the item where it lands. */
static inline __attribute__((always_inline)) int pheap_push (PHeap *hp, uint64_t x) {
  if (__builtin_expect(hp->n == hp->cap, 0) && pheap_grow(hp) != 0) return -1;
  uint64_t *a = hp->a;
  const unsigned sh = hp->sh;
  const uint64_t xk = x >> sh;
  size_t c = hp->n++;
  while (c > 0) {
    size_t p = (c + 1) / 2 - 1;
    if (!(xk < (a[p] >> sh))) break;
    a[c] = a[p];
    c = p;
  }
  a[c] = x;
  return 0;
}

/* skimage's sift-down, done bottom-up (Floyd): the hole goes down the
** path of smaller children to a leaf (right only when strictly smaller,
** as skimage's second test), then x climbs back while it is not greater
** than the item above, i.e. to the first place where skimage's loop
** stops (no child strictly smaller than x). Same array, one comparison
** per level on the way down. */
static inline uint64_t pheap_pop (PHeap *hp) {
  uint64_t *a = hp->a, top = a[0];
  size_t n = --hp->n;
  if (n == 0) return top;
  const unsigned sh = hp->sh;
  const uint64_t x = a[n], xk = x >> sh;
  size_t i = 0, l;
  while ((l = 2 * i + 1) + 1 < n) {
    /* three levels ahead: the lines of the 8 great-grandchildren */
    __builtin_prefetch(&a[8 * i + 7]);
    __builtin_prefetch(&a[8 * i + 14]);
    l += (a[l + 1] >> sh) < (a[l] >> sh);
    a[i] = a[l];
    i = l;
  }
  if (l < n) { a[i] = a[l]; i = l; }
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if ((a[p] >> sh) < xk) break;
    a[i] = a[p];
    i = p;
  }
  a[i] = x;
  return top;
}

static unsigned bits_for (uint64_t v) {
  unsigned b = 1;
  while (b < 64 && (v >> b)) b++;
  return b;
}

/* Whether the packed layout holds (value bits vb) for an n-pixel image. */
static int packed_fits (size_t n, unsigned vb) {
  return vb + bits_for(n) + bits_for((uint64_t)n + 2) <= 64;
}

/* The flood's memory traffic is most of the rest: elevation and state of a
** pixel share one element here (CT: elevation in the low bits, state
** above from bit SB), so a neighbour costs one load. In the bucket phase
** the label rides in the item and the pixels a few items ahead in the
** level's FIFO are prefetched. */
#define PF_AHEAD 6
#define WS_PACKED(NAME, T, CT, SB) \
static int NAME (Ws *ws, const T *elev, int nlev, size_t ties, CT *C) { \
  const size_t n = (size_t)ws->w * (size_t)ws->h; \
  const unsigned ib = bits_for(n), ab = bits_for((uint64_t)n + 2), vs = ib + ab; \
  const uint64_t imask = ((uint64_t)1 << ib) - 1, amask = ((uint64_t)1 << ab) - 1; \
  const CT vmask = (CT)(((CT)1 << SB) - 1); \
  const CT IN = (CT)((CT)ST_IN << SB), INLAB = (CT)((CT)(ST_IN | ST_LAB) << SB); \
  const CT LAB = (CT)((CT)ST_LAB << SB); \
  PHeap hp = {NULL, 0, 0, ib}; \
  BQueue bq; \
  int bucket = 0, rc = SEG_ENOMEM; \
  memset(&bq, 0, sizeof bq); \
  int32_t *out = ws->out; \
  const ptrdiff_t W = ws->w; \
  const int nn = ws->nn; \
  uint64_t age = 1; \
  size_t popped = 0; \
  for (size_t p = 0; p < n; p++) C[p] = (CT)(elev[p] | ((CT)ws->st[p] << SB)); \
  if (ties == 0) { \
    if (bq_init(&bq, nlev) != 0) goto done; \
    bucket = 1; \
  } \
  for (size_t p = 0; p < n; p++) \
    if (out[p]) { \
      if (bucket) { \
        if (bq_push(&bq, elev[p], (BItem){(uint32_t)p, (uint32_t)out[p]}) != 0) goto done; \
      } else if (pheap_push(&hp, ((uint64_t)elev[p] << vs) | p) != 0) goto done; \
    } \
  for (;;) { \
    uint32_t p; \
    int32_t lab; \
    if (!bucket) { \
      if (hp.n == 0) break; \
      uint64_t e = pheap_pop(&hp); \
      p = (uint32_t)(e & imask); \
      if (hp.n > 0) { /* the next pop, unless a descent comes first */ \
        size_t a = (size_t)(hp.a[0] & imask); \
        __builtin_prefetch(&C[a - (a >= (size_t)W ? W : 0)]); \
        __builtin_prefetch(&C[a + (a + W < n ? W : 0)]); \
        __builtin_prefetch(&out[a]); \
        __builtin_prefetch(&out[a - (a >= (size_t)W ? W : 0)], 1); \
        __builtin_prefetch(&out[a + (a + W < n ? W : 0)], 1); \
      } \
      lab = out[p]; \
      if (((e >> ib) & amask) == 0 && ++popped == ties) { \
        if (bq_init(&bq, nlev) != 0) goto done; \
        bucket = 1; \
        while (hp.n > 0) { \
          uint64_t f = pheap_pop(&hp); \
          uint32_t fi = (uint32_t)(f & imask); \
          if (bq_push(&bq, (int)(f >> vs), (BItem){fi, (uint32_t)out[fi]}) != 0) goto done; \
        } \
      } \
    } else { \
      if (bq.count == 0) break; \
      const BItem *ahead; \
      BItem e = bq_pop_peek(&bq, PF_AHEAD, &ahead); \
      if (ahead) { \
        size_t a = ahead->idx; \
        __builtin_prefetch(&C[a - (a >= (size_t)W ? W : 0)]); \
        __builtin_prefetch(&C[a]); \
        __builtin_prefetch(&C[a + (a + W < n ? W : 0)]); \
        __builtin_prefetch(&out[a - (a >= (size_t)W ? W : 0)], 1); \
        __builtin_prefetch(&out[a + (a + W < n ? W : 0)], 1); \
      } \
      p = e.idx; \
      lab = (int32_t)e.src; \
    } \
    const uint8_t s = (uint8_t)(C[p] >> SB); \
    for (int k = 0; k < nn; k++) { \
      if (s & ws->need[k]) continue; \
      size_t q = p + ws->off[k]; \
      CT cq = C[q]; \
      if ((cq & INLAB) != IN) continue; \
      age++; \
      out[q] = lab; \
      C[q] = (CT)(cq | LAB); \
      if (bucket) { \
        if (bq_push(&bq, (int)(cq & vmask), (BItem){(uint32_t)q, (uint32_t)lab}) != 0) goto done; \
      } else if (pheap_push(&hp, ((uint64_t)(cq & vmask) << vs) | (age << ib) | q) != 0) goto done; \
    } \
  } \
  rc = SEG_OK; \
done: \
  free(hp.a); \
  bq_free(&bq); \
  return rc; \
}

WS_PACKED(wsp_u8, uint8_t, uint16_t, 8)
WS_PACKED(wsp_u16, uint16_t, uint32_t, 16)

/* ---------- double keys: compact watershed, NaN elevations ---------- */

static int ws_double (Ws *ws, const SegBuf *elev, double compactness) {
  DHeap hp = {NULL, 0, 0};
  int32_t *out = ws->out;
  uint8_t *st = ws->st;
  const int w = ws->w, nn = ws->nn, lines = ws->lines, compact = compactness > 0;
  const size_t n = (size_t)w * (size_t)ws->h;
  const SegDtype et = elev->dtype;
  const void *e = elev->data;
  uint64_t age = 1;
  for (size_t p = 0; p < n; p++)
    if (out[p]) {
      DItem it = {seg_elem(et, e, p), (int32_t)ws->mage, (uint32_t)p, (uint32_t)p};
      ws->mage += ws->mstep;
      if (DHeap_push(&hp, it) != 0) { free(hp.a); return SEG_ENOMEM; }
    }
  while (hp.n > 0) {
    DItem el = DHeap_pop(&hp);
    uint32_t p = el.idx, src = el.src;
    uint8_t s = st[p];
    int32_t lab;
    if (compact || lines) {
      if ((s & ST_LAB) && p != src) continue;
      if (lines && diff_neighbors(ws, p)) continue;
      lab = out[p] = out[src];
      st[p] = (uint8_t)(s | ST_LAB);
    } else lab = out[p];
    for (int k = 0; k < nn; k++) {
      if (s & ws->need[k]) continue;
      size_t q = p + ws->off[k];
      if ((st[q] & (ST_IN | ST_LAB)) != ST_IN) continue;
      age++;
      DItem it = {seg_elem(et, e, q), (int32_t)(uint32_t)age, (uint32_t)q, src};
      if (compact) {
        /* _euclid_dist: rows then columns, summed from 0 in this order */
        double r = 0, dr = (double)((ptrdiff_t)(q / (size_t)w) - (ptrdiff_t)(src / (uint32_t)w));
        double dc = (double)((ptrdiff_t)(q % (size_t)w) - (ptrdiff_t)(src % (uint32_t)w));
        r += dr * dr;
        r += dc * dc;
        it.v += compactness * sqrt(r);
      } else if (!lines) {
        out[q] = lab;
        st[q] |= ST_LAB;
      }
      if (DHeap_push(&hp, it) != 0) { free(hp.a); return SEG_ENOMEM; }
    }
  }
  free(hp.a);
  return SEG_OK;
}

/* ---------- entry ---------- */

static int cmp_u32 (const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static int has_nan (const SegBuf *b) {
  const float *f = (const float *)b->data;
  size_t n = (size_t)b->w * (size_t)b->h;
  int nan = 0;
  for (size_t i = 0; i < n; i++) nan |= f[i] != f[i];
  return nan;
}

/* f32 elevations (no NaN) with at most 65536 distinct values: *nlev =
** that count and rank[p] = the rank of pixel p's value among them, so
** ranks order and tie exactly as the floats do (-0 and +0 are one value).
** *nlev = 0 when there are more (the heap floods the floats). */
static int f32_ranks (const SegBuf *elev, uint16_t *rank, size_t *nlev) {
  enum { MAXD = 65536, CAP = 1 << 17 };     /* hash slots: load <= 1/2 */
  const size_t n = (size_t)elev->w * (size_t)elev->h;
  const void *e = elev->data;
  uint32_t *keys = malloc(CAP * sizeof *keys);
  uint16_t *val = malloc(CAP * sizeof *val);
  uint8_t *used = calloc(CAP, 1);
  uint32_t *d = malloc(MAXD * sizeof *d);
  int rc = SEG_ENOMEM;
  size_t cnt = 0;
  *nlev = 0;
  if (!keys || !val || !used || !d) goto done;
#define SLOT(k) (((k) * 2654435761u) >> 15)  /* Fibonacci hash to 17 bits */
  uint32_t last = 0;
  int have = 0;
  for (size_t p = 0; p < n; p++) {
    uint32_t k = key_f32(e, p);
    if (have && k == last) continue;
    last = k; have = 1;
    uint32_t h = SLOT(k);
    while (used[h] && keys[h] != k) h = (h + 1) & (CAP - 1);
    if (!used[h]) {
      if (cnt == MAXD) { rc = SEG_OK; goto done; }
      used[h] = 1; keys[h] = k; d[cnt++] = k;
    }
  }
  qsort(d, cnt, sizeof *d, cmp_u32);
  for (size_t i = 0; i < cnt; i++) {
    uint32_t h = SLOT(d[i]);
    while (keys[h] != d[i]) h = (h + 1) & (CAP - 1);
    val[h] = (uint16_t)i;
  }
  uint16_t lr = 0;
  have = 0;
  for (size_t p = 0; p < n; p++) {
    uint32_t k = key_f32(e, p);
    if (!(have && k == last)) {
      uint32_t h = SLOT(k);
      while (keys[h] != k) h = (h + 1) & (CAP - 1);
      lr = val[h]; last = k; have = 1;
    }
    rank[p] = lr;
  }
#undef SLOT
  *nlev = cnt;
  rc = SEG_OK;
done:
  free(keys); free(val); free(used); free(d);
  return rc;
}

/* Markers to pop from the heap before the bucket queue may take over. */
static size_t tie_count (const SegBuf *elev, const Ws *ws, int nlev, size_t *hist) {
  const size_t n = (size_t)ws->w * (size_t)ws->h;
  memset(hist, 0, (size_t)nlev * sizeof *hist);
  if (elev->dtype == SEG_U8) {
    const uint8_t *e = elev->data;
    for (size_t p = 0; p < n; p++) if (ws->out[p]) hist[e[p]]++;
  } else {
    const uint16_t *e = (const uint16_t *)elev->data;
    for (size_t p = 0; p < n; p++) if (ws->out[p]) hist[e[p]]++;
  }
  int top = -1;
  for (int v = nlev - 1; v >= 0; v--) if (hist[v] >= 2) { top = v; break; }
  size_t t = 0;
  for (int v = 0; v <= top; v++) t += hist[v];
  return t;
}

int seg_watershed (const SegBuf *elev, const SegBuf *markers, const SegBuf *mask,
                   SegBuf *dst, const SegWatershedOpts *o, uint8_t *state) {
  seg_assert(elev->c == 1 && markers->c == 1 && dst->c == 1 && dst->dtype == SEG_I32);
  seg_assert(seg_buf_samesize(elev, markers) && seg_buf_samesize(elev, dst));
  seg_assert(!mask || (seg_buf_samesize(elev, mask) && mask->dtype == SEG_U8 && mask->c == 1));
  seg_assert(markers->dtype != SEG_F32);
  seg_assert(seg_buf_contiguous(elev) && seg_buf_contiguous(dst));
  if ((uint64_t)elev->w * (uint64_t)elev->h >= ((uint64_t)1 << 32)) return SEG_EINVAL;
  Ws ws;
  setup(&ws, markers, mask, dst, o, state);
  ws.mage = 0;
  ws.mstep = 0;
  if (o->raster_ties) {
    /* markers of one elevation leave in raster order: distinct negative
    ** ages below every age of the flood (which start at 2) */
    const size_t n = (size_t)dst->w * (size_t)dst->h;
    int64_t count = 0;
    for (size_t p = 0; p < n; p++) count += ws.out[p] != 0;
    ws.mage = -count;
    ws.mstep = 1;
  }
  if (o->compactness > 0 || (elev->dtype == SEG_F32 && has_nan(elev)))
    return ws_double(&ws, elev, o->compactness);
  const size_t n = (size_t)elev->w * (size_t)elev->h;
  SegBuf levels = *elev;
  size_t nlev = 0;
  switch (elev->dtype) {
    case SEG_U8: nlev = 256; break;
    case SEG_U16: nlev = 65536; break;
    case SEG_F32: {
      /* few distinct values (distance maps): flood their ranks instead */
      uint16_t *rank = (uint16_t *)(state + ALIGN64(n));
      int rc = f32_ranks(elev, rank, &nlev);
      if (rc != SEG_OK) return rc;
      if (nlev) {
        levels.dtype = SEG_U16;
        levels.stride = (size_t)elev->w * 2;
        levels.data = (uint8_t *)rank;
      }
      break;
    }
    default: break;
  }
  if (nlev) {
    size_t *hist = malloc(nlev * sizeof *hist);
    if (!hist) return SEG_ENOMEM;
    size_t ties = o->raster_ties ? 0 : tie_count(&levels, &ws, (int)nlev, hist);
    unsigned vb = 8;
    if (levels.dtype == SEG_U16) {   /* bits of the highest level in use */
      const uint16_t *e = (const uint16_t *)levels.data;
      uint16_t mx = 0;
      for (size_t p = 0; p < n; p++) mx = e[p] > mx ? e[p] : mx;
      vb = bits_for(mx);
    }
    free(hist);
    int u8 = levels.dtype == SEG_U8;
    void *comb = (uint8_t *)levels.data == elev->data ? state + ALIGN64(n)
                                                      : state + ALIGN64(n) + ALIGN64(2 * n);
    if (!o->lines && packed_fits(n, vb))
      return u8 ? wsp_u8(&ws, levels.data, (int)nlev, ties, comb)
                : wsp_u16(&ws, (const uint16_t *)levels.data, (int)nlev, ties, comb);
    return (u8 ? ws_u8 : ws_u16)(&ws, levels.data, (int)nlev, ties);
  }
  switch (elev->dtype) {
    case SEG_I32: return ws_i32(&ws, elev->data, 0, 0);
    default: return ws_f32(&ws, elev->data, 0, 0);
  }
}

/* ---------- regular seeds ---------- */

void seg_regular_seeds (SegBuf *dst, int64_t n) {
  const int w = dst->w, h = dst->h;
  if (n < 1) return;
  double space = (double)w * (double)h;
  int start[2] = {0, 0}, step[2] = {1, 1};     /* per axis: 0 = rows, 1 = columns */
  if (space > (double)n) {
    /* regular_grid: sorted dims (a stable argsort of (h, w)) */
    int small = w < h ? 1 : 0, large = 1 - small;
    double dims[2] = {(double)h, (double)w};
    double st[2];
    st[0] = st[1] = pow(space / (double)n, 1.0 / 2);
    if (dims[small] < st[0] || dims[large] < st[1]) {
      st[small] = dims[small];
      st[large] = pow(dims[large] / (double)n, 1.0);
    }
    for (int a = 0; a < 2; a++) {
      start[a] = (int)floor(st[a] / 2);
      step[a] = (int)nearbyint(st[a]);           /* np.round: half to even */
      if (step[a] < 1) step[a] = 1;
    }
  }
  int32_t lab = 0;
  for (int y = start[0]; y < h; y += step[0]) {
    int32_t *d = seg_row_i32(dst, y);
    for (int x = start[1]; x < w; x += step[1]) d[x] = ++lab;
  }
}

/* flip.c — mirror images and quarter turns (flip, rotate90, transpose).
** Pure data movement: every kernel copies whole pixels, dispatched on the
** pixel size so the common ones (1, 2, 3, 4, 6, 8, 12, 16 bytes) move as
** fixed-size values the compiler keeps in registers. */
#include <string.h>
#include "ops/geometry/geometry.h"

typedef struct { uint8_t b[3]; } Px3;
typedef struct { uint16_t v[3]; } Px6;
typedef struct { uint32_t v[3]; } Px12;
typedef struct { uint64_t v[2]; } Px16;

/* ---------- flip ---------- */

/* Baseline x86-64 has no byte shuffle (pshufb is SSSE3): the clones
** reverse 16 or 32 bytes per instruction. */
#define DEF_REV(NAME, T)                                                    \
  SEG_CLONES static void NAME (const uint8_t *restrict s, uint8_t *restrict d, int w) { \
    const T *sp = (const T *)(const void *)s;                               \
    T *dp = (T *)(void *)d;                                                  \
    for (int x = 0; x < w; x++) dp[x] = sp[w - 1 - x];                       \
  }
DEF_REV(rev1, uint8_t)
DEF_REV(rev2, uint16_t)
DEF_REV(rev3_scalar, Px3)
DEF_REV(rev4, uint32_t)
DEF_REV(rev6, Px6)
DEF_REV(rev8, uint64_t)
DEF_REV(rev12, Px12)
DEF_REV(rev16, Px16)

typedef uint8_t V16b __attribute__((vector_size(16)));
typedef uint8_t V16bu __attribute__((vector_size(16), aligned(1), may_alias));

/* RGB bytes: five pixels per 16-byte shuffle. The load starts one byte
** before the five source pixels and the store writes one byte past the
** five destination pixels (the next step or the tail overwrites it); both
** stay inside their rows while x + 6 <= w. */
SEG_CLONES static void rev3 (const uint8_t *restrict s, uint8_t *restrict d, int w) {
  int x = 0;
  for (; x + 6 <= w; x += 5) {
    V16b v = *(const V16bu *)(const void *)(s + (size_t)(w - 5 - x) * 3 - 1);
    V16b r = SEG_SHUFFLE(v, v, 13, 14, 15, 10, 11, 12, 7, 8, 9, 4, 5, 6, 1, 2, 3, 0);
    *(V16bu *)(void *)(d + (size_t)x * 3) = r;
  }
  rev3_scalar(s, d + (size_t)x * 3, w - x);
}

typedef void (*RevFn) (const uint8_t *restrict, uint8_t *restrict, int);

static RevFn rev_for (size_t px) {
  switch (px) {
    case 1: return rev1;
    case 2: return rev2;
    case 3: return rev3;
    case 4: return rev4;
    case 6: return rev6;
    case 8: return rev8;
    case 12: return rev12;
    case 16: return rev16;
    default: return NULL;
  }
}

typedef struct FlipJob {
  const SegBuf *src;
  SegBuf *dst;
  int fx, fy;
  size_t px;
  RevFn rev;
} FlipJob;

static void flip_rows (void *arg, int y0, int y1) {
  const FlipJob *j = arg;
  const SegBuf *s = j->src;
  int w = s->w;
  size_t px = j->px, n = (size_t)w * px;
  for (int y = y0; y < y1; y++) {
    const uint8_t *sr = seg_row(s, j->fy ? s->h - 1 - y : y);
    uint8_t *dr = seg_row(j->dst, y);
    if (!j->fx) memcpy(dr, sr, n);
    else if (j->rev) j->rev(sr, dr, w);
    else
      for (int x = 0; x < w; x++) memcpy(dr + (size_t)x * px, sr + (size_t)(w - 1 - x) * px, px);
  }
}

void seg_flip (const SegBuf *src, SegBuf *dst, int fx, int fy, int threads) {
  seg_assert(seg_buf_samesize(src, dst) && src->c == dst->c && src->dtype == dst->dtype);
  size_t px = (size_t)src->c * seg_dtype_size(src->dtype);
  FlipJob j = {src, dst, fx, fy, px, rev_for(px)};
  /* about 64 KiB per chunk: below that a thread costs more than the copy */
  size_t rb = (size_t)src->w * px;
  int grain = rb >= 65536 ? 1 : (int)(65536 / (rb ? rb : 1));
  seg_parallel_for(threads, src->h, grain, flip_rows, &j);
}

/* ---------- transpose and quarter turns ---------- */

/* Output rows are cut into bands of 'tile' rows and each band into 'tile'
** columns; a tile reads 'tile' source rows at 'tile' pixels each, so both
** sides of the copy stay in L1. */
#define TILE 64
/* Wider pixels: smaller tiles measured faster (4096² RGB, CPU time, 8: 33 ms,
** 16: 40-50 ms, 64: 55 ms): fewer source rows and pages live at once. */
#define TILE_WIDE 8

typedef struct TurnJob {
  const SegBuf *src;
  SegBuf *dst;
  int fx, fy;
  size_t px;
  int tile;          /* band height and tile width, in pixels */
  int wide;          /* RGB: turn3_avx2 may run */
} TurnJob;

#define DEF_TURN(NAME, T)                                                       \
  static void NAME (const TurnJob *j, int oy0, int oy1) {                       \
    const SegBuf *s = j->src;                                                   \
    SegBuf *d = j->dst;                                                         \
    const uint8_t *base = s->data;                                              \
    size_t st = s->stride;                                                      \
    for (int bx = 0; bx < d->w; bx += j->tile) {                                \
      int bx1 = bx + j->tile < d->w ? bx + j->tile : d->w;                      \
      for (int oy = oy0; oy < oy1; oy++) {                                      \
        int sx = j->fx ? s->w - 1 - oy : oy;                                    \
        const uint8_t *col = base + (size_t)sx * sizeof(T);                     \
        T *restrict dr = (T *)(void *)seg_row(d, oy);                          \
        if (j->fy)                                                              \
          for (int ox = bx; ox < bx1; ox++)                                     \
            dr[ox] = *(const T *)(const void *)(col + (size_t)(s->h - 1 - ox) * st); \
        else                                                                    \
          for (int ox = bx; ox < bx1; ox++)                                     \
            dr[ox] = *(const T *)(const void *)(col + (size_t)ox * st);         \
      }                                                                         \
    }                                                                           \
  }
DEF_TURN(turn1_scalar, uint8_t)
DEF_TURN(turn2, uint16_t)
/* RGB bytes move as 4-byte words (one byte read past the pixel, one
** written past it and overwritten by the next pixel of the row, which the
** same thread writes later); the last source column and the last pixel of
** each output row move as 3 bytes so nothing leaves its row. */
static void turn3 (const TurnJob *j, int oy0, int oy1) {
  const SegBuf *s = j->src;
  SegBuf *d = j->dst;
  size_t st = s->stride;
  for (int bx = 0; bx < d->w; bx += j->tile) {
    int bx1 = bx + j->tile < d->w ? bx + j->tile : d->w;
    int wide = bx1 == d->w ? bx1 - 1 : bx1;
    for (int oy = oy0; oy < oy1; oy++) {
      int sx = j->fx ? s->w - 1 - oy : oy;
      const uint8_t *col = s->data + (size_t)sx * 3;
      uint8_t *dr = seg_row(d, oy);
      int ox = bx;
      if (sx < s->w - 1)
        for (; ox < wide; ox++) {
          uint32_t v;
          memcpy(&v, col + (size_t)(j->fy ? s->h - 1 - ox : ox) * st, 4);
          memcpy(dr + (size_t)ox * 3, &v, 4);
        }
      for (; ox < bx1; ox++) memcpy(dr + (size_t)ox * 3, col + (size_t)(j->fy ? s->h - 1 - ox : ox) * st, 3);
    }
  }
}
/* Output rows [oya, oyb) x columns [oxa, oxb), pixel by pixel (any pixel
** size: turn_any's tiles and the ragged edges of turn3_avx2). */
static void turn_rect (const TurnJob *j, int oya, int oyb, int oxa, int oxb) {
  const SegBuf *s = j->src;
  const size_t px = j->px;
  for (int oy = oya; oy < oyb; oy++) {
    int sx = j->fx ? s->w - 1 - oy : oy;
    uint8_t *dr = seg_row(j->dst, oy);
    for (int ox = oxa; ox < oxb; ox++)
      memcpy(dr + (size_t)ox * px, seg_row(s, j->fy ? s->h - 1 - ox : ox) + (size_t)sx * px, px);
  }
}

/* RGB with AVX2: 8 x 8 pixel blocks as in turn1. A source row's 24 bytes
** are loaded exactly (16 + 8), spread to one pixel a dword (vpermd puts
** bytes 12-27 in the high lane, pshufb spreads each lane's four pixels),
** the 8 x 8 dwords are transposed (unpack 32, unpack 64, lane swap), and
** each column is packed back to 24 bytes and stored as 16 + 8: nothing is
** read or written outside the block. */
#ifdef SEG_X86_TARGETS
#include <immintrin.h>
__attribute__((target("avx2")))
static inline __m256i load_px8 (const uint8_t *p) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
  const __m256i spread = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1,
                                          0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
  __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)p)),
                                      _mm_loadl_epi64((const __m128i *)(p + 16)), 1);
  return _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(v, idx), spread);
}

__attribute__((target("avx2")))
static inline void store_px8 (uint8_t *p, __m256i v) {
  const __m256i pack = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  __m256i t = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, pack), idx);
  _mm_storeu_si128((__m128i *)p, _mm256_castsi256_si128(t));
  _mm_storel_epi64((__m128i *)(p + 16), _mm256_extracti128_si256(t, 1));
}

__attribute__((target("avx2")))
static void turn3_avx2 (const TurnJob *j, int oy0, int oy1) {
  const SegBuf *s = j->src;
  SegBuf *d = j->dst;
  const ptrdiff_t ss = j->fy ? -(ptrdiff_t)s->stride : (ptrdiff_t)s->stride;
  const ptrdiff_t ds = j->fx ? -(ptrdiff_t)d->stride : (ptrdiff_t)d->stride;
  int oyb = oy0 + (oy1 - oy0) / 8 * 8, oxb = d->w / 8 * 8;
  for (int oy = oy0; oy < oyb; oy += 8) {
    int sx = j->fx ? s->w - 1 - (oy + 7) : oy;
    uint8_t *dp = seg_row(d, j->fx ? oy + 7 : oy);
    for (int ox = 0; ox < oxb; ox += 8) {
      const uint8_t *sp = seg_row(s, j->fy ? s->h - 1 - ox : ox) + (size_t)sx * 3;
      __m256i r0 = load_px8(sp), r1 = load_px8(sp + ss), r2 = load_px8(sp + 2 * ss);
      __m256i r3 = load_px8(sp + 3 * ss), r4 = load_px8(sp + 4 * ss), r5 = load_px8(sp + 5 * ss);
      __m256i r6 = load_px8(sp + 6 * ss), r7 = load_px8(sp + 7 * ss);
      __m256i a0 = _mm256_unpacklo_epi32(r0, r1), a1 = _mm256_unpackhi_epi32(r0, r1);
      __m256i a2 = _mm256_unpacklo_epi32(r2, r3), a3 = _mm256_unpackhi_epi32(r2, r3);
      __m256i a4 = _mm256_unpacklo_epi32(r4, r5), a5 = _mm256_unpackhi_epi32(r4, r5);
      __m256i a6 = _mm256_unpacklo_epi32(r6, r7), a7 = _mm256_unpackhi_epi32(r6, r7);
      __m256i b0 = _mm256_unpacklo_epi64(a0, a2), b1 = _mm256_unpackhi_epi64(a0, a2);
      __m256i b2 = _mm256_unpacklo_epi64(a1, a3), b3 = _mm256_unpackhi_epi64(a1, a3);
      __m256i b4 = _mm256_unpacklo_epi64(a4, a6), b5 = _mm256_unpackhi_epi64(a4, a6);
      __m256i b6 = _mm256_unpacklo_epi64(a5, a7), b7 = _mm256_unpackhi_epi64(a5, a7);
      uint8_t *o = dp + (size_t)ox * 3;
      store_px8(o, _mm256_permute2x128_si256(b0, b4, 0x20));
      store_px8(o + ds, _mm256_permute2x128_si256(b1, b5, 0x20));
      store_px8(o + 2 * ds, _mm256_permute2x128_si256(b2, b6, 0x20));
      store_px8(o + 3 * ds, _mm256_permute2x128_si256(b3, b7, 0x20));
      store_px8(o + 4 * ds, _mm256_permute2x128_si256(b0, b4, 0x31));
      store_px8(o + 5 * ds, _mm256_permute2x128_si256(b1, b5, 0x31));
      store_px8(o + 6 * ds, _mm256_permute2x128_si256(b2, b6, 0x31));
      store_px8(o + 7 * ds, _mm256_permute2x128_si256(b3, b7, 0x31));
    }
  }
  turn_rect(j, oy0, oyb, oxb, d->w);     /* the right strip */
  turn_rect(j, oyb, oy1, 0, d->w);       /* the rows below the last block */
}
#endif

DEF_TURN(turn4, uint32_t)
DEF_TURN(turn6, Px6)
DEF_TURN(turn8, uint64_t)
DEF_TURN(turn12, Px12)
DEF_TURN(turn16, Px16)

/* 8 x 8 bytes: d row j = byte j of the eight rows s + i * ss, through
** three rounds of interleaving (bytes, pairs, quads) in 16-byte vectors:
** punpckl/h on SSE2, zip on NEON. ss and ds may be negative. */
typedef uint16_t V8h __attribute__((vector_size(16)));
typedef uint32_t V4s __attribute__((vector_size(16)));
typedef uint64_t V2d __attribute__((vector_size(16)));

static inline V16b pair_rows (const uint8_t *a, const uint8_t *b) {
  uint64_t x, y;
  memcpy(&x, a, 8);
  memcpy(&y, b, 8);
  V2d v = {x, y};
  return SEG_SHUFFLE((V16b)v, (V16b)v, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
}

static inline void store_pair (uint8_t *d0, uint8_t *d1, V4s v) {
  V2d q = (V2d)v;
  uint64_t lo = q[0], hi = q[1];
  memcpy(d0, &lo, 8);
  memcpy(d1, &hi, 8);
}

static inline void t8x8 (const uint8_t *s, ptrdiff_t ss, uint8_t *d, ptrdiff_t ds) {
  V8h a0 = (V8h)pair_rows(s, s + ss), a1 = (V8h)pair_rows(s + 2 * ss, s + 3 * ss);
  V8h a2 = (V8h)pair_rows(s + 4 * ss, s + 5 * ss), a3 = (V8h)pair_rows(s + 6 * ss, s + 7 * ss);
  V4s b0 = (V4s)SEG_SHUFFLE(a0, a1, 0, 8, 1, 9, 2, 10, 3, 11);
  V4s b1 = (V4s)SEG_SHUFFLE(a0, a1, 4, 12, 5, 13, 6, 14, 7, 15);
  V4s b2 = (V4s)SEG_SHUFFLE(a2, a3, 0, 8, 1, 9, 2, 10, 3, 11);
  V4s b3 = (V4s)SEG_SHUFFLE(a2, a3, 4, 12, 5, 13, 6, 14, 7, 15);
  store_pair(d, d + ds, SEG_SHUFFLE(b0, b2, 0, 4, 1, 5));
  store_pair(d + 2 * ds, d + 3 * ds, SEG_SHUFFLE(b0, b2, 2, 6, 3, 7));
  store_pair(d + 4 * ds, d + 5 * ds, SEG_SHUFFLE(b1, b3, 0, 4, 1, 5));
  store_pair(d + 6 * ds, d + 7 * ds, SEG_SHUFFLE(b1, b3, 2, 6, 3, 7));
}

/* Bytes: whole 8 x 8 blocks of the band through t8x8, the ragged right
** and bottom edges through the scalar kernel. Output (x, y) is input
** (sx(y), sy(x)); block (ox, oy) reads source rows sy(ox .. ox+7) (upward
** when fy) from column min(sx(oy), sx(oy+7)) and writes output rows
** oy .. oy+7 (upward when fx, whose source columns run backwards). */
static void turn1 (const TurnJob *j, int oy0, int oy1) {
  const SegBuf *s = j->src;
  SegBuf *d = j->dst;
  ptrdiff_t st = (ptrdiff_t)s->stride, dt = (ptrdiff_t)d->stride;
  int oyb = oy0 + (oy1 - oy0) / 8 * 8, oxb = d->w / 8 * 8;
  for (int bx = 0; bx < oxb; bx += TILE) {
    int bx1 = bx + TILE < oxb ? bx + TILE : oxb;
    for (int oy = oy0; oy < oyb; oy += 8) {
      int sx = j->fx ? s->w - 1 - (oy + 7) : oy;
      uint8_t *dp = seg_row(d, j->fx ? oy + 7 : oy);
      for (int ox = bx; ox < bx1; ox += 8) {
        const uint8_t *sp = seg_row(s, j->fy ? s->h - 1 - ox : ox) + sx;
        t8x8(sp, j->fy ? -st : st, dp + ox, j->fx ? -dt : dt);
      }
    }
  }
  /* the right strip of every row, then the bottom rows in full */
  for (int oy = oy0; oxb < d->w && oy < oyb; oy++) {
    int sx = j->fx ? s->w - 1 - oy : oy;
    uint8_t *dr = seg_row(d, oy);
    for (int ox = oxb; ox < d->w; ox++) dr[ox] = seg_row(s, j->fy ? s->h - 1 - ox : ox)[sx];
  }
  if (oyb < oy1) turn1_scalar(j, oyb, oy1);
}

static void turn_any (const TurnJob *j, int oy0, int oy1) {
  for (int bx = 0; bx < j->dst->w; bx += j->tile)
    turn_rect(j, oy0, oy1, bx, bx + j->tile < j->dst->w ? bx + j->tile : j->dst->w);
}

/* Work item b is the band of output rows [b * tile, (b + 1) * tile). */
static void turn_bands (void *arg, int b0, int b1) {
  const TurnJob *j = arg;
  int h = j->dst->h;
  for (int b = b0; b < b1; b++) {
    int oy0 = b * j->tile, oy1 = oy0 + j->tile < h ? oy0 + j->tile : h;
    switch (j->px) {
      case 1: turn1(j, oy0, oy1); break;
      case 2: turn2(j, oy0, oy1); break;
      case 3:
#ifdef SEG_X86_TARGETS
        if (j->wide) { turn3_avx2(j, oy0, oy1); break; }
#endif
        turn3(j, oy0, oy1);
        break;
      case 4: turn4(j, oy0, oy1); break;
      case 6: turn6(j, oy0, oy1); break;
      case 8: turn8(j, oy0, oy1); break;
      case 12: turn12(j, oy0, oy1); break;
      case 16: turn16(j, oy0, oy1); break;
      default: turn_any(j, oy0, oy1); break;
    }
  }
}

void seg_turn (const SegBuf *src, SegBuf *dst, int how, int threads) {
  seg_assert(dst->w == src->h && dst->h == src->w && src->c == dst->c && src->dtype == dst->dtype);
  size_t px = (size_t)src->c * seg_dtype_size(src->dtype);
  TurnJob j = {src, dst, how & 1, (how >> 1) & 1, px, px == 1 ? TILE : TILE_WIDE, px == 3 && seg_cpu_avx2()};
  int bands = (dst->h + j.tile - 1) / j.tile;
  /* a band moves tile * w pixels; bands of under 64 KiB share a thread */
  size_t bb = (size_t)j.tile * (size_t)dst->w * j.px;
  int grain = bb >= 65536 ? 1 : (int)(65536 / (bb ? bb : 1));
  seg_parallel_for(threads, bands, grain, turn_bands, &j);
}

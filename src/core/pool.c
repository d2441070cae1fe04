/* pool.c — pixel blocks outside the Lua heap, and a small cache of freed
** ones (see pool.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "core/segk.h"
#include "core/pool.h"

#define PAGE ((size_t)4096)

/* Under AddressSanitizer every block comes from its allocator, unrounded,
** so a kernel that writes past an image's end is caught there too (mapped
** blocks have no redzones). Resident memory then follows the sanitizer's
** quarantine, not release(). */
#if defined(__SANITIZE_ADDRESS__)
#define SEG_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SEG_POOL_ASAN 1
#endif
#endif

#if defined(SEG_POOL_ASAN)
size_t seg_pool_blocksize (size_t bytes) { return bytes; }
#else
static size_t round_up (size_t n, size_t a) {
  return n > SIZE_MAX - (a - 1) ? 0 : (n + a - 1) & ~(a - 1);
}

size_t seg_pool_blocksize (size_t bytes) {
  if (bytes < SEG_POOL_MAP_MIN) return bytes;
  return round_up(bytes, bytes >= SEG_HUGE_MIN ? SEG_HUGE_ALIGN : PAGE);
}
#endif

#if defined(MAP_ANONYMOUS) && !defined(SEG_POOL_ASAN)
/* A fresh mapping reads as zeros. Large ones are cut out of a mapping one
** alignment longer so they start on a 2 MiB boundary and huge pages cover
** them whole; the cut ends go back at once. */
static void *map_block (size_t n) {
  size_t align = n >= SEG_HUGE_MIN ? SEG_HUGE_ALIGN : 0;
  if (n > SIZE_MAX - align) return NULL;
  size_t len = n + align;
  uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  if (!align) return p;
  uint8_t *a = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
  size_t head = (size_t)(a - p), tail = len - head - n;
  if (head) munmap(p, head);
  if (tail) munmap(a + n, tail);
  seg_advise_huge(a, n);
  return a;
}

static void unmap_block (void *p, size_t n) { munmap(p, n); }
#else
static void *map_block (size_t n) {
  void *p;
  if (posix_memalign(&p, n >= SEG_HUGE_MIN ? SEG_HUGE_ALIGN : PAGE, n) != 0) return NULL;
  memset(p, 0, n);
  return p;
}

static void unmap_block (void *p, size_t n) { (void)n; free(p); }
#endif

void seg_pool_init (SegPool *pool) {
  memset(pool, 0, sizeof *pool);
  pool->max_bytes = SEG_POOL_DEFAULT_BYTES;
  pool->max_blocks = SEG_POOL_DEFAULT_BLOCKS;
}

/* Removes slot i, keeping the others in age order. */
static SegPoolBlock take (SegPool *pool, int i) {
  SegPoolBlock b = pool->slot[i];
  memmove(&pool->slot[i], &pool->slot[i + 1], (size_t)(pool->count - i - 1) * sizeof b);
  pool->count--;
  pool->cached -= b.n;
  return b;
}

static void evict_to (SegPool *pool, size_t max_bytes, int max_blocks) {
  while (pool->count > 0 && (pool->count > max_blocks || pool->cached > max_bytes)) {
    SegPoolBlock b = take(pool, 0);
    unmap_block(b.p, b.n);
  }
}

void *seg_pool_alloc (SegPool *pool, size_t bytes, int zero) {
  size_t n = seg_pool_blocksize(bytes);
  if (n == 0) return NULL;
  void *p;
  if (n < SEG_POOL_MAP_MIN) {
    p = zero ? calloc(1, n) : malloc(n);
    if (p) pool->live += n;
    return p;
  }
  /* The newest block of the same size is the likeliest to be in cache. */
  for (int i = pool->count - 1; i >= 0; i--)
    if (pool->slot[i].n == n) {
      p = take(pool, i).p;
      if (zero) memset(p, 0, bytes);
      pool->hits++;
      pool->live += n;
      return p;
    }
  p = map_block(n);
  if (p) {
    pool->misses++;
    pool->live += n;
  }
  return p;
}

void seg_pool_free (SegPool *pool, void *p, size_t bytes) {
  if (!p) return;
  size_t n = seg_pool_blocksize(bytes);
  pool->live -= n < pool->live ? n : pool->live;
  if (n < SEG_POOL_MAP_MIN) { free(p); return; }
  int max_blocks = pool->max_blocks < SEG_POOL_SLOTS ? pool->max_blocks : SEG_POOL_SLOTS;
  if (max_blocks == 0 || n > pool->max_bytes) { unmap_block(p, n); return; }
  /* Room for the new block first, so it is never the one evicted. */
  evict_to(pool, pool->max_bytes - n, max_blocks - 1);
  pool->slot[pool->count++] = (SegPoolBlock){p, n};
  pool->cached += n;
}

void seg_pool_limit (SegPool *pool, size_t max_bytes, int max_blocks) {
  if (max_blocks < 0) max_blocks = 0;
  if (max_blocks > SEG_POOL_SLOTS) max_blocks = SEG_POOL_SLOTS;
  pool->max_bytes = max_bytes;
  pool->max_blocks = max_blocks;
  evict_to(pool, max_bytes, max_blocks);
}

void seg_pool_drain (SegPool *pool) {
  evict_to(pool, 0, 0);
}

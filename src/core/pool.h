/* pool.h — pixel memory outside the Lua heap.
** Blocks of SEG_POOL_MAP_MIN bytes or more are mapped from the OS on their
** own (2 MiB aligned and huge-page advised from SEG_HUGE_MIN), so freeing
** one gives its pages back at once; smaller ones come from malloc. A pool
** keeps a few recently freed mapped blocks so a loop that frees and
** allocates the same sizes reuses warm pages instead of faulting in fresh
** ones. One pool per Lua state: nothing here is global or locked. */
#ifndef SEG_POOL_H
#define SEG_POOL_H

#include <stddef.h>
#include <stdint.h>

#define SEG_POOL_MAP_MIN ((size_t)1 << 20)
#define SEG_POOL_SLOTS 64                       /* most blocks a cache may hold */
#define SEG_POOL_DEFAULT_BYTES ((size_t)256 << 20)
#define SEG_POOL_DEFAULT_BLOCKS 4

typedef struct SegPoolBlock { void *p; size_t n; } SegPoolBlock;

typedef struct SegPool {
  size_t max_bytes;        /* cache bounds; either at 0 turns the cache off */
  int max_blocks;
  int count;               /* cached blocks, oldest first */
  size_t cached;           /* their bytes */
  SegPoolBlock slot[SEG_POOL_SLOTS];
  size_t live;             /* bytes of blocks handed out and not yet freed */
  uint64_t hits, misses;   /* mapped-block requests served from the cache or not */
} SegPool;

void seg_pool_init (SegPool *pool);
/* The size of the block that holds 'bytes' (rounded to pages or 2 MiB),
** 0 when that overflows. */
size_t seg_pool_blocksize (size_t bytes);
/* A block of seg_pool_blocksize(bytes) bytes, zero-filled when 'zero' is
** set, or NULL when the system has no memory for it (the cache is not
** emptied: the caller decides whether to drain it and retry). */
void *seg_pool_alloc (SegPool *pool, size_t bytes, int zero);
/* Gives back a block from seg_pool_alloc of the same 'bytes': into the
** cache when it is a mapped block that fits there, to the system otherwise. */
void seg_pool_free (SegPool *pool, void *p, size_t bytes);
/* Sets the cache bounds (clamped to SEG_POOL_SLOTS blocks) and evicts the
** oldest blocks until the cache holds no more than them. */
void seg_pool_limit (SegPool *pool, size_t max_bytes, int max_blocks);
/* Returns every cached block to the system. */
void seg_pool_drain (SegPool *pool);

#endif

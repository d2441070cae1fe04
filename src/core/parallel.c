/* parallel.c — a fork-join parallel-for over pthreads.
** Threads are created per call: the kernels that use this work on whole
** images (milliseconds), against which a thread start (~20 us) is noise. */
#include <pthread.h>
#include <unistd.h>
#include "core/segk.h"

#define SEG_MAX_THREADS 256

typedef struct Chunk { SegRangeFn fn; SegChunkFn cfn; void *arg; int index, begin, end; } Chunk;

static void *run_chunk (void *p) {
  Chunk *c = p;
  if (c->cfn) c->cfn(c->arg, c->index, c->begin, c->end);
  else c->fn(c->arg, c->begin, c->end);
  return NULL;
}

int seg_cpu_count (void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) return 1;
  return n > SEG_MAX_THREADS ? SEG_MAX_THREADS : (int)n;
}

static void run (int threads, int n, int grain, SegRangeFn fn, SegChunkFn cfn, void *arg) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int t = threads;
  if (t > n / grain) t = n / grain;
  if (t > SEG_MAX_THREADS) t = SEG_MAX_THREADS;
  if (t <= 1) {
    if (cfn) cfn(arg, 0, 0, n);
    else fn(arg, 0, n);
    return;
  }
  Chunk chunks[SEG_MAX_THREADS];
  pthread_t tids[SEG_MAX_THREADS];
  int started[SEG_MAX_THREADS];
  for (int i = 0; i < t; i++) {
    chunks[i].fn = fn; chunks[i].cfn = cfn; chunks[i].arg = arg; chunks[i].index = i;
    chunks[i].begin = (int)((int64_t)n * i / t);
    chunks[i].end = (int)((int64_t)n * (i + 1) / t);
  }
  for (int i = 1; i < t; i++)
    started[i] = pthread_create(&tids[i], NULL, run_chunk, &chunks[i]) == 0;
  run_chunk(&chunks[0]);
  for (int i = 1; i < t; i++) {
    if (started[i]) pthread_join(tids[i], NULL);
    else run_chunk(&chunks[i]);
  }
}

void seg_parallel_for (int threads, int n, int grain, SegRangeFn fn, void *arg) {
  run(threads, n, grain, fn, NULL, arg);
}

void seg_parallel_chunks (int threads, int n, int grain, SegChunkFn fn, void *arg) {
  run(threads, n, grain, NULL, fn, arg);
}

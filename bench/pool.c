/* pool.c — per-call cost of seg_parallel_for: a tiny job (2 chunks of
** nothing), a 64 KiB and a 1 MiB sum, on 1 and 2 threads, median of 9 runs.
**   make bench-pool     (builds build/bench-pool from src/core/parallel.c) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "core/segk.h"

static volatile long sink;

static void nothing (void *arg, int begin, int end) { (void)arg; sink += end - begin; }

typedef struct { const unsigned char *p; long part[256]; } Sum;
static void sum_chunk (void *arg, int chunk, int begin, int end) {
  Sum *s = arg;
  long acc = 0;
  for (int i = begin; i < end; i++) acc += s->p[i];
  s->part[chunk] = acc;
}

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median over 9 runs of the time per call, in microseconds. */
static double per_call (int threads, int kind, int iters, Sum *s, int n) {
  int grain = n / 16;
  double r[9];
  for (int k = 0; k < 9; k++) {
    double t0 = now();
    for (int i = 0; i < iters; i++) {
      if (kind == 0) seg_parallel_for(threads, 2, 1, nothing, NULL);
      else seg_parallel_chunks(threads, n, grain, sum_chunk, s);
    }
    r[k] = (now() - t0) / iters * 1e6;
  }
  qsort(r, 9, sizeof r[0], cmp);
  return r[4];
}

int main (void) {
  int n = 1 << 20;
  Sum s;
  unsigned char *p = malloc((size_t)n);
  if (!p) return 1;
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(i * 7);
  s.p = p;
  printf("tiny job, 1 thread:  %8.2f us/call\n", per_call(1, 0, 20000, &s, n));
  printf("tiny job, 2 threads: %8.2f us/call\n", per_call(2, 0, 20000, &s, n));
  printf("64 KiB sum, 1 thread:  %8.2f us/call\n", per_call(1, 1, 2000, &s, n >> 4));
  printf("64 KiB sum, 2 threads: %8.2f us/call\n", per_call(2, 1, 2000, &s, n >> 4));
  printf("1 MiB sum, 1 thread:  %8.2f us/call\n", per_call(1, 1, 200, &s, n));
  printf("1 MiB sum, 2 threads: %8.2f us/call\n", per_call(2, 1, 200, &s, n));
  free(p);
  return 0;
}

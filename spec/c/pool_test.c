/* pool_test.c — the worker pool under concurrent and nested callers, for
** ThreadSanitizer (make test-tsan). Several host threads post jobs of
** varying size and thread count at once; some chunks post jobs of their
** own. Every chunk must see exactly [n*i/t, n*(i+1)/t) and run once.
** Prints "pool: ok" and exits 0, or names the first wrong job. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "core/segk.h"

#define HOSTS 4
#define ITERS 400

typedef struct {
  int n, t, nested;
  int begin[16], end[16], runs[16];
  long inner[16];
} Job;

static void inner_sum (void *arg, int chunk, int begin, int end) {
  long *part = arg, s = 0;
  for (int i = begin; i < end; i++) s += i;
  part[chunk] = s;
}

static void chunk (void *arg, int i, int begin, int end) {
  Job *j = arg;
  j->begin[i] = begin; j->end[i] = end; j->runs[i]++;
  if (j->nested) {
    long part[3] = {0, 0, 0};
    seg_parallel_chunks(3, 300, 1, inner_sum, part);
    j->inner[i] = part[0] + part[1] + part[2];
  }
}

static int check (const Job *j) {
  for (int i = 0; i < j->t; i++) {
    if (j->runs[i] != 1) return 0;
    if (j->begin[i] != (int)((long)j->n * i / j->t)) return 0;
    if (j->end[i] != (int)((long)j->n * (i + 1) / j->t)) return 0;
    if (j->nested && j->inner[i] != 299L * 300 / 2) return 0;
  }
  return 1;
}

static void *host (void *arg) {
  int id = *(int *)arg, *bad = arg;
  for (int k = 0; k < ITERS; k++) {
    Job j;
    memset(&j, 0, sizeof j);
    j.n = 16 + (k * 7 + id) % 50;
    j.t = 1 + (k + id) % 16;
    j.nested = (k % 5) == 0;
    seg_parallel_chunks(j.t, j.n, 1, chunk, &j);
    if (!check(&j)) { *bad = -1 - k; return NULL; }
  }
  return NULL;
}

int main (void) {
  pthread_t tid[HOSTS];
  int arg[HOSTS];
  for (int i = 0; i < HOSTS; i++) {
    arg[i] = i;
    if (pthread_create(&tid[i], NULL, host, &arg[i]) != 0) return 2;
  }
  int ok = 1;
  for (int i = 0; i < HOSTS; i++) {
    pthread_join(tid[i], NULL);
    if (arg[i] < 0) { printf("pool: host %d, job %d wrong\n", i, -1 - arg[i]); ok = 0; }
  }
  if (ok) printf("pool: ok\n");
  return ok ? 0 : 1;
}

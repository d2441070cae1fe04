/* parallel.c — fork-join parallel-for over one persistent worker pool.
**
** A call splits [0, n) into t fixed chunks, chunk i = [n*i/t, n*(i+1)/t),
** posts them as a job and runs chunks itself beside the workers until none
** is left unclaimed, then waits for those the workers took. Which thread
** runs a chunk never changes what it computes, so results depend on t only.
**
** One pool per process serves every lua_State and host thread. Jobs queue
** in posting order; the poster always works through its own job, so a call
** completes even when every worker is busy elsewhere, and a chunk that calls
** seg_parallel_for again (nesting) cannot deadlock. For a tiny job the
** poster often runs every chunk before a parked worker has woken: a call
** costs a lock and a wake-up, not thread creation.
**
** Workers are created on first need (up to the largest t - 1 asked for so
** far, at most SEG_MAX_THREADS - 1), park on a condition variable when idle,
** start with every signal blocked (a host's handlers run on its own threads)
** and never call Lua. The library destructor wakes and joins them, so the
** dlclose of seg.so by lua_close never unmaps code under a running thread.
** fork(): a child inherits no workers; the atfork handlers keep the pool's
** lock consistent and the child starts an empty pool of its own on demand. */
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "core/segk.h"

#define SEG_MAX_THREADS 256

/* A job lives on its poster's stack until 'done' reaches 't'. Every field
** after 'arg' is read and written under pool.lock. */
typedef struct Job {
  SegRangeFn fn;
  SegChunkFn cfn;
  void *arg;
  int n, t;
  int next;          /* first unclaimed chunk */
  atomic_int done;   /* chunks finished (also read unlocked by its poster) */
  struct Job *link;  /* queue of jobs with unclaimed chunks */
} Job;

static struct {
  pthread_mutex_t lock;
  pthread_cond_t work;      /* workers park here */
  pthread_cond_t finished;  /* posters wait here for workers' chunks */
  Job *head, *tail;
  int nworkers, idle, stop;
  atomic_int queued;        /* jobs in the queue, read unlocked by spinners */
  pthread_t tid[SEG_MAX_THREADS];
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, 0, 0, {0}};

/* Spin-then-sleep: an idle worker watches the queue, and a poster its
** job, for up to SEG_SPIN_NS before sleeping on a condition variable. A
** kernel that follows within that window (a pipeline of small operators)
** finds its workers awake: measured with bench/pool.c on 2 cores, a 64 KiB
** job on 2 threads took 34 us with a futex wake-up per call and 11 us
** spinning (19 us on 1 thread). The cost is at most that much idle CPU
** per worker after each job. */
#ifndef SEG_SPIN_NS
#define SEG_SPIN_NS 50000
#endif

static int64_t now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void cpu_relax (void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Spins while *v < limit, for at most SEG_SPIN_NS. */
static void spin_below (atomic_int *v, int limit) {
  int64_t end = 0;
  for (int k = 0; atomic_load_explicit(v, memory_order_acquire) < limit; k++) {
    if ((k & 63) == 0) {
      int64_t t = now_ns();
      if (!end) end = t + SEG_SPIN_NS;
      else if (t > end) return;
    }
    cpu_relax();
  }
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void run_chunk (const Job *j, int i) {
  int begin = (int)((int64_t)j->n * i / j->t);
  int end = (int)((int64_t)j->n * (i + 1) / j->t);
  if (j->cfn) j->cfn(j->arg, i, begin, end);
  else j->fn(j->arg, begin, end);
}

/* Claims the next chunk of the head job (lock held, queue not empty). */
static int claim (Job **jp) {
  Job *j = pool.head;
  int i = j->next++;
  if (j->next == j->t) {
    pool.head = j->link;
    if (!pool.head) pool.tail = NULL;
    atomic_fetch_sub_explicit(&pool.queued, 1, memory_order_relaxed);
  }
  *jp = j;
  return i;
}

/* Marks a chunk of j finished (lock held). */
static void finish (Job *j) {
  if (atomic_fetch_add_explicit(&j->done, 1, memory_order_release) + 1 == j->t)
    pthread_cond_broadcast(&pool.finished);
}

static void *worker (void *unused) {
  (void)unused;
  pthread_mutex_lock(&pool.lock);
  for (;;) {
    while (!pool.head && !pool.stop) {
      pthread_mutex_unlock(&pool.lock);
      spin_below(&pool.queued, 1);
      pthread_mutex_lock(&pool.lock);
      if (pool.head || pool.stop) break;
      pool.idle++;
      pthread_cond_wait(&pool.work, &pool.lock);
      pool.idle--;
    }
    /* on stop, queued chunks are left to their posters, who run the rest */
    if (pool.stop) break;
    Job *j;
    int i = claim(&j);
    pthread_mutex_unlock(&pool.lock);
    run_chunk(j, i);
    pthread_mutex_lock(&pool.lock);
    finish(j);
  }
  pthread_mutex_unlock(&pool.lock);
  return NULL;
}

static void atfork_prepare (void) { pthread_mutex_lock(&pool.lock); }
static void atfork_parent (void) { pthread_mutex_unlock(&pool.lock); }
/* The child is single-threaded: the parent's workers and queued jobs (on
** other threads' stacks) do not exist in it. */
static void atfork_child (void) {
  pool.head = pool.tail = NULL;
  pool.nworkers = pool.idle = 0;
  atomic_store(&pool.queued, 0);
  pthread_cond_init(&pool.work, NULL);
  pthread_cond_init(&pool.finished, NULL);
  pthread_mutex_unlock(&pool.lock);
}
static void register_atfork (void) {
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Grows the pool to 'want' workers (lock held). A thread that cannot be
** created only means fewer helpers: posters run unclaimed chunks. */
static void grow (int want) {
  if (want <= pool.nworkers || pool.stop) return;
  pthread_once(&atfork_once, register_atfork);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  while (pool.nworkers < want &&
         pthread_create(&pool.tid[pool.nworkers], NULL, worker, NULL) == 0)
    pool.nworkers++;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Runs at exit() and at the dlclose that unloads seg.so. No poster can be
** inside seg_parallel_for then (an unloading library has no callers), save
** at a racy exit(): workers finish the chunk they hold, posters the rest. */
__attribute__((destructor)) static void pool_shutdown (void) {
  pthread_mutex_lock(&pool.lock);
  pool.stop = 1;
  int n = pool.nworkers;
  pthread_cond_broadcast(&pool.work);
  pthread_mutex_unlock(&pool.lock);
  for (int i = 0; i < n; i++) pthread_join(pool.tid[i], NULL);
  pool.nworkers = 0;
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
  Job job = {fn, cfn, arg, n, t, 0, 0, NULL};
  pthread_mutex_lock(&pool.lock);
  grow(t - 1);
  if (pool.tail) pool.tail->link = &job;
  else pool.head = &job;
  pool.tail = &job;
  atomic_fetch_add_explicit(&pool.queued, 1, memory_order_relaxed);
  /* wake at most one parked worker per chunk beyond the poster's first */
  for (int k = t - 1 < pool.idle ? t - 1 : pool.idle; k > 0; k--)
    pthread_cond_signal(&pool.work);
  while (job.next < job.t) {
    /* our job is still queued, so it is not necessarily the head: claim
    ** from it directly; unlink it once its last chunk is taken */
    int i = job.next++;
    if (job.next == job.t) {
      Job **pp = &pool.head, *prev = NULL;
      while (*pp != &job) { prev = *pp; pp = &(*pp)->link; }
      *pp = job.link;
      if (pool.tail == &job) pool.tail = prev;
      atomic_fetch_sub_explicit(&pool.queued, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&pool.lock);
    run_chunk(&job, i);
    pthread_mutex_lock(&pool.lock);
    finish(&job);
  }
  if (atomic_load_explicit(&job.done, memory_order_relaxed) < job.t) {
    pthread_mutex_unlock(&pool.lock);
    spin_below(&job.done, job.t);
    pthread_mutex_lock(&pool.lock);
  }
  while (job.done < job.t) pthread_cond_wait(&pool.finished, &pool.lock);
  pthread_mutex_unlock(&pool.lock);
}

void seg_parallel_for (int threads, int n, int grain, SegRangeFn fn, void *arg) {
  run(threads, n, grain, fn, NULL, arg);
}

void seg_parallel_chunks (int threads, int n, int grain, SegChunkFn cfn, void *arg) {
  run(threads, n, grain, NULL, cfn, arg);
}

/* nn_resize_check.c — Resize's f32 fast paths (nearest, bilinear on the
** last two axes) against its general paths, which the same node takes for
** f64 data (whole-element gather for nearest, separable passes in double
** otherwise), on a random [1,8,37,53] tensor; 1 and 4 threads must agree
** bit for bit. Then timings of the segmentation networks' upsamplings.
**
**   $(CC) $(BASEFLAGS) -I$(GEN) $(CFLAGS) -fopenmp -o build/nn-resize-check \
**      spec/c/nn_resize_check.c $(KOBJ) $(LIBS)     (the Makefile's variables)
**   build/nn-resize-check [--bench]
**
** Exits 1 on any mismatch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/nn.h"

typedef struct Cfg {
  const char *mode, *ctm, *nearest;
  int use_sizes;
  int64_t sizes[4];
  float scales[4];
} Cfg;

static NnAttr sattr (const char *name, const char *v) {
  NnAttr a;
  memset(&a, 0, sizeof a);
  a.name = (char *)name;
  a.kind = NN_ATTR_STRING;
  a.s = (char *)v;
  a.slen = strlen(v);
  return a;
}

/* Runs one Resize-13 node on x into y (allocated here): 0 or -1. */
static int resize (const Cfg *cf, NnTensor *x, NnTensor *y, int threads, char *err, size_t errlen) {
  NnAttr at[3] = {sattr("mode", cf->mode), sattr("coordinate_transformation_mode", cf->ctm),
                  sattr("nearest_mode", cf->nearest)};
  int ins[4] = {0, -1, cf->use_sizes ? -1 : 2, cf->use_sizes ? 3 : -1}, outs[1] = {4};
  NnNode n;
  memset(&n, 0, sizeof n);
  n.name = (char *)"check";
  n.op = (char *)"Resize";
  n.opset = 13;
  n.nin = cf->use_sizes ? 4 : 3;
  n.in = ins;
  n.nout = 1;
  n.out = outs;
  n.nattr = 3;
  n.attr = at;
  const NnOp *op = nn_find_op("Resize");
  NnCtx c = {threads, 0, err, errlen, NULL};
  int64_t four = 4;
  NnTensor sizes, scales;
  memset(&sizes, 0, sizeof sizes);
  memset(&scales, 0, sizeof scales);
  nn_setshape(&sizes, NN_I64, 1, &four);
  sizes.data = (void *)cf->sizes;
  nn_setshape(&scales, NN_F32, 1, &four);
  scales.data = (void *)cf->scales;
  NnTensor *in[4] = {x, NULL, cf->use_sizes ? NULL : &scales, cf->use_sizes ? &sizes : NULL};
  NnTensor *out[1] = {y};
  if (!op || (op->check && op->check(&n, &c) != NN_OK)) return -1;
  if (op->infer(&n, in, out, &c) != NN_OK) return -1;
  if (!y->data && nn_alloc(y) != 0) return -1;   /* bench: reruns into the same y */
  return op->run(&n, in, out, &c) == NN_OK ? 0 : -1;
}

static double now_ms (void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static const Cfg cfgs[] = {
  {"nearest", "half_pixel", "round_prefer_floor", 0, {0}, {1, 1, 2, 2}},
  {"nearest", "asymmetric", "floor", 1, {1, 8, 80, 100}, {0}},
  {"nearest", "half_pixel", "round_prefer_ceil", 1, {1, 8, 37, 53}, {0}},
  {"nearest", "align_corners", "round_prefer_floor", 1, {1, 8, 20, 30}, {0}},
  {"nearest", "half_pixel", "ceil", 0, {0}, {1, 1, 3.3f, 0.7f}},
  {"linear", "half_pixel", "round_prefer_floor", 0, {0}, {1, 1, 2, 2}},
  {"linear", "align_corners", "round_prefer_floor", 1, {1, 8, 75, 100}, {0}},
  {"linear", "pytorch_half_pixel", "round_prefer_floor", 1, {1, 8, 64, 64}, {0}},
  {"linear", "half_pixel", "round_prefer_floor", 1, {1, 8, 20, 30}, {0}},
  {"linear", "half_pixel", "round_prefer_floor", 1, {1, 8, 37, 106}, {0}},
  {"linear", "asymmetric", "round_prefer_floor", 0, {0}, {1, 1, 3.3f, 0.7f}},
  {"linear", "align_corners", "round_prefer_floor", 1, {1, 8, 1, 1}, {0}},
};

static int check (void) {
  int64_t dims[4] = {1, 8, 37, 53};
  NnTensor x32, x64;
  memset(&x32, 0, sizeof x32);
  memset(&x64, 0, sizeof x64);
  nn_setshape(&x32, NN_F32, 4, dims);
  nn_setshape(&x64, NN_F64, 4, dims);
  if (nn_alloc(&x32) || nn_alloc(&x64)) return 1;
  uint64_t s = 12345;
  for (int64_t i = 0; i < nn_numel(&x32); i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    float v = (float)((double)(s >> 11) / 9007199254740992.0 * 2 - 1);
    ((float *)x32.data)[i] = v;
    ((double *)x64.data)[i] = v;
  }
  int bad = 0;
  char err[256];
  for (size_t k = 0; k < sizeof cfgs / sizeof cfgs[0]; k++) {
    const Cfg *cf = &cfgs[k];
    NnTensor a, b, g;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&g, 0, sizeof g);
    if (resize(cf, &x32, &a, 1, err, sizeof err) || resize(cf, &x32, &b, 4, err, sizeof err) ||
        resize(cf, &x64, &g, 4, err, sizeof err)) {
      printf("%-8s %-19s: %s\n", cf->mode, cf->ctm, err);
      bad = 1;
      continue;
    }
    int exact = strcmp(cf->mode, "nearest") == 0;
    double worst = 0;
    int64_t m = nn_numel(&a);
    int same_threads = memcmp(a.data, b.data, (size_t)m * sizeof(float)) == 0;
    for (int64_t i = 0; i < m; i++) {
      double u = ((float *)a.data)[i], v = ((double *)g.data)[i];
      double e = exact ? (u != (double)(float)v) : fabs(u - v) / (1 + fabs(v));
      if (e > worst) worst = e;
    }
    int ok = same_threads && (exact ? worst == 0 : worst <= 1e-6);
    printf("%-8s %-19s %-18s -> [%lld,%lld,%lld,%lld]  max rel diff %.2g  threads %s  %s\n", cf->mode, cf->ctm,
           cf->nearest, (long long)a.dims[0], (long long)a.dims[1], (long long)a.dims[2], (long long)a.dims[3],
           worst, same_threads ? "same" : "DIFFER", ok ? "ok" : "FAIL");
    bad |= !ok;
    nn_free(&a);
    nn_free(&b);
    nn_free(&g);
  }
  nn_free(&x32);
  nn_free(&x64);
  return bad;
}

static void bench (void) {
  struct { const char *mode, *ctm; int64_t in[4], out[4]; } b[] = {
    {"nearest", "asymmetric", {1, 64, 256, 256}, {1, 64, 512, 512}},
    {"linear", "half_pixel", {1, 64, 256, 256}, {1, 64, 512, 512}},
    {"linear", "align_corners", {1, 21, 64, 64}, {1, 21, 512, 512}},
    {"linear", "pytorch_half_pixel", {1, 21, 64, 64}, {1, 21, 512, 512}},
  };
  char err[256];
  for (size_t k = 0; k < sizeof b / sizeof b[0]; k++) {
    NnTensor x;
    memset(&x, 0, sizeof x);
    nn_setshape(&x, NN_F32, 4, b[k].in);
    if (nn_alloc(&x)) return;
    for (int64_t i = 0; i < nn_numel(&x); i++) ((float *)x.data)[i] = (float)(i % 97) * 0.01f;
    Cfg cf = {b[k].mode, b[k].ctm, "round_prefer_floor", 1, {0}, {0}};
    memcpy(cf.sizes, b[k].out, sizeof cf.sizes);
    for (int t = 1; t <= 2; t++) {
      double best = 1e30;
      NnTensor y;
      memset(&y, 0, sizeof y);
      for (int r = 0; r < 6; r++) {
        double t0 = now_ms();
        if (resize(&cf, &x, &y, t, err, sizeof err)) {
          printf("%s\n", err);
          return;
        }
        double dt = now_ms() - t0;
        if (r > 0 && dt < best) best = dt;
      }
      nn_free(&y);
      printf("%-8s %-19s [%lld,%lld,%lld,%lld] -> %lldx%lld  %d thread(s): %.2f ms\n", b[k].mode, b[k].ctm,
             (long long)b[k].in[0], (long long)b[k].in[1], (long long)b[k].in[2], (long long)b[k].in[3],
             (long long)b[k].out[2], (long long)b[k].out[3], t, best);
    }
    nn_free(&x);
  }
}

int main (int argc, char **argv) {
  int bad = check();
  if (argc > 1 && strcmp(argv[1], "--bench") == 0) bench();
  printf("%s\n", bad ? "FAILED" : "all agree");
  return bad;
}

/* eltwise_micro.c — the engine's own element-wise kernels (ops_math.c,
** ops_reduce.c) against oneDNN 2.6's eltwise and binary primitives on the
** same data, 1 thread: the measurement behind keeping them in C
** (`make eltwise-micro`). Plain NCHW f32, 1x64x128x128 (1 M elements); for
** binary ops the second operand is the same shape, or 1x64x1x1 (a
** per-channel broadcast). Prints the best of 15 runs of each.
**
** Standalone activations are rare in the networks lua-seg runs: most are
** fused into the convolution before them as oneDNN post-ops (passes.c);
** these kernels serve the rest (after a Concat, a Resize, a pool). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/dnnl_internal.h"
#include "nn/nn.h"

#define N 1
#define C 64
#define H 128
#define W 128

static double now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Best time of our operator 'op' on inputs a (and b). */
static double ours (const char *op, NnTensor *a, NnTensor *b, NnTensor *y) {
  const NnOp *def = nn_find_op(op);
  if (!def) { printf("no operator %s\n", op); exit(1); }
  NnNode n;
  memset(&n, 0, sizeof n);
  int ins[2] = {0, 1}, outs[1] = {2};
  n.op = (char *)op;
  n.name = (char *)"bench";
  n.def = def;
  n.opset = 13;
  n.nin = b ? 2 : 1;
  n.nout = 1;
  n.in = ins;
  n.out = outs;
  char err[256];
  NnCtx c = {1, 0, err, sizeof err, NULL};
  NnTensor *in[2] = {a, b}, *out[1] = {y};
  if (def->infer(&n, in, out, &c) != NN_OK) { printf("%s: %s\n", op, err); exit(1); }
  double best = 1e9;
  for (int r = 0; r < 15; r++) {
    double t = now_ms();
    if (def->run(&n, in, out, &c) != NN_OK) { printf("%s: %s\n", op, err); exit(1); }
    t = now_ms() - t;
    if (t < best) best = t;
  }
  return best;
}

static void md4 (dnnl_memory_desc_t *md, const int64_t *d) {
  dnnl_dims_t dims = {d[0], d[1], d[2], d[3]};
  dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, dnnl_nchw);
}

static double run_prim (dnnl_primitive_desc_t pd, int nargs, dnnl_exec_arg_t *args) {
  dnnl_primitive_t p;
  if (dnnl_primitive_create(&p, pd) != dnnl_success) { printf("primitive\n"); exit(1); }
  double best = 1e9;
  for (int r = 0; r < 15; r++) {
    double t = now_ms();
    dnnl_primitive_execute(p, dn_stream(), nargs, args);
    dnnl_stream_wait(dn_stream());
    t = now_ms() - t;
    if (t < best) best = t;
  }
  dnnl_primitive_destroy(p);
  dnnl_primitive_desc_destroy(pd);
  return best;
}

static double prim_eltwise (dnnl_alg_kind_t alg, float alpha, NnTensor *a, NnTensor *y) {
  dnnl_memory_desc_t md;
  md4(&md, a->dims);
  dnnl_eltwise_desc_t d;
  dnnl_eltwise_forward_desc_init(&d, dnnl_forward_inference, alg, &md, alpha, 0.f);
  dnnl_primitive_desc_t pd;
  if (dnnl_primitive_desc_create(&pd, &d, NULL, dn_engine(), NULL) != dnnl_success) { printf("eltwise pd\n"); exit(1); }
  dnnl_memory_t ma, my;
  dnnl_memory_create(&ma, &md, dn_engine(), a->data);
  dnnl_memory_create(&my, &md, dn_engine(), y->data);
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_DST, my}};
  double t = run_prim(pd, 2, args);
  dnnl_memory_destroy(ma);
  dnnl_memory_destroy(my);
  return t;
}

static double prim_binary (dnnl_alg_kind_t alg, NnTensor *a, NnTensor *b, NnTensor *y) {
  dnnl_memory_desc_t ma_d, mb_d, my_d;
  md4(&ma_d, a->dims);
  md4(&mb_d, b->dims);
  md4(&my_d, a->dims);
  dnnl_binary_desc_t d;
  dnnl_binary_desc_init(&d, alg, &ma_d, &mb_d, &my_d);
  dnnl_primitive_desc_t pd;
  if (dnnl_primitive_desc_create(&pd, &d, NULL, dn_engine(), NULL) != dnnl_success) { printf("binary pd\n"); exit(1); }
  dnnl_memory_t ma, mb, my;
  dnnl_memory_create(&ma, &ma_d, dn_engine(), a->data);
  dnnl_memory_create(&mb, &mb_d, dn_engine(), b->data);
  dnnl_memory_create(&my, &my_d, dn_engine(), y->data);
  dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC_0, ma}, {DNNL_ARG_SRC_1, mb}, {DNNL_ARG_DST, my}};
  double t = run_prim(pd, 3, args);
  dnnl_memory_destroy(ma);
  dnnl_memory_destroy(mb);
  dnnl_memory_destroy(my);
  return t;
}

static void tensor (NnTensor *t, int64_t c, int64_t h, int64_t w, unsigned seed) {
  int64_t d[4] = {N, c, h, w};
  memset(t, 0, sizeof *t);
  nn_setshape(t, NN_F32, 4, d);
  if (nn_alloc(t) != 0) exit(1);
  float *p = t->data;
  for (int64_t i = 0; i < nn_numel(t); i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (float)((seed >> 8) / 8388608.0 - 1.0) * 4.f;
  }
}

int main (void) {
  dn_threads(1);
  NnTensor a, b, bc, y;
  tensor(&a, C, H, W, 1);
  tensor(&b, C, H, W, 2);
  tensor(&bc, C, 1, 1, 3);
  tensor(&y, C, H, W, 4);
  printf("1 thread, 1x%dx%dx%d f32 (best of 15), ms: ours / oneDNN\n", C, H, W);
  struct { const char *op; dnnl_alg_kind_t alg; float alpha; } un[] = {
    {"Relu", dnnl_eltwise_relu, 0.f}, {"Sigmoid", dnnl_eltwise_logistic, 0.f},
    {"Tanh", dnnl_eltwise_tanh, 0.f}, {"Exp", dnnl_eltwise_exp, 0.f},
    {"Erf", dnnl_eltwise_gelu_erf, 0.f},     /* nearest: erf is inside GELU */
    {"HardSwish", dnnl_eltwise_hardswish, 0.f}, {"Sqrt", dnnl_eltwise_sqrt, 0.f}};
  for (size_t i = 0; i < sizeof un / sizeof un[0]; i++) {
    NnTensor *in = &a;
    if (strcmp(un[i].op, "Sqrt") == 0) {   /* non-negative input */
      float *p = b.data;
      for (int64_t k = 0; k < nn_numel(&b); k++) p[k] = fabsf(p[k]);
      in = &b;
    }
    double o = ours(un[i].op, in, NULL, &y), d = prim_eltwise(un[i].alg, un[i].alpha, in, &y);
    printf("  %-22s %7.3f / %7.3f  (%.2fx)%s\n", un[i].op, o, d, o / d,
           un[i].alg == dnnl_eltwise_gelu_erf ? "  oneDNN: gelu_erf" : "");
  }
  struct { const char *op; dnnl_alg_kind_t alg; } bin[] = {
    {"Add", dnnl_binary_add}, {"Mul", dnnl_binary_mul}, {"Div", dnnl_binary_div}, {"Max", dnnl_binary_max}};
  for (size_t i = 0; i < sizeof bin / sizeof bin[0]; i++) {
    double o = ours(bin[i].op, &a, &b, &y), d = prim_binary(bin[i].alg, &a, &b, &y);
    printf("  %-22s %7.3f / %7.3f  (%.2fx)\n", bin[i].op, o, d, o / d);
    char name[64];
    snprintf(name, sizeof name, "%s per channel", bin[i].op);
    o = ours(bin[i].op, &a, &bc, &y);
    d = prim_binary(bin[i].alg, &a, &bc, &y);
    printf("  %-22s %7.3f / %7.3f  (%.2fx)\n", name, o, d, o / d);
  }
  nn_free(&a); nn_free(&b); nn_free(&bc); nn_free(&y);
  return 0;
}

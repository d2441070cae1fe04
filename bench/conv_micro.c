/* conv_micro.c — the oneDNN operators of src/nn through their NnOp entries:
** timings against raw oneDNN, and a randomized check against naive C.
**
**   build/conv-micro [bench] [THREADS]   64->64 3x3 conv on 1x64x256x256 and a
**                                        96-channel depthwise 3x3 on 1x96x128x128
**   build/conv-micro check [CASES]       Conv / ConvTranspose with random groups,
**                                        strides, dilations, pads, layouts, posts;
**                                        MatMul, pools, norms, Concat
**
** Build (after make): cc -O2 -fopenmp -Isrc -Ibuild/gen -o build/conv-micro bench/conv_micro.c \
**   build/obj/core/\*.o build/obj/nn/\*.o build/obj/io/\*.o build/obj/ops/\*\/\*.o \
**   build/obj/gen/onnx.pb-c.o -ldnnl -lprotobuf-c -lpng -ljpeg -lm -lpthread */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/dnnl_internal.h"
#include "nn/nn.h"
#include "nn/nn_internal.h"

/* ---------- a node outside any model ---------- */

typedef struct Case {
  NnNode n;
  NnAttr attr[12];
  int in[12], out[4];
  NnValue vals[16];
  NnGraph g;
  NnCtx c;
  char err[512];
} Case;

static void case_init (Case *k, const char *op, int nin, int threads) {
  memset(k, 0, sizeof *k);
  k->n.name = (char *)"";
  k->n.op = (char *)op;
  k->n.def = nn_find_op(op);
  k->n.nin = nin;
  k->n.nout = 1;
  k->n.in = k->in;
  k->n.out = k->out;
  k->n.attr = k->attr;
  k->n.opset = 17;
  for (int i = 0; i < 12; i++) k->in[i] = i;
  k->out[0] = 15;
  k->g.values = k->vals;
  k->g.nvalues = 16;
  k->c.threads = threads;
  k->c.err = k->err;
  k->c.errlen = sizeof k->err;
  k->c.g = &k->g;
}

static void set_ints (Case *k, const char *name, int cnt, const int64_t *v) {
  NnAttr *a = &k->attr[k->n.nattr++];
  memset(a, 0, sizeof *a);
  a->name = (char *)name;
  a->kind = NN_ATTR_INTS;
  a->n = cnt;
  a->is = (int64_t *)v;
}

static void set_int (Case *k, const char *name, int64_t v) {
  NnAttr *a = &k->attr[k->n.nattr++];
  memset(a, 0, sizeof *a);
  a->name = (char *)name;
  a->kind = NN_ATTR_INT;
  a->i = v;
}

static NnTensor tensor (int rank, const int64_t *dims, int fmt) {
  NnTensor t;
  memset(&t, 0, sizeof t);
  nn_setshape(&t, NN_F32, rank, dims);
  t.fmt = fmt;
  if (nn_alloc(&t) != 0) abort();
  memset(t.data, 0, nn_bytes(&t));
  return t;
}

static unsigned rng = 12345;
static float frand (void) {
  rng = rng * 1664525u + 1013904223u;
  return (float)((rng >> 8) & 0xffff) / 32768.f - 1.f;
}
static int irand (int n) {
  rng = rng * 1664525u + 1013904223u;
  return (int)((rng >> 8) % (unsigned)n);
}

static void fill (NnTensor *t) {
  int64_t n = nn_numel(t);
  for (int64_t i = 0; i < n; i++) ((float *)t->data)[i] = frand();
}

/* A plain tensor in format fmt (a copy). */
static NnTensor as_fmt (const NnTensor *p, int fmt) {
  NnTensor t = tensor(p->rank, p->dims, fmt);
  nn_reformat(p, &t, 1);
  return t;
}

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpd (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Infers and allocates out, in format outfmt when the op takes it. */
static int prepare (Case *k, NnTensor **in, NnTensor *out, int outfmt) {
  NnTensor *o[1] = {out};
  k->n.outfmt[0] = outfmt;
  if (k->n.def->infer(&k->n, in, o, &k->c) != NN_OK) return -1;
  if (out->fmt > outfmt) out->fmt = NN_PLAIN;
  return nn_alloc(out);
}

/* ---------- reference ---------- */

static float post_ref (const NnPost *p, float x) {
  switch (p->kind) {
    case NN_POST_RELU: return x > 0 ? x : 0;
    case NN_POST_LEAKY: return x >= 0 ? x : p->alpha * x;
    case NN_POST_CLIP: return x < p->alpha ? p->alpha : x > p->beta ? p->beta : x;
    case NN_POST_SIGMOID: return 1.f / (1.f + expf(-x));
    case NN_POST_TANH: return tanhf(x);
    case NN_POST_HARDSWISH: return x * fminf(1.f, fmaxf(0.f, x / 6.f + 0.5f));
    case NN_POST_HARDSIGMOID: return fminf(1.f, fmaxf(0.f, p->alpha * x + p->beta));
    case NN_POST_ELU: return x >= 0 ? x : p->alpha * (expf(x) - 1.f);
    case NN_POST_GELU_ERF: return 0.5f * x * (1.f + erff(x / sqrtf(2.f)));
    case NN_POST_LINEAR: return p->alpha * x + p->beta;
    default: return x;
  }
}

/* 2-D convolution (or transposed) in double, plain tensors. */
static void conv_ref (const NnTensor *X, const NnTensor *W, const NnTensor *B, NnTensor *Y, int G, const int64_t *st,
                      const int64_t *dl, const int64_t *pl, int transpose) {
  int64_t N = X->dims[0], C = X->dims[1], H = X->dims[2], Wd = X->dims[3];
  int64_t M = Y->dims[1], OH = Y->dims[2], OW = Y->dims[3], KH = W->dims[2], KW = W->dims[3];
  int64_t Cg = C / G, Mg = M / G;
  const float *x = X->data, *w = W->data;
  float *y = Y->data;
  double *acc = calloc((size_t)(N * M * OH * OW), sizeof *acc);
  for (int64_t n = 0; n < N; n++)
    for (int64_t m = 0; m < M; m++)
      for (int64_t i = 0; i < OH * OW; i++) acc[(n * M + m) * OH * OW + i] = B ? ((const float *)B->data)[m] : 0;
  for (int64_t n = 0; n < N; n++)
    for (int64_t gi = 0; gi < G; gi++)
      for (int64_t cc = 0; cc < Cg; cc++)
        for (int64_t mm = 0; mm < Mg; mm++) {
          int64_t c = gi * Cg + cc, m = gi * Mg + mm;
          for (int64_t kh = 0; kh < KH; kh++)
            for (int64_t kw = 0; kw < KW; kw++) {
              double wv = transpose ? w[((c * Mg + mm) * KH + kh) * KW + kw] : w[((m * Cg + cc) * KH + kh) * KW + kw];
              if (!transpose) {
                for (int64_t oh = 0; oh < OH; oh++) {
                  int64_t ih = oh * st[0] - pl[0] + kh * dl[0];
                  if (ih < 0 || ih >= H) continue;
                  for (int64_t ow = 0; ow < OW; ow++) {
                    int64_t iw = ow * st[1] - pl[1] + kw * dl[1];
                    if (iw < 0 || iw >= Wd) continue;
                    acc[((n * M + m) * OH + oh) * OW + ow] += wv * x[((n * C + c) * H + ih) * Wd + iw];
                  }
                }
              } else {
                for (int64_t ih = 0; ih < H; ih++) {
                  int64_t oh = ih * st[0] - pl[0] + kh * dl[0];
                  if (oh < 0 || oh >= OH) continue;
                  for (int64_t iw = 0; iw < Wd; iw++) {
                    int64_t ow = iw * st[1] - pl[1] + kw * dl[1];
                    if (ow < 0 || ow >= OW) continue;
                    acc[((n * M + m) * OH + oh) * OW + ow] += wv * x[((n * C + c) * H + ih) * Wd + iw];
                  }
                }
              }
            }
        }
  for (int64_t i = 0; i < N * M * OH * OW; i++) y[i] = (float)acc[i];
  free(acc);
}

static int compare (const char *what, const NnTensor *got, const NnTensor *want, double tol) {
  NnTensor g = as_fmt(got, NN_PLAIN);
  int64_t n = nn_numel(want);
  double worst = 0;
  int64_t at = -1;
  for (int64_t i = 0; i < n; i++) {
    double a = ((float *)g.data)[i], b = ((const float *)want->data)[i];
    double e = fabs(a - b) / (tol + tol * fabs(b));
    if (!(e <= worst)) { worst = e; at = i; }
  }
  /* blocked: padded lanes must be zero */
  int lanes = 1;
  if (got->fmt != NN_PLAIN) {
    int64_t b = got->fmt, C = got->dims[1], CB = (C + b - 1) / b, HW = got->dims[2] * got->dims[3];
    for (int64_t nn = 0; nn < got->dims[0]; nn++)
      for (int64_t i = 0; i < HW; i++)
        for (int64_t l = C % b ? C % b : b; l < b; l++)
          if (((float *)got->data)[((nn * CB + CB - 1) * HW + i) * b + l] != 0) lanes = 0;
  }
  nn_free(&g);
  if (worst > 1 || !lanes) {
    printf("FAIL %s: worst error %.3g at %lld%s\n", what, worst, (long long)at, lanes ? "" : ", padded lanes not zero");
    return 0;
  }
  return 1;
}

/* ---------- randomized check of Conv / ConvTranspose ---------- */

static const int fmts[4] = {NN_PLAIN, NN_BLOCK8, NN_BLOCK16, NN_NHWC};

static int check_one (int idx) {
  int transpose = irand(4) == 0;
  int64_t N = 1 + irand(2), G = 1, C, M;
  switch (irand(4)) {
    case 0: C = 1 + irand(20); M = 1 + irand(20); break;
    case 1: G = C = M = 1 + irand(40); break;                /* depthwise */
    case 2: G = 1 + irand(4); C = G * (1 + irand(9)); M = G * (1 + irand(9)); break;
    default: C = 16 * (1 + irand(3)); M = 16 * (1 + irand(3)); break;
  }
  int64_t K[2] = {1 + irand(4), 1 + irand(4)}, st[2] = {1 + irand(2), 1 + irand(2)}, dl[2] = {1 + irand(2), 1 + irand(2)};
  int64_t pads[4] = {irand(3), irand(3), irand(3), irand(3)}, H = 3 + irand(20), Wd = 3 + irand(20);
  int64_t op[2] = {0, 0};
  if (!transpose && irand(4) == 0)        /* ASPP-like: big dilation, same padding */
    for (int i = 0; i < 2; i++) {
      K[i] = 3;
      dl[i] = 1 + irand(16);
      pads[i] = pads[2 + i] = dl[i];
    }
  if (transpose) {
    for (int i = 0; i < 2; i++) op[i] = irand((int)(st[i] > dl[i] ? st[i] : dl[i]));
    for (int i = 0; i < 2; i++)
      if (pads[i] + pads[2 + i] >= K[i]) pads[i] = pads[2 + i] = 0;
  }
  for (int i = 0; i < 2; i++) {
    int64_t eff = (K[i] - 1) * dl[i] + 1, in = i ? Wd : H;
    if (!transpose && in + pads[i] + pads[2 + i] < eff) pads[i] = eff;
  }
  int ifmt = fmts[irand(4)], ofmt = fmts[irand(4)], sfmt = fmts[irand(4)];
  int64_t xd[4] = {N, C, H, Wd}, wd[4] = {transpose ? C : M, transpose ? M / G : C / G, K[0], K[1]}, bd[1] = {M};
  NnTensor X = tensor(4, xd, NN_PLAIN), W = tensor(4, wd, NN_PLAIN), B = tensor(1, bd, NN_PLAIN);
  fill(&X); fill(&W); fill(&B);
  int bias = irand(3) != 0;
  Case k;
  case_init(&k, transpose ? "ConvTranspose" : "Conv", bias ? 3 : 2, 1 + irand(2));
  k.vals[1].is_const = irand(4) != 0;
  set_ints(&k, "strides", 2, st);
  set_ints(&k, "dilations", 2, dl);
  set_ints(&k, "pads", 4, pads);
  set_int(&k, "group", G);
  if (transpose) set_ints(&k, "output_padding", 2, op);
  int npost = irand(4), nsum = 0;
  static const int kinds[] = {NN_POST_RELU, NN_POST_LEAKY, NN_POST_CLIP, NN_POST_SIGMOID, NN_POST_TANH,
                              NN_POST_HARDSWISH, NN_POST_HARDSIGMOID, NN_POST_ELU, NN_POST_GELU_ERF, NN_POST_SUM, NN_POST_LINEAR};
  for (int i = 0; i < npost; i++) {
    NnPost *p = &k.n.post[k.n.npost++];
    memset(p, 0, sizeof *p);
    p->kind = kinds[irand(11)];
    p->alpha = p->kind == NN_POST_CLIP ? -0.5f : p->kind == NN_POST_HARDSIGMOID ? 0.2f : 0.3f;
    p->beta = p->kind == NN_POST_CLIP ? 0.7f : 0.5f;
    if (p->kind == NN_POST_SUM) nsum++;
  }
  NnTensor Xf = as_fmt(&X, ifmt), Y, R, S[4];
  memset(&Y, 0, sizeof Y);
  NnTensor *in[8] = {&Xf, &W, bias ? &B : NULL};
  int ok = 1;
  if (prepare(&k, in, &Y, ofmt) != 0) {
    printf("case %d: infer: %s\n", idx, k.err);
    ok = 0;
  }
  R = tensor(4, Y.dims, NN_PLAIN);
  conv_ref(&X, &W, bias ? &B : NULL, &R, (int)G, st, dl, pads, transpose);
  int64_t cnt = nn_numel(&R);
  for (int i = 0, j = 0; ok && i < k.n.npost; i++) {
    const NnPost *p = &k.n.post[i];
    if (p->kind == NN_POST_SUM) {
      NnTensor s = tensor(4, Y.dims, NN_PLAIN);
      fill(&s);
      for (int64_t e = 0; e < cnt; e++) ((float *)R.data)[e] += ((float *)s.data)[e];
      S[j] = as_fmt(&s, sfmt);
      in[k.n.nin + j] = &S[j];
      j++;
      nn_free(&s);
    } else {
      for (int64_t e = 0; e < cnt; e++) ((float *)R.data)[e] = post_ref(p, ((float *)R.data)[e]);
    }
  }
  char what[256];
  snprintf(what, sizeof what, "case %d %s N%lld C%lld M%lld G%lld k%lldx%lld s%lldx%lld d%lldx%lld p%lld,%lld,%lld,%lld op%lld,%lld fmt %d->%d posts %d",
           idx, k.n.op, (long long)N, (long long)C, (long long)M, (long long)G, (long long)K[0], (long long)K[1],
           (long long)st[0], (long long)st[1], (long long)dl[0], (long long)dl[1], (long long)pads[0],
           (long long)pads[1], (long long)pads[2], (long long)pads[3], (long long)op[0], (long long)op[1], ifmt,
           Y.fmt, k.n.npost);
  for (int i = 0; i < k.n.npost; i++)
    snprintf(what + strlen(what), sizeof what - strlen(what), " %d", k.n.post[i].kind);
  if (getenv("CM_VERBOSE")) {
    printf("%s\n", what);
    fflush(stdout);
  }
  for (int rep = 0; ok && rep < 2; rep++) {   /* twice: the kept state */
    NnTensor *o[1] = {&Y};
    if (k.n.def->run(&k.n, in, o, &k.c) != NN_OK) {
      printf("%s: run: %s\n", what, k.err);
      ok = 0;
    } else if (!compare(what, &Y, &R, 1e-4)) ok = 0;
  }
  if (k.n.def->release) k.n.def->release(&k.n);
  for (int j = 0; j < nsum; j++) nn_free(&S[j]);
  nn_free(&X); nn_free(&W); nn_free(&B); nn_free(&Xf); nn_free(&Y); nn_free(&R);
  return ok;
}

/* ---------- randomized check of MatMul / Gemm ---------- */

static void add_posts (Case *k, int maxp) {
  static const int kinds[] = {NN_POST_RELU, NN_POST_LEAKY, NN_POST_CLIP, NN_POST_SIGMOID, NN_POST_TANH,
                              NN_POST_HARDSWISH, NN_POST_HARDSIGMOID, NN_POST_ELU, NN_POST_GELU_ERF, NN_POST_SUM, NN_POST_LINEAR};
  int np = irand(maxp + 1);
  for (int i = 0; i < np; i++) {
    NnPost *p = &k->n.post[k->n.npost++];
    memset(p, 0, sizeof *p);
    p->kind = kinds[irand(11)];
    p->alpha = p->kind == NN_POST_CLIP ? -0.5f : p->kind == NN_POST_HARDSIGMOID ? 0.2f : 0.3f;
    p->beta = p->kind == NN_POST_CLIP ? 0.7f : 0.5f;
  }
}

/* Applies k's posts to R (plain), making SUM operands (into in[]). */
static int ref_posts (Case *k, NnTensor *R, NnTensor **in, NnTensor *S) {
  int j = 0;
  int64_t cnt = nn_numel(R);
  for (int i = 0; i < k->n.npost; i++) {
    const NnPost *p = &k->n.post[i];
    if (p->kind == NN_POST_SUM) {
      S[j] = tensor(R->rank, R->dims, NN_PLAIN);
      fill(&S[j]);
      for (int64_t e = 0; e < cnt; e++) ((float *)R->data)[e] += ((float *)S[j].data)[e];
      in[k->n.nin + j] = &S[j];
      j++;
    } else {
      for (int64_t e = 0; e < cnt; e++) ((float *)R->data)[e] = post_ref(p, ((float *)R->data)[e]);
    }
  }
  return j;
}

static int check_mm (int idx) {
  int gemm = irand(3) == 0;
  Case k;
  case_init(&k, gemm ? "Gemm" : "MatMul", gemm ? 2 + irand(2) : 2, 1 + irand(2));
  k.vals[1].is_const = irand(2);
  int64_t M = 1 + irand(40), K = irand(5) ? 1 + irand(70) : 0, N = 1 + irand(40);
  NnTensor A, B, C, Y, R, S[4];
  memset(&C, 0, sizeof C);
  memset(&Y, 0, sizeof Y);
  int ta = 0, tb = 0, cr = 0;
  float alpha = 1, beta = 1;
  int64_t cdims[2] = {1, 1};
  int64_t ad[4], bd[4];
  int ra = 0, rb = 0;
  if (gemm) {
    ta = irand(2); tb = irand(2);
    alpha = irand(2) ? 1.f : 0.5f; beta = irand(2) ? 1.f : irand(2) ? 2.f : 0.f;
    ad[0] = ta ? K : M; ad[1] = ta ? M : K; bd[0] = tb ? N : K; bd[1] = tb ? K : N; ra = rb = 2;
    if (ta) set_int(&k, "transA", 1);
    if (tb) set_int(&k, "transB", 1);
    NnAttr *a = &k.attr[k.n.nattr++]; memset(a, 0, sizeof *a); a->name = (char *)"alpha"; a->kind = NN_ATTR_FLOAT; a->f = alpha;
    a = &k.attr[k.n.nattr++]; memset(a, 0, sizeof *a); a->name = (char *)"beta"; a->kind = NN_ATTR_FLOAT; a->f = beta;
    cr = irand(3);
    if (cr == 1) cdims[0] = irand(2) ? N : 1;
    if (cr == 2) { cdims[0] = irand(2) ? M : 1; cdims[1] = irand(2) ? N : 1; }
  } else {
    int bat = irand(3), a1 = irand(6) == 0, b1 = irand(6) == 0;
    int64_t bt[2] = {1 + irand(3), 1 + irand(3)};
    ra = a1 ? 1 : 2 + irand(bat + 1);
    rb = b1 ? 1 : 2 + irand(bat + 1);
    if (a1) ad[0] = K;
    else { for (int i = 0; i < ra - 2; i++) ad[i] = irand(3) ? bt[i + (2 - (ra - 2))] : 1; ad[ra - 2] = M; ad[ra - 1] = K; }
    if (b1) bd[0] = K;
    else { for (int i = 0; i < rb - 2; i++) bd[i] = irand(3) ? bt[i + (2 - (rb - 2))] : 1; bd[rb - 2] = K; bd[rb - 1] = N; }
  }
  A = tensor(ra, ad, NN_PLAIN); B = tensor(rb, bd, NN_PLAIN);
  fill(&A); fill(&B);
  if (gemm && k.n.nin == 3) { C = tensor(cr, cdims + (cr == 1 ? 0 : 0), NN_PLAIN); fill(&C); }
  NnTensor *in[8] = {&A, &B, k.n.nin == 3 ? &C : NULL};
  add_posts(&k, 3);
  int ok = prepare(&k, in, &Y, NN_PLAIN) == 0;
  if (!ok) { printf("case %d %s: infer: %s\n", idx, k.n.op, k.err); return 0; }
  R = tensor(Y.rank, Y.dims, NN_PLAIN);
  /* reference: Y as batch x M x N */
  int64_t yM = gemm ? M : (ra == 1 ? 1 : M), yN = gemm ? N : (rb == 1 ? 1 : N), nb = nn_numel(&Y) / (yM * yN);
  float *r = R.data;
  const float *a = A.data, *b = B.data;
  for (int64_t t = 0; t < nb; t++) {
    /* batch index -> A and B batch offsets (broadcast) */
    int64_t ao = 0, bo = 0;
    if (!gemm) {
      int yr = Y.rank - (ra > 1) - (rb > 1), R4 = yr;
      int64_t rem = t, am = 1, bm = 1;
      for (int i = R4 - 1; i >= 0; i--) {
        int64_t yi = rem % Y.dims[i];
        rem /= Y.dims[i];
        int ia = i - (R4 - (ra - 2)), ib = i - (R4 - (rb - 2));
        if (ra > 2 && ia >= 0) { ao += (ad[ia] == 1 ? 0 : yi) * am; am *= ad[ia]; }
        if (rb > 2 && ib >= 0) { bo += (bd[ib] == 1 ? 0 : yi) * bm; bm *= bd[ib]; }
      }
      ao *= yM * K;
      bo *= K * yN;
    }
    for (int64_t i = 0; i < yM; i++)
      for (int64_t j = 0; j < yN; j++) {
        double acc = 0;
        for (int64_t q = 0; q < K; q++) {
          double av = gemm ? a[ta ? q * M + i : i * K + q] : a[ao + i * K + q];
          double bv = gemm ? b[tb ? j * K + q : q * N + j] : b[bo + q * yN + j];
          acc += av * bv;
        }
        if (gemm) {
          acc *= alpha;
          if (k.n.nin == 3 && beta != 0) {
            int64_t cm = cr == 2 ? cdims[0] : 1, cn = cr == 2 ? cdims[1] : cr == 1 ? cdims[0] : 1;
            acc += beta * ((float *)C.data)[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
          }
        }
        r[(t * yM + i) * yN + j] = (float)acc;
      }
  }
  int nsum = ref_posts(&k, &R, in, S);
  char what[256];
  snprintf(what, sizeof what, "case %d %s M%lld K%lld N%lld ranks %d,%d ta%d tb%d alpha %g beta %g C rank %d/%d posts %d",
           idx, k.n.op, (long long)M, (long long)K, (long long)N, ra, rb, ta, tb, alpha, beta, cr, k.n.nin, k.n.npost);
  for (int rep = 0; ok && rep < 2; rep++) {
    NnTensor *o[1] = {&Y};
    if (k.n.def->run(&k.n, in, o, &k.c) != NN_OK) { printf("%s: run: %s\n", what, k.err); ok = 0; }
    else if (!compare(what, &Y, &R, 1e-4)) ok = 0;
  }
  k.n.def->release(&k.n);
  for (int j = 0; j < nsum; j++) nn_free(&S[j]);
  nn_free(&A); nn_free(&B); nn_free(&C); nn_free(&Y); nn_free(&R);
  return ok;
}

/* ---------- randomized check of the pools ---------- */

static int check_pool (int idx) {
  static const char *ops[] = {"MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool"};
  int kind = irand(4), glob = kind >= 2;
  Case k;
  case_init(&k, ops[kind], 1, 1 + irand(2));
  int64_t N = 1 + irand(2), C = 1 + irand(40), H = 1 + irand(20), W = 1 + irand(20);
  int64_t K[2] = {1 + irand(4), 1 + irand(4)}, st[2] = {1 + irand(3), 1 + irand(3)}, dl[2] = {1, 1};
  int64_t pads[4] = {irand(2), irand(2), irand(2), irand(2)};
  int ceil_mode = irand(2), incl = irand(2);
  if (kind == 0 && irand(2)) { dl[0] = 1 + irand(2); dl[1] = 1 + irand(2); }
  for (int i = 0; i < 2; i++) {
    if (pads[i] >= K[i]) pads[i] = K[i] - 1;
    if (pads[2 + i] >= K[i]) pads[2 + i] = K[i] - 1;
    int64_t eff = (K[i] - 1) * dl[i] + 1, in = i ? W : H;
    if (in + pads[i] + pads[2 + i] < eff) { if (i) W = eff; else H = eff; }
  }
  if (!glob) {
    set_ints(&k, "kernel_shape", 2, K);
    set_ints(&k, "strides", 2, st);
    set_ints(&k, "pads", 4, pads);
    if (dl[0] * dl[1] > 1) set_ints(&k, "dilations", 2, dl);
    set_int(&k, "ceil_mode", ceil_mode);
    if (kind == 1) set_int(&k, "count_include_pad", incl);
  }
  int64_t xd[4] = {N, C, H, W};
  NnTensor X = tensor(4, xd, NN_PLAIN), Y, R;
  memset(&Y, 0, sizeof Y);
  fill(&X);
  int ifmt = fmts[irand(4)], ofmt = fmts[irand(4)];
  NnTensor Xf = as_fmt(&X, ifmt);
  NnTensor *in[1] = {&Xf};
  if (prepare(&k, in, &Y, ofmt) != 0) { printf("case %d %s: infer: %s\n", idx, k.n.op, k.err); return 0; }
  R = tensor(4, Y.dims, NN_PLAIN);
  int64_t OH = Y.dims[2], OW = Y.dims[3];
  if (glob) { K[0] = H; K[1] = W; st[0] = st[1] = 1; memset(pads, 0, sizeof pads); }
  for (int64_t p = 0; p < N * C; p++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        double best = -INFINITY, sum = 0;
        int64_t cnt = 0, cin = 0;
        for (int64_t a = 0; a < K[0]; a++)
          for (int64_t b = 0; b < K[1]; b++) {
            int64_t h = oh * st[0] - pads[0] + a * dl[0], w = ow * st[1] - pads[1] + b * dl[1];
            if (h < H + pads[2] && w < W + pads[3]) cin++;
            if (h < 0 || w < 0 || h >= H || w >= W) continue;
            double v = ((float *)X.data)[(p * H + h) * W + w];
            if (v > best) best = v;
            sum += v;
            cnt++;
          }
        ((float *)R.data)[(p * OH + oh) * OW + ow] =
            (float)(kind == 0 || kind == 2 ? best : sum / (kind == 1 && incl ? cin : cnt));
      }
  char what[256];
  snprintf(what, sizeof what, "case %d %s N%lld C%lld %lldx%lld k%lldx%lld s%lldx%lld d%lldx%lld p%lld,%lld,%lld,%lld ceil %d incl %d fmt %d->%d",
           idx, k.n.op, (long long)N, (long long)C, (long long)H, (long long)W, (long long)K[0], (long long)K[1],
           (long long)st[0], (long long)st[1], (long long)dl[0], (long long)dl[1], (long long)pads[0], (long long)pads[1],
           (long long)pads[2], (long long)pads[3], ceil_mode, incl, ifmt, Y.fmt);
  int ok = 1;
  for (int rep = 0; ok && rep < 2; rep++) {
    NnTensor *o[1] = {&Y};
    if (k.n.def->run(&k.n, in, o, &k.c) != NN_OK) { printf("%s: run: %s\n", what, k.err); ok = 0; }
    else if (!compare(what, &Y, &R, 1e-5)) ok = 0;
  }
  k.n.def->release(&k.n);
  nn_free(&X); nn_free(&Xf); nn_free(&Y); nn_free(&R);
  return ok;
}

/* ---------- randomized check of BatchNormalization / LayerNormalization ---------- */

static int check_norm (int idx) {
  int ln = irand(2);
  Case k;
  case_init(&k, ln ? "LayerNormalization" : "BatchNormalization", ln ? 2 + irand(2) : 5, 1 + irand(2));
  int r = ln ? 1 + irand(4) : 2 + irand(4);
  int64_t xd[6];
  for (int i = 0; i < r; i++) xd[i] = 1 + irand(i == 1 ? 40 : 9);
  NnTensor X = tensor(r, xd, NN_PLAIN), P[4], Y, R;
  memset(&Y, 0, sizeof Y);
  fill(&X);
  int fmt = r == 4 && !ln ? fmts[irand(4)] : NN_PLAIN, ofmt = r == 4 && !ln ? fmts[irand(4)] : NN_PLAIN;
  NnTensor Xf = as_fmt(&X, fmt);
  NnTensor *in[6] = {&Xf};
  int axis = 0, np = ln ? k.n.nin - 1 : 4;
  int64_t inner = 1;
  if (ln) {
    axis = irand(r);
    set_int(&k, "axis", irand(2) ? axis : axis - r);
    for (int d = axis; d < r; d++) inner *= xd[d];
    for (int q = 0; q < np; q++) {
      int sr = irand(r - axis + 1);
      int64_t sd[6];
      for (int d = 0; d < sr; d++) sd[d] = irand(3) ? xd[r - sr + d] : 1;
      P[q] = tensor(sr, sd, NN_PLAIN);
      fill(&P[q]);
      in[1 + q] = &P[q];
    }
  } else {
    for (int q = 0; q < 4; q++) {
      P[q] = tensor(1, &xd[1], NN_PLAIN);
      fill(&P[q]);
      if (q == 3)
        for (int64_t i = 0; i < xd[1]; i++) ((float *)P[q].data)[i] = fabsf(((float *)P[q].data)[i]) + 0.1f;
      in[1 + q] = &P[q];
    }
  }
  if (prepare(&k, in, &Y, ofmt) != 0) { printf("case %d %s: infer: %s\n", idx, k.n.op, k.err); return 0; }
  R = tensor(r, xd, NN_PLAIN);
  const float *x = X.data;
  float *y = R.data;
  if (ln) {
    int64_t outer = nn_numel(&X) / inner;
    for (int64_t o = 0; o < outer; o++) {
      double m = 0, v = 0;
      for (int64_t i = 0; i < inner; i++) m += x[o * inner + i];
      m /= inner;
      for (int64_t i = 0; i < inner; i++) v += (x[o * inner + i] - m) * (x[o * inner + i] - m);
      v /= inner;
      for (int64_t i = 0; i < inner; i++) {
        double val = (x[o * inner + i] - m) / sqrt(v + 1e-5);
        for (int q = 0; q < np; q++) {
          /* parameter index under broadcasting */
          int64_t rr = i, pi = 0, mul = 1;
          for (int d = r - 1; d >= axis; d--) {
            int64_t xx = rr % xd[d];
            rr /= xd[d];
            int td = d - (r - P[q].rank);
            if (td >= 0) { if (P[q].dims[td] != 1) pi += xx * mul; mul *= P[q].dims[td]; }
          }
          double pv = ((float *)P[q].data)[pi];
          val = q == 0 ? val * pv : val + pv;
        }
        y[o * inner + i] = (float)val;
      }
    }
  } else {
    int64_t C = xd[1], sp = nn_numel(&X) / (xd[0] * C);
    for (int64_t i = 0; i < nn_numel(&X); i++) {
      int64_t ch = (i / sp) % C;
      const float *sc = P[0].data, *bi = P[1].data, *mu = P[2].data, *va = P[3].data;
      y[i] = (float)(sc[ch] * (x[i] - mu[ch]) / sqrt(va[ch] + 1e-5) + bi[ch]);
    }
  }
  char what[256];
  snprintf(what, sizeof what, "case %d %s rank %d axis %d fmt %d->%d params %d", idx, k.n.op, r, axis, fmt, Y.fmt, np);
  int ok = 1;
  for (int rep = 0; ok && rep < 2; rep++) {
    NnTensor *o[1] = {&Y};
    if (k.n.def->run(&k.n, in, o, &k.c) != NN_OK) { printf("%s: run: %s\n", what, k.err); ok = 0; }
    else if (!compare(what, &Y, &R, 1e-4)) ok = 0;
  }
  if (k.n.def->release) k.n.def->release(&k.n);
  for (int q = 0; q < np; q++) nn_free(&P[q]);
  nn_free(&X); nn_free(&Xf); nn_free(&Y); nn_free(&R);
  return ok;
}

/* ---------- randomized check of Concat over layouts ---------- */

static int check_concat (int idx) {
  Case k;
  int nin = 1 + irand(3);
  case_init(&k, "Concat", nin, 1 + irand(2));
  int64_t N = 1 + irand(2), H = 1 + irand(9), W = 1 + irand(9), C[3], Ct = 0;
  int axis = irand(4) ? 1 : irand(4);
  set_int(&k, "axis", axis);
  NnTensor X[3], Xf[3], Y, R;
  NnTensor *in[3];
  int fm[3];
  for (int i = 0; i < nin; i++) {
    C[i] = irand(2) ? 16 * (1 + irand(2)) : 1 + irand(20);
    int64_t d[4] = {N, C[i], H, W};
    if (axis != 1) d[1] = C[0];
    if (axis == 0) d[0] = 1 + irand(2);
    if (axis == 2) d[2] = 1 + irand(5);
    if (axis == 3) d[3] = 1 + irand(5);
    X[i] = tensor(4, d, NN_PLAIN);
    fill(&X[i]);
    fm[i] = fmts[irand(4)];
    Xf[i] = as_fmt(&X[i], fm[i]);
    in[i] = &Xf[i];
    Ct += C[i];
  }
  memset(&Y, 0, sizeof Y);
  char what[256];
  snprintf(what, sizeof what, "case %d Concat axis %d of %d, fmts %d %d %d", idx, axis, nin, fm[0],
           nin > 1 ? fm[1] : -1, nin > 2 ? fm[2] : -1);
  int ok = 1;
  if (prepare(&k, in, &Y, nn_block_size()) != 0) { printf("%s: infer: %s\n", what, k.err); ok = 0; }
  if (ok) {
    /* the reference: plain inputs through the plain path */
    NnTensor *pin[3] = {&X[0], &X[1], &X[2]};
    NnTensor *o[1] = {&R};
    memset(&R, 0, sizeof R);
    k.n.outfmt[0] = NN_PLAIN;
    if (k.n.def->infer(&k.n, pin, o, &k.c) != NN_OK || nn_alloc(&R) != 0 || k.n.def->run(&k.n, pin, o, &k.c) != NN_OK) {
      printf("%s: reference: %s\n", what, k.err);
      ok = 0;
    }
    k.n.outfmt[0] = nn_block_size();
    NnTensor *oy[1] = {&Y};
    if (ok && k.n.def->run(&k.n, in, oy, &k.c) != NN_OK) { printf("%s: run: %s\n", what, k.err); ok = 0; }
    else if (ok && !compare(what, &Y, &R, 1e-6)) ok = 0;
    nn_free(&R);
  }
  (void)Ct;
  for (int i = 0; i < nin; i++) { nn_free(&X[i]); nn_free(&Xf[i]); }
  nn_free(&Y);
  return ok;
}

/* ---------- timings ---------- */

static double time_op (Case *k, NnTensor **in, NnTensor *Y, int reps) {
  double t[64];
  NnTensor *o[1] = {Y};
  if (k->n.def->run(&k->n, in, o, &k->c) != NN_OK) {
    printf("run: %s\n", k->err);
    return -1;
  }
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    k->n.def->run(&k->n, in, o, &k->c);
    t[r] = now() - t0;
  }
  qsort(t, (size_t)reps, sizeof *t, cmpd);
  return t[0];
}

/* The same convolution straight through oneDNN, src/dst in 'tag'. */
static double time_raw (const NnTensor *X, const NnTensor *W, int64_t G, int threads, int reps, dnnl_format_tag_t tag) {
  dnnl_engine_t e = dn_engine();
  dnnl_stream_t s = dn_stream();
  int64_t M = W->dims[0], C = X->dims[1], KH = W->dims[2], KW = W->dims[3];
  dnnl_dims_t xd = {X->dims[0], C, X->dims[2], X->dims[3]}, yd = {X->dims[0], M, X->dims[2], X->dims[3]};
  dnnl_dims_t wd5 = {G, M / G, C / G, KH, KW}, wd4 = {M, C, KH, KW}, bd = {M};
  dnnl_dims_t str = {1, 1}, dil = {0, 0}, pad = {KH / 2, KW / 2};
  dnnl_memory_desc_t xm, ym, wm, bm;
  dnnl_memory_desc_init_by_tag(&xm, 4, xd, dnnl_f32, tag);
  dnnl_memory_desc_init_by_tag(&ym, 4, yd, dnnl_f32, tag);
  dnnl_memory_desc_init_by_tag(&wm, G > 1 ? 5 : 4, G > 1 ? wd5 : wd4, dnnl_f32, dnnl_format_tag_any);
  dnnl_memory_desc_init_by_tag(&bm, 1, bd, dnnl_f32, dnnl_x);
  dnnl_convolution_desc_t cd;
  dnnl_primitive_desc_t pd;
  dnnl_primitive_t p;
  dn_threads(threads);
  dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &xm, &wm, &bm, &ym,
                                             str, dil, pad, pad);
  if (dnnl_primitive_desc_create(&pd, &cd, NULL, e, NULL) != dnnl_success) return -1;
  dnnl_primitive_create(&p, pd);
  dnnl_memory_t mx, my, mw, mb;
  dnnl_memory_create(&mx, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), e, DNNL_MEMORY_ALLOCATE);
  dnnl_memory_create(&my, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), e, DNNL_MEMORY_ALLOCATE);
  dnnl_memory_create(&mw, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), e, DNNL_MEMORY_ALLOCATE);
  dnnl_memory_create(&mb, &bm, e, DNNL_MEMORY_ALLOCATE);
  dnnl_memory_t all[4] = {mx, my, mw, mb};
  for (int i = 0; i < 4; i++) {       /* no denormals from garbage */
    void *h;
    const dnnl_memory_desc_t *md;
    dnnl_memory_get_data_handle(all[i], &h);
    dnnl_memory_get_memory_desc(all[i], &md);
    memset(h, 0, dnnl_memory_desc_get_size(md));
  }
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_BIAS, mb}, {DNNL_ARG_DST, my}};
  double t[64];
  dnnl_primitive_execute(p, s, 4, args);
  dnnl_stream_wait(s);
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    dnnl_primitive_execute(p, s, 4, args);
    dnnl_stream_wait(s);
    t[r] = now() - t0;
  }
  printf("  raw oneDNN %-23s", dn_impl(pd));
  dnnl_primitive_destroy(p);
  dnnl_primitive_desc_destroy(pd);
  dnnl_memory_destroy(mx); dnnl_memory_destroy(my); dnnl_memory_destroy(mw); dnnl_memory_destroy(mb);
  qsort(t, (size_t)reps, sizeof *t, cmpd);
  return t[0];
}

static void bench_conv (const char *title, int64_t C, int64_t M, int64_t G, int64_t H, int threads, int reps) {
  int64_t xd[4] = {1, C, H, H}, wd[4] = {M, C / G, 3, 3}, bd[1] = {M}, pads[4] = {1, 1, 1, 1};
  NnTensor X = tensor(4, xd, NN_PLAIN), W = tensor(4, wd, NN_PLAIN), B = tensor(1, bd, NN_PLAIN);
  fill(&X); fill(&W); fill(&B);
  double flop = 2.0 * (double)M * (double)(C / G) * 9 * (double)(H * H);
  printf("%s, %d thread(s):\n", title, threads);
  for (int f = 0; f < 4; f++) {
    int fmt = f == 0 ? NN_PLAIN : f == 3 ? NN_NHWC : nn_block_size();
    if (f == 2) fmt = NN_PLAIN;
    Case k;
    case_init(&k, "Conv", 3, threads);
    k.vals[1].is_const = k.vals[2].is_const = 1;
    set_ints(&k, "pads", 4, pads);
    set_int(&k, "group", G);
    if (f == 2) k.n.post[k.n.npost++] = (NnPost){NN_POST_RELU, 0, 0, 0};
    int lay = f == 1 || f == 3;
    NnTensor Xf = as_fmt(&X, lay ? fmt : NN_PLAIN), Y;
    memset(&Y, 0, sizeof Y);
    NnTensor *in[3] = {&Xf, &W, &B};
    if (prepare(&k, in, &Y, lay ? fmt : NN_PLAIN) != 0) { printf("infer: %s\n", k.err); return; }
    if (lay && Y.fmt != fmt) {            /* this layout, whatever infer prefers */
      Y.fmt = fmt;
      if (nn_alloc(&Y) != 0) return;
    }
    double t = time_op(&k, in, &Y, reps);
    printf("  engine %-22s %8.3f ms  %6.1f GFLOP/s\n",
           f == 0 ? "plain -> plain" : f == 3 ? "nhwc -> nhwc" : f == 1 ? (fmt == 16 ? "nChw16c -> nChw16c" : "nChw8c -> nChw8c") : "plain + Relu",
           t * 1e3, flop / t * 1e-9);
    k.n.def->release(&k.n);
    nn_free(&Xf); nn_free(&Y);
  }
  for (int r = 0; r < 3; r++) {
    double t = time_raw(&X, &W, G, threads, reps, r == 2 ? dnnl_acdb : r ? dnnl_format_tag_any : nn_block_size() == 16 ? dnnl_nChw16c : dnnl_nChw8c);
    printf(" %8.3f ms  %6.1f GFLOP/s  (%s)\n", t * 1e3, flop / t * 1e-9, r == 2 ? "nhwc" : r ? "layouts its choice" : "blocked");
  }
  nn_free(&X); nn_free(&W); nn_free(&B);
}

int main (int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "check") == 0) {
    int n = argc > 2 ? atoi(argv[2]) : 300, bad = 0;
    for (int i = 0; i < n; i++) bad += !check_one(i);
    for (int i = 0; i < n; i++) bad += !check_mm(i);
    for (int i = 0; i < n; i++) bad += !check_pool(i);
    for (int i = 0; i < n; i++) bad += !check_norm(i);
    for (int i = 0; i < n; i++) bad += !check_concat(i);
    n *= 5;
    printf("%d of %d cases passed\n", n - bad, n);
    return bad != 0;
  }
  if (argc > 5 && strcmp(argv[1], "shape") == 0) {   /* shape C M HW G [threads] */
    int64_t C = atoll(argv[2]), M = atoll(argv[3]), HW = atoll(argv[4]), G = atoll(argv[5]);
    char title[128];
    snprintf(title, sizeof title, "Conv %lld->%lld 3x3 group %lld on 1x%lldx%lldx%lld", (long long)C, (long long)M,
             (long long)G, (long long)C, (long long)HW, (long long)HW);
    bench_conv(title, C, M, G, HW, argc > 6 ? atoi(argv[6]) : 1, 15);
    return 0;
  }
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  bench_conv("Conv 64->64 3x3 pad 1 on 1x64x256x256", 64, 64, 1, 256, threads, 9);
  bench_conv("Conv 96 depthwise 3x3 pad 1 on 1x96x128x128", 96, 96, 96, 128, threads, 21);
  return 0;
}

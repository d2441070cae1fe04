/* dnnl_common.c — the oneDNN engine and stream, tensor descriptors,
** post-ops (in oneDNN, or in C for what it cannot fuse), and DnPrim.
**
** Threads: Debian's oneDNN runs on OpenMP (libgomp). The count is the
** calling thread's OpenMP setting, so dn_threads() sets it through the
** omp_set_num_threads of the OpenMP runtime libdnnl itself links (found
** with dlsym), which stays right when this module is built by a compiler
** whose -fopenmp means another runtime. */
#define _GNU_SOURCE     /* dladdr */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dnnl_debug.h>

#include "core/segk.h"
#include "nn/dnnl_internal.h"
#include "nn/nn_vmath.h"

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static void (*set_threads) (int);
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init (void) {
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) {
    engine = NULL;
    return;
  }
  if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
    dnnl_engine_destroy(engine);
    engine = NULL;
    stream = NULL;
  }
  void *sym = NULL;
  Dl_info info;
  if (dladdr((void *)dnnl_engine_create, &info) && info.dli_fname) {
    void *h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (h) {
      sym = dlsym(h, "omp_set_num_threads");
      dlclose(h);
    }
  }
  if (!sym) sym = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  memcpy(&set_threads, &sym, sizeof sym);
}

dnnl_engine_t dn_engine (void) {
  pthread_once(&once, init);
  return engine;
}

dnnl_stream_t dn_stream (void) {
  pthread_once(&once, init);
  return stream;
}

void dn_threads (int n) {
  pthread_once(&once, init);
  if (set_threads) set_threads(n < 1 ? 1 : n);
}

int dn_eltwise_f32 (dnnl_alg_kind_t alg, const float *x, float *y, int64_t n, int threads) {
  if (!dn_engine()) return -1;
  dn_threads(threads);
  dnnl_dims_t d = {n};
  dnnl_memory_desc_t md;
  dnnl_eltwise_desc_t ed;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_t p = NULL;
  dnnl_memory_t mx = NULL, my = NULL;
  int rc = -1;
  if (dnnl_memory_desc_init_by_tag(&md, 1, d, dnnl_f32, dnnl_a) == dnnl_success &&
      dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, alg, &md, 0.f, 0.f) == dnnl_success &&
      dnnl_primitive_desc_create(&pd, &ed, NULL, dn_engine(), NULL) == dnnl_success &&
      dnnl_primitive_create(&p, pd) == dnnl_success &&
      dnnl_memory_create(&mx, &md, dn_engine(), (void *)x) == dnnl_success &&
      dnnl_memory_create(&my, &md, dn_engine(), y) == dnnl_success) {
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}};
    if (dnnl_primitive_execute(p, dn_stream(), 2, args) == dnnl_success &&
        dnnl_stream_wait(dn_stream()) == dnnl_success)
      rc = 0;
  }
  if (mx) dnnl_memory_destroy(mx);
  if (my) dnnl_memory_destroy(my);
  if (p) dnnl_primitive_destroy(p);
  if (pd) dnnl_primitive_desc_destroy(pd);
  return rc;
}

int dn_fail (NnCtx *c, const NnNode *n, const char *what, dnnl_status_t st) {
  if (!dn_engine()) return nn_fail(c, n, "oneDNN: no CPU engine");
  return nn_fail(c, n, "oneDNN %s: %s", what, dnnl_status2str(st));
}

const char *dn_impl (const_dnnl_primitive_desc_t pd) {
  const char *s = NULL;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s) != dnnl_success || !s) return "";
  return s;
}

int dn_impl_slow (const_dnnl_primitive_desc_t pd) {
  return strncmp(dn_impl(pd), "ref", 3) == 0;
}

dnnl_data_type_t dn_dt (int type) {
  switch (type) {
    case NN_F32: return dnnl_f32;
    case NN_U8: return dnnl_u8;
    case NN_I8: return dnnl_s8;
    case NN_I32: return dnnl_s32;
    default: return dnnl_data_type_undef;
  }
}

int dn_md_plain (dnnl_memory_desc_t *md, int rank, const int64_t *dims, const int64_t *strides,
                 dnnl_data_type_t dt) {
  dnnl_dims_t d, s;
  if (rank > DNNL_MAX_NDIMS) return -1;
  if (rank == 0) {                        /* a scalar: one element */
    d[0] = 1;
    s[0] = 1;
    rank = 1;
  } else {
    int64_t acc = 1;
    for (int i = rank - 1; i >= 0; i--) {
      d[i] = dims[i];
      s[i] = strides ? strides[i] : acc;
      acc *= dims[i] > 0 ? dims[i] : 1;
    }
  }
  return dnnl_memory_desc_init_by_strides(md, rank, d, dt, s) != dnnl_success;
}

int dn_md_any (dnnl_memory_desc_t *md, int rank, const int64_t *dims, dnnl_data_type_t dt) {
  dnnl_dims_t d;
  if (rank < 1 || rank > DNNL_MAX_NDIMS) return -1;
  for (int i = 0; i < rank; i++) d[i] = dims[i];
  return dnnl_memory_desc_init_by_tag(md, rank, d, dt, dnnl_format_tag_any) != dnnl_success;
}

int dn_md (const NnTensor *t, int rank, const int64_t *dims, dnnl_memory_desc_t *md) {
  dnnl_data_type_t dt = dn_dt(t->type);
  if (dt == dnnl_data_type_undef) return -1;
  if (t->fmt != NN_PLAIN) {
    if (t->rank != 4 || rank > 0) return -1;
    dnnl_dims_t d = {t->dims[0], t->dims[1], t->dims[2], t->dims[3]};
    dnnl_format_tag_t tag = t->fmt == NN_BLOCK16 ? dnnl_nChw16c : t->fmt == NN_BLOCK8 ? dnnl_nChw8c : dnnl_acdb;
    return dnnl_memory_desc_init_by_tag(md, 4, d, dt, tag) != dnnl_success;
  }
  if (rank > 0) return dn_md_plain(md, rank, dims, NULL, dt);
  return dn_md_plain(md, t->rank, t->dims, NULL, dt);
}

/* ---------- post-ops ---------- */

/* oneDNN's eltwise post-ops for one of ours: 1 or 2 of (alg, alpha, beta). */
static int eltwise_of (const NnPost *p, dnnl_alg_kind_t *alg, float *alpha, float *beta) {
  alpha[0] = beta[0] = 0.f;
  switch (p->kind) {
    case NN_POST_RELU: alg[0] = dnnl_eltwise_relu; return 1;
    case NN_POST_LEAKY: alg[0] = dnnl_eltwise_relu; alpha[0] = p->alpha; return 1;
    case NN_POST_CLIP: alg[0] = dnnl_eltwise_clip; alpha[0] = p->alpha; beta[0] = p->beta; return 1;
    case NN_POST_SIGMOID: alg[0] = dnnl_eltwise_logistic; return 1;
    case NN_POST_TANH: alg[0] = dnnl_eltwise_tanh; return 1;
    case NN_POST_HARDSWISH: alg[0] = dnnl_eltwise_hardswish; return 1;
    case NN_POST_HARDSIGMOID:             /* max(0, min(1, alpha x + beta)) */
      alg[0] = dnnl_eltwise_linear; alpha[0] = p->alpha; beta[0] = p->beta;
      alg[1] = dnnl_eltwise_clip; alpha[1] = 0.f; beta[1] = 1.f;
      return 2;
    case NN_POST_ELU: alg[0] = dnnl_eltwise_elu; alpha[0] = p->alpha; return 1;
    case NN_POST_GELU_ERF: alg[0] = dnnl_eltwise_gelu_erf; return 1;
    case NN_POST_LINEAR: alg[0] = dnnl_eltwise_linear; alpha[0] = p->alpha; beta[0] = p->beta; return 1;
    default: return 0;
  }
}

/* oneDNN 2.6's JIT kernels compute a chain holding one eltwise kind twice
** with different parameters wrongly (LeakyRelu then Relu, two Clips): such
** a chain stops before the second, the rest going to C. */
int dn_posts (const NnNode *n, dnnl_primitive_attr_t attr, int sum_used, int *sum) {
  dnnl_post_ops_t po;
  dnnl_alg_kind_t seen[2 * NN_MAXPOST], alg[2];
  float sa[2 * NN_MAXPOST], sb[2 * NN_MAXPOST], alpha[2], beta[2];
  int nseen = 0;
  *sum = -1;
  if (n->npost == 0) return 0;
  if (dnnl_post_ops_create(&po) != dnnl_success) return 0;
  int k;
  for (k = 0; k < n->npost; k++) {
    const NnPost *p = &n->post[k];
    if (p->kind == NN_POST_SUM) {
      if (sum_used || *sum >= 0 || dnnl_post_ops_append_sum(po, 1.f) != dnnl_success) break;
      *sum = 0;
      continue;
    }
    int m = eltwise_of(p, alg, alpha, beta), clash = m == 0;
    for (int i = 0; i < m; i++)
      for (int j = 0; j < nseen; j++)
        if (seen[j] == alg[i] && (sa[j] != alpha[i] || sb[j] != beta[i])) clash = 1;
    if (clash) break;
    int okk = 1;
    for (int i = 0; i < m && okk; i++) {
      okk = dnnl_post_ops_append_eltwise(po, 1.f, alg[i], alpha[i], beta[i]) == dnnl_success;
      seen[nseen] = alg[i];
      sa[nseen] = alpha[i];
      sb[nseen++] = beta[i];
    }
    if (!okk) {                           /* cannot happen for known kinds */
      k = 0;
      *sum = -1;
      dnnl_post_ops_destroy(po);
      return 0;
    }
  }
  if (dnnl_primitive_attr_set_post_ops(attr, po) != dnnl_success) {
    k = 0;
    *sum = -1;
  }
  dnnl_post_ops_destroy(po);
  return k;
}

const NnTensor *dn_sum_operand (const NnNode *n, NnTensor **in, int j) {
  return in[n->nin + j];
}

/* One eltwise post over y[0..n), a loop per kind so that each vectorizes
** (exp, tanh, erf from nn_vmath.h). */
static inline void post_apply (const NnPost *p, float *restrict y, int64_t n) {
  const float a = p->alpha, b = p->beta;
  switch (p->kind) {
    case NN_POST_RELU:
      for (int64_t i = 0; i < n; i++) y[i] = y[i] > 0 ? y[i] : 0;
      break;
    case NN_POST_LEAKY:
      for (int64_t i = 0; i < n; i++) y[i] = y[i] >= 0 ? y[i] : a * y[i];
      break;
    case NN_POST_CLIP:
      for (int64_t i = 0; i < n; i++) y[i] = y[i] < a ? a : y[i] > b ? b : y[i];
      break;
    case NN_POST_SIGMOID:
      for (int64_t i = 0; i < n; i++) y[i] = 1.f / (1.f + nn_expf(-y[i]));
      break;
    case NN_POST_TANH:
      for (int64_t i = 0; i < n; i++) y[i] = nn_tanhf(y[i]);
      break;
    case NN_POST_HARDSWISH:
      for (int64_t i = 0; i < n; i++) {
        float h = y[i] / 6.f + 0.5f;
        y[i] *= h < 0 ? 0 : h > 1 ? 1 : h;
      }
      break;
    case NN_POST_HARDSIGMOID:
      for (int64_t i = 0; i < n; i++) {
        float h = a * y[i] + b;
        y[i] = h < 0 ? 0 : h > 1 ? 1 : h;
      }
      break;
    case NN_POST_ELU:
      for (int64_t i = 0; i < n; i++) y[i] = y[i] >= 0 ? y[i] : a * (nn_expf(y[i]) - 1.f);
      break;
    case NN_POST_GELU_ERF:
      for (int64_t i = 0; i < n; i++) y[i] = 0.5f * y[i] * (1.f + nn_erff(y[i] * 0.70710678118654752f));
      break;
    case NN_POST_LINEAR:
      for (int64_t i = 0; i < n; i++) y[i] = a * y[i] + b;
      break;
    default:
      break;
  }
}

typedef struct Tail {
  NnNode *n;
  NnTensor *y;
  const float *bias;
  const float *sum[NN_MAXPOST];   /* SUM operands, in y's layout */
  int k0, fmt;
  int64_t C, sp, units, len;      /* units of len floats: planes, blocks of sp * fmt, or
                                  ** NHWC rows of sp pixels * C */
  int64_t total;                  /* floats in y */
} Tail;

/* Units [b, e): bias, then each post in turn over pieces small enough to
** stay in L1; lanes of padded channels back to zero. */
SEG_CLONES static void tail_units (void *arg, int b, int e) {
  const Tail *t = arg;
  float *y = t->y->data;
  enum { PIECE = 2048 };
  /* NHWC: pieces of whole pixels, so that each starts at channel 0 */
  const int64_t piece = t->fmt != NN_NHWC ? PIECE : t->C >= PIECE ? t->C : PIECE / t->C * t->C;
  for (int u = b; u < e; u++) {
    int64_t base = (int64_t)u * t->len, ulen = t->total - base < t->len ? t->total - base : t->len;
    for (int64_t off = 0; off < ulen; off += piece) {
      int64_t m = ulen - off < piece ? ulen - off : piece;
      float *restrict p = y + base + off;
      if (t->bias) {
        if (t->fmt == NN_PLAIN) {
          float bv = t->bias[u % t->C];
          for (int64_t i = 0; i < m; i++) p[i] += bv;
        } else if (t->fmt == NN_NHWC) {
          const float *restrict bb = t->bias;
          for (int64_t i = 0; i < m; i += t->C)
            for (int64_t l = 0; l < t->C; l++) p[i + l] += bb[l];
        } else {                          /* pieces start at lane 0 */
          int64_t bs = t->fmt, c0 = (u % ((t->C + bs - 1) / bs)) * bs;
          float lane[16];
          for (int64_t l = 0; l < bs; l++) lane[l] = c0 + l < t->C ? t->bias[c0 + l] : 0.f;
          for (int64_t i = 0; i < m; i += bs)
            for (int64_t l = 0; l < bs; l++) p[i + l] += lane[l];
        }
      }
      for (int k = t->k0, j = 0; k < t->n->npost; k++) {
        const NnPost *q = &t->n->post[k];
        if (q->kind == NN_POST_SUM) {
          const float *restrict s = t->sum[j++] + base + off;
          for (int64_t i = 0; i < m; i++) p[i] += s[i];
        } else {
          post_apply(q, p, m);
        }
      }
    }
    if ((t->fmt == NN_BLOCK8 || t->fmt == NN_BLOCK16) && t->C % t->fmt) {
      int64_t bs = t->fmt, CB = (t->C + bs - 1) / bs;
      if (u % CB == CB - 1)
        for (int64_t i = 0; i < t->sp; i++)
          for (int64_t l = t->C % bs; l < bs; l++) y[base + i * bs + l] = 0;
    }
  }
}

int dn_posts_tail (NnNode *n, NnTensor **in, NnTensor *out, int k0, const float *bias, NnCtx *c) {
  if (k0 >= n->npost && !bias) return NN_OK;
  if (out->type != NN_F32) return nn_fail(c, n, "fused activations need float32");
  Tail t;
  memset(&t, 0, sizeof t);
  t.n = n;
  t.y = out;
  t.bias = bias;
  t.k0 = k0;
  t.fmt = out->fmt;
  int64_t N = out->rank > 0 ? out->dims[0] : 1;
  t.C = out->rank > 1 ? out->dims[1] : 1;
  t.sp = nn_numel(out) / (N * t.C > 0 ? N * t.C : 1);
  if (t.fmt == NN_PLAIN) {
    t.units = N * t.C;
    t.len = t.sp;
    if (!bias) {                       /* no channels involved: even pieces */
      t.len = 16384;
      t.units = (nn_numel(out) + t.len - 1) / t.len;
    }
  } else if (t.fmt == NN_NHWC) {       /* rows of pixels: N * H units */
    int64_t H = out->dims[2], W = out->dims[3];
    t.units = N * H;
    t.len = W * t.C;
    t.sp = W;
  } else {
    t.units = N * ((t.C + t.fmt - 1) / t.fmt);
    t.len = t.sp * t.fmt;
  }
  t.total = (int64_t)(nn_bytes(out) / sizeof(float));
  if (nn_numel(out) == 0) return NN_OK;
  NnTensor tmp[NN_MAXPOST];
  int ntmp = 0, j = 0, rc = NN_OK;
  for (int k = 0; k < k0; k++) j += n->post[k].kind == NN_POST_SUM;
  for (int k = k0, q = 0; k < n->npost && rc == NN_OK; k++) {
    if (n->post[k].kind != NN_POST_SUM) continue;
    const NnTensor *s = dn_sum_operand(n, in, j++);
    if (!s || s->type != NN_F32 || !nn_sameshape(s, out)) {
      rc = nn_fail(c, n, "fused Add operand does not match");
      break;
    }
    t.sum[q] = s->data;
    if (s->fmt != out->fmt) {          /* into out's layout first */
      tmp[ntmp] = *s;
      tmp[ntmp].fmt = out->fmt;
      tmp[ntmp].data = NULL;
      tmp[ntmp].cap = 0;
      if (nn_alloc(&tmp[ntmp]) != 0) {
        rc = nn_fail(c, n, "not enough memory");
        break;
      }
      nn_reformat(s, &tmp[ntmp], c->threads);
      t.sum[q] = tmp[ntmp++].data;
    }
    q++;
  }
  if (rc == NN_OK && t.units <= INT32_MAX)
    seg_parallel_for(c->threads, (int)t.units, 1 + (int)(65536 / (t.len + 1)), tail_units, &t);
  else if (rc == NN_OK)
    rc = nn_fail(c, n, "tensor too large");
  for (int i = 0; i < ntmp; i++) nn_free(&tmp[i]);
  return rc;
}

/* ---------- DnPrim ---------- */

dnnl_status_t dn_prim (DnPrim *p, const_dnnl_primitive_desc_t pd) {
  return dnnl_primitive_create(&p->prim, pd);
}

static dnnl_status_t make_reorder (dnnl_primitive_t *r, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to) {
  dnnl_primitive_desc_t rpd;
  dnnl_engine_t e = dn_engine();
  dnnl_status_t st = dnnl_reorder_primitive_desc_create(&rpd, from, e, to, e, NULL);
  if (st != dnnl_success) return st;
  st = dnnl_primitive_create(r, rpd);
  dnnl_primitive_desc_destroy(rpd);
  return st;
}

dnnl_status_t dn_bind (DnPrim *p, const_dnnl_primitive_desc_t pd, int arg, const dnnl_memory_desc_t *umd,
                       int flags) {
  if (p->nargs == DN_MAXARG) return dnnl_invalid_arguments;
  const dnnl_memory_desc_t *pmd = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
  if (!pmd) return dnnl_invalid_arguments;
  if (!umd) umd = pmd;
  DnArg *a = &p->a[p->nargs++];
  memset(a, 0, sizeof *a);
  a->arg = arg;
  a->flags = flags;
  dnnl_engine_t e = dn_engine();
  dnnl_status_t st = dnnl_memory_create(&a->um, umd, e, DNNL_MEMORY_NONE);
  if (st != dnnl_success || dnnl_memory_desc_equal(umd, pmd)) return st;
  st = dnnl_memory_create(&a->pm, pmd, e, DNNL_MEMORY_ALLOCATE);
  if (st != dnnl_success) return st;
  return (flags & DN_OUT) ? make_reorder(&a->reo, pmd, umd) : make_reorder(&a->reo, umd, pmd);
}

static dnnl_status_t run_reorder (dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to) {
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
  return dnnl_primitive_execute(r, dn_stream(), 2, args);
}

/* Copies the SUM operand into the memory the primitive writes dst to. */
static dnnl_status_t fill_dst (DnPrim *p, dnnl_memory_t dst, const dnnl_memory_desc_t *smd, const void *sum) {
  const dnnl_memory_desc_t *dmd;
  void *d;
  dnnl_status_t st = dnnl_memory_get_memory_desc(dst, &dmd);
  if (st == dnnl_success) st = dnnl_memory_get_data_handle(dst, &d);
  if (st != dnnl_success) return st;
  if (dnnl_memory_desc_equal(smd, dmd)) {
    memcpy(d, sum, dnnl_memory_desc_get_size(dmd));
    return dnnl_success;
  }
  if (!p->sreo || !dnnl_memory_desc_equal(smd, &p->smd)) {
    if (p->sreo) dnnl_primitive_destroy(p->sreo);
    if (p->sm) dnnl_memory_destroy(p->sm);
    p->sreo = NULL;
    p->sm = NULL;
    p->smd = *smd;
    st = dnnl_memory_create(&p->sm, smd, dn_engine(), DNNL_MEMORY_NONE);
    if (st == dnnl_success) st = make_reorder(&p->sreo, smd, dmd);
    if (st != dnnl_success) return st;
  }
  st = dnnl_memory_set_data_handle(p->sm, (void *)sum);
  return st ? st : run_reorder(p->sreo, p->sm, dst);
}

dnnl_status_t dn_exec (DnPrim *p, void *const *data, const dnnl_memory_desc_t *sum_md, const void *sum) {
  dnnl_exec_arg_t args[DN_MAXARG];
  dnnl_status_t st = dnnl_success;
  int dst = -1;
  for (int i = 0; i < p->nargs && st == dnnl_success; i++) {
    DnArg *a = &p->a[i];
    args[i].arg = a->arg;
    args[i].memory = a->pm ? a->pm : a->um;
    if (a->arg == DNNL_ARG_DST) dst = i;
    if ((a->flags & DN_KEEP) && a->pm && a->kept == data[i]) continue;
    st = dnnl_memory_set_data_handle(a->um, data[i]);
  }
  if (st == dnnl_success && sum) {
    if (dst < 0) return dnnl_invalid_arguments;
    st = fill_dst(p, args[dst].memory, sum_md, sum);
  }
  for (int i = 0; i < p->nargs && st == dnnl_success; i++) {
    DnArg *a = &p->a[i];
    if (!a->reo || (a->flags & DN_OUT)) continue;
    if ((a->flags & DN_KEEP) && a->kept == data[i]) continue;
    st = run_reorder(a->reo, a->um, a->pm);
    a->kept = (a->flags & DN_KEEP) && st == dnnl_success ? data[i] : NULL;
  }
  if (st == dnnl_success) st = dnnl_primitive_execute(p->prim, dn_stream(), p->nargs, args);
  for (int i = 0; i < p->nargs && st == dnnl_success; i++)
    if (p->a[i].reo && (p->a[i].flags & DN_OUT)) st = run_reorder(p->a[i].reo, p->a[i].pm, p->a[i].um);
  dnnl_status_t w = dnnl_stream_wait(dn_stream());
  return st ? st : w;
}

const dnnl_memory_desc_t *dn_user_md (const DnPrim *p, int arg) {
  const dnnl_memory_desc_t *md;
  for (int i = 0; i < p->nargs; i++)
    if (p->a[i].arg == arg && dnnl_memory_get_memory_desc(p->a[i].um, &md) == dnnl_success) return md;
  return NULL;
}

void dn_prim_free (DnPrim *p) {
  if (p->prim) dnnl_primitive_destroy(p->prim);
  for (int i = 0; i < p->nargs; i++) {
    DnArg *a = &p->a[i];
    if (a->reo) dnnl_primitive_destroy(a->reo);
    if (a->pm) dnnl_memory_destroy(a->pm);
    if (a->um) dnnl_memory_destroy(a->um);
  }
  if (p->sreo) dnnl_primitive_destroy(p->sreo);
  if (p->sm) dnnl_memory_destroy(p->sm);
  memset(p, 0, sizeof *p);
}

/* passes.c — load-time rewrites: constant folding, BatchNormalization and
** per-channel constant Mul / Add / Sub / Div into the Conv before them, the
** decomposed HardSwish exporters write (x * Clip(x + 3, 0, 6) / 6) back
** into one node, activations, scalar affine maps and residual adds fused into the
** convolution or matrix product before them (as oneDNN post-ops), dead
** nodes removed. Each pass keeps the graph valid: values keep one producer,
** nodes stay in topological order (re-sorted after a fused add, which
** gives the convolution a new input). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_internal.h"

int nn_eval_node (NnGraph *g, NnNode *n, NnCtx *c) {
  NnTensor *in[64], *out[64], dummy[64];
  int nr = nn_node_nreads(n);
  if (nr > 64 || n->nout > 64) return nn_fail(c, n, "too many inputs or outputs");
  for (int k = 0; k < nr; k++) in[k] = n->in[k] >= 0 ? &g->values[n->in[k]].t : NULL;
  memset(dummy, 0, sizeof dummy);
  for (int k = 0; k < n->nout; k++) out[k] = n->out[k] >= 0 ? &g->values[n->out[k]].t : &dummy[k];
  int rc = n->def->infer(n, in, out, c);
  if (rc == NN_DYNAMIC) rc = nn_fail(c, n, "output shape unknown although every input is known");
  for (int k = 0; rc == NN_OK && k < n->nout; k++) {
    out[k]->fmt = NN_PLAIN;
    if (nn_alloc(out[k]) != 0) rc = nn_fail(c, n, "not enough memory");
  }
  if (rc == NN_OK) rc = n->def->run(n, in, out, c);
  for (int k = 0; k < n->nout; k++) nn_free(&dummy[k]);
  return rc;
}

static int all_const (const NnGraph *g, const NnNode *n) {
  int nr = nn_node_nreads(n);
  for (int k = 0; k < nr; k++)
    if (n->in[k] >= 0 && !g->values[n->in[k]].is_const) return 0;
  return 1;
}

/* Folds every pure node whose inputs are all constant (Constant nodes
** included: they have no inputs). */
static int fold_constants (NnGraph *g, NnCtx *c) {
  for (int i = 0; i < g->nnodes; i++) {
    NnNode *n = &g->nodes[i];
    if (n->dead || !(n->def->flags & NN_F_PURE) || !all_const(g, n)) continue;
    if (nn_eval_node(g, n, c) != NN_OK) return -1;
    for (int k = 0; k < n->nout; k++)
      if (n->out[k] >= 0) g->values[n->out[k]].is_const = 1;
    n->dead = 1;
  }
  return 0;
}

static int only_consumer (const NnGraph *g, int v, int *who) {
  if (v < 0 || g->values[v].is_output || g->values[v].nuse != 1) return 0;
  for (int j = 0; j < g->nnodes; j++) {
    const NnNode *n = &g->nodes[j];
    if (n->dead) continue;
    int r = nn_node_nreads(n);
    for (int k = 0; k < r; k++)
      if (n->in[k] == v) { *who = j; return 1; }
  }
  return 0;
}

static const NnTensor *const_in (const NnGraph *g, const NnNode *n, int k) {
  if (k >= n->nin || n->in[k] < 0 || !g->values[n->in[k]].is_const) return NULL;
  const NnTensor *t = &g->values[n->in[k]].t;
  return t->type == NN_F32 ? t : NULL;
}

/* A new constant value holding a copy of t's shape, data uninitialised. */
static int new_const (NnGraph *g, const char *base, const char *tag, const NnTensor *like) {
  char name[512];
  for (int k = 0;; k++) {
    snprintf(name, sizeof name, "%s/%s%d", base, tag, k);
    if (nn_value_id(g, name, 0) < 0) break;
  }
  int v = nn_value_id(g, name, 1);
  if (v < 0) return -1;
  NnValue *val = &g->values[v];
  nn_setshape(&val->t, NN_F32, like->rank, like->dims);
  if (nn_alloc(&val->t) != 0) return -1;
  val->is_const = 1;
  return v;
}

/* w2 = W with output channel o scaled by f[o]: W is M x C/group x k... for
** a Conv, C x M/group x k... for a ConvTranspose (tr). */
static void scale_out_channels (const NnTensor *W, int tr, int64_t group, const float *f, float *w2) {
  const float *w = W->data;
  if (!tr) {
    int64_t M = W->dims[0], per = nn_numel(W) / M;
    for (int64_t o = 0; o < M; o++)
      for (int64_t q = 0; q < per; q++) w2[o * per + q] = w[o * per + q] * f[o];
    return;
  }
  int64_t C = W->dims[0], mg = W->dims[1], cg = C / group, k = nn_numel(W) / (C * mg);
  for (int64_t ci = 0; ci < C; ci++)
    for (int64_t oc = 0; oc < mg; oc++) {
      float fo = f[ci / cg * mg + oc];
      for (int64_t q = 0; q < k; q++) w2[(ci * mg + oc) * k + q] = w[(ci * mg + oc) * k + q] * fo;
    }
}

/* Output channels of a Conv / ConvTranspose with weights W, or -1 when the
** group does not divide them. */
static int64_t out_channels (const NnNode *cv, const NnTensor *W, int tr) {
  int64_t group = nn_attr_int(cv, "group", 1);
  if (group < 1 || W->dims[0] % group) return -1;
  return tr ? W->dims[1] * group : W->dims[0];
}

/* Conv or ConvTranspose (constant W, B) -> BatchNormalization (constant
** params): scale W and shift B per output channel; the BN node dies. */
static int fold_batchnorm (NnGraph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    NnNode *cv = &g->nodes[i];
    int j;
    if (cv->dead || cv->npost || cv->nout != 1) continue;
    int tr = strcmp(cv->op, "ConvTranspose") == 0;
    if (!tr && strcmp(cv->op, "Conv") != 0) continue;
    if (!only_consumer(g, cv->out[0], &j)) continue;
    NnNode *bn = &g->nodes[j];
    if (strcmp(bn->op, "BatchNormalization") != 0 || bn->nin != 5 || bn->in[0] != cv->out[0]) continue;
    if (nn_attr_int(bn, "training_mode", 0)) continue;
    int extra = 0;
    for (int k = 1; k < bn->nout; k++) extra |= bn->out[k] >= 0;
    if (extra) continue;
    const NnTensor *W = const_in(g, cv, 1), *B = cv->nin > 2 ? const_in(g, cv, 2) : NULL;
    if (!W || W->rank < 3 || (cv->nin > 2 && cv->in[2] >= 0 && !B)) continue;
    const NnTensor *sc = const_in(g, bn, 1), *bi = const_in(g, bn, 2), *mu = const_in(g, bn, 3), *var = const_in(g, bn, 4);
    /* output channels: W is M x C/group x k... for Conv, C x M/group x k... for ConvTranspose */
    int64_t group = nn_attr_int(cv, "group", 1), M = out_channels(cv, W, tr);
    if (M < 0) continue;
    if (!sc || !bi || !mu || !var || nn_numel(sc) != M || nn_numel(bi) != M || nn_numel(mu) != M || nn_numel(var) != M)
      continue;
    if (B && nn_numel(B) != M) continue;
    float eps = nn_attr_float(bn, "epsilon", 1e-5f);
    int nw = new_const(g, g->values[cv->in[1]].name, "bnfold", W);
    if (nw < 0) return -1;
    int64_t bdims[1] = {M};
    NnTensor like = {0};
    nn_setshape(&like, NN_F32, 1, bdims);
    int nb = new_const(g, g->values[cv->in[1]].name, "bnbias", &like);
    if (nb < 0) return -1;
    /* values may have moved (realloc): re-fetch everything */
    cv = &g->nodes[i];
    bn = &g->nodes[j];
    W = &g->values[cv->in[1]].t;
    B = (cv->nin > 2 && cv->in[2] >= 0) ? &g->values[cv->in[2]].t : NULL;
    sc = &g->values[bn->in[1]].t; bi = &g->values[bn->in[2]].t;
    mu = &g->values[bn->in[3]].t; var = &g->values[bn->in[4]].t;
    float *w2 = g->values[nw].t.data, *b2 = g->values[nb].t.data;
    const float *s = sc->data, *bb = bi->data, *m = mu->data, *vv = var->data;
    float *f = malloc((size_t)M * sizeof(float));
    if (!f) return -1;
    for (int64_t o = 0; o < M; o++) {
      f[o] = s[o] / sqrtf(vv[o] + eps);
      float b0 = B ? ((const float *)B->data)[o] : 0.f;
      b2[o] = (b0 - m[o]) * f[o] + bb[o];
    }
    scale_out_channels(W, tr, group, f, w2);
    free(f);
    cv->in[1] = nw;
    cv->in[2] = nb;
    if (cv->nin < 3) cv->nin = 3;
    cv->out[0] = bn->out[0];
    bn->dead = 1;
    nn_recount(g);
  }
  return 0;
}

/* Whether constant c, broadcast against a Conv output of rank r with M
** channels, is one value per channel (*per = 1) or one for all (*per = 0)
** without changing the output's shape. */
static int channel_const (const NnTensor *c, int64_t M, int r, int *per) {
  if (!c || c->rank > r) return 0;
  int64_t n = nn_numel(c);
  if (n == 1) { *per = 0; return 1; }
  if (n != M) return 0;
  for (int i = 0; i < c->rank; i++)
    if (c->dims[i] != 1 && r - c->rank + i != 1) return 0;
  *per = 1;
  return 1;
}

/* Conv or ConvTranspose (constant W, B) -> Mul / Add / Sub / Div by a constant that is one
** value per output channel or one for all: scale W and B, or shift B; the
** arithmetic node dies. Repeats, so Mul then Add both go (the scale and
** shift exporters write for a BatchNormalization they unrolled). */
static int fold_affine (NnGraph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    for (;;) {
      NnNode *cv = &g->nodes[i];
      int j;
      if (cv->dead || cv->npost || cv->nout != 1) break;
      int tr = strcmp(cv->op, "ConvTranspose") == 0;
      if (!tr && strcmp(cv->op, "Conv") != 0) break;
      if (!only_consumer(g, cv->out[0], &j)) break;
      NnNode *a = &g->nodes[j];
      const char *op = a->op;
      int mul = strcmp(op, "Mul") == 0, add = strcmp(op, "Add") == 0, sub = strcmp(op, "Sub") == 0,
          dv = strcmp(op, "Div") == 0;
      if (!(mul || add || sub || dv) || a->nin != 2 || a->nout != 1 || (a->in[0] == cv->out[0]) == (a->in[1] == cv->out[0]))
        break;
      int k = a->in[0] == cv->out[0] ? 1 : 0;   /* the constant's side */
      if (dv && k != 1) break;
      const NnTensor *W = const_in(g, cv, 1), *B = cv->nin > 2 ? const_in(g, cv, 2) : NULL, *C = const_in(g, a, k);
      if (!W || W->rank < 3 || (cv->nin > 2 && cv->in[2] >= 0 && !B)) break;
      int64_t group = nn_attr_int(cv, "group", 1), M = out_channels(cv, W, tr);
      int per;
      if (M < 0 || !C || !channel_const(C, M, W->rank, &per) || (B && nn_numel(B) != M)) break;
      int scale = mul || dv || (sub && k == 0);
      int nw = -1;
      if (scale && (nw = new_const(g, g->values[cv->in[1]].name, "affine", W)) < 0) return -1;
      int64_t bdims[1] = {M};
      NnTensor like = {0};
      nn_setshape(&like, NN_F32, 1, bdims);
      int nb = new_const(g, g->values[cv->in[1]].name, "affbias", &like);
      if (nb < 0) return -1;
      cv = &g->nodes[i];   /* values may have moved (realloc) */
      a = &g->nodes[j];
      W = &g->values[cv->in[1]].t;
      B = (cv->nin > 2 && cv->in[2] >= 0) ? &g->values[cv->in[2]].t : NULL;
      C = &g->values[a->in[k]].t;
      const float *cc = C->data;
      float *b2 = g->values[nb].t.data, *f = malloc((size_t)M * sizeof(float));
      if (!f) return -1;
      for (int64_t o = 0; o < M; o++) {
        float c = cc[per ? o : 0], b = B ? ((const float *)B->data)[o] : 0.f;
        f[o] = 1.f;
        if (mul) f[o] = c, b *= c;
        else if (dv) f[o] = 1.f / c, b /= c;
        else if (add) b += c;
        else if (k == 1) b -= c;
        else f[o] = -1.f, b = c - b;
        b2[o] = b;
      }
      if (scale) scale_out_channels(W, tr, group, f, g->values[nw].t.data);
      free(f);
      if (scale) cv->in[1] = nw;
      cv->in[2] = nb;
      if (cv->nin < 3) cv->nin = 3;
      cv->out[0] = a->out[0];
      a->dead = 1;
      nn_recount(g);
    }
  }
  return 0;
}

/* Whether operand k of n is the f32 scalar constant v. */
static int is_scalar (const NnGraph *g, const NnNode *n, int k, float v) {
  const NnTensor *t = k < n->nin ? const_in(g, n, k) : NULL;
  return t && nn_numel(t) == 1 && t->rank <= 1 && fabsf(*(const float *)t->data - v) <= 1e-6f * fabsf(v);
}

/* The node reading value v, when it is v's only reader: its index or -1. */
static int next_of (const NnGraph *g, int v) {
  int j;
  return only_consumer(g, v, &j) ? j : -1;
}

/* x * Clip(x + 3, 0, 6) / 6 (or * 1/6), as exporters unroll HardSwish:
** the Add becomes a HardSwish of x, the rest dies. */
static int fold_hardswish (NnGraph *g) {
  const NnOp *hs = nn_find_op("HardSwish");
  if (!hs) return 0;
  for (int i = 0; i < g->nnodes; i++) {
    NnNode *t = &g->nodes[i];
    if (t->dead || strcmp(t->op, "Add") != 0 || t->nin != 2 || t->nout != 1) continue;
    int kx = is_scalar(g, t, 1, 3.f) ? 0 : is_scalar(g, t, 0, 3.f) ? 1 : -1;
    if (kx < 0 || t->in[kx] < 0 || g->values[t->in[kx]].is_const) continue;
    int x = t->in[kx];
    int ic = next_of(g, t->out[0]);
    if (ic < 0) continue;
    NnNode *c = &g->nodes[ic];
    if (strcmp(c->op, "Clip") != 0 || c->in[0] != t->out[0] || c->nout != 1) continue;
    if (c->opset < 11) {
      if (nn_attr_float(c, "min", -1.f) != 0.f || nn_attr_float(c, "max", -1.f) != 6.f) continue;
    } else if (c->nin != 3 || !is_scalar(g, c, 1, 0.f) || !is_scalar(g, c, 2, 6.f)) continue;
    int im = next_of(g, c->out[0]);
    if (im < 0) continue;
    NnNode *m = &g->nodes[im];
    if (strcmp(m->op, "Mul") != 0 || m->nin != 2 || m->nout != 1 ||
        !((m->in[0] == x && m->in[1] == c->out[0]) || (m->in[1] == x && m->in[0] == c->out[0])))
      continue;
    int id = next_of(g, m->out[0]);
    if (id < 0) continue;
    NnNode *d = &g->nodes[id];
    if (d->nin != 2 || d->nout != 1 || d->in[0] != m->out[0] ||
        !((strcmp(d->op, "Div") == 0 && is_scalar(g, d, 1, 6.f)) ||
          (strcmp(d->op, "Mul") == 0 && is_scalar(g, d, 1, 1.f / 6.f))))
      continue;
    char *name = malloc(10);
    if (!name) return -1;
    memcpy(name, "HardSwish", 10);
    free(t->op);
    t->op = name;
    t->def = hs;
    t->nin = 1;
    t->in[0] = x;
    t->out[0] = d->out[0];
    c->dead = m->dead = d->dead = 1;
    nn_recount(g);
  }
  return 0;
}

/* A scalar f32 constant operand k of a, or NULL. */
static const float *scalar_in (const NnGraph *g, const NnNode *a, int k) {
  const NnTensor *t = const_in(g, a, k);
  return t && nn_numel(t) == 1 && t->rank <= 1 ? (const float *)t->data : NULL;
}

/* The post-op node a, reading value v (the output of node n, which it
** would fuse into), becomes: 1, or 0 when it is none. */
static int post_of (const NnGraph *g, const NnNode *n, const NnNode *a, int v, NnPost *p) {
  memset(p, 0, sizeof *p);
  const char *op = a->op;
  if (a->nin < 1) return 0;
  if ((strcmp(op, "Mul") == 0 || strcmp(op, "Add") == 0 || strcmp(op, "Sub") == 0 || strcmp(op, "Div") == 0) &&
      a->nin == 2 && (a->in[0] == v) != (a->in[1] == v)) {
    int k = a->in[0] == v ? 1 : 0;
    const float *c = scalar_in(g, a, k);
    if (!c || !isfinite(*c)) return 0;
    /* a [1] constant turns a rank-0 result (MatMul of two vectors) into rank 1 */
    if (g->values[a->in[k]].t.rank > 0 && strcmp(n->op, "MatMul") == 0) return 0;
    p->kind = NN_POST_LINEAR;
    p->alpha = 1.f;
    if (op[0] == 'M') p->alpha = *c;
    else if (op[0] == 'A') p->beta = *c;
    else if (op[0] == 'S') { if (k == 1) p->beta = -*c; else { p->alpha = -1.f; p->beta = *c; } }
    else { if (k != 1 || *c == 0) return 0; p->alpha = 1.f / *c; }
    return 1;
  }
  if (a->in[0] != v) return 0;
  for (int k = 1; k < a->nin; k++)
    if (a->in[k] == v) return 0;
  if (strcmp(op, "Relu") == 0) p->kind = NN_POST_RELU;
  else if (strcmp(op, "LeakyRelu") == 0) { p->kind = NN_POST_LEAKY; p->alpha = nn_attr_float(a, "alpha", 0.01f); }
  else if (strcmp(op, "Sigmoid") == 0) p->kind = NN_POST_SIGMOID;
  else if (strcmp(op, "Tanh") == 0) p->kind = NN_POST_TANH;
  else if (strcmp(op, "HardSwish") == 0) p->kind = NN_POST_HARDSWISH;
  else if (strcmp(op, "HardSigmoid") == 0) {
    p->kind = NN_POST_HARDSIGMOID;
    p->alpha = nn_attr_float(a, "alpha", 0.2f);
    p->beta = nn_attr_float(a, "beta", 0.5f);
  } else if (strcmp(op, "Elu") == 0) { p->kind = NN_POST_ELU; p->alpha = nn_attr_float(a, "alpha", 1.f); }
  else if (strcmp(op, "Gelu") == 0 && strcmp(nn_attr_str(a, "approximate", "none"), "none") == 0)
    p->kind = NN_POST_GELU_ERF;
  else if (strcmp(op, "Clip") == 0) {
    p->kind = NN_POST_CLIP;
    p->alpha = -INFINITY;
    p->beta = INFINITY;
    if (a->opset < 11) {
      p->alpha = nn_attr_float(a, "min", -INFINITY);
      p->beta = nn_attr_float(a, "max", INFINITY);
    } else {
      for (int k = 1; k < a->nin && k < 3; k++) {
        if (a->in[k] < 0) continue;
        const NnValue *cv = &g->values[a->in[k]];
        if (!cv->is_const || cv->t.type != NN_F32 || nn_numel(&cv->t) != 1) return 0;
        float x = *(const float *)cv->t.data;
        if (k == 1) p->alpha = x; else p->beta = x;
      }
    }
  } else return 0;
  return 1;
}

static int fuse_posts (NnGraph *g) {
  int resort = 0;
  for (int i = 0; i < g->nnodes; i++) {
    NnNode *n = &g->nodes[i];
    if (n->dead || !(n->def->flags & NN_F_POST) || n->nout != 1) continue;
    for (;;) {
      int j;
      n = &g->nodes[i];
      if (n->npost >= NN_MAXPOST || !only_consumer(g, n->out[0], &j)) break;
      NnNode *a = &g->nodes[j];
      NnPost p;
      if (a->nout != 1 || a->out[0] < 0) break;
      if (post_of(g, n, a, n->out[0], &p)) {
        if (p.kind == NN_POST_LINEAR && n->npost && n->post[n->npost - 1].kind == NN_POST_LINEAR) {
          /* two affine maps make one */
          NnPost *q = &n->post[n->npost - 1];
          q->beta = p.alpha * q->beta + p.beta;
          q->alpha *= p.alpha;
          n->out[0] = a->out[0];
          a->dead = 1;
          nn_recount(g);
          continue;
        }
      } else if (strcmp(a->op, "Add") == 0 && a->nin == 2) {
        int other = a->in[0] == n->out[0] ? a->in[1] : a->in[1] == n->out[0] ? a->in[0] : -1;
        if (other < 0 || other == n->out[0] || g->values[other].is_const) break;
        memset(&p, 0, sizeof p);
        p.kind = NN_POST_SUM;
        p.arg = other;
        n->in[nn_node_nreads(n)] = other;
        resort = 1;
      } else break;
      n->post[n->npost++] = p;
      n->out[0] = a->out[0];
      a->dead = 1;
      nn_recount(g);
    }
  }
  return resort;
}

/* Drops nodes whose outputs nobody reads, then compacts the node array. */
static void drop_dead (NnGraph *g) {
  int changed = 1;
  while (changed) {
    changed = 0;
    nn_recount(g);
    for (int i = g->nnodes - 1; i >= 0; i--) {
      NnNode *n = &g->nodes[i];
      if (n->dead) continue;
      int used = 0;
      for (int k = 0; k < n->nout; k++)
        if (n->out[k] >= 0 && g->values[n->out[k]].nuse) used = 1;
      if (!used) { n->dead = 1; changed = 1; }
    }
  }
  int w = 0;
  for (int i = 0; i < g->nnodes; i++) {
    if (g->nodes[i].dead) nn_node_free(&g->nodes[i]);
    else g->nodes[w++] = g->nodes[i];
  }
  g->nnodes = w;
  nn_recount(g);
  /* values nobody reads any more (folded away) free their data */
  for (int v = 0; v < g->nvalues; v++)
    if (g->values[v].is_const && !g->values[v].nuse) nn_free(&g->values[v].t);
}

int nn_passes (NnGraph *g, char *err, size_t errlen) {
  NnCtx c = {1, 0, err, errlen, g};
  nn_recount(g);
  if (fold_constants(g, &c) != 0) return -1;
  nn_recount(g);
  if (getenv("SEG_NN_NOFUSE") == NULL) {
    if (fold_batchnorm(g) != 0 || fold_affine(g) != 0 || fold_batchnorm(g) != 0 || fold_hardswish(g) != 0) {
      snprintf(err, errlen, "not enough memory");
      return -1;
    }
    if (fuse_posts(g)) {
      drop_dead(g);
      if (nn_toposort(g, err, errlen) != 0) return -1;
    }
  }
  drop_dead(g);
  return 0;
}

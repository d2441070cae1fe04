/* passes.c — load-time rewrites: constant folding, BatchNormalization into
** the Conv before it, activations and residual adds fused into the
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

/* Conv or ConvTranspose (constant W, B) -> BatchNormalization (constant
** params): scale W and shift B per output channel; the BN node dies. */
static int fold_batchnorm (NnGraph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    NnNode *cv = &g->nodes[i];
    int j;
    int tr = strcmp(cv->op, "ConvTranspose") == 0;   /* W is [C][M/group][k...] */
    if (cv->dead || (strcmp(cv->op, "Conv") != 0 && !tr) || cv->npost || cv->nout != 1) continue;
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
    int64_t G = nn_attr_int(cv, "group", 1), M = tr ? W->dims[1] * G : W->dims[0];
    if (tr && (G < 1 || W->dims[0] % G)) continue;
    if (!sc || !bi || !mu || !var || nn_numel(sc) != M || nn_numel(bi) != M || nn_numel(mu) != M || nn_numel(var) != M)
      continue;
    if (B && nn_numel(B) != M) continue;
    float eps = nn_attr_float(bn, "epsilon", 1e-5f);
    int64_t per = nn_numel(W) / M;
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
    const float *w = W->data, *s = sc->data, *bb = bi->data, *m = mu->data, *vv = var->data;
    for (int64_t o = 0; o < M; o++) {
      float f = s[o] / sqrtf(vv[o] + eps);
      if (!tr)
        for (int64_t q = 0; q < per; q++) w2[o * per + q] = w[o * per + q] * f;
      float b0 = B ? ((const float *)B->data)[o] : 0.f;
      b2[o] = (b0 - m[o]) * f + bb[o];
    }
    if (tr) {                         /* input channel c feeds outputs (c / (C/G)) * M/G + j */
      int64_t Cin = W->dims[0], Mg = W->dims[1], K = Cin * Mg > 0 ? nn_numel(W) / (Cin * Mg) : 0;
      for (int64_t ci = 0; ci < Cin; ci++)
        for (int64_t jj = 0; jj < Mg; jj++) {
          int64_t o = ci / (Cin / G) * Mg + jj;
          float f = s[o] / sqrtf(vv[o] + eps);
          for (int64_t q = 0; q < K; q++) w2[(ci * Mg + jj) * K + q] = w[(ci * Mg + jj) * K + q] * f;
        }
    }
    cv->in[1] = nw;
    cv->in[2] = nb;
    if (cv->nin < 3) cv->nin = 3;
    cv->out[0] = bn->out[0];
    bn->dead = 1;
    nn_recount(g);
  }
  return 0;
}

/* The post-op an activation node becomes, or 0. */
static int post_of (const NnGraph *g, const NnNode *a, NnPost *p) {
  memset(p, 0, sizeof *p);
  const char *op = a->op;
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
        const NnValue *v = &g->values[a->in[k]];
        if (!v->is_const || v->t.type != NN_F32 || nn_numel(&v->t) != 1) return 0;
        float x = *(const float *)v->t.data;
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
      if (strcmp(a->op, "Add") == 0 && a->nin == 2) {
        int other = a->in[0] == n->out[0] ? a->in[1] : a->in[1] == n->out[0] ? a->in[0] : -1;
        if (other < 0 || other == n->out[0] || g->values[other].is_const) break;
        memset(&p, 0, sizeof p);
        p.kind = NN_POST_SUM;
        p.arg = other;
        n->in[nn_node_nreads(n)] = other;
        resort = 1;
      } else if (a->nin >= 1 && a->in[0] == n->out[0] && post_of(g, a, &p)) {
        /* fine */
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
    if (fold_batchnorm(g) != 0) {
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

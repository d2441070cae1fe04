/* run.c — planning for one set of input shapes, and running.
**
** A plan infers every shape (at plan time, values of constants are known
** and the outputs of Shape/Size are: nodes whose inputs are all known are
** evaluated then, which collapses the Shape -> Gather -> Concat chains of
** exported models to constants), chooses layouts (a 4-D value stays blocked
** or channels last when its producer can write it so and every consumer
** can read it), and
** lays every intermediate value out in one arena: values whose lifetimes
** (producer .. last reader) do not overlap share bytes (greedy by size,
** lowest offset first). Nodes whose output shape depends on data not known
** at plan time are inferred again at run time and get their own buffers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/nn.h"
#include "nn/nn_internal.h"

enum { V_FREE = 0, V_CONST, V_INPUT, V_FOLDED, V_ARENA, V_DYN };

typedef struct NnPlan {
  int ninputs;
  NnTensor in_shape[64];      /* shapes (and types) planned for */
  char *vstate;               /* per value: V_* */
  size_t *off;                /* arena offset of V_ARENA values */
  char *node_dyn;             /* per node: infer at run time */
  char *node_folded;          /* per node: evaluated at plan time */
  uint8_t *arena;
  size_t arena_bytes;
  size_t dyn_peak;
  double run_ms;
} NnPlan;

double nn_now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int nn_block_size (void) {
#if defined(__x86_64__) && defined(__GNUC__)
  static int b;
  if (!b) b = __builtin_cpu_supports("avx512f") ? 16 : 8;
  return b;
#else
  return 8;
#endif
}

void nn_plan_free (NnGraph *g) {
  NnPlan *p = g->plan;
  if (!p) return;
  for (int v = 0; v < g->nvalues; v++) {
    NnValue *val = &g->values[v];
    if (p->vstate[v] == V_CONST) continue;
    if (val->is_const) continue;
    nn_free(&val->t);
    val->t.data = NULL;
    val->t.cap = 0;
  }
  free(p->vstate);
  free(p->off);
  free(p->node_dyn);
  free(p->node_folded);
  free(p->arena);
  free(p);
  g->plan = NULL;
}

typedef struct Block { size_t off, size; int first, last; } Block;

static int cmp_size_desc (const void *a, const void *b) {
  const Block *x = *(Block *const *)a, *y = *(Block *const *)b;
  return x->size < y->size ? 1 : x->size > y->size ? -1 : x->first - y->first;
}

/* Greedy arena layout: biggest first, each at the lowest offset that no
** time-overlapping block already placed occupies. */
static size_t layout (Block *b, int n) {
  Block **order = malloc((size_t)(n ? n : 1) * sizeof *order);
  Block **placed = malloc((size_t)(n ? n : 1) * sizeof *placed);
  if (!order || !placed) { free(order); free(placed); return (size_t)-1; }
  for (int i = 0; i < n; i++) order[i] = &b[i];
  qsort(order, (size_t)n, sizeof *order, cmp_size_desc);
  size_t total = 0;
  int np = 0;
  for (int i = 0; i < n; i++) {
    Block *x = order[i];
    size_t off = 0;
    for (int again = 1; again;) {
      again = 0;
      for (int k = 0; k < np; k++) {
        const Block *y = placed[k];
        if (y->last < x->first || x->last < y->first) continue;   /* disjoint in time */
        if (off < y->off + y->size && y->off < off + x->size) {
          off = y->off + y->size;
          again = 1;
        }
      }
    }
    x->off = off;
    placed[np++] = x;
    if (off + x->size > total) total = off + x->size;
  }
  free(order);
  free(placed);
  return total;
}

static int is_shape_op (const NnNode *n) {
  return strcmp(n->op, "Shape") == 0 || strcmp(n->op, "Size") == 0;
}

static int make_plan (NnGraph *g, NnTensor *const *inputs, NnCtx *c) {
  nn_plan_free(g);
  NnPlan *p = calloc(1, sizeof *p);
  if (!p) return nn_fail(c, NULL, "not enough memory");
  g->plan = p;
  int V = g->nvalues, N = g->nnodes;
  p->vstate = calloc((size_t)V + 1, 1);
  p->off = calloc((size_t)V + 1, sizeof(size_t));
  p->node_dyn = calloc((size_t)N + 1, 1);
  p->node_folded = calloc((size_t)N + 1, 1);
  char *plain = calloc((size_t)V + 1, 1);
  int *first = malloc(((size_t)V + 1) * sizeof(int)), *last = malloc(((size_t)V + 1) * sizeof(int));
  Block *blocks = malloc(((size_t)V + 1) * sizeof(Block));
  int *bval = malloc(((size_t)V + 1) * sizeof(int));
  int rc = NN_OK;
  if (!p->vstate || !p->off || !p->node_dyn || !p->node_folded || !plain || !first || !last || !blocks || !bval) {
    rc = nn_fail(c, NULL, "not enough memory");
    goto done;
  }
  p->ninputs = g->ninputs;
  for (int i = 0; i < g->ninputs; i++) {
    p->in_shape[i] = *inputs[i];
    p->in_shape[i].data = NULL;
    p->in_shape[i].cap = 0;
    NnValue *val = &g->values[g->inputs[i]];
    nn_setshape(&val->t, inputs[i]->type, inputs[i]->rank, inputs[i]->dims);
    val->t.data = NULL;
    val->t.cap = 0;
    p->vstate[g->inputs[i]] = V_INPUT;
  }
  for (int v = 0; v < V; v++) {
    first[v] = -1;
    last[v] = -1;
    if (g->values[v].is_const) p->vstate[v] = V_CONST;
    if (g->values[v].is_output) plain[v] = 1;
  }
  for (int i = 0; i < N; i++) {
    const NnNode *n = &g->nodes[i];
    int r = nn_node_nreads(n);
    for (int k = 0; k < r; k++)
      if (n->in[k] >= 0) {
        if (!(n->def->flags & NN_F_BLOCKED)) plain[n->in[k]] = 1;
        last[n->in[k]] = i;
      }
  }
  for (int v = 0; v < V; v++)
    if (g->values[v].is_output) last[v] = N;
  c->planning = 1;
  for (int i = 0; i < N && rc == NN_OK; i++) {
    NnNode *n = &g->nodes[i];
    NnTensor *in[64], *out[64], dummy[64];
    int r = nn_node_nreads(n), known = 1, dyn = 0;
    if (r > 64 || n->nout > 64) { rc = nn_fail(c, n, "too many inputs or outputs"); break; }
    for (int k = 0; k < r; k++) {
      int v = n->in[k];
      in[k] = v >= 0 ? &g->values[v].t : NULL;
      if (v < 0) continue;
      int st = p->vstate[v];
      if (st == V_DYN) dyn = 1;
      if (st != V_CONST && st != V_FOLDED) known = 0;
      if (st == V_FREE) { rc = nn_fail(c, n, "input '%s' has no value", g->values[v].name); break; }
    }
    if (rc != NN_OK) break;
    memset(dummy, 0, sizeof dummy);
    for (int k = 0; k < n->nout; k++) {
      out[k] = n->out[k] >= 0 ? &g->values[n->out[k]].t : &dummy[k];
      n->outfmt[k & 3] = NN_PLAIN;
      if ((n->def->flags & NN_F_BLOCKED) && n->out[k] >= 0 && !plain[n->out[k]] && k < 4)
        n->outfmt[k] = nn_block_size();
    }
    if (!dyn && (n->def->flags & NN_F_PURE) && (known || is_shape_op(n))) {
      /* evaluate now: its outputs are constants of this plan */
      rc = nn_eval_node(g, n, c);
      p->node_folded[i] = 1;
      for (int k = 0; k < n->nout; k++)
        if (n->out[k] >= 0) p->vstate[n->out[k]] = V_FOLDED;
      continue;
    }
    int ir = dyn ? NN_DYNAMIC : n->def->infer(n, in, out, c);
    if (ir == NN_ERR) { rc = NN_ERR; break; }
    for (int k = 0; k < n->nout; k++) {
      int v = n->out[k];
      if (v < 0) continue;
      if (ir == NN_DYNAMIC) p->vstate[v] = V_DYN;
      else {
        p->vstate[v] = V_ARENA;
        if (!(n->def->flags & NN_F_BLOCKED) || k >= 4 || out[k]->fmt > n->outfmt[k]) out[k]->fmt = NN_PLAIN;
        first[v] = i;
        if (last[v] < i) last[v] = i;
      }
    }
    if (ir == NN_DYNAMIC) p->node_dyn[i] = 1;
  }
  c->planning = 0;
  if (rc != NN_OK) goto done;
  int nb = 0;
  for (int v = 0; v < V; v++)
    if (p->vstate[v] == V_ARENA) {
      blocks[nb].size = (nn_bytes(&g->values[v].t) + 63) & ~(size_t)63;
      if (!blocks[nb].size) blocks[nb].size = 64;
      blocks[nb].first = first[v];
      blocks[nb].last = last[v];
      bval[nb++] = v;
    }
  size_t total = layout(blocks, nb);
  if (total == (size_t)-1) { rc = nn_fail(c, NULL, "not enough memory"); goto done; }
  if (total) {
    void *mem = NULL;
    if (posix_memalign(&mem, 64, total) != 0) { rc = nn_fail(c, NULL, "not enough memory for the network's buffers"); goto done; }
    p->arena = mem;
  }
  p->arena_bytes = total;
  for (int b = 0; b < nb; b++) {
    NnTensor *t = &g->values[bval[b]].t;
    t->data = p->arena + blocks[b].off;
    t->cap = 0;
  }
done:
  free(plain); free(first); free(last); free(blocks); free(bval);
  if (rc != NN_OK) nn_plan_free(g);
  return rc;
}

static int same_inputs (const NnPlan *p, NnTensor *const *inputs, int n) {
  if (p->ninputs != n) return 0;
  for (int i = 0; i < n; i++)
    if (p->in_shape[i].type != inputs[i]->type || !nn_sameshape(&p->in_shape[i], inputs[i])) return 0;
  return 1;
}

int nn_run (NnGraph *g, NnTensor *const *inputs, NnTensor *outputs, int threads,
            char *err, size_t errlen) {
  NnCtx c = {threads < 1 ? 1 : threads, 0, err, errlen, g};
  if (g->ninputs > 64) return nn_fail(&c, NULL, "too many graph inputs");
  for (int i = 0; i < g->ninputs; i++) {
    const NnValue *v = &g->values[g->inputs[i]];
    const NnTensor *t = inputs[i];
    if (v->decl_type && t->type != v->decl_type)
      return nn_fail(&c, NULL, "input '%s': expected %s, got %s", v->name, nn_type_name(v->decl_type), nn_type_name(t->type));
    if (t->fmt != NN_PLAIN) return nn_fail(&c, NULL, "input '%s': not a plain tensor", v->name);
    if (v->decl_rank >= 0 && v->decl_type) {
      if (t->rank != v->decl_rank)
        return nn_fail(&c, NULL, "input '%s': expected rank %d, got %d", v->name, v->decl_rank, t->rank);
      for (int d = 0; d < t->rank; d++)
        if (v->decl_dims[d] >= 0 && v->decl_dims[d] != t->dims[d])
          return nn_fail(&c, NULL, "input '%s': dimension %d is %lld, the model expects %lld", v->name, d + 1,
                         (long long)t->dims[d], (long long)v->decl_dims[d]);
    }
  }
  if (!g->plan || !same_inputs(g->plan, inputs, g->ninputs))
    if (make_plan(g, inputs, &c) != NN_OK) return NN_ERR;
  NnPlan *p = g->plan;
  double t0 = nn_now_ms();
  for (int i = 0; i < g->ninputs; i++) {
    NnTensor *t = &g->values[g->inputs[i]].t;
    t->data = inputs[i]->data;
    t->cap = 0;
  }
  int rc = NN_OK;
  size_t dynbytes = 0;
  for (int i = 0; i < g->nnodes && rc == NN_OK; i++) {
    NnNode *n = &g->nodes[i];
    if (p->node_folded[i]) continue;
    NnTensor *in[64], *out[64], dummy[64];
    int r = nn_node_nreads(n);
    for (int k = 0; k < r; k++) in[k] = n->in[k] >= 0 ? &g->values[n->in[k]].t : NULL;
    memset(dummy, 0, sizeof dummy);
    for (int k = 0; k < n->nout; k++) out[k] = n->out[k] >= 0 ? &g->values[n->out[k]].t : &dummy[k];
    if (p->node_dyn[i]) {
      for (int k = 0; k < n->nout && k < 4; k++) n->outfmt[k] = NN_PLAIN;
      rc = n->def->infer(n, in, out, &c);
      if (rc == NN_DYNAMIC) rc = nn_fail(&c, n, "output shape unknown at run time");
      for (int k = 0; rc == NN_OK && k < n->nout; k++) {
        out[k]->fmt = NN_PLAIN;
        if (nn_alloc(out[k]) != 0) rc = nn_fail(&c, n, "not enough memory");
        else dynbytes += out[k]->cap;
      }
    } else {
      for (int k = 0; rc == NN_OK && k < n->nout; k++)
        if (n->out[k] < 0) {
          /* an omitted output still needs somewhere to go: infer into
          ** copies so the planned outputs keep their shapes and formats */
          NnTensor copy[64], *out2[64];
          for (int q = 0; q < n->nout; q++) {
            copy[q] = *out[q];
            out2[q] = n->out[q] >= 0 ? &copy[q] : out[q];
          }
          if (n->def->infer(n, in, out2, &c) != NN_OK) rc = NN_ERR;
          else if (nn_alloc(&dummy[k]) != 0) rc = nn_fail(&c, n, "not enough memory");
        }
    }
    if (rc != NN_OK) break;
    double s = nn_now_ms();
    rc = n->def->run(n, in, out, &c);
    n->time_ms += nn_now_ms() - s;
    n->calls++;
    for (int k = 0; k < n->nout; k++) nn_free(&dummy[k]);
  }
  for (int k = 0; rc == NN_OK && k < g->noutputs; k++) {
    const NnTensor *src = &g->values[g->outputs[k]].t;
    NnTensor *dst = &outputs[k];
    memset(dst, 0, sizeof *dst);
    nn_setshape(dst, src->type, src->rank, src->dims);
    if (nn_alloc(dst) != 0) { rc = nn_fail(&c, NULL, "not enough memory"); break; }
    if (src->fmt != NN_PLAIN) nn_reformat(src, dst, c.threads);
    else memcpy(dst->data, src->data, nn_bytes(src));
  }
  if (rc != NN_OK)
    for (int k = 0; k < g->noutputs; k++) nn_free(&outputs[k]);
  /* run-time buffers go now; the arena stays for the next run */
  for (int i = 0; i < g->nnodes; i++)
    if (p->node_dyn[i])
      for (int k = 0; k < g->nodes[i].nout; k++)
        if (g->nodes[i].out[k] >= 0) nn_free(&g->values[g->nodes[i].out[k]].t);
  for (int i = 0; i < g->ninputs; i++) g->values[g->inputs[i]].t.data = NULL;
  if (dynbytes > p->dyn_peak) p->dyn_peak = dynbytes;
  p->run_ms = nn_now_ms() - t0;
  return rc;
}

void nn_stats (const NnGraph *g, NnStats *s) {
  memset(s, 0, sizeof *s);
  for (int v = 0; v < g->nvalues; v++)
    if (g->values[v].is_const) s->weight_bytes += g->values[v].t.cap;
  if (g->plan) {
    s->peak_bytes = g->plan->arena_bytes + g->plan->dyn_peak;
    s->run_ms = g->plan->run_ms;
  }
}

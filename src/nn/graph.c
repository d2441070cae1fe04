/* graph.c — graph bookkeeping: values by name, attributes, errors, freeing,
** the operator registry. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_internal.h"

/* The operator families, searched in this order. */
static const NnOp *const tables[] = {
  nn_ops_math, nn_ops_reduce, nn_ops_shape, nn_ops_resize, nn_ops_dnnl
};

const NnOp *nn_find_op (const char *name) {
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
    for (const NnOp *op = tables[t]; op->name; op++)
      if (strcmp(op->name, name) == 0) return op;
  return NULL;
}

int nn_fail (NnCtx *c, const NnNode *n, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c && c->err && c->errlen) {
    if (n && n->name && n->name[0])
      snprintf(c->err, c->errlen, "node '%s' (%s): %s", n->name, n->op, msg);
    else if (n)
      snprintf(c->err, c->errlen, "%s node: %s", n->op, msg);
    else
      snprintf(c->err, c->errlen, "%s", msg);
  }
  return NN_ERR;
}

const NnAttr *nn_attr (const NnNode *n, const char *name) {
  for (int i = 0; i < n->nattr; i++)
    if (strcmp(n->attr[i].name, name) == 0) return &n->attr[i];
  return NULL;
}

int64_t nn_attr_int (const NnNode *n, const char *name, int64_t def) {
  const NnAttr *a = nn_attr(n, name);
  return a && a->kind == NN_ATTR_INT ? a->i : def;
}

float nn_attr_float (const NnNode *n, const char *name, float def) {
  const NnAttr *a = nn_attr(n, name);
  if (a && a->kind == NN_ATTR_FLOAT) return a->f;
  if (a && a->kind == NN_ATTR_INT) return (float)a->i;
  return def;
}

const char *nn_attr_str (const NnNode *n, const char *name, const char *def) {
  const NnAttr *a = nn_attr(n, name);
  return a && a->kind == NN_ATTR_STRING ? a->s : def;
}

int nn_attr_ints (const NnNode *n, const char *name, const int64_t **v) {
  const NnAttr *a = nn_attr(n, name);
  if (!a || a->kind != NN_ATTR_INTS) { *v = NULL; return -1; }
  *v = a->is;
  return a->n;
}

int nn_attr_floats (const NnNode *n, const char *name, const float **v) {
  const NnAttr *a = nn_attr(n, name);
  if (!a || a->kind != NN_ATTR_FLOATS) { *v = NULL; return -1; }
  *v = a->fs;
  return a->n;
}

/* Values are found by a linear scan over a hash of their names. */
static uint32_t hash (const char *s) {
  uint32_t h = 2166136261u;
  while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}

static int rehash (NnGraph *g, int size) {
  int *tab = malloc((size_t)size * sizeof *tab);
  if (!tab) return -1;
  for (int i = 0; i < size; i++) tab[i] = -1;
  for (int v = 0; v < g->nvalues; v++) {
    uint32_t h = hash(g->values[v].name) & (uint32_t)(size - 1);
    while (tab[h] >= 0) h = (h + 1) & (uint32_t)(size - 1);
    tab[h] = v;
  }
  free(g->htab);
  g->htab = tab;
  g->hsize = size;
  return 0;
}

int nn_value_id (NnGraph *g, const char *name, int create) {
  if (g->hsize) {
    uint32_t h = hash(name) & (uint32_t)(g->hsize - 1);
    for (; g->htab[h] >= 0; h = (h + 1) & (uint32_t)(g->hsize - 1))
      if (strcmp(g->values[g->htab[h]].name, name) == 0) return g->htab[h];
  }
  if (!create) return -1;
  if (g->nvalues == g->cvalues) {
    int nc = g->cvalues ? g->cvalues * 2 : 64;
    NnValue *nv = realloc(g->values, (size_t)nc * sizeof *nv);
    if (!nv) return -2;
    g->values = nv;
    g->cvalues = nc;
  }
  char *copy = strdup(name);
  if (!copy) return -2;
  NnValue *v = &g->values[g->nvalues];
  memset(v, 0, sizeof *v);
  v->name = copy;
  v->producer = -1;
  g->nvalues++;
  if (g->nvalues * 2 > g->hsize) {       /* rehash places the new one too */
    if (rehash(g, g->hsize ? g->hsize * 2 : 128) != 0) {
      g->nvalues--;
      free(copy);
      return -2;
    }
  } else {
    uint32_t h = hash(copy) & (uint32_t)(g->hsize - 1);
    while (g->htab[h] >= 0) h = (h + 1) & (uint32_t)(g->hsize - 1);
    g->htab[h] = g->nvalues - 1;
  }
  return g->nvalues - 1;
}

void nn_attr_free (NnAttr *a) {
  free(a->name);
  free(a->s);
  nn_free(&a->t);
  free(a->fs);
  free(a->is);
  if (a->ss)
    for (int i = 0; i < a->n; i++) free(a->ss[i]);
  free(a->ss);
}

void nn_node_free (NnNode *n) {
  if (n->def && n->def->release) n->def->release(n);
  free(n->name);
  free(n->op);
  free(n->in);
  free(n->out);
  for (int i = 0; i < n->nattr; i++) nn_attr_free(&n->attr[i]);
  free(n->attr);
}

void nn_graph_free (NnGraph *g) {
  if (!g) return;
  nn_plan_free(g);
  for (int i = 0; i < g->nnodes; i++) nn_node_free(&g->nodes[i]);
  free(g->nodes);
  for (int i = 0; i < g->nvalues; i++) {
    NnValue *v = &g->values[i];
    free(v->name);
    nn_free(&v->t);
    for (int d = 0; d < NN_MAXRANK; d++) free(v->dim_param[d]);
  }
  free(g->values);
  free(g->htab);
  free(g->inputs);
  free(g->outputs);
  for (int i = 0; i < g->nmeta; i++) {
    free(g->meta[i].key);
    free(g->meta[i].value);
  }
  free(g->meta);
  free(g);
}

NnTensor *nn_opt_in (const NnNode *n, NnTensor **in, int k) {
  return k < n->nin && n->in[k] >= 0 ? in[k] : NULL;
}

int nn_set_out (NnNode *n, NnCtx *c, NnTensor *o, int type, int rank, const int64_t *dims) {
  if (rank < 0 || rank > NN_MAXRANK) return nn_fail(c, n, "output rank %d is above %d", rank, NN_MAXRANK);
  int64_t e = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0) return nn_fail(c, n, "negative output dimension %lld", (long long)dims[i]);
    if (dims[i] > NN_MAXEL || (dims[i] && e > NN_MAXEL / dims[i]))
      return nn_fail(c, n, "output has too many elements");
    e *= dims[i];
  }
  nn_setshape(o, type, rank, dims);
  return NN_OK;
}

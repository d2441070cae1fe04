/* onnx.c — ONNX ModelProto -> NnGraph, through protobuf-c code generated
** at build time from Debian's onnx.proto. Everything read from the file is
** checked: element counts against data sizes, dims for overflow, names of
** inputs against what produces them. Model-local functions are inlined;
** float16/bfloat16 initializers become float32; external data is read from
** files next to the model (never outside its directory). */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "nn/nn.h"
#include "nn/nn_internal.h"

typedef struct Loader {
  NnGraph *g;
  const char *dir;
  char *err;
  size_t errlen;
  Onnx__ModelProto *m;
  int depth;                /* function inlining depth */
  int uniq;                 /* counter for inlined value names */
} Loader;

static int lfail (Loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int lfail (Loader *ld, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ld->err, ld->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static float half_to_float (uint16_t h) {
  uint32_t s = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, m = h & 1023, bits;
  if (e == 0) {
    if (m == 0) bits = s;
    else {                          /* subnormal: normalise */
      e = 127 - 15 + 1;
      while (!(m & 1024)) { m <<= 1; e--; }
      bits = s | (e << 23) | ((m & 1023) << 13);
    }
  } else if (e == 31) bits = s | 0x7f800000u | (m << 13);
  else bits = s | ((e + 127 - 15) << 23) | (m << 13);
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static float bf16_to_float (uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* Reads 'len' bytes at 'off' of an external-data file named relative to the
** model's directory into buf (malloc'd). */
static int read_external (Loader *ld, const Onnx__TensorProto *tp, uint8_t **buf, size_t *len) {
  const char *loc = NULL;
  long long off = 0, n = -1;
  for (size_t i = 0; i < tp->n_external_data; i++) {
    const Onnx__StringStringEntryProto *e = tp->external_data[i];
    if (!e->key || !e->value) continue;
    if (strcmp(e->key, "location") == 0) loc = e->value;
    else if (strcmp(e->key, "offset") == 0) off = strtoll(e->value, NULL, 10);
    else if (strcmp(e->key, "length") == 0) n = strtoll(e->value, NULL, 10);
  }
  if (!ld->dir) return lfail(ld, "initializer '%s': external data needs the model's path", tp->name);
  if (!loc || !loc[0] || loc[0] == '/' || strstr(loc, ".."))
    return lfail(ld, "initializer '%s': bad external data location '%s'", tp->name, loc ? loc : "");
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", ld->dir, loc) >= (int)sizeof path)
    return lfail(ld, "initializer '%s': external data path too long", tp->name);
  FILE *f = fopen(path, "rb");
  if (!f) return lfail(ld, "initializer '%s': cannot open external data '%s'", tp->name, loc);
  if (n < 0) {
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return lfail(ld, "initializer '%s': cannot read '%s'", tp->name, loc); }
    n = ftell(f) - off;
  }
  if (off < 0 || n < 0 || fseek(f, off, SEEK_SET) != 0) {
    fclose(f);
    return lfail(ld, "initializer '%s': bad external data offset in '%s'", tp->name, loc);
  }
  *buf = malloc(n ? (size_t)n : 1);
  if (!*buf) { fclose(f); return lfail(ld, "initializer '%s': not enough memory", tp->name); }
  size_t got = fread(*buf, 1, (size_t)n, f);
  fclose(f);
  if (got != (size_t)n) {
    free(*buf);
    return lfail(ld, "initializer '%s': external data '%s' is truncated", tp->name, loc);
  }
  *len = (size_t)n;
  return 0;
}

/* TensorProto -> owned NnTensor. */
static int nn_tensor_from_proto (Loader *ld, const Onnx__TensorProto *tp, NnTensor *t) {
  const char *name = tp->name ? tp->name : "";
  memset(t, 0, sizeof *t);
  if (tp->n_dims > NN_MAXRANK) return lfail(ld, "tensor '%s': rank above 8", name);
  if (tp->segment) return lfail(ld, "tensor '%s': segmented tensors are not supported", name);
  int64_t n = 1;
  for (size_t i = 0; i < tp->n_dims; i++) {
    if (tp->dims[i] < 0) return lfail(ld, "tensor '%s': negative dimension", name);
    if (tp->dims[i] && n > ((int64_t)1 << 40) / tp->dims[i])
      return lfail(ld, "tensor '%s': too many elements", name);
    n *= tp->dims[i];
    t->dims[i] = tp->dims[i];
  }
  t->rank = (int)tp->n_dims;
  int src = tp->data_type;
  int dst = (src == NN_F16 || src == NN_BF16) ? NN_F32 : src;
  size_t es = nn_type_size(dst);
  if (es == 0) return lfail(ld, "tensor '%s': element type %s is not supported", name, nn_type_name(src));
  t->type = dst;
  if (nn_alloc(t) != 0) return lfail(ld, "tensor '%s': not enough memory", name);
  uint8_t *ext = NULL;
  const uint8_t *raw = NULL;
  size_t rawlen = 0;
  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    if (read_external(ld, tp, &ext, &rawlen) != 0) { nn_free(t); return -1; }
    raw = ext;
  } else if (tp->has_raw_data) {
    raw = tp->raw_data.data;
    rawlen = tp->raw_data.len;
  }
  int bad = 0;
  if (raw) {
    size_t ses = (src == NN_F16 || src == NN_BF16) ? 2 : es;
    if (rawlen != (size_t)n * ses) bad = 1;
    else if (src == NN_F16 || src == NN_BF16) {
      float *d = t->data;
      for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, raw + 2 * i, 2);
        d[i] = src == NN_F16 ? half_to_float(h) : bf16_to_float(h);
      }
    } else if (n > 0) memcpy(t->data, raw, (size_t)n * es);
  } else if (n > 0) {
    switch (src) {
      case NN_F32:
        if (tp->n_float_data != (size_t)n) bad = 1;
        else memcpy(t->data, tp->float_data, (size_t)n * 4);
        break;
      case NN_F64:
        if (tp->n_double_data != (size_t)n) bad = 1;
        else memcpy(t->data, tp->double_data, (size_t)n * 8);
        break;
      case NN_I64:
        if (tp->n_int64_data != (size_t)n) bad = 1;
        else memcpy(t->data, tp->int64_data, (size_t)n * 8);
        break;
      case NN_U32: case NN_U64:
        if (tp->n_uint64_data != (size_t)n) bad = 1;
        else for (int64_t i = 0; i < n; i++) nn_setd(t, i, (double)tp->uint64_data[i]);
        if (!bad && src == NN_U64) memcpy(t->data, tp->uint64_data, (size_t)n * 8);
        break;
      case NN_F16: case NN_BF16:
        if (tp->n_int32_data != (size_t)n) bad = 1;
        else for (int64_t i = 0; i < n; i++) {
          uint16_t h = (uint16_t)tp->int32_data[i];
          ((float *)t->data)[i] = src == NN_F16 ? half_to_float(h) : bf16_to_float(h);
        }
        break;
      default:   /* int32, int16, int8, uint16, uint8, bool: int32_data */
        if (tp->n_int32_data != (size_t)n) bad = 1;
        else if (src == NN_I32) memcpy(t->data, tp->int32_data, (size_t)n * 4);
        else for (int64_t i = 0; i < n; i++) nn_setd(t, i, tp->int32_data[i]);
        break;
    }
  }
  free(ext);
  if (bad) {
    nn_free(t);
    return lfail(ld, "tensor '%s': data size does not match its shape", name);
  }
  return 0;
}

static char *dupstr (const char *s) { return strdup(s ? s : ""); }

/* One AttributeProto -> NnAttr; a reference to a function attribute is
** resolved from 'callattr' (the calling node's attributes); returns 1 when
** the reference has no value (the attribute is then left out). */
static int conv_attr (Loader *ld, const Onnx__AttributeProto *ap, const NnNode *caller, NnAttr *a) {
  memset(a, 0, sizeof *a);
  if (ap->ref_attr_name && ap->ref_attr_name[0]) {
    const NnAttr *src = caller ? nn_attr(caller, ap->ref_attr_name) : NULL;
    if (!src) return 1;
    a->name = dupstr(ap->name);
    a->kind = src->kind;
    a->f = src->f;
    a->i = src->i;
    a->n = src->n;
    if (src->s) { a->s = malloc(src->slen + 1); if (a->s) { memcpy(a->s, src->s, src->slen + 1); a->slen = src->slen; } }
    if (src->kind == NN_ATTR_FLOATS) { a->fs = malloc((size_t)(src->n ? src->n : 1) * 4); if (a->fs) memcpy(a->fs, src->fs, (size_t)src->n * 4); }
    if (src->kind == NN_ATTR_INTS) { a->is = malloc((size_t)(src->n ? src->n : 1) * 8); if (a->is) memcpy(a->is, src->is, (size_t)src->n * 8); }
    if (src->kind == NN_ATTR_TENSOR) {
      a->t = src->t;
      a->t.data = NULL;
      a->t.cap = 0;
      if (nn_alloc(&a->t) == 0) memcpy(a->t.data, src->t.data, nn_bytes(&src->t));
    }
    if (src->kind == NN_ATTR_STRINGS) a->kind = NN_ATTR_STRINGS, a->n = 0;
    return 0;
  }
  a->name = dupstr(ap->name);
  if (!a->name) return lfail(ld, "not enough memory");
  int type = ap->has_type ? (int)ap->type : 0;
  if (!type) {   /* IR < 3 files leave the type out: infer it from what is set */
    if (ap->n_floats) type = NN_ATTR_FLOATS;
    else if (ap->n_ints) type = NN_ATTR_INTS;
    else if (ap->n_strings) type = NN_ATTR_STRINGS;
    else if (ap->t) type = NN_ATTR_TENSOR;
    else if (ap->g) type = NN_ATTR_GRAPH;
    else if (ap->has_s) type = NN_ATTR_STRING;
    else if (ap->has_f) type = NN_ATTR_FLOAT;
    else type = NN_ATTR_INT;
  }
  a->kind = type;
  switch (type) {
    case NN_ATTR_FLOAT: a->f = ap->f; break;
    case NN_ATTR_INT: a->i = ap->i; break;
    case NN_ATTR_STRING:
      a->s = malloc(ap->s.len + 1);
      if (!a->s) return lfail(ld, "not enough memory");
      if (ap->s.len) memcpy(a->s, ap->s.data, ap->s.len);
      a->s[ap->s.len] = 0;
      a->slen = ap->s.len;
      break;
    case NN_ATTR_TENSOR:
      if (!ap->t) return lfail(ld, "attribute '%s' has no tensor", ap->name);
      if (nn_tensor_from_proto(ld, ap->t, &a->t) != 0) return -1;
      break;
    case NN_ATTR_FLOATS:
      a->n = (int)ap->n_floats;
      a->fs = malloc((ap->n_floats ? ap->n_floats : 1) * sizeof(float));
      if (!a->fs) return lfail(ld, "not enough memory");
      if (ap->n_floats) memcpy(a->fs, ap->floats, ap->n_floats * sizeof(float));
      break;
    case NN_ATTR_INTS:
      a->n = (int)ap->n_ints;
      a->is = malloc((ap->n_ints ? ap->n_ints : 1) * sizeof(int64_t));
      if (!a->is) return lfail(ld, "not enough memory");
      if (ap->n_ints) memcpy(a->is, ap->ints, ap->n_ints * sizeof(int64_t));
      break;
    case NN_ATTR_STRINGS:
      a->n = (int)ap->n_strings;
      a->ss = calloc(ap->n_strings ? ap->n_strings : 1, sizeof(char *));
      if (!a->ss) return lfail(ld, "not enough memory");
      for (size_t i = 0; i < ap->n_strings; i++) {
        a->ss[i] = malloc(ap->strings[i].len + 1);
        if (!a->ss[i]) return lfail(ld, "not enough memory");
        if (ap->strings[i].len) memcpy(a->ss[i], ap->strings[i].data, ap->strings[i].len);
        a->ss[i][ap->strings[i].len] = 0;
      }
      break;
    default:   /* graphs, sparse tensors, type protos: kept as a marker */
      a->kind = type;
      break;
  }
  return 0;
}

int nn_add_node (NnGraph *g, const char *op, const char *name, int nin, int nout) {
  if (g->nnodes == g->cnodes) {
    int nc = g->cnodes ? g->cnodes * 2 : 64;
    NnNode *nn = realloc(g->nodes, (size_t)nc * sizeof *nn);
    if (!nn) return -1;
    g->nodes = nn;
    g->cnodes = nc;
  }
  NnNode *n = &g->nodes[g->nnodes];
  memset(n, 0, sizeof *n);
  n->op = dupstr(op);
  n->name = dupstr(name);
  /* room for fused SUM operands after the inputs */
  n->in = malloc((size_t)(nin + NN_MAXPOST) * sizeof(int));
  n->out = malloc((size_t)(nout ? nout : 1) * sizeof(int));
  if (!n->op || !n->name || !n->in || !n->out) {
    nn_node_free(n);
    return -1;
  }
  n->nin = nin;
  n->nout = nout;
  return g->nnodes++;
}

static int opset_of (const Onnx__ModelProto *m, const char *domain) {
  if (!domain || strcmp(domain, "ai.onnx") == 0) domain = "";
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const char *d = m->opset_import[i]->domain ? m->opset_import[i]->domain : "";
    if (strcmp(d, "ai.onnx") == 0) d = "";
    if (strcmp(d, domain) == 0) return (int)m->opset_import[i]->version;
  }
  return -1;
}

static const Onnx__FunctionProto *find_function (const Onnx__ModelProto *m, const char *domain, const char *name) {
  for (size_t i = 0; i < m->n_functions; i++) {
    const Onnx__FunctionProto *f = m->functions[i];
    const char *fd = f->domain ? f->domain : "";
    if (f->name && strcmp(f->name, name) == 0 && strcmp(fd, domain ? domain : "") == 0) return f;
  }
  return NULL;
}

/* Name of a value: inside an inlined function, names are local to the call
** (prefixed), except the function's formal inputs/outputs, which map to the
** caller's actual names. */
typedef struct Scope {
  const Onnx__FunctionProto *f;
  char **actual_in, **actual_out;   /* caller's names for f->input / f->output */
  int nin, nout;
  int id;
  const NnNode *caller;             /* for attribute references */
  const struct Scope *parent;
} Scope;

static char *scoped_name (const Scope *s, const char *name, char *buf, size_t len) {
  if (!s || !name[0]) return (char *)name;
  for (size_t i = 0; i < s->f->n_input; i++)
    if (strcmp(s->f->input[i], name) == 0) return i < (size_t)s->nin ? s->actual_in[i] : (char *)"";
  for (size_t i = 0; i < s->f->n_output; i++)
    if (strcmp(s->f->output[i], name) == 0) return i < (size_t)s->nout ? s->actual_out[i] : (char *)"";
  snprintf(buf, len, "%s/%d/%s", s->f->name, s->id, name);
  return buf;
}

static int add_nodes (Loader *ld, Onnx__NodeProto **nodes, size_t count, const Scope *scope);

static int add_one_node (Loader *ld, const Onnx__NodeProto *np, const Scope *scope) {
  NnGraph *g = ld->g;
  const char *op = np->op_type ? np->op_type : "";
  const char *domain = np->domain ? np->domain : "";
  const Onnx__FunctionProto *fn = find_function(ld->m, domain, op);
  char buf[1024];
  if (fn && (domain[0] || !nn_find_op(op))) {   /* inline a model-local function */
    if (ld->depth > 16) return lfail(ld, "function '%s': nested too deeply", op);
    /* a temporary node carries the call's attributes for references */
    NnNode call;
    memset(&call, 0, sizeof call);
    call.op = (char *)op;
    call.name = np->name;
    call.attr = calloc(np->n_attribute ? np->n_attribute : 1, sizeof(NnAttr));
    if (!call.attr) return lfail(ld, "not enough memory");
    int rc = 0;
    for (size_t i = 0; i < np->n_attribute && rc == 0; i++) {
      int r = conv_attr(ld, np->attribute[i], scope ? scope->caller : NULL, &call.attr[call.nattr]);
      if (r < 0) rc = -1;
      if (r == 0) call.nattr++;
      else if (r > 0) nn_attr_free(&call.attr[call.nattr]);
    }
    char **ain = calloc(np->n_input + 1, sizeof(char *)), **aout = calloc(np->n_output + 1, sizeof(char *));
    if (!ain || !aout) rc = lfail(ld, "not enough memory");
    for (size_t i = 0; rc == 0 && i < np->n_input; i++) {
      ain[i] = strdup(scoped_name(scope, np->input[i], buf, sizeof buf));
      if (!ain[i]) rc = lfail(ld, "not enough memory");
    }
    for (size_t i = 0; rc == 0 && i < np->n_output; i++) {
      aout[i] = strdup(scoped_name(scope, np->output[i], buf, sizeof buf));
      if (!aout[i]) rc = lfail(ld, "not enough memory");
    }
    if (rc == 0) {
      Scope s = {fn, ain, aout, (int)np->n_input, (int)np->n_output, ++ld->uniq, &call, scope};
      ld->depth++;
      rc = add_nodes(ld, fn->node, fn->n_node, &s);
      ld->depth--;
    }
    for (size_t i = 0; ain && i < np->n_input; i++) free(ain[i]);
    for (size_t i = 0; aout && i < np->n_output; i++) free(aout[i]);
    free(ain);
    free(aout);
    for (int i = 0; i < call.nattr; i++) nn_attr_free(&call.attr[i]);
    free(call.attr);
    return rc;
  }
  if (domain[0] && strcmp(domain, "ai.onnx") != 0)
    return lfail(ld, "unknown operator '%s' (domain '%s')", op, domain);
  const NnOp *def = nn_find_op(op);
  if (!def) {
    if (np->name && np->name[0]) return lfail(ld, "unknown operator '%s' (node '%s')", op, np->name);
    return lfail(ld, "unknown operator '%s'", op);
  }
  int id = nn_add_node(g, op, np->name, (int)np->n_input, (int)np->n_output);
  if (id < 0) return lfail(ld, "not enough memory");
  NnNode *n = &g->nodes[id];
  n->def = def;
  n->opset = opset_of(ld->m, domain);
  if (scope) {   /* a function body's opset import, if it names the domain */
    for (size_t i = 0; i < scope->f->n_opset_import; i++) {
      const char *d = scope->f->opset_import[i]->domain ? scope->f->opset_import[i]->domain : "";
      if (strcmp(d, "ai.onnx") == 0) d = "";
      if (strcmp(d, domain) == 0) n->opset = (int)scope->f->opset_import[i]->version;
    }
  }
  if (n->opset < 0) return lfail(ld, "node '%s' (%s): its domain has no opset import", np->name ? np->name : "", op);
  for (size_t i = 0; i < np->n_input; i++) {
    const char *nm = scoped_name(scope, np->input[i], buf, sizeof buf);
    if (!nm[0]) { g->nodes[id].in[i] = -1; continue; }
    int v = nn_value_id(g, nm, 1);
    if (v < 0) return lfail(ld, "not enough memory");
    g->nodes[id].in[i] = v;
  }
  for (size_t i = 0; i < np->n_output; i++) {
    const char *nm = scoped_name(scope, np->output[i], buf, sizeof buf);
    if (!nm[0]) { g->nodes[id].out[i] = -1; continue; }
    int v = nn_value_id(g, nm, 1);
    if (v < 0) return lfail(ld, "not enough memory");
    if (g->values[v].producer >= 0 || g->values[v].is_const || g->values[v].is_input)
      return lfail(ld, "value '%s' is produced twice (node '%s')", nm, np->name ? np->name : "");
    g->values[v].producer = id;
    g->nodes[id].out[i] = v;
  }
  n = &g->nodes[id];
  n->attr = calloc(np->n_attribute ? np->n_attribute : 1, sizeof(NnAttr));
  if (!n->attr) return lfail(ld, "not enough memory");
  for (size_t i = 0; i < np->n_attribute; i++) {
    int r = conv_attr(ld, np->attribute[i], scope ? scope->caller : NULL, &n->attr[n->nattr]);
    if (r < 0) { nn_attr_free(&n->attr[n->nattr]); return -1; }
    if (r == 0) n->nattr++;
    else nn_attr_free(&n->attr[n->nattr]);
  }
  return 0;
}

static int add_nodes (Loader *ld, Onnx__NodeProto **nodes, size_t count, const Scope *scope) {
  for (size_t i = 0; i < count; i++)
    if (add_one_node(ld, nodes[i], scope) != 0) return -1;
  return 0;
}

static int decl_shape (NnValue *v, const Onnx__ValueInfoProto *vi) {
  const Onnx__TypeProto *tp = vi->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) return 0;
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  v->decl_type = tt->has_elem_type ? tt->elem_type : 0;
  if (!tt->shape) { v->decl_rank = -1; return 0; }
  if (tt->shape->n_dim > NN_MAXRANK) return -1;
  v->decl_rank = (int)tt->shape->n_dim;
  for (size_t i = 0; i < tt->shape->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
    v->decl_dims[i] = -1;
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value >= 0)
      v->decl_dims[i] = d->dim_value;
    else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param)
      v->dim_param[i] = strdup(d->dim_param);
  }
  return 0;
}

static int build (Loader *ld) {
  Onnx__ModelProto *m = ld->m;
  NnGraph *g = ld->g;
  const Onnx__GraphProto *gp = m->graph;
  if (!gp) return lfail(ld, "the model has no graph");
  g->opset = opset_of(m, "");
  if (g->opset < 0 && m->n_opset_import == 0) g->opset = 1;   /* IR < 3 */
  for (size_t i = 0; i < m->n_metadata_props; i++) {
    const Onnx__StringStringEntryProto *e = m->metadata_props[i];
    NnMeta *nm = realloc(g->meta, (size_t)(g->nmeta + 1) * sizeof *nm);
    if (!nm) return lfail(ld, "not enough memory");
    g->meta = nm;
    g->meta[g->nmeta].key = dupstr(e->key);
    g->meta[g->nmeta].value = dupstr(e->value);
    g->nmeta++;
  }
  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *tp = gp->initializer[i];
    if (!tp->name || !tp->name[0]) return lfail(ld, "an initializer has no name");
    int v = nn_value_id(g, tp->name, 1);
    if (v < 0) return lfail(ld, "not enough memory");
    if (g->values[v].is_const) return lfail(ld, "initializer '%s' is given twice", tp->name);
    if (nn_tensor_from_proto(ld, tp, &g->values[v].t) != 0) return -1;
    g->values[v].is_const = 1;
  }
  if (gp->n_sparse_initializer) return lfail(ld, "sparse initializers are not supported");
  g->inputs = malloc((gp->n_input + 1) * sizeof(int));
  g->outputs = malloc((gp->n_output + 1) * sizeof(int));
  if (!g->inputs || !g->outputs) return lfail(ld, "not enough memory");
  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    if (!vi->name || !vi->name[0]) return lfail(ld, "a graph input has no name");
    int v = nn_value_id(g, vi->name, 1);
    if (v < 0) return lfail(ld, "not enough memory");
    if (g->values[v].is_const) continue;   /* IR < 4 lists initializers as inputs */
    if (g->values[v].is_input) return lfail(ld, "graph input '%s' is listed twice", vi->name);
    if (decl_shape(&g->values[v], vi) != 0) return lfail(ld, "graph input '%s': rank above 8", vi->name);
    g->values[v].is_input = 1;
    g->inputs[g->ninputs++] = v;
  }
  if (add_nodes(ld, gp->node, gp->n_node, NULL) != 0) return -1;
  if (gp->n_output == 0) return lfail(ld, "the graph has no outputs");
  for (size_t i = 0; i < gp->n_output; i++) {
    const Onnx__ValueInfoProto *vi = gp->output[i];
    int v = vi->name ? nn_value_id(g, vi->name, 0) : -1;
    if (v < 0) return lfail(ld, "graph output '%s' is not produced by any node", vi->name);
    decl_shape(&g->values[v], vi);
    g->values[v].is_output = 1;
    g->outputs[g->noutputs++] = v;
  }
  /* every read value must come from somewhere */
  for (int i = 0; i < g->nnodes; i++) {
    NnNode *n = &g->nodes[i];
    for (int k = 0; k < n->nin; k++) {
      int v = n->in[k];
      if (v < 0) continue;
      NnValue *val = &g->values[v];
      if (val->producer < 0 && !val->is_const && !val->is_input) {
        char what[600];
        snprintf(what, sizeof what, "%s' (%s", n->name, n->op);
        snprintf(ld->err, ld->errlen, "node '%s): input '%s' is not produced by any node, initializer or graph input",
                 what, val->name);
        return -1;
      }
    }
  }
  return nn_toposort(g, ld->err, ld->errlen);
}

int nn_node_nreads (const NnNode *n) {
  int k = n->nin;
  for (int i = 0; i < n->npost; i++)
    if (n->post[i].kind == NN_POST_SUM) k++;
  return k;
}

int nn_toposort (NnGraph *g, char *err, size_t errlen) {
  int N = g->nnodes;
  int *indeg = calloc((size_t)N + 1, sizeof(int)), *order = malloc(((size_t)N + 1) * sizeof(int));
  int *prod = malloc(((size_t)g->nvalues + 1) * sizeof(int));
  if (!indeg || !order || !prod) {
    free(indeg); free(order); free(prod);
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  for (int v = 0; v < g->nvalues; v++) prod[v] = -1;
  for (int i = 0; i < N; i++)
    for (int k = 0; k < g->nodes[i].nout; k++)
      if (g->nodes[i].out[k] >= 0) prod[g->nodes[i].out[k]] = i;
  for (int i = 0; i < N; i++) {
    const NnNode *n = &g->nodes[i];
    int r = nn_node_nreads(n);
    for (int k = 0; k < r; k++)
      if (n->in[k] >= 0 && prod[n->in[k]] >= 0) indeg[i]++;
  }
  /* Kahn's algorithm, stable: among ready nodes the earliest in file order.
  ** O(N^2) worst case in the scan, which is fine for graphs of thousands. */
  int done = 0;
  char *placed = calloc((size_t)N + 1, 1);
  if (!placed) { free(indeg); free(order); free(prod); snprintf(err, errlen, "not enough memory"); return -1; }
  int start = 0;
  while (done < N) {
    int pick = -1;
    for (int i = start; i < N; i++)
      if (!placed[i] && indeg[i] == 0) { pick = i; break; }
    if (pick < 0) {
      for (int i = 0; i < N; i++)
        if (!placed[i]) {
          snprintf(err, errlen, "the graph has a cycle through node '%s' (%s)", g->nodes[i].name, g->nodes[i].op);
          break;
        }
      free(indeg); free(order); free(prod); free(placed);
      return -1;
    }
    placed[pick] = 1;
    order[done++] = pick;
    int earliest = N;
    const NnNode *pn = &g->nodes[pick];
    for (int k = 0; k < pn->nout; k++) {
      int v = pn->out[k];
      if (v < 0) continue;
      for (int j = 0; j < N; j++) {
        const NnNode *n = &g->nodes[j];
        int r = nn_node_nreads(n);
        for (int q = 0; q < r; q++)
          if (n->in[q] == v) {
            indeg[j]--;
            if (indeg[j] == 0 && j < earliest) earliest = j;
          }
      }
    }
    while (start < N && placed[start]) start++;
    (void)earliest;
  }
  int needs = 0;
  for (int i = 0; i < N; i++) needs |= order[i] != i;
  if (needs) {
    NnNode *sorted = malloc((size_t)(N ? N : 1) * sizeof(NnNode));
    if (!sorted) { free(indeg); free(order); free(prod); free(placed); snprintf(err, errlen, "not enough memory"); return -1; }
    for (int i = 0; i < N; i++) sorted[i] = g->nodes[order[i]];
    memcpy(g->nodes, sorted, (size_t)N * sizeof(NnNode));
    free(sorted);
  }
  free(indeg); free(order); free(prod); free(placed);
  nn_recount(g);
  return 0;
}

void nn_recount (NnGraph *g) {
  for (int v = 0; v < g->nvalues; v++) {
    g->values[v].producer = -1;
    g->values[v].nuse = g->values[v].is_output;
  }
  for (int i = 0; i < g->nnodes; i++) {
    const NnNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->nout; k++)
      if (n->out[k] >= 0) g->values[n->out[k]].producer = i;
    int r = nn_node_nreads(n);
    for (int k = 0; k < r; k++)
      if (n->in[k] >= 0) g->values[n->in[k]].nuse++;
  }
}

NnGraph *nn_load (const void *bytes, size_t n, const char *dir, char *err, size_t errlen) {
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, n, bytes);
  if (!m) {
    snprintf(err, errlen, "not a valid ONNX model (protobuf parse failed)");
    return NULL;
  }
  NnGraph *g = calloc(1, sizeof *g);
  if (!g) {
    onnx__model_proto__free_unpacked(m, NULL);
    snprintf(err, errlen, "not enough memory");
    return NULL;
  }
  Loader ld = {g, dir, err, errlen, m, 0, 0};
  int rc = build(&ld);
  onnx__model_proto__free_unpacked(m, NULL);
  if (rc == 0) {
    /* attributes are checked once, at load */
    NnCtx c = {1, 0, err, errlen, g};
    for (int i = 0; i < g->nnodes && rc == 0; i++)
      if (g->nodes[i].def->check && g->nodes[i].def->check(&g->nodes[i], &c) != NN_OK) rc = -1;
  }
  if (rc == 0 && nn_passes(g, err, errlen) != 0) rc = -1;
  if (rc != 0) {
    nn_graph_free(g);
    return NULL;
  }
  return g;
}

int nn_tensor_decode (const void *bytes, size_t n, NnTensor *t, char *name, size_t namelen,
                      char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, n, bytes);
  if (!tp) {
    snprintf(err, errlen, "not a valid TensorProto");
    return -1;
  }
  Loader ld = {NULL, NULL, err, errlen, NULL, 0, 0};
  int rc = nn_tensor_from_proto(&ld, tp, t);
  if (rc == 0 && name && namelen) snprintf(name, namelen, "%s", tp->name ? tp->name : "");
  onnx__tensor_proto__free_unpacked(tp, NULL);
  return rc;
}

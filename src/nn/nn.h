/* nn.h — the network engine: N-d tensors, ONNX graphs, operators.
** Plain C, no Lua. A model is loaded into an NnGraph (onnx.c), rewritten by
** passes (passes.c: constant folding, BatchNormalization into Conv, fusion
** of activations and residual adds, dead nodes), planned for one set of
** input shapes (plan.c: shape inference, layouts, a memory plan that reuses
** intermediate buffers) and run node by node (run.c). Operators (ops_*.c)
** only infer shapes and compute; the engine allocates every output.
**
** Conventions: tensors are row-major with ONNX's element types (the enum
** values are TensorProto.DataType's); rank 0 is a scalar holding one
** element. 4-D f32 tensors may instead be stored blocked or channels last
** (fmt below) when every consumer accepts that. Functions returning int return NN_OK (0) or
** NN_ERR with a message in the context; nothing prints. */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#define NN_MAXRANK 8

/* Element types: ONNX's TensorProto.DataType codes. F16 and BF16 exist
** only in files: initializers are converted to F32 on load. */
typedef enum {
  NN_UNDEF = 0, NN_F32 = 1, NN_U8 = 2, NN_I8 = 3, NN_U16 = 4, NN_I16 = 5,
  NN_I32 = 6, NN_I64 = 7, NN_STRING = 8, NN_BOOL = 9, NN_F16 = 10,
  NN_F64 = 11, NN_U32 = 12, NN_U64 = 13, NN_BF16 = 16
} NnType;

/* Size in bytes of one element; 0 for types the engine cannot compute on
** (strings, complex, f16/bf16 outside initializers). */
size_t nn_type_size (int t);
const char *nn_type_name (int t);       /* "float32", "int64", ... */

/* Physical layout of a tensor's data. NN_PLAIN is row-major. The others
** are for rank-4 F32 tensors, dims staying the logical N,C,H,W: NN_NHWC is
** channels last (oneDNN's acdb: element (n,c,h,w) at ((n*H+h)*W+w)*C+c);
** NN_BLOCK8 and NN_BLOCK16 are oneDNN's nChw8c / nChw16c: the buffer holds
** ceil(C/b) blocks of H*W*b floats per image; lanes of padded channels are
** zero. The values are ordered so that a format <= n->outfmt[k] is one the
** plan allows (NHWC wherever blocking is). */
typedef enum { NN_PLAIN = 0, NN_NHWC = 1, NN_BLOCK8 = 8, NN_BLOCK16 = 16 } NnFormat;

typedef struct NnTensor {
  int type;                 /* NnType */
  int rank;
  int fmt;                  /* NnFormat */
  int64_t dims[NN_MAXRANK];
  void *data;               /* NULL while the values are unknown (planning) */
  size_t cap;               /* bytes owned at data (0: borrowed) */
} NnTensor;

int64_t nn_numel (const NnTensor *t);          /* product of dims (1 for rank 0) */
size_t nn_bytes (const NnTensor *t);           /* bytes the data needs in its fmt */
/* Sets type and shape (fmt plain), leaving data alone. */
void nn_setshape (NnTensor *t, int type, int rank, const int64_t *dims);
int nn_sameshape (const NnTensor *a, const NnTensor *b);
/* Owned allocation of nn_bytes(t) (at least 1) 64-byte aligned, replacing
** what t owned: 0 or -1 when out of memory. nn_free releases owned data. */
int nn_alloc (NnTensor *t);
void nn_free (NnTensor *t);
/* Element i of a plain tensor of any numeric type, as a double / int64. */
double nn_getd (const NnTensor *t, int64_t i);
int64_t nn_geti (const NnTensor *t, int64_t i);
void nn_setd (NnTensor *t, int64_t i, double v);    /* converts as C casts do */
/* Converts between layouts (src and dst same logical shape, dst allocated
** for its fmt). */
void nn_reformat (const NnTensor *src, NnTensor *dst, int threads);
/* Numpy-style multidirectional broadcast of a and b's shapes into out:
** 0, or -1 when they are not compatible. */
int nn_broadcast_shape (const NnTensor *a, const NnTensor *b, int *rank, int64_t *dims);

/* ---------- graphs ---------- */

typedef enum {
  NN_ATTR_FLOAT = 1, NN_ATTR_INT = 2, NN_ATTR_STRING = 3, NN_ATTR_TENSOR = 4,
  NN_ATTR_GRAPH = 5, NN_ATTR_FLOATS = 6, NN_ATTR_INTS = 7, NN_ATTR_STRINGS = 8
} NnAttrKind;   /* AttributeProto.AttributeType codes */

typedef struct NnAttr {
  char *name;
  int kind;                 /* NnAttrKind */
  float f;
  int64_t i;
  char *s;                  /* STRING (NUL-terminated; slen bytes) */
  size_t slen;
  NnTensor t;               /* TENSOR (owned) */
  int n;                    /* count of FLOATS / INTS / STRINGS */
  float *fs;
  int64_t *is;
  char **ss;
} NnAttr;

/* An activation or a residual add fused into the node before it (the
** passes put them there; ops that accept post-ops apply them in order). */
typedef enum {
  NN_POST_RELU = 1, NN_POST_LEAKY, NN_POST_CLIP, NN_POST_SIGMOID, NN_POST_TANH,
  NN_POST_HARDSWISH, NN_POST_HARDSIGMOID, NN_POST_ELU, NN_POST_GELU_ERF,
  NN_POST_SUM,            /* dst += value 'arg' (same shape), before later posts */
  NN_POST_LINEAR          /* alpha * x + beta (a Mul / Add / Sub / Div by a scalar constant) */
} NnPostKind;
typedef struct NnPost { int kind; float alpha, beta; int arg; } NnPost;
#define NN_MAXPOST 4

struct NnOp;
typedef struct NnNode {
  char *name;               /* "" when the file has none */
  char *op;                 /* op_type */
  const struct NnOp *def;   /* NULL until resolved */
  int opset;                /* of the node's domain */
  int nin, nout;
  int *in;                  /* value ids; -1 for an omitted optional input */
  int *out;
  int nattr;
  NnAttr *attr;
  int npost;
  NnPost post[NN_MAXPOST];
  int dead;                 /* removed by a pass (folded, fused) */
  int outfmt[4];            /* plan: format each output may take (engine sets) */
  void *state;              /* the op's prepared state; def->release frees it */
  double time_ms;           /* accumulated by runs (net:stats()) */
  int64_t calls;
} NnNode;

typedef struct NnValue {
  char *name;
  NnTensor t;               /* inferred type/shape; data for constants */
  int is_const;             /* initializer, Constant or folded */
  int is_input, is_output;  /* graph inputs (not initializers) / outputs */
  /* declared shape of graph inputs/outputs: dims < 0 are dynamic, named by
  ** dim_param[i] when the file names them */
  int decl_type, decl_rank;
  int64_t decl_dims[NN_MAXRANK];
  char *dim_param[NN_MAXRANK];
  int producer;             /* node id, or -1 */
  int nuse;                 /* live consumers (nodes and graph outputs) */
} NnValue;

typedef struct NnMeta { char *key, *value; } NnMeta;

typedef struct NnGraph {
  int nvalues, cvalues;
  NnValue *values;
  int nnodes, cnodes;
  NnNode *nodes;            /* in topological order after loading */
  int ninputs, noutputs;
  int *inputs, *outputs;    /* value ids */
  int opset;                /* default domain's */
  int nmeta;
  NnMeta *meta;             /* metadata_props */
  struct NnPlan *plan;      /* cached plan for the last input shapes */
  int *htab;                /* value ids by name hash (graph.c) */
  int hsize;
} NnGraph;

/* Frees everything the graph owns. */
void nn_graph_free (NnGraph *g);
/* Value id of name, or -1. Adds one when 'create' (then -2 if out of memory). */
int nn_value_id (NnGraph *g, const char *name, int create);
const NnAttr *nn_attr (const NnNode *n, const char *name);
int64_t nn_attr_int (const NnNode *n, const char *name, int64_t def);
float nn_attr_float (const NnNode *n, const char *name, float def);
const char *nn_attr_str (const NnNode *n, const char *name, const char *def);
/* INTS attribute: count (or -1 when absent) and the array in *v. */
int nn_attr_ints (const NnNode *n, const char *name, const int64_t **v);
int nn_attr_floats (const NnNode *n, const char *name, const float **v);

/* ---------- loading (onnx.c) ---------- */

/* Parses an ONNX model from memory. 'dir' is where external-data files
** are looked up (NULL: none allowed). Returns NULL with a message in err
** for anything malformed: bad protobuf, a missing initializer or input,
** an unknown operator (named with its node), a cycle. */
NnGraph *nn_load (const void *bytes, size_t n, const char *dir, char *err, size_t errlen);

/* Decodes one serialized TensorProto (as the ONNX tests' input_0.pb):
** 0, or -1 with a message. Its name goes to name (may be NULL). */
int nn_tensor_decode (const void *bytes, size_t n, NnTensor *t, char *name, size_t namelen,
                      char *err, size_t errlen);

/* ---------- operators ---------- */

typedef struct NnCtx {
  int threads;
  int planning;             /* infer called at plan time: data may be NULL */
  char *err;
  size_t errlen;
  NnGraph *g;
} NnCtx;

/* Return codes of infer/run. NN_DYNAMIC: infer needs input values that are
** unknown at plan time; the engine infers again at run time. */
enum { NN_OK = 0, NN_ERR = -1, NN_DYNAMIC = 1 };

/* Largest element count an operator output may have (as the loader's limit). */
#define NN_MAXEL ((int64_t)1 << 40)
/* Input k of n, or NULL when omitted (absent or named ""). */
NnTensor *nn_opt_in (const NnNode *n, NnTensor **in, int k);
/* Sets an output's type and shape after checking the dims (none negative,
** at most NN_MAXEL elements): NN_OK, or NN_ERR with a message. */
int nn_set_out (NnNode *n, NnCtx *c, NnTensor *o, int type, int rank, const int64_t *dims);

/* Formats "node 'name' (Op): message" into the context: returns NN_ERR. */
int nn_fail (NnCtx *c, const NnNode *n, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Capabilities of an operator (NnOp.flags). */
enum {
  NN_F_BLOCKED = 1,         /* run() takes blocked and NHWC inputs; infer may set out fmt */
  NN_F_POST = 2,            /* run() applies n->post */
  NN_F_PURE = 4             /* foldable: depends only on its inputs */
};

typedef struct NnOp {
  const char *name;
  int flags;
  /* Load time: validates attributes (NULL: nothing to check). */
  int (*check) (NnNode *n, NnCtx *c);
  /* Sets type, rank and dims of out[0..n->nout-1] (and fmt, for
  ** NN_F_BLOCKED ops, within n->outfmt) from the inputs; in[i] is NULL for
  ** an omitted optional input. At plan time in[i]->data is NULL unless that
  ** value is constant. */
  int (*infer) (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c);
  /* Computes: outputs are allocated by the engine for the shape infer set.
  ** Inputs are plain unless the op has NN_F_BLOCKED. */
  int (*run) (NnNode *n, NnTensor **in, NnTensor **out, NnCtx *c);
  void (*release) (NnNode *n);   /* frees n->state (NULL: nothing) */
} NnOp;

/* The operator for op_type (default domain), or NULL. */
const NnOp *nn_find_op (const char *name);
/* Tables of operators, each ended by an entry with name NULL. */
extern const NnOp nn_ops_math[];       /* ops_math.c: element-wise, comparisons */
extern const NnOp nn_ops_reduce[];     /* ops_reduce.c: reductions, softmax, argmax */
extern const NnOp nn_ops_shape[];      /* ops_shape.c: shape and data movement */
extern const NnOp nn_ops_resize[];     /* ops_resize.c: Resize, Upsample */
extern const NnOp nn_ops_dnnl[];       /* ops_dnnl.c: conv, matmul, pooling, norms */

/* ---------- planning and running (plan.c, run.c) ---------- */

typedef struct NnStats {
  size_t peak_bytes;        /* intermediate buffers of the plan */
  size_t weight_bytes;      /* constants */
  double run_ms;            /* last run */
} NnStats;

/* Runs the graph on inputs (in graph input order, plain F32 or the
** declared type), writing outputs (owned by the caller, freed with
** nn_free; allocated here). Plans on first use and whenever an input
** shape changes. */
int nn_run (NnGraph *g, NnTensor *const *inputs, NnTensor *outputs, int threads,
            char *err, size_t errlen);
void nn_stats (const NnGraph *g, NnStats *s);

/* Runs the load-time passes (constant folding, BN into Conv, fusion, dead
** nodes): 0, or NN_ERR with a message. */
int nn_passes (NnGraph *g, char *err, size_t errlen);

#endif

/* dnnl_internal.h — what the oneDNN operators share (ops_dnnl.c,
** dnnl_common.c): the process-wide engine and stream, memory descriptors
** of tensors, post-ops, and DnPrim, a primitive bound to its arguments.
**
** A DnPrim owns one oneDNN primitive and, per argument, a memory object for
** the tensor as the engine stores it. Where the primitive wants another
** layout (weights it chose with format_tag_any, a blocked dst for a plain
** tensor), the argument also owns a buffer in that layout and a reorder
** between the two; constant inputs are reordered once and kept. */
#ifndef NN_DNNL_INTERNAL_H
#define NN_DNNL_INTERNAL_H

#include <dnnl.h>

#include "nn/nn.h"

/* The CPU engine and its stream, created on first use (NULL if oneDNN
** cannot create them). */
dnnl_engine_t dn_engine (void);
dnnl_stream_t dn_stream (void);
/* Sets the number of OpenMP threads oneDNN uses from this thread on; call
** before creating and before executing a primitive. */
void dn_threads (int n);

/* y[i] = f(x[i]) for n contiguous floats through oneDNN's eltwise
** primitive (alg: dnnl_eltwise_logistic, _tanh, _sqrt, _exp ...; oneDNN's
** primitive cache makes re-creating it per call cheap): 0, or -1 when
** oneDNN cannot, and the caller computes it itself. */
int dn_eltwise_f32 (dnnl_alg_kind_t alg, const float *x, float *y, int64_t n, int threads);

/* "node ...: oneDNN <what>: <status>": NN_ERR. */
int dn_fail (NnCtx *c, const NnNode *n, const char *what, dnnl_status_t st);
/* Name of the implementation a primitive descriptor chose ("" if none). */
const char *dn_impl (const_dnnl_primitive_desc_t pd);
/* Whether that implementation is a slow reference or im2col one. */
int dn_impl_slow (const_dnnl_primitive_desc_t pd);

/* oneDNN's data type for an element type (dnnl_data_type_undef if none). */
dnnl_data_type_t dn_dt (int type);
/* Descriptor of a tensor as stored (plain row-major, or nChw8c/nChw16c).
** rank and dims override the tensor's when rank > 0 (same element count,
** plain only). Non-zero when oneDNN cannot describe it. */
int dn_md (const NnTensor *t, int rank, const int64_t *dims, dnnl_memory_desc_t *md);
/* Plain row-major descriptor with explicit dims, or strides (NULL: dense). */
int dn_md_plain (dnnl_memory_desc_t *md, int rank, const int64_t *dims, const int64_t *strides,
                 dnnl_data_type_t dt);
/* Same dims and data type, layout left to the primitive. */
int dn_md_any (dnnl_memory_desc_t *md, int rank, const int64_t *dims, dnnl_data_type_t dt);

/* ---------- post-ops ---------- */

/* Appends n->post to attr's post-ops as oneDNN eltwise and sum post-ops,
** stopping before a SUM that cannot go there (one sum post-op only; none
** when 'sum_used', the dst already being taken by something else). Returns
** how many of n's posts were appended (the rest go to dn_posts_tail), and
** in *sum the index of the SUM operand whose value must be in dst before
** execution (-1: none). */
int dn_posts (const NnNode *n, dnnl_primitive_attr_t attr, int sum_used, int *sum);
/* Adds a per-channel bias (dim 1; NULL: none) to out and applies posts
** k0.. of n, in C, one threaded pass (out's fmt; padded lanes stay zero);
** SUM operands come from in[n->nin + j]. NN_OK or NN_ERR. */
int dn_posts_tail (NnNode *n, NnTensor **in, NnTensor *out, int k0, const float *bias, NnCtx *c);
/* The tensor a SUM post with index j (counting SUMs from 0) reads. */
const NnTensor *dn_sum_operand (const NnNode *n, NnTensor **in, int j);

/* ---------- primitives bound to arguments ---------- */

#define DN_MAXARG 8
enum { DN_OUT = 1, DN_KEEP = 2 };

typedef struct DnArg {
  int arg;                    /* DNNL_ARG_* */
  int flags;                  /* DN_OUT, DN_KEEP */
  dnnl_memory_t um;           /* the tensor, data set at each run */
  dnnl_memory_t pm;           /* the primitive's layout, or NULL: um itself */
  dnnl_primitive_t reo;       /* um -> pm for inputs, pm -> um for outputs */
  const void *kept;           /* DN_KEEP: the data last reordered */
} DnArg;

typedef struct DnPrim {
  dnnl_primitive_t prim;
  int nargs;
  DnArg a[DN_MAXARG];
  /* the SUM operand's path into dst, when its layout differs */
  dnnl_memory_desc_t smd;
  dnnl_memory_t sm;
  dnnl_primitive_t sreo;
} DnPrim;

/* Creates p's primitive from pd (p zeroed before). */
dnnl_status_t dn_prim (DnPrim *p, const_dnnl_primitive_desc_t pd);
/* Binds argument 'arg' of the primitive to tensors described by umd (NULL:
** the primitive's own descriptor): a reorder when they differ. */
dnnl_status_t dn_bind (DnPrim *p, const_dnnl_primitive_desc_t pd, int arg, const dnnl_memory_desc_t *umd,
                       int flags);
/* Runs: data[i] is argument i's tensor data, in bind order. sum_md/sum
** (NULL: none) is a tensor copied into dst first (for a sum post-op). */
dnnl_status_t dn_exec (DnPrim *p, void *const *data, const dnnl_memory_desc_t *sum_md, const void *sum);
void dn_prim_free (DnPrim *p);
/* The tensor-side descriptor of a bound argument (NULL if not bound). */
const dnnl_memory_desc_t *dn_user_md (const DnPrim *p, int arg);

#endif

/* nn_internal.h — what the engine's own files share (not the operators). */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include "nn/nn.h"

void nn_attr_free (NnAttr *a);
void nn_node_free (NnNode *n);
void nn_plan_free (NnGraph *g);

/* Appends a node (zeroed, op and name copied): its index, or -1. */
int nn_add_node (NnGraph *g, const char *op, const char *name, int nin, int nout);
/* Orders g->nodes topologically (by inputs and fused operands): 0, or -1
** with a message naming a node on a cycle. */
int nn_toposort (NnGraph *g, char *err, size_t errlen);
/* Recounts producers and live uses of every value. */
void nn_recount (NnGraph *g);
/* Number of inputs a node reads: n->nin plus one per fused SUM. */
int nn_node_nreads (const NnNode *n);

/* Executes one node whose inputs all have data, allocating its outputs
** (owned): the folding step of the passes and the planner. */
int nn_eval_node (NnGraph *g, NnNode *n, NnCtx *c);

/* Block size for blocked layouts on this CPU (16 with AVX-512, else 8). */
int nn_block_size (void);
/* Monotonic milliseconds. */
double nn_now_ms (void);

#endif

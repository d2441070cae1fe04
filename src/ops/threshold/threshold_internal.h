/* threshold_internal.h — what the files of the threshold family share.
** Private to src/ops/threshold/; the bindings include threshold.h. */
#ifndef SEG_THRESHOLD_INTERNAL_H
#define SEG_THRESHOLD_INTERNAL_H

#include "threshold.h"

#define MAXT 256   /* most chunks a parallel pass splits rows into */

static inline int chunks_for (int threads, int h) {
  int t = threads < 1 ? 1 : threads > MAXT ? MAXT : threads;
  return t > h ? h : t;
}

#endif

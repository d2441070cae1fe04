/* lcluster.c — bindings: kmeans. */
#include "lseg.h"

void seg_open_cluster (lua_State *L) {
  (void)L;
}

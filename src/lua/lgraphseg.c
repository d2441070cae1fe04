/* lgraphseg.c — bindings: felzenszwalb, meanshift, region merging on a RAG. */
#include "lseg.h"

void seg_open_graphseg (lua_State *L) {
  (void)L;
}

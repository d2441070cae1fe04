/* lwatershed.c — bindings: watershed, h_maxima, h_minima, local_maxima. */
#include "lseg.h"

void seg_open_watershed (lua_State *L) {
  (void)L;
}

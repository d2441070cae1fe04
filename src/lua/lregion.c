/* lregion.c — bindings: flood, region_grow, confidence_connected. */
#include "lseg.h"

void seg_open_region (lua_State *L) {
  (void)L;
}

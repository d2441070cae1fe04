/* lgraphcut.c — bindings: graphcut (Boykov-Kolmogorov max-flow), grabcut. */
#include "lseg.h"

void seg_open_graphcut (lua_State *L) {
  (void)L;
}

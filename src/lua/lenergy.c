/* lenergy.c — bindings: random_walker, chan_vese, morphological active contours. */
#include "lseg.h"

void seg_open_energy (lua_State *L) {
  (void)L;
}

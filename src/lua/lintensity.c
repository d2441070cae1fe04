/* lintensity.c — bindings: rescale_intensity, equalize_hist, clahe. */
#include "lseg.h"

void seg_open_intensity (lua_State *L) {
  (void)L;
}

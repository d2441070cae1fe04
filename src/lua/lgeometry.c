/* lgeometry.c — bindings: flip, rotate90, transpose, pad, paste, hstack, vstack, montage. */
#include "lseg.h"

void seg_open_geometry (lua_State *L) {
  (void)L;
}

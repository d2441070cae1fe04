/* ldraw.c — bindings for the draw family (filled in as the family lands). */
#include "lseg.h"

void seg_open_draw (lua_State *L) { (void)L; }

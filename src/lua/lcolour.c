/* lcolour.c — bindings: colour spaces: lab, hsv, hed and back. */
#include "lseg.h"

void seg_open_colour (lua_State *L) {
  (void)L;
}

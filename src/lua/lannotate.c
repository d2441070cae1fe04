/* lannotate.c — bindings: lines, rectangles, circles, text. */
#include "lseg.h"

void seg_open_annotate (lua_State *L) {
  (void)L;
}

/* lsuperpixel.c — bindings: slic, quickshift. */
#include "lseg.h"

void seg_open_superpixel (lua_State *L) {
  (void)L;
}

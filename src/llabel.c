/* llabel.c — bindings for the label family (filled in as the family lands). */
#include "lseg.h"

void seg_open_label (lua_State *L) { (void)L; }

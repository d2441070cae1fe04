/* lmorph.c — bindings for the morph family (filled in as the family lands). */
#include "lseg.h"

void seg_open_morph (lua_State *L) { (void)L; }

/* lthreshold.c — bindings for the threshold family (filled in as the family lands). */
#include "lseg.h"

void seg_open_threshold (lua_State *L) { (void)L; }

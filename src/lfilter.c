/* lfilter.c — bindings for the filter family (filled in as the family lands). */
#include "lseg.h"

void seg_open_filter (lua_State *L) { (void)L; }

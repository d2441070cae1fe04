/* lmetrics.c — bindings for the metrics family (filled in as the family lands). */
#include "lseg.h"

void seg_open_metrics (lua_State *L) { (void)L; }

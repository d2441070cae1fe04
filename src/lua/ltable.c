/* ltable.c — bindings: regions_table, write_csv. */
#include "lseg.h"

void seg_open_table (lua_State *L) {
  (void)L;
}

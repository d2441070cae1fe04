/* lio.c — placeholder until the I/O bindings land (owned by the I/O work). */
#include "lseg.h"
void seg_open_io (lua_State *L) { (void)L; }

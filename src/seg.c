/* seg.c — the module entry point, the only symbol seg.so exports
** (everything else is built with -fvisibility=hidden). */
#include "lua/lseg.h"

#define SEG_API __attribute__((visibility("default")))

SEG_API int luaopen_seg (lua_State *L);

int luaopen_seg (lua_State *L) {
  lua_newtable(L);
  seg_open_image(L);     /* leaves module, methods */
  seg_open_convert(L);
  seg_open_stats(L);
  seg_open_pointwise(L);
  seg_open_io(L);
  seg_open_threshold(L);
  seg_open_filter(L);
  seg_open_morph(L);
  seg_open_label(L);
  seg_open_metrics(L);
  seg_open_draw(L);
  seg_open_watershed(L);
  seg_open_region(L);
  seg_open_cluster(L);
  seg_open_colour(L);
  seg_open_superpixel(L);
  seg_open_graphseg(L);
  seg_open_graphcut(L);
  seg_open_energy(L);
  seg_open_geometry(L);
  seg_open_intensity(L);
  seg_open_annotate(L);
  seg_open_table(L);
  seg_open_tensor(L);
  seg_open_nn(L);
  lua_pop(L, 1);
  return 1;
}

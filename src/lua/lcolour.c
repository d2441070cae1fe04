/* lcolour.c — bindings: colour spaces as scikit-image 0.19's skimage.color:
** img:lab(), img:hsv(), img:hed() (rgb2lab D65/2°, rgb2hsv, rgb2hed) and
** back: img:lab_to_rgb(), img:hsv_to_rgb(), img:hed_to_rgb(). */
#include "lseg.h"
#include "ops/colour/colour.h"

/* img:<space>([{out=}]) and img:<space>_to_rgb([{out=}]) -> 3-channel f32
** Image. Forward: RGB or RGBA (alpha ignored) u8, u16 or f32; inverse:
** 3 channels of any of those dtypes. Values scaled as img_as_float. */
static int convert (lua_State *L, SegColourSpace space, int inverse) {
  static const char *const keys[] = {"out", NULL};
  seg_checkimage(L, 1);
  seg_checkoptions(L, 2, keys);
  int oidx = seg_optout(L, 2);
  SegImage *im = seg_checkimage(L, 1);     /* reading options may run Lua code */
  luaL_argcheck(L, im->kind == SEG_KIND_IMAGE && im->b.dtype != SEG_I32, 1,
                "u8, u16 or f32 image expected");
  if (inverse)
    luaL_argcheck(L, im->b.c == 3, 1, "3-channel image expected");
  else
    luaL_argcheck(L, im->b.c == 3 || im->b.c == 4, 1, "RGB image expected (3 or 4 channels)");
  SegImage *out = seg_pushout(L, 2, oidx, SEG_KIND_IMAGE, im->b.w, im->b.h, 3, SEG_F32);
  /* element-wise per pixel: out may be the image itself (same layout) */
  seg_colour_convert(&im->b, &out->b, space, inverse, seg_colour_unit(im->b.dtype), 0.0,
                     seg_ctx(L)->threads);
  return 1;
}

static int l_lab (lua_State *L) { return convert(L, SEG_COLOUR_LAB, 0); }
static int l_hsv (lua_State *L) { return convert(L, SEG_COLOUR_HSV, 0); }
static int l_hed (lua_State *L) { return convert(L, SEG_COLOUR_HED, 0); }
static int l_lab_to_rgb (lua_State *L) { return convert(L, SEG_COLOUR_LAB, 1); }
static int l_hsv_to_rgb (lua_State *L) { return convert(L, SEG_COLOUR_HSV, 1); }
static int l_hed_to_rgb (lua_State *L) { return convert(L, SEG_COLOUR_HED, 1); }

void seg_open_colour (lua_State *L) {
  static const luaL_Reg methods[] = {
    {"lab", l_lab}, {"hsv", l_hsv}, {"hed", l_hed},
    {"lab_to_rgb", l_lab_to_rgb}, {"hsv_to_rgb", l_hsv_to_rgb}, {"hed_to_rgb", l_hed_to_rgb},
    {NULL, NULL}};
  seg_register(L, methods);
}

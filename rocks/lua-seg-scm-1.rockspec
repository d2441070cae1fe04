rockspec_format = "3.0"
package = "lua-seg"
version = "scm-1"
source = {
  url = "git+https://example.invalid/lua-seg.git",  -- built from a checkout: luarocks make
}
description = {
  summary = "Image segmentation for Lua 5.4: images, masks, labels and operators in C",
  detailed = [[
    lua-seg exposes images, masks and label maps as Lua userdata backed by a
    vectorized, threaded C core: PNG/JPEG/PNM I/O, conversions, thresholds,
    filters, morphology, labelling and region measurement, and an ONNX engine
    (oneDNN) that runs segmentation networks and hands their output to them.
  ]],
  license = "MIT",
}
dependencies = { "lua >= 5.4" }
external_dependencies = {
  PNG = { header = "png.h", library = "png" },
  JPEG = { header = "jpeglib.h", library = "jpeg" },
  DNNL = { header = "dnnl.h", library = "dnnl" },
  PROTOBUFC = { header = "protobuf-c/protobuf-c.h", library = "protobuf-c" },
}
build = {
  type = "make",
  build_variables = {
    CFLAGS = "$(CFLAGS) -O3",
    LUA_INCDIR = "$(LUA_INCDIR)",
    EXTRA_INC = "-I$(PNG_INCDIR) -I$(JPEG_INCDIR) -I$(DNNL_INCDIR) -I$(PROTOBUFC_INCDIR)",
    EXTRA_LIB = "-L$(PNG_LIBDIR) -L$(JPEG_LIBDIR) -L$(DNNL_LIBDIR) -L$(PROTOBUFC_LIBDIR)",
  },
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
    INST_BINDIR = "$(BINDIR)",
  },
}

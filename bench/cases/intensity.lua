-- bench/cases/intensity.lua — tone mappings (format of bench/cases.lua).
local seg = require "seg"

return {
  { name = "rescale_intensity gray", lua = "gray:rescale_intensity()", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:rescale_intensity() end end,
    peers = { skimage = { setup = "import skimage.exposure as E", run = "E.rescale_intensity(gray)" } } },
  { name = "rescale_intensity rgb f32", lua = "rgb:rescale_intensity{in_range = {20, 230}, out_range = {0, 1}}",
    memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:rescale_intensity{in_range = {20, 230}, out_range = {0, 1}} end end,
    peers = { skimage = { setup = "import skimage.exposure as E",
                          run = "E.rescale_intensity(rgb, in_range=(20, 230), out_range=(0, 1))" } } },
  { name = "equalize_hist gray", lua = "gray:equalize_hist()", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:equalize_hist() end end,
    peers = { opencv = "cv2.equalizeHist(gray)" } },
  { name = "clahe gray", lua = "gray:clahe{clip = 2}", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:clahe{clip = 2} end end,
    peers = { opencv = { setup = "c = cv2.createCLAHE(2.0, (8, 8))", run = "c.apply(gray)" } } },
  { name = "clahe gray16", lua = 'gray:to("u16", 257):clahe{clip = 2}',
    run = function (d) local g = d.gray:to("u16", 257)
      return function () return g:clahe{clip = 2} end end,
    peers = { opencv = { setup = "c = cv2.createCLAHE(2.0, (8, 8)); g16 = gray.astype(np.uint16) * 257",
                         run = "c.apply(g16)" } } },
}

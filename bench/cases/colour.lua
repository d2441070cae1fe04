-- bench/cases/colour.lua — colour-space rows (format of bench/cases.lua),
-- on a 1024x1024 crop of the RGB input. Ours read u8 and write f32 (as
-- skimage's rgb2lab of a u8 image); OpenCV is given the same pixels as f32
-- in 0..1, the form whose output has skimage's scale (L 0..100, H in
-- degrees for HSV). Values are compared with skimage in spec/colour_spec.lua.
local seg = require "seg"

local CROP = "a = np.ascontiguousarray(rgb[:1024, :1024])"
local CROPF = CROP .. "; af = a.astype(np.float32) / 255"
local SK = CROP .. "; import skimage.color as C"

local function crop (d) return d.rgb:crop(0, 0, math.min(1024, d.width), math.min(1024, d.height)) end

return {
  { name = "lab 1024", lua = "a:lab()",
    run = function (d) local a = crop(d)
      return function () return a:lab() end end,
    peers = { opencv = { setup = CROPF, run = "cv2.cvtColor(af, cv2.COLOR_RGB2Lab)" },
              skimage = { setup = SK, run = "C.rgb2lab(a)" } } },
  { name = "hsv 1024", lua = "a:hsv()",
    run = function (d) local a = crop(d)
      return function () return a:hsv() end end,
    peers = { opencv = { setup = CROPF, run = "cv2.cvtColor(af, cv2.COLOR_RGB2HSV)" },
              skimage = { setup = SK, run = "C.rgb2hsv(a)" } } },
  { name = "hed 1024", lua = "a:hed()",
    run = function (d) local a = crop(d)
      return function () return a:hed() end end,
    peers = { skimage = { setup = SK, run = "C.rgb2hed(a)" } } },
  { name = "lab_to_rgb 1024", lua = "lab:lab_to_rgb()",
    run = function (d) local l = crop(d):lab()
      return function () return l:lab_to_rgb() end end,
    peers = { opencv = { setup = CROPF .. "; l = cv2.cvtColor(af, cv2.COLOR_RGB2Lab)",
                         run = "cv2.cvtColor(l, cv2.COLOR_Lab2RGB)" },
              skimage = { setup = SK .. "; l = C.rgb2lab(a).astype(np.float32)", run = "C.lab2rgb(l)" } } },
  { name = "hsv_to_rgb 1024", lua = "hsv:hsv_to_rgb()",
    run = function (d) local h = crop(d):hsv()
      return function () return h:hsv_to_rgb() end end,
    peers = { opencv = { setup = CROPF .. "; h = cv2.cvtColor(af, cv2.COLOR_RGB2HSV)",
                         run = "cv2.cvtColor(h, cv2.COLOR_HSV2RGB)" },
              skimage = { setup = SK .. "; h = C.rgb2hsv(a).astype(np.float32)", run = "C.hsv2rgb(h)" } } },
}

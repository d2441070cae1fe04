-- bench/cases/geometry.lua — flips, quarter turns, transpose, padding,
-- stacking and montages (format of bench/cases.lua). Pure data movement:
-- the "÷ memcpy" column is the figure to watch.
local seg = require "seg"

local UTIL = "import skimage.util as U"

return {
  { name = "flip x gray", lua = 'gray:flip("x")', memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:flip("x") end end,
    peers = { opencv = "cv2.flip(gray, 1)" } },
  { name = "flip x rgb", lua = 'rgb:flip("x")', memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:flip("x") end end,
    peers = { opencv = "cv2.flip(rgb, 1)" } },
  { name = "flip y rgb", lua = 'rgb:flip("y")', memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:flip("y") end end,
    peers = { opencv = "cv2.flip(rgb, 0)" } },
  { name = "rotate90 gray", lua = "gray:rotate90()", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:rotate90() end end,
    peers = { opencv = "cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE)",
              numpy = "np.ascontiguousarray(np.rot90(gray))" } },
  { name = "rotate90 rgb", lua = "rgb:rotate90(-1)", memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:rotate90(-1) end end,
    peers = { opencv = "cv2.rotate(rgb, cv2.ROTATE_90_CLOCKWISE)" } },
  { name = "transpose gray", lua = "gray:transpose()", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:transpose() end end,
    peers = { opencv = "cv2.transpose(gray)" } },
  { name = "transpose rgb", lua = "rgb:transpose()", memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:transpose() end end,
    peers = { opencv = "cv2.transpose(rgb)" } },
  { name = "pad reflect rgb", lua = 'rgb:pad(64, {mode = "reflect"})', memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:pad(64, {mode = "reflect"}) end end,
    peers = { opencv = "cv2.copyMakeBorder(rgb, 64, 64, 64, 64, cv2.BORDER_REFLECT_101)",
              numpy = "np.pad(rgb, ((64, 64), (64, 64), (0, 0)), mode='reflect')" } },
  { name = "pad constant gray", lua = "gray:pad(16, {value = 255})", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:pad(16, {value = 255}) end end,
    peers = { opencv = "cv2.copyMakeBorder(gray, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=255)",
              numpy = "np.pad(gray, 16, constant_values=255)" } },
  { name = "hstack rgb", lua = "seg.hstack{rgb, rgb2}", memcpy = "rgb",
    run = function (d) local a, b = d.rgb, d.rgb2
      return function () return seg.hstack{a, b} end end,
    peers = { opencv = "cv2.hconcat([rgb, rgb2])" } },
  { name = "vstack gray", lua = "seg.vstack{gray, gray}", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return seg.vstack{g, g} end end,
    peers = { opencv = "cv2.vconcat([gray, gray])" } },
  { name = "montage 16 gray", lua = "seg.montage(tiles, {pad = 8})", memcpy = "gray",
    run = function (d)
      local t, s = {}, d.width // 4
      for i = 0, 15 do t[#t + 1] = d.gray:crop(i % 4 * s, i // 4 * s, s, s) end
      return function () return seg.montage(t, {pad = 8}) end end,
    peers = { skimage = { setup = UTIL .. "; s = gray.shape[1] // 4; t = np.stack([gray[i // 4 * s:(i // 4 + 1) * s, i % 4 * s:(i % 4 + 1) * s] for i in range(16)])",
                          run = "U.montage(t, padding_width=8)" } } },
}

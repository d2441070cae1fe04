-- bench/cases.lua — the core rows of `make bench`, in table order. Each
-- operator family may add bench/cases/<family>.lua in the same format; its
-- rows get their own table in results.md.
--
-- A case is a table:
--   name     short id, used by --only and shown in the table
--   lua      the lua-seg call shown in the legend of results.md
--   run      function(d, params) -> timed function. Everything before the inner
--            `return function` is setup and is not timed. d holds the
--            inputs (see run.lua): d.rgb, d.rgb2, d.gray (Images), d.m1,
--            d.m2 (Masks), d.png, d.jpeg, d.gray_png (file bytes),
--            d.width, d.height.
--   peers    { [peer name] = code }, one row per peer. code is a Python
--            expression (timed) over the same inputs as numpy arrays, or
--            { setup = "...", run = "...", note = "..." }, or
--            { key = "...", show = "..." } naming a factory in
--            bench/peers.py (show: what the legend prints). Peer names
--            opencv, numpy, skimage, scipy run in peers.py; onnxruntime and
--            the `runner` field are described in bench/README.md.
--   params   (optional) table given to both sides: run(d, params) and `p`
--            in Python; handy for generating cases in a loop.
--   memcpy   (optional) input whose clone time is the reference for the
--            "÷ memcpy" column: ours ÷ cloning that input's bytes.
--   note     (optional) function(result) -> string for the notes column.
--   reference (optional) marks the memcpy rows themselves: the input name.
--
-- Missing lua-seg functions make the row print "n/a", never fail the run.

local seg = require "seg"

local function mb (s) return ("%.1f MB"):format(#s / 1e6) end
local MB = "'%.1f MB' % (len(r[1]) / 1e6)"

return {
  -- reference rows: the cost of touching the same bytes once
  { name = "clone rgb", lua = "rgb:clone()", reference = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:clone() end end,
    peers = { numpy = "rgb.copy()" } },
  { name = "clone gray", lua = "gray:clone()", reference = "gray",
    run = function (d) local a = d.gray
      return function () return a:clone() end end,
    peers = { numpy = "gray.copy()" } },

  -- codecs: bytes already in memory on both sides
  { name = "decode png", lua = "seg.decode(png)",
    run = function (d) local s = d.png
      return function () return assert(seg.decode(s)) end end,
    peers = { opencv = "cv2.imdecode(png, cv2.IMREAD_UNCHANGED)" } },
  { name = "encode png", lua = 'rgb:encode("png")', note = mb,
    run = function (d) local a = d.rgb
      return function () return assert(a:encode("png")) end end,
    peers = { opencv = { key = "cv2.png_encode",
                                      show = "cv2.imencode('.png', rgb)" } } },
  { name = "decode jpeg", lua = "seg.decode(jpeg)",
    run = function (d) local s = d.jpeg
      return function () return assert(seg.decode(s)) end end,
    peers = { opencv = "cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED)" } },
  { name = "encode jpeg", lua = 'rgb:encode("jpeg")', note = mb,
    run = function (d) local a = d.rgb
      return function () return assert(a:encode("jpeg")) end end,
    peers = { opencv = { run = "cv2.imencode('.jpg', rgb)", note = MB } } },

  -- pointwise
  { name = "gray", lua = "rgb:gray()", memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:gray() end end,
    peers = { opencv = "cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)" } },
  { name = "gt", lua = "gray:gt(127)", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:gt(127) end end,
    peers = { opencv = "cv2.threshold(gray, 127, 1, cv2.THRESH_BINARY)" } },
  { name = "add", lua = "rgb + rgb2", memcpy = "rgb",
    run = function (d) local a, b = d.rgb, d.rgb2
      return function () return a + b end end,
    peers = { opencv = "cv2.add(rgb, rgb2)" } },
  -- a bare 10 would be Scalar(10, 0, 0, 0) to cv2: first channel only
  { name = "add scalar", lua = "rgb + 10", memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a + 10 end end,
    peers = { opencv = "cv2.add(rgb, (10, 10, 10, 0))" } },
  { name = "and", lua = "m1 & m2", memcpy = "gray",
    run = function (d) local a, b = d.m1, d.m2
      return function () return a & b end end,
    peers = { opencv = "cv2.bitwise_and(m1, m2)" } },
  { name = "to f32", lua = 'rgb:to("f32")', memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:to("f32") end end,
    peers = { numpy = "rgb.astype(np.float32)" } },

  -- geometry
  { name = "resize area", lua = 'rgb:resize(w/2, h/2, "area")',
    run = function (d) local a, w, h = d.rgb, d.width // 2, d.height // 2
      return function () return a:resize(w, h, "area") end end,
    peers = { opencv = "cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_AREA)" } },
  { name = "resize bilinear", lua = 'rgb:resize(w/2, h/2, "bilinear")',
    run = function (d) local a, w, h = d.rgb, d.width // 2, d.height // 2
      return function () return a:resize(w, h, "bilinear") end end,
    peers = { opencv = "cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_LINEAR)" } },

  -- reductions
  { name = "histogram", lua = "gray:histogram()", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:histogram() end end,
    peers = { opencv = "cv2.calcHist([gray], [0], None, [256], [0, 256])" } },
  { name = "mean std", lua = "rgb:mean_std()", memcpy = "rgb",
    run = function (d) local a = d.rgb
      return function () return a:mean_std() end end,
    peers = { opencv = "cv2.meanStdDev(rgb)" } },
}

-- bench/cases/watershed.lua — watershed and extrema rows (format of
-- bench/cases.lua). Labels are compared with scikit-image in
-- spec/watershed_spec.lua; here only time counts.
--
-- Both sides flood the same elevation, the 3x3 morphological gradient of
-- gray (u8; OpenCV's watershed wants it as 3 channels and flooding by
-- colour difference, so it gets the gradient replicated), from the same
-- i32 markers. "grid": one seed every 32 pixels, labelled in raster order.
-- "minima": the labelled local minima of the gradient (skimage's
-- watershed without markers), made in setup on both sides.
-- The default (ties = "skimage") reproduces skimage's heap order among
-- markers of equal elevation and runs on a binary heap while such ties
-- remain; ties = "raster" takes them in raster order and floods u8 on the
-- bucket queue throughout (docs/watershed.md). cv2.watershed floods
-- 4-connected; lua-seg's default is 8, so a 4-connected row is added.
local seg = require "seg"

local GRAD = "el = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)); " ..
             "e3 = cv2.merge([el, el, el]); "
local GRID = "mk = np.zeros(gray.shape, np.int32); ys, xs = np.mgrid[16:gray.shape[0]:32, 16:gray.shape[1]:32]; " ..
             "mk[ys, xs] = np.arange(1, ys.size + 1).reshape(ys.shape); "
local MINIMA = "import skimage.morphology as Mo, skimage.measure as Me; " ..
               "mk = Me.label(Mo.local_minima(el), connectivity=2).astype(np.int32); "
local SK = "import skimage.segmentation as Se; "

local function gradient (d) return d.gray:gradient(seg.rect(3, 3)) end

local function grid_markers (w, h)
  local mk = seg.image(w, h, 1, "i32")
  local n = 0
  for y = 16, h - 1, 32 do
    for x = 16, w - 1, 32 do n = n + 1; mk:set(x, y, n) end
  end
  return mk
end

return {
  { name = "watershed grid", lua = "el:watershed(markers)  -- el = gray:gradient(3x3), 32-px seed grid",
    run = function (d) local el = gradient(d); local mk = grid_markers(el.width, el.height)
      return function () return el:watershed(mk) end end,
    peers = { opencv = { setup = GRAD .. GRID, run = "m = mk.copy()\ncv2.watershed(e3, m)\nreturn m",
                         note = "'markers copied in the timed call (cv2 writes them)'" },
              skimage = { setup = GRAD .. GRID .. SK, run = "Se.watershed(el, mk, connectivity=2)" } } },
  { name = "watershed grid raster", lua = "el:watershed(markers, {ties = 'raster'})",
    run = function (d) local el = gradient(d); local mk = grid_markers(el.width, el.height)
      return function () return el:watershed(mk, {ties = "raster"}) end end,
    peers = { opencv = { setup = GRAD .. GRID, run = "m = mk.copy()\ncv2.watershed(e3, m)\nreturn m" } } },
  { name = "watershed grid raster c4", lua = "el:watershed(markers, {ties = 'raster', connectivity = 4})",
    run = function (d) local el = gradient(d); local mk = grid_markers(el.width, el.height)
      return function () return el:watershed(mk, {ties = "raster", connectivity = 4}) end end,
    peers = { opencv = { setup = GRAD .. GRID, run = "m = mk.copy()\ncv2.watershed(e3, m)\nreturn m",
                         note = "'both 4-connected (cv2.watershed is)'" } } },
  { name = "watershed minima", lua = "el:watershed(minima:label())  -- el = gray:gradient(3x3)",
    run = function (d) local el = gradient(d); local mk = el:local_minima():label()
      return function () return el:watershed(mk) end end,
    peers = { opencv = { setup = GRAD .. MINIMA, run = "m = mk.copy()\ncv2.watershed(e3, m)\nreturn m" },
              skimage = { setup = GRAD .. MINIMA .. SK, run = "Se.watershed(el, mk, connectivity=2)" } } },
  -- the classical split of touching objects: m1 = gray > 127, markers at
  -- the peaks of its distance map, flood of -distance inside m1 (f32 on our
  -- side, float64 on skimage's: it converts every elevation to float64)
  { name = "watershed -distance", lua = "(d * -1):watershed(d:peaks{min_distance = 7}, {mask = m1})",
    run = function (d) local m = d.m1; local dist = m:distance(); local mk = dist:peaks{min_distance = 7}
      local el = dist * -1
      return function () return el:watershed(mk, {mask = m}) end end,
    peers = { skimage = { setup = "import skimage.segmentation as Se, skimage.feature as F, skimage.measure as Me, scipy.ndimage as ndi; " ..
                                  "d = ndi.distance_transform_edt(m1); pk = F.peak_local_max(d, min_distance=7); " ..
                                  "pm = np.zeros(d.shape, bool); pm[tuple(pk.T)] = True; mk = Me.label(pm, connectivity=2); el = -d",
                          run = "Se.watershed(el, mk, mask=m1, connectivity=2)" } } },
  { name = "watershed lines", lua = "el:watershed(markers, {lines = true})",
    run = function (d) local el = gradient(d); local mk = grid_markers(el.width, el.height)
      return function () return el:watershed(mk, {lines = true}) end end,
    peers = { skimage = { setup = GRAD .. GRID .. SK,
                          run = "Se.watershed(el, mk, connectivity=2, watershed_line=True)" } } },
  { name = "local_maxima", lua = "gray:local_maxima()",
    run = function (d) local g = d.gray
      return function () return g:local_maxima() end end,
    peers = { skimage = { setup = "import skimage.morphology as Mo", run = "Mo.local_maxima(gray)" } } },
  { name = "h_maxima", lua = "gray:h_maxima(10)",
    run = function (d) local g = d.gray
      return function () return g:h_maxima(10) end end,
    peers = { skimage = { setup = "import skimage.morphology as Mo", run = "Mo.h_maxima(gray, 10)" } } },
}

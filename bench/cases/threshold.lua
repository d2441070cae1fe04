-- bench/cases/threshold.lua — threshold rows (format of bench/cases.lua).
-- Agreement with the same peers is checked in spec/threshold_spec.lua; here
-- both sides run on the 4096x4096 gray input (sauvola on its 1024x1024
-- top-left corner, against scikit-image).
local function case (name, lua, setup, peers, memcpy)
  return { name = name, lua = lua, memcpy = memcpy, peers = peers, run = setup }
end

local SK = "import skimage.filters as F"

return {
  case("threshold 127", "gray:threshold(127)",
    function (d) local g = d.gray
      return function () return g:threshold(127) end end,
    { opencv = "cv2.threshold(gray, 127, 1, cv2.THRESH_BINARY)" }, "gray"),
  case("otsu", 'gray:threshold("otsu")',
    function (d) local g = d.gray
      return function () return g:threshold("otsu") end end,
    { opencv = "cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)",
      skimage = { setup = SK, run = "r = gray > F.threshold_otsu(gray)" } }, "gray"),
  case("triangle", 'gray:threshold("triangle")',
    function (d) local g = d.gray
      return function () return g:threshold("triangle") end end,
    { opencv = "cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_TRIANGLE)",
      skimage = { setup = SK, run = "r = gray > F.threshold_triangle(gray)" } }, "gray"),
  case("li", 'gray:threshold("li")',
    function (d) local g = d.gray
      return function () return g:threshold("li") end end,
    { skimage = { setup = SK, run = "r = gray > F.threshold_li(gray)" } }, "gray"),
  case("thresholds (all 7)", "seg.thresholds(gray)",
    function (d) local g, seg = d.gray, require "seg"
      return function () return seg.thresholds(g) end end,
    { skimage = { setup = SK, run = "r = [f(gray) for f in (F.threshold_otsu, F.threshold_triangle, "
                    .. "F.threshold_li, F.threshold_yen, F.threshold_isodata, F.threshold_mean, "
                    .. "F.threshold_minimum)]" } }),
  case("multiotsu 3", "gray:multiotsu(3)",
    function (d) local g = d.gray
      return function () return g:multiotsu(3) end end,
    { skimage = { setup = SK, run = "t = F.threshold_multiotsu(gray, 3); r = np.digitize(gray, t)" } }),
  case("adaptive mean 31", 'gray:threshold("adaptive_mean", {window=31, offset=5})',
    function (d) local g = d.gray
      return function () return g:threshold("adaptive_mean", { window = 31, offset = 5 }) end end,
    { opencv = "cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, 5)" },
    "gray"),
  case("adaptive mean 31, mask only", 'gray:threshold("adaptive_mean", {window=31, offset=5, values=false})',
    function (d) local g = d.gray
      return function () return g:threshold("adaptive_mean", { window = 31, offset = 5, values = false }) end end,
    { opencv = "cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, 5)" },
    "gray"),
  case("adaptive gaussian 31", 'gray:threshold("adaptive_gaussian", {window=31, offset=5})',
    function (d) local g = d.gray
      return function () return g:threshold("adaptive_gaussian", { window = 31, offset = 5 }) end end,
    { opencv = "cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5)" },
    "gray"),
  case("adaptive gaussian 31, mask only",
    'gray:threshold("adaptive_gaussian", {window=31, offset=5, values=false})',
    function (d) local g = d.gray
      return function () return g:threshold("adaptive_gaussian", { window = 31, offset = 5, values = false }) end end,
    { opencv = "cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5)" },
    "gray"),
  case("sauvola 31 (1024²)", 'g1k:threshold("sauvola", {window=31})',
    function (d) local g = d.gray:crop(0, 0, 1024, 1024)
      return function () return g:threshold("sauvola", { window = 31 }) end end,
    { skimage = { setup = SK .. "; g = np.ascontiguousarray(gray[:1024, :1024])",
                  run = "r = g > F.threshold_sauvola(g, 31)" } }),
  case("niblack 31", 'gray:threshold("niblack", {window=31})',
    function (d) local g = d.gray
      return function () return g:threshold("niblack", { window = 31 }) end end,
    { skimage = { setup = SK, run = "r = gray > F.threshold_niblack(gray, 31)" } }),
  case("hysteresis", "gray:hysteresis(100, 180)",
    function (d) local g = d.gray
      return function () return g:hysteresis(100, 180) end end,
    { skimage = { setup = SK, run = "r = F.apply_hysteresis_threshold(gray, 100, 180)" } }),
}

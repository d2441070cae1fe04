-- bench/cases/energy.lua — random walker, Chan–Vese, morphological snakes
-- and the inverse Gaussian gradient against scikit-image 0.19 (format of
-- bench/cases.lua). The iterative methods run on a crop of `gray` (or
-- `rgb`) at (size/4, size/4) whose side is chosen so that skimage takes
-- about 1 to 5 s: 1024 x 1024 for the random walker, 512 x 512 for the
-- contours, the whole input for the edge map. Markers:
-- gray < 60 -> 1, gray > 170 -> 2 (the gallery's two thresholds).
-- Pixels are compared with skimage in spec/energy_spec.lua.
local seg = require "seg"

local function crop (d, img, n)
  local x = d.width // 4
  n = math.min(n, d.width - x, d.height - x)
  return img:crop(x, x, n, n)
end

local PY_CROP = [[
import skimage
from skimage import segmentation as S
from skimage.segmentation import morphsnakes as MS
def crop(a, n):
    x = a.shape[1] // 4
    n = min(n, a.shape[1] - x, a.shape[0] - x)
    return np.ascontiguousarray(a[x:x + n, x:x + n])
def markers(g):
    m = np.zeros(g.shape[:2], np.int32); m[g < 60] = 1; m[g > 170] = 2
    return m
]]

local function markers (g)
  return g:lt(60):to("i32") + g:gt(170):to("i32") * 2
end

return {
  { name = "random_walker 1024", lua = "a:random_walker(markers)",
    run = function (d) local a = crop(d, d.gray, 1024); local m = markers(a)
      return function () return a:random_walker(m) end end,
    peers = { skimage = { setup = PY_CROP .. "a = crop(gray, 1024); m = markers(a)",
                          run = "S.random_walker(a, m, beta=130, mode='cg_j', tol=1e-3)" } } },
  { name = "random_walker rgb 1024", lua = "a:random_walker(markers)  -- RGB, channel_axis=-1",
    run = function (d) local a = crop(d, d.rgb, 1024); local m = markers(crop(d, d.gray, 1024))
      return function () return a:random_walker(m) end end,
    peers = { skimage = { setup = PY_CROP .. "a = crop(rgb, 1024); m = markers(crop(gray, 1024))",
                          run = "S.random_walker(a, m, beta=130, channel_axis=-1)" } } },
  { name = "chan_vese 512 x100", lua = "a:chan_vese{iters = 100}",
    run = function (d) local a = crop(d, d.gray, 512)
      return function () return a:chan_vese{iters = 100} end end,
    peers = { skimage = { setup = PY_CROP .. "a = crop(gray, 512)",
                          run = "S.chan_vese(a, mu=0.25, max_num_iter=100, tol=1e-3)" } } },
  { name = "morph_chan_vese 512 x35", lua = "a:morphological_chan_vese(35, {smoothing = 3})",
    run = function (d) local a = crop(d, d.gray, 512)
      return function () return a:morphological_chan_vese(35, {smoothing = 3}) end end,
    peers = { skimage = { setup = PY_CROP .. "a = crop(gray, 512)",
                          run = "MS._curvop = MS._fcycle([lambda u: MS.sup_inf(MS.inf_sup(u)), lambda u: MS.inf_sup(MS.sup_inf(u))])\n"
                             .. "return MS.morphological_chan_vese(a, 35, smoothing=3)" } } },
  { name = "morph_gac 512 x50", lua = "g:morphological_geodesic_active_contour(50, {balloon = -1, threshold = 0.69})",
    run = function (d) local g = crop(d, d.gray, 512):inverse_gaussian_gradient()
      return function ()
        return g:morphological_geodesic_active_contour(50, {balloon = -1, threshold = 0.69}) end end,
    peers = { skimage = { setup = PY_CROP .. "g = MS.inverse_gaussian_gradient(skimage.img_as_float(crop(gray, 512))).astype(np.float32)",
                          run = "MS._curvop = MS._fcycle([lambda u: MS.sup_inf(MS.inf_sup(u)), lambda u: MS.inf_sup(MS.sup_inf(u))])\n"
                             .. "return MS.morphological_geodesic_active_contour(g, 50, 'disk', smoothing=1, balloon=-1, threshold=0.69)" } } },
  { name = "inverse_gaussian_gradient", lua = "gray:inverse_gaussian_gradient()",
    run = function (d) local a = d.gray
      return function () return a:inverse_gaussian_gradient() end end,
    peers = { skimage = { setup = PY_CROP .. "a = skimage.img_as_float(gray)",
                          run = "MS.inverse_gaussian_gradient(a)" } } },  -- on img_as_float(a), as the gallery
}

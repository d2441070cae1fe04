-- bench/cases/superpixel.lua — SLIC and quick shift rows (format of
-- bench/cases.lua). SLIC: n = 1000 on a 1024x1024 crop of the RGB input,
-- compactness 10, 10 iterations, as skimage's slic(n_segments=1000); OpenCV's
-- contrib SLIC (algorithm SLIC, region_size 32, so 1024 seeds, 10
-- iterations, on the Lab image it is given, conversion timed). Labels are
-- compared with skimage in spec/superpixel_spec.lua. The "2 threads" row
-- runs ours with seg.threads(2) whatever --threads says.
local seg = require "seg"

local CROP = "a = np.ascontiguousarray(rgb[:1024, :1024])"
local SK = CROP .. "; import skimage.segmentation as S"
local CV = [[
s = cv2.ximgproc.createSuperpixelSLIC(cv2.cvtColor(a, cv2.COLOR_RGB2Lab), algorithm=cv2.ximgproc.SLIC, region_size=32)
s.iterate(10)
r = s.getLabels()]]

local function crop (d, n)
  return d.rgb:crop(0, 0, math.min(n, d.width), math.min(n, d.height))
end

local slic_peers = {
  skimage = { setup = SK, run = "S.slic(a, n_segments=1000, compactness=10, start_label=1)" },
  opencv = { setup = CROP, run = CV },
}

return {
  { name = "slic 1024 n=1000", lua = "a:slic{n = 1000}",
    note = function (lab) return ("%d segments"):format(lab:max()) end,
    run = function (d) local a = crop(d, 1024)
      return function () return (a:slic{n = 1000}) end end,
    peers = slic_peers },
  { name = "slic 1024 n=1000, 2 threads", lua = "seg.threads(2); a:slic{n = 1000}",
    run = function (d) local a = crop(d, 1024)
      return function ()
        local old = seg.threads()
        seg.threads(2)
        local lab = a:slic{n = 1000}
        seg.threads(old)
        return lab
      end end,
    peers = slic_peers },
  { name = "slic 1024 zero", lua = "a:slic{n = 1000, zero = true}",
    run = function (d) local a = crop(d, 1024)
      return function () return (a:slic{n = 1000, zero = true}) end end,
    peers = { skimage = { setup = SK, run = "S.slic(a, n_segments=1000, slic_zero=True, start_label=1)" } } },
  { name = "quickshift 256", lua = "a:quickshift()",
    run = function (d) local a = crop(d, 256)
      return function () return (a:quickshift()) end end,
    peers = { skimage = { setup = "a = np.ascontiguousarray(rgb[:256, :256]); import skimage.segmentation as S",
                          run = "S.quickshift(a)" } } },
}

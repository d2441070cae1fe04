-- bench/cases/morph.lua — morphology and distance rows (format of
-- bench/cases.lua). Pixels of the disk rows are compared with skimage in
-- the specs; here cv2's ellipse of the same size stands in for the timing.
local seg = require "seg"

local ELL15 = "k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))"

return {
  { name = "erode rect 5x5", lua = "gray:erode(seg.rect(5, 5))", memcpy = "gray",
    run = function (d) local g, e = d.gray, seg.rect(5, 5)
      return function () return g:erode(e) end end,
    peers = { opencv = { setup = "k = np.ones((5, 5), np.uint8)", run = "cv2.erode(gray, k)" } } },
  { name = "dilate disk 7", lua = "gray:dilate(7)", memcpy = "gray",
    run = function (d) local g = d.gray
      return function () return g:dilate(7) end end,
    peers = { opencv = { setup = ELL15, run = "cv2.dilate(gray, k)" },
              skimage = { setup = "import skimage.morphology as M; fp = M.disk(7)",
                          run = "M.dilation(gray, fp)" } } },
  { name = "open rect 15x15 rgb", lua = "rgb:open(seg.rect(15, 15))", memcpy = "rgb",
    run = function (d) local a, e = d.rgb, seg.rect(15, 15)
      return function () return a:open(e) end end,
    peers = { opencv = { setup = "k = np.ones((15, 15), np.uint8)",
                         run = "cv2.morphologyEx(rgb, cv2.MORPH_OPEN, k)" } } },
  { name = "tophat disk 3", lua = "gray:tophat(3)",
    run = function (d) local g = d.gray
      return function () return g:tophat(3) end end,
    peers = { opencv = { setup = "import skimage.morphology as M; k = M.disk(3).astype(np.uint8)",
                         run = "cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, k)" } } },
  { name = "mask dilate disk 5", lua = "m1:dilate(5)", memcpy = "gray",
    run = function (d) local m = d.m1
      return function () return m:dilate(5) end end,
    peers = { opencv = { setup = "import skimage.morphology as M; k = M.disk(5).astype(np.uint8)",
                         run = "cv2.dilate(m1, k)" } } },
  { name = "distance edt", lua = "m1:distance()",
    run = function (d) local m = d.m1
      return function () return m:distance() end end,
    peers = { opencv = "cv2.distanceTransform(m1, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)",
              scipy = { setup = "import scipy.ndimage as ndi", run = "ndi.distance_transform_edt(m1)" } } },
  { name = "distance cityblock", lua = 'm1:distance("cityblock")',
    run = function (d) local m = d.m1
      return function () return m:distance("cityblock") end end,
    peers = { opencv = "cv2.distanceTransform(m1, cv2.DIST_L1, 3)",
              scipy = { setup = "import scipy.ndimage as ndi",
                        run = "ndi.distance_transform_cdt(m1, 'taxicab')" } } },
  { name = "fill_holes", lua = "m1:fill_holes()",
    run = function (d) local m = d.m1
      return function () return m:fill_holes() end end,
    peers = { scipy = { setup = "import scipy.ndimage as ndi", run = "ndi.binary_fill_holes(m1)" },
              -- the usual OpenCV idiom: flood the background from a zero
              -- frame (4-connected, as scipy), what stays 0 is a hole
              opencv = { setup = "pm = np.pad(m1, 1); ff = np.zeros((pm.shape[0] + 2, pm.shape[1] + 2), np.uint8)",
                         run = "f = pm.copy(); ff[:] = 0\ncv2.floodFill(f, ff, (0, 0), 1)\nreturn m1 | (f[1:-1, 1:-1] == 0)" } } },
  { name = "remove_small", lua = "m1:remove_small(64)",
    run = function (d) local m = d.m1
      return function () return m:remove_small(64) end end,
    peers = { skimage = { setup = "import skimage.morphology as M; b = m1.astype(bool)",
                          run = "M.remove_small_objects(b, 64, connectivity=2)" } } },
  { name = "reconstruct", lua = "gray:erode(5):reconstruct(gray)",
    run = function (d) local g = d.gray; local s = g:erode(5)
      return function () return s:reconstruct(g) end end,
    peers = { skimage = { setup = "import skimage.morphology as M; s = M.erosion(gray, M.disk(5))",
                          run = "M.reconstruction(s, gray)" } } },
  { name = "skeleton", lua = "m1:skeleton()",
    run = function (d) local m = d.m1
      return function () return m:skeleton() end end,
    peers = { skimage = { setup = "import skimage.morphology as M", run = "M.skeletonize(m1)" } } },
  { name = "convex_hull", lua = "m1:convex_hull()",
    run = function (d) local m = d.m1
      return function () return m:convex_hull() end end,
    peers = { skimage = { setup = "import skimage.morphology as M", run = "M.convex_hull_image(m1)" } } },
  { name = "peaks", lua = "m1:distance():peaks{min_distance = 7}",
    run = function (d) local e = d.m1:distance()
      return function () return e:peaks{min_distance = 7} end end,
    peers = { skimage = { setup = "import skimage.feature as F, scipy.ndimage as ndi; e = ndi.distance_transform_edt(m1).astype(np.float32)",
                          run = "F.peak_local_max(e, min_distance=7)" } } },
}

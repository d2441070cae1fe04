-- bench/cases/metrics.lua — metrics and pictures rows (format of
-- bench/cases.lua). Label maps are the 8-connected components of the bench
-- masks (m1 = gray > 127, m2 = gray < 200), made in setup on both sides.
-- Values are compared with scikit-image in spec/metrics_spec.lua and
-- spec/draw_spec.lua; here only time is measured.
local seg = require "seg"

-- Python setup: lab1/lab2 as skimage numbers them, a random RGB palette.
local LABELS = "import skimage.measure as Me; lab1 = Me.label(m1, connectivity=2); "
  .. "lab2 = Me.label(m2, connectivity=2); "
  .. "pal = np.random.default_rng(0).integers(0, 256, (lab1.max() + 1, 3), dtype=np.uint8); "
  .. "pal[0] = 0"
local HD = 512   -- scikit-image's KD-tree Hausdorff needs seconds beyond this

return {
  { name = "colorize", lua = "lab:colorize()",
    run = function (d) local lab = d.m1:label()
      return function () return lab:colorize() end end,
    peers = { numpy = { setup = LABELS, run = "pal[lab1]" },
              skimage = { setup = LABELS .. "; import skimage.color as C",
                          run = "C.label2rgb(lab1, bg_label=0)" } } },
  { name = "overlay labels", lua = "gray:overlay(lab)",
    run = function (d) local g, lab = d.gray, d.m1:label()
      return function () return g:overlay(lab) end end,
    peers = { numpy = { setup = LABELS .. "; g3 = np.dstack([gray] * 3)",
                        run = "o = g3.copy(); f = lab1 > 0; "
                          .. "o[f] = (g3[f] * 0.5 + pal[lab1[f]] * 0.5 + 0.5).astype(np.uint8)" },
              skimage = { setup = LABELS .. "; import skimage.color as C",
                          run = "C.label2rgb(lab1, gray, alpha=0.5, bg_label=0, image_alpha=1, kind='overlay')" } } },
  { name = "overlay mask", lua = "gray:overlay(m1)",
    run = function (d) local g, m = d.gray, d.m1
      return function () return g:overlay(m) end end,
    peers = { opencv = { setup = "g3 = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB); "
                           .. "red = np.zeros_like(g3); red[..., 0] = 255; w = m1.astype(bool)[..., None]",
                         run = "o = g3.copy(); np.copyto(o, cv2.addWeighted(g3, 0.5, red, 0.5, 0), where=w)" } } },
  { name = "iou", lua = "seg.iou(m1, m2)",
    run = function (d) local a, b = d.m1, d.m2
      return function () return seg.iou(a, b) end end,
    peers = { numpy = { setup = "a = m1.astype(bool); b = m2.astype(bool)",
                        run = "np.count_nonzero(a & b) / np.count_nonzero(a | b)" } } },
  { name = "confusion k=2", lua = "seg.confusion(m1, m2, 2)",
    run = function (d) local a, b = d.m1, d.m2
      return function () return seg.confusion(a, b, 2) end end,
    peers = { numpy = "np.bincount(m2.ravel().astype(np.intp) * 2 + m1.ravel(), minlength=4).reshape(2, 2)" } },
  { name = "adapted_rand", lua = "seg.adapted_rand(lab1, lab2)",
    run = function (d) local a, b = d.m1:label(), d.m2:label()
      return function () return seg.adapted_rand(a, b) end end,
    peers = { skimage = { setup = LABELS .. "; import skimage.metrics as Mt",
                          run = "Mt.adapted_rand_error(lab1, lab2)" } } },
  { name = "vi", lua = "seg.vi(lab1, lab2)",
    run = function (d) local a, b = d.m1:label(), d.m2:label()
      return function () return seg.vi(a, b) end end,
    peers = { skimage = { setup = LABELS .. "; import skimage.metrics as Mt",
                          run = "Mt.variation_of_information(lab1, lab2)" } } },
  { name = "hausdorff 512", lua = "seg.hausdorff(m1, m2) on 512x512 crops",
    params = { size = HD },
    run = function (d, p)
      local a, b = d.m1:crop(0, 0, p.size, p.size), d.m2:crop(0, 0, p.size, p.size)
      return function () return seg.hausdorff(a, b) end end,
    peers = { skimage = { setup = "import skimage.metrics as Mt; s = p['size']; "
                            .. "a = m1[:s, :s].astype(bool); b = m2[:s, :s].astype(bool)",
                          run = "Mt.hausdorff_distance(a, b)" } } },
  { name = "hausdorff", lua = "seg.hausdorff(m1, m2)",
    run = function (d) local a, b = d.m1, d.m2
      return function () return seg.hausdorff(a, b) end end,
    peers = { scipy = { setup = "import scipy.ndimage as ndi",
                        run = "max(ndi.distance_transform_edt(m2 == 0)[m1 > 0].max(), "
                          .. "ndi.distance_transform_edt(m1 == 0)[m2 > 0].max())",
                        note = "'EDT both ways'" } } },
}

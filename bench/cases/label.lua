-- bench/cases/label.lua — labels and regions rows (format of bench/cases.lua).
-- The label map is the 8-connected components of m1 = gray > 127 (made in
-- setup on both sides where the row times something else). Results are
-- compared with scikit-image in spec/label_spec.lua; here only time counts.

-- The regionprops properties both sides compute in the "regions" rows.
local PROPS = { "area", "bbox", "centroid", "perimeter", "orientation",
  "major_axis_length", "minor_axis_length", "eccentricity", "solidity",
  "extent", "euler_number", "equivalent_diameter", "moments",
  "moments_central", "moments_hu" }
local SK_NAMES = { equivalent_diameter = "equivalent_diameter_area",
  major_axis_length = "axis_major_length", minor_axis_length = "axis_minor_length" }
local sk = {}
for i, p in ipairs(PROPS) do sk[i] = "'" .. (SK_NAMES[p] or p) .. "'" end
local SK_PROPS = "[" .. table.concat(sk, ", ") .. "]"

local LAB = "import skimage.measure as Me, skimage.segmentation as Se; " ..
            "lab = Me.label(m1, connectivity=2)"

local function with_labels (f)
  return function (d)
    local lab = d.m1:label()
    return function () return f(lab, d) end
  end
end

return {
  { name = "label 8", lua = "m1:label()",
    run = function (d) local m = d.m1 return function () return m:label() end end,
    peers = { opencv = "cv2.connectedComponents(m1, connectivity=8, ltype=cv2.CV_32S)",
              skimage = { setup = "import skimage.measure as Me",
                          run = "Me.label(m1, connectivity=2)" } } },
  { name = "label 4", lua = "m1:label(4)",
    run = function (d) local m = d.m1 return function () return m:label(4) end end,
    peers = { opencv = "cv2.connectedComponents(m1, connectivity=4, ltype=cv2.CV_32S)" } },
  { name = "label gray", lua = "gray:label()",
    run = function (d) local g = d.gray return function () return g:label() end end,
    peers = { skimage = { setup = "import skimage.measure as Me",
                          run = "Me.label(gray, connectivity=2)" } } },
  { name = "label+stats", lua = "m1:label():regions{properties={'area','bbox','centroid'}}",
    run = function (d)
      local m = d.m1
      local opts = { properties = { "area", "bbox", "centroid" } }
      return function () local lab = m:label() return lab:regions(opts) end
    end,
    peers = { opencv = "cv2.connectedComponentsWithStats(m1, connectivity=8, ltype=cv2.CV_32S)" } },
  { name = "regions", lua = "lab:regions{properties=" .. #PROPS .. " props}",
    run = with_labels(function (lab) return lab:regions{ properties = PROPS } end),
    peers = { skimage = { setup = LAB .. "; P = " .. SK_PROPS,
      run = "for r in Me.regionprops(lab):\n    for p in P: getattr(r, p)" } } },
  { name = "regions intensity", lua = "lab:regions(gray, {mean/min/max_intensity, weighted_centroid})",
    run = with_labels(function (lab, d)
      return lab:regions(d.gray, { properties = { "mean_intensity", "min_intensity",
        "max_intensity", "weighted_centroid" } })
    end),
    peers = { skimage = { setup = LAB,
      run = "for r in Me.regionprops(lab, gray):\n" ..
            "    r.intensity_mean; r.intensity_min; r.intensity_max; r.centroid_weighted" } } },
  { name = "relabel", lua = "lab:relabel()",
    run = with_labels(function (lab) return lab:relabel() end),
    peers = { skimage = { setup = LAB, run = "Se.relabel_sequential(lab)" } } },
  { name = "clear_border", lua = "lab:clear_border()",
    run = with_labels(function (lab) return lab:clear_border() end),
    peers = { skimage = { setup = LAB, run = "Se.clear_border(lab)" } } },
  { name = "boundaries", lua = "lab:boundaries()",
    run = with_labels(function (lab) return lab:boundaries() end),
    peers = { skimage = { setup = LAB, run = "Se.find_boundaries(lab)" } } },
  { name = "expand 5", lua = "lab:expand(5)",
    run = with_labels(function (lab) return lab:expand(5) end),
    peers = { skimage = { setup = LAB, run = "Se.expand_labels(lab, 5)" } } },
  { name = "contours", lua = "m1:contours()",
    run = function (d) local m = d.m1 return function () return m:contours() end end,
    peers = { skimage = { setup = "import skimage.measure as Me",
                          run = "Me.find_contours(m1, 0.5)" } } },
}

-- examples/cells_watershed.lua — separate touching nuclei: threshold,
-- distance to the background, its peaks as markers, watershed of the
-- negated distance inside the foreground (scikit-image's "Watershed
-- segmentation" gallery example, on the bundled fluorescence picture).
--
--   lua5.4 examples/cells_watershed.lua [OUT.png [IMAGE]]   (or ./lua-seg run ...)
--
-- On examples/images/nuclei.png the foreground has 63 blobs, many of
-- them clumps of touching nuclei; the watershed cuts them along the necks
-- of the distance map into 105 nuclei, the count scikit-image gets from the
-- same steps (spec/watershed_spec.lua checks both numbers).
local seg = require "seg"

local out, path = ...
out = out or "/tmp/cells_watershed.png"
local img = assert(seg.load(path or "examples/images/nuclei.png"))
if img.channels ~= 1 then img = img:gray() end

local fg = img:threshold("otsu"):fill_holes():remove_small(30)
local _, blobs = fg:label()
local dist = fg:distance()                                  -- f32, exact Euclidean
local markers, n = dist:peaks{min_distance = 7, exclude_border = false}  -- Labels, count
local cells = (dist * -1):watershed(markers, {mask = fg})
local regions = cells:regions()
print(("%d foreground blobs, %d markers, %d nuclei"):format(blobs, n, #regions))
local area = 0
for _, r in ipairs(regions) do area = area + r.area end
print(("mean nucleus area %.0f px"):format(area / #regions))

-- nuclei in colour, the cuts between touching ones in black
local lines = (dist * -1):watershed(markers, {mask = fg, lines = true})
assert(img:overlay(lines):save(out))
print("overlay saved to " .. out)
return #regions

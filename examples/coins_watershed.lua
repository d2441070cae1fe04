-- examples/coins_watershed.lua — count the coins of scikit-image's `coins`
-- picture as its tutorial "Comparing edge-based and region-based
-- segmentation" does, and save an overlay of them.
--
--   lua5.4 examples/coins_watershed.lua [OUT.png]      (or ./lua-seg run ...)
--
-- The Sobel gradient is the elevation; pixels darker than 30 seed the
-- background (label 1), brighter than 150 the coins (label 2); the
-- watershed floods the gradient from both, so the boundary between them
-- settles on the coins' edges, where the gradient is highest. The coins
-- are what label 2 covers, holes filled and specks dropped: 24 of them,
-- as scikit-image counts (spec/watershed_spec.lua checks it).
local seg = require "seg"

local out = ... or "/tmp/coins_watershed.png"
local img = assert(seg.load("examples/images/coins.png"))   -- 384x303 u8

local elevation = img:sobel()                               -- f32, skimage.filters.sobel
local markers = img:lt(30):to("u8") + img:gt(150):to("u8") * 2
local regions = elevation:watershed(markers)                -- Labels 1 and 2
local coins = regions:mask(2):fill_holes():remove_small(64)
local labels, n = coins:label()
print(("%d coins"):format(n))
for _, r in ipairs(labels:regions()) do
  io.write(("  coin %2d: area %5d at (%.0f, %.0f)\n"):format(r.label, r.area, r.centroid.x, r.centroid.y))
end

assert(img:overlay(labels):save(out))
print("overlay saved to " .. out)
return n

-- SLIC superpixels of scikit-image's astronaut, their boundaries drawn in
-- yellow over the photograph. Run from the repository root after `make`:
--   LUA_CPATH='./?.so;;' lua5.4 examples/superpixels.lua out.png [input.png [n]]
-- The input defaults to the bundled astronaut (examples/images/astronaut.jpg).
local seg = require "seg"

local out = arg[1] or error("usage: lua5.4 examples/superpixels.lua out.png [input.png [n]]")
local input = arg[2] or "examples/images/astronaut.jpg"
local n = tonumber(arg[3] or 400)

local img = assert(seg.load(input)):rgb()
local t = os.clock()
local labels, count = img:slic{n = n, compactness = 10, sigma = 1}
print(("%d superpixels in %.0f ms"):format(count, (os.clock() - t) * 1000))

-- boundaries as a Mask, painted opaque yellow
local pic = img:overlay(labels:boundaries(), {color = {255, 220, 0}, alpha = 1})
assert(pic:save(out))
print("wrote " .. out)

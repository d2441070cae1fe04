-- bench/cases/region.lua — flood, region_grow, confidence_connected rows
-- (format of bench/cases.lua). Seeds sit at fixed fractions of the input
-- side, so the rows scale with --size; the flood seed fills about 10% of
-- the astronaut at tolerance 20. region_grow and confidence_connected have
-- no peer: time alone.

local FX, FY = 0.49, 0.075     -- flood seed (x, y) as fractions of the side

local FLOOD_SETUP = "x, y = int(p['fx'] * gray.shape[1]), int(p['fy'] * gray.shape[0])"
local FF_MASK = "; ff = np.zeros((gray.shape[0] + 2, gray.shape[1] + 2), np.uint8)"
-- cv2.floodFill: 8-connected, fixed range (compares with the seed, as
-- skimage), mask only; the mask is cleared in the timed part (ours
-- allocates a zeroed Mask)
local FF_FLAGS = "8 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)"

local function seeds (w, h, n)
  local pts = {}
  for i = 1, n do
    pts[i] = {x = (i * 7919) % w, y = (i * 104729) % h}
  end
  return pts
end

return {
  { name = "flood gray tol 20", lua = "gray:flood(x, y, 20)", params = { fx = FX, fy = FY },
    run = function (d, p) local g = d.gray
      local x, y = math.floor(p.fx * d.width), math.floor(p.fy * d.height)
      return function () return g:flood(x, y, 20) end end,
    peers = { skimage = { setup = "from skimage.segmentation import flood; " .. FLOOD_SETUP,
                          run = "flood(gray, (y, x), tolerance=20)" },
              opencv = { setup = FLOOD_SETUP .. FF_MASK,
                         run = "ff[:] = 0\ncv2.floodFill(gray, ff, (x, y), 0, 20, 20, " .. FF_FLAGS .. ")" } } },
  { name = "flood rgb tol 20", lua = "rgb:flood(x, y, 20)", params = { fx = FX, fy = FY },
    run = function (d, p) local a = d.rgb
      local x, y = math.floor(p.fx * d.width), math.floor(p.fy * d.height)
      return function () return a:flood(x, y, 20) end end,
    peers = { opencv = { setup = FLOOD_SETUP .. FF_MASK,
                         run = "ff[:] = 0\ncv2.floodFill(rgb, ff, (x, y), 0, (20, 20, 20), (20, 20, 20), " .. FF_FLAGS .. ")" } } },
  { name = "flood gray equal", lua = "gray:flood(x, y)", params = { fx = 0.85, fy = 0.95 },
    run = function (d, p) local g = d.gray
      local x, y = math.floor(p.fx * d.width), math.floor(p.fy * d.height)
      return function () return g:flood(x, y) end end,
    peers = { skimage = { setup = "from skimage.segmentation import flood; " .. FLOOD_SETUP,
                          run = "flood(gray, (y, x))" },
              opencv = { setup = FLOOD_SETUP .. FF_MASK,
                         run = "ff[:] = 0\ncv2.floodFill(gray, ff, (x, y), 0, 0, 0, " .. FF_FLAGS .. ")" } } },
  { name = "region_grow gray 1024², 16 seeds", lua = "g1k:region_grow(points)",
    run = function (d) local g = d.gray:crop(0, 0, math.min(1024, d.width), math.min(1024, d.height))
      local pts = seeds(g.width, g.height, 16)
      return function () return g:region_grow(pts) end end },
  { name = "region_grow rgb 512², 16 seeds", lua = "rgb512:region_grow(points)",
    run = function (d) local a = d.rgb:crop(0, 0, math.min(512, d.width), math.min(512, d.height))
      local pts = seeds(a.width, a.height, 16)
      return function () return a:region_grow(pts) end end },
  { name = "confidence_connected gray", lua = "gray:confidence_connected({{x=, y=}})",
    params = { fx = FX, fy = FY },
    run = function (d, p) local g = d.gray
      local pts = {{x = math.floor(p.fx * d.width), y = math.floor(p.fy * d.height)}}
      return function () return g:confidence_connected(pts) end end },
}

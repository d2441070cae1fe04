-- A 2x2 montage of a segmentation of scikit-image's coins:
--   original        | Otsu mask
--   coloured labels | overlay (labels blended, boundaries drawn)
-- Run from the repository root after `make`:
--   LUA_CPATH='./?.so;;' lua5.4 examples/montage.lua [input.png [output.png]]
local seg = require "seg"

local input = arg[1] or "examples/images/coins.png"
local output = arg[2] or "out/coins-montage.png"

local img = assert(seg.load(input)):gray()
local fg, t = img:gaussian(1):threshold("otsu")
fg = fg:fill_holes():remove_small(64)
local labels, n = fg:label()

local tiles = {
  img:rgb(),
  fg:to("u8", 255):rgb(),
  labels:colorize(),
  img:overlay(labels, {alpha = 0.4, boundaries = true}),
}

-- Tiles side by side, rows of 'cols', separated by 'gap' white pixels:
-- assembled from each tile's rows of raw RGB bytes.
local function grid (ims, cols, gap)
  local w, h = ims[1].width, ims[1].height
  local rows = math.ceil(#ims / cols)
  local W, Hh = cols * w + (cols - 1) * gap, rows * h + (rows - 1) * gap
  local white = string.rep("\255", 3 * gap)
  local datas = {}
  for i, im in ipairs(ims) do datas[i] = im:data() end
  local out = {}
  for r = 0, rows - 1 do
    if r > 0 then for _ = 1, gap do out[#out + 1] = string.rep("\255", 3 * W) end end
    for y = 0, h - 1 do
      local line = {}
      for c = 0, cols - 1 do
        local d = datas[r * cols + c + 1]
        line[#line + 1] = d and d:sub(3 * w * y + 1, 3 * w * (y + 1)) or string.rep("\0", 3 * w)
        if c < cols - 1 then line[#line + 1] = white end
      end
      out[#out + 1] = table.concat(line)
    end
  end
  return seg.from_data(table.concat(out), W, Hh, 3)
end

os.execute("mkdir -p '" .. (output:match("^(.*)/[^/]*$") or "."):gsub("'", "'\\''") .. "'")
assert(grid(tiles, 2, 4):save(output))
print(("%s: Otsu threshold %g, %d objects -> %s"):format(input, t, n, output))

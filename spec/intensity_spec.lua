-- Intensity: rescale_intensity (skimage.exposure.rescale_intensity 0.19),
-- equalize_hist (cv2.equalizeHist, OpenCV 4.6) and clahe
-- (cv2.createCLAHE(...).apply), pixel-exact against the fixtures written by
-- spec/refs/make_intensity_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/intensity_refs.lua")
local D = ref.dir

local function load(f, w, h, c)
  if f:match("%.raw$") then
    local fh = assert(io.open(D .. f, "rb"))
    local s = fh:read("a")
    fh:close()
    return seg.from_data(s, w, h, c or 1, "f32")
  end
  return assert(seg.load(D .. f))
end
local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d elements differ (worst %g)"):format(what or "", differ, worst))
end

local I = ref.inputs
local input = {}
for k, d in pairs(I) do input[k] = load(d.file, d.w, d.h, d.c) end

describe("rescale_intensity", function()
  it("matches skimage in every range form and dtype", function()
    for _, c in ipairs(ref.rescale) do
      local im = input[c.input]
      local got = im:rescale_intensity(c.opts)
      assert.are.equal(c.dtype, got.dtype, c.name)
      same(got, load(c.want, im.width, im.height, im.channels), c.name)
    end
  end)

  it("keeps NaN where it was and ignores it in the image's range", function()
    local f = seg.from_table({{0, 0 / 0, 2}}, "f32")
    local r = f:rescale_intensity()
    assert.are.equal(0, r:get(0, 0))
    assert.are.equal(1, r:get(2, 0))
    assert.is_true(r:get(1, 0) ~= r:get(1, 0))
  end)

  it("names bad arguments", function()
    local g = input.gray
    assert.has_error(function() g:rescale_intensity{in_rnage = "image"} end)
    assert.has_error(function() g:rescale_intensity{in_range = "float"} end)
    assert.has_error(function() g:rescale_intensity{in_range = {1}} end)
    assert.has_error(function() g:rescale_intensity{in_range = {5, 1}} end,
      "bad argument #1 to 'rescale_intensity' ('in_range' must have lo <= hi)")
    assert.has_error(function() g:rescale_intensity{out_range = {0, 1 / 0}} end)
    assert.has_error(function() g:gt(3):rescale_intensity() end)
    assert.has_error(function() seg.image(2, 2, 1, "i32"):rescale_intensity() end)
  end)
end)

describe("equalize_hist", function()
  it("is cv2.equalizeHist on u8, per channel on RGB", function()
    for k, f in pairs(ref.equalize) do same(input[k]:equalize_hist(), load(f), k) end
  end)

  it("maps a flat image to itself and extends to u16 monotonically", function()
    same(seg.image(4, 3, 1, "u8", 77):equalize_hist(), seg.image(4, 3, 1, "u8", 77))
    local e = input.g16:equalize_hist()
    assert.are.equal("u16", e.dtype)
    assert.are.equal(65535, e:max())
    assert.are.equal(0, e:min())
    -- the same order as the input: a monotone table
    local a, b = input.g16:get(3, 3), input.g16:get(40, 20)
    if a < b then assert.is_true(e:get(3, 3) <= e:get(40, 20)) end
  end)

  it("is the same on any thread count", function()
    local n = seg.threads()
    seg.threads(1)
    local one = input.sq:equalize_hist()
    seg.threads(3)
    same(input.sq:equalize_hist(), one)
    seg.threads(n)
  end)

  it("refuses f32, i32, Masks and Labels", function()
    assert.has_error(function() seg.image(2, 2, 1, "f32"):equalize_hist() end,
      "calling 'equalize_hist' on bad self (u8 or u16 pixels expected)")
    assert.has_error(function() seg.image(2, 2, 1, "i32"):equalize_hist() end)
    assert.has_error(function() seg.mask(2, 2):equalize_hist() end)
    assert.has_error(function() seg.labels(2, 2):equalize_hist() end)
  end)
end)

describe("clahe", function()
  it("is cv2.createCLAHE(clip, tiles).apply, bit for bit (u8, u16, RGB per channel)", function()
    for _, c in ipairs(ref.clahe) do
      local opts = c.opts
      if opts.tiles and type(opts.tiles) == "table" then opts.tiles = {opts.tiles[1], opts.tiles[2]} end
      same(input[c.input]:clahe(opts), load(c.want), c.name)
    end
  end)

  it("is the same on any thread count", function()
    local n = seg.threads()
    seg.threads(1)
    local one = input.gray:clahe{clip = 2}
    seg.threads(4)
    same(input.gray:clahe{clip = 2}, one)
    seg.threads(n)
  end)

  it("handles images smaller than the grid", function()
    for _, s in ipairs{{1, 1}, {1, 5}, {7, 1}, {2, 2}} do
      local im = seg.image(s[1], s[2], 1, "u8", 90)
      local r = im:clahe()
      assert.are.equal(s[1], r.width)
    end
  end)

  it("names bad arguments", function()
    local g = input.gray
    assert.has_error(function() g:clahe{clipp = 2} end)
    assert.has_error(function() g:clahe{tiles = 0} end)
    assert.has_error(function() g:clahe{tiles = {2}} end)
    assert.has_error(function() g:clahe{clip = "x"} end)
    assert.has_error(function() g:clahe{tiles = 1000} end,
      "bad argument #1 to 'clahe' ('tiles' must be at most 262144 tiles in all for u8)")
    assert.has_error(function() input.g16:clahe{tiles = 64} end)
    assert.has_error(function() seg.image(3, 3, 1, "f32"):clahe() end)
    assert.has_error(function() g:clahe(2) end)
    local r = g:clone()
    r:release()
    assert.has_error(function() r:clahe() end)
    assert.has_error(function() r:equalize_hist() end)
    assert.has_error(function() r:rescale_intensity() end)
  end)
end)

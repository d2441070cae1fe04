-- Watershed and morphological extrema. Peer: scikit-image 0.19.3
-- (segmentation.watershed, morphology.local_maxima / local_minima /
-- h_maxima / h_minima), through the fixtures written by
-- spec/refs/make_watershed_refs.py. Labels must be equal pixel for pixel.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/watershed_refs.lua")
local D = ref.dir
local I = ref.inputs

local function load(name) return assert(seg.load(D .. name)) end
local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d pixels differ (worst %g)"):format(what or "", differ, worst))
end
local NAN = 0 / 0

-- the f32 inputs, rebuilt exactly as the script builds them
local function with_nan (im, ystep, xstep)
  for y = 0, im.height - 1, ystep do
    for x = 0, im.width - 1, xstep do im:set(x, y, NAN) end
  end
  return im
end
local coins_el = load(I.coins_el)
local E = {
  coins_el = coins_el,
  cam_el16 = load(I.cam_el16),
  negd = load(I.dist2):to("f32") * -1,
  nanel = with_nan(coins_el:to("f32") / 8, 9, 11),
  camera = load(I.camera),
}
local fg = load(I.coins_fg):gt(0)
local MK = { peaks = load(I.peaks), grid = load(I.grid), grid16 = load(I.grid16) }

local cam = load(I.camera)
local camf = (cam:to("f32") - 64) / 256
local X = {
  camera = cam, cam16 = load(I.cam16), camf = camf,
  camfn = with_nan(camf:clone(), 7, 5), smooth = load(I.smooth),
}

describe("watershed", function()
  it("equals skimage.segmentation.watershed label for label", function()
    assert.is_true(#ref.watershed >= 20)
    for _, c in ipairs(ref.watershed) do
      local markers = c.markers
      if type(markers) == "string" then markers = MK[markers] end
      local lab = E[c.el]:watershed(markers, {
        connectivity = c.conn, mask = c.mask and fg or nil,
        compactness = c.compactness, lines = c.lines })
      assert.are.equal("Labels", seg.type(lab))
      same(lab, load(c.want), c.name)
    end
  end)

  it("takes Labels, u8, u16 and i32 markers alike", function()
    local grid = MK.grid                     -- u16 PNG
    local want = coins_el:watershed(grid)
    same(coins_el:watershed(grid:to("i32")), want, "i32")
    local lab = grid:to("i32"):label(8)      -- a Labels with the same numbering
    same(coins_el:watershed(lab), want, "Labels")
    local one = grid:gt(0)                   -- a Mask: one label
    local all = coins_el:watershed(one:to("u8"))
    assert.are.equal(coins_el.width * coins_el.height, all:mask(1):count())
  end)

  it("floods u8, u16, i32 and f32 elevations of the same order alike", function()
    local want = coins_el:watershed(MK.grid)
    same(coins_el:to("u16"):watershed(MK.grid), want, "u16")
    same(coins_el:to("i32"):watershed(MK.grid), want, "i32")
    same(coins_el:to("f32"):watershed(MK.grid), want, "f32")
    same((coins_el:to("f32") * -1 + 300):watershed(MK.grid),
         (coins_el:to("f32") * -1 + 300):to("u16"):watershed(MK.grid), "f32 vs u16")
  end)

  it("with ties = 'raster' takes tied markers in raster order, the same for every dtype", function()
    for _, o in ipairs{{ties = "raster"}, {ties = "raster", lines = true},
                       {ties = "raster", connectivity = 4}} do
      local want = coins_el:watershed(MK.grid, o)
      same(coins_el:to("u16"):watershed(MK.grid, o), want, "u16")
      same(coins_el:to("i32"):watershed(MK.grid, o), want, "i32")
      same(coins_el:to("f32"):watershed(MK.grid, o), want, "f32")
    end
    -- markers of distinct elevations: no tie, skimage's answer
    local one = seg.image(coins_el.width, coins_el.height, 1, "i32")
    one:set(10, 10, 1); one:set(150, 120, 2); one:set(90, 40, 3)
    assert(coins_el:get(10, 10) ~= coins_el:get(150, 120))
    same(coins_el:watershed(one, {ties = "raster"}), coins_el:watershed(one), "no ties")
  end)

  it("keeps seeds' labels, gives 0 outside the mask, and is deterministic across threads", function()
    local lab = E.negd:watershed(MK.peaks, {mask = fg})
    local out = (~fg):to("u8")
    assert.are.equal(0, (lab:to("u8") * out):max())
    local before = seg.threads()
    seg.threads(1)
    local a = coins_el:watershed(MK.grid, {lines = true})
    seg.threads(4)
    local b = coins_el:watershed(MK.grid, {lines = true})
    seg.threads(before)
    same(a, b, "threads")
  end)

  it("handles tiny images", function()
    for _, wh in ipairs{{1, 1}, {1, 7}, {7, 1}, {2, 2}} do
      local w, h = wh[1], wh[2]
      local el = seg.image(w, h, 1, "u8", 5)
      local mk = seg.image(w, h, 1, "i32")
      mk:set(0, 0, 3)
      for _, o in ipairs{{}, {connectivity = 4}, {lines = true}, {compactness = 1}} do
        local lab = el:watershed(mk, o)
        assert.are.equal(3, lab:get(w - 1, h - 1))
      end
      assert.are.equal(0, el:watershed(seg.image(w, h, 1, "i32")):max())
      el:watershed(nil); el:watershed(3)
    end
  end)

  it("names bad arguments", function()
    local el = seg.image(8, 8, 1, "u8")
    local mk = seg.image(8, 8, 1, "i32")
    assert.has_error(function() el:watershed(mk, {conectivity = 4}) end)
    local ok, e = pcall(el.watershed, el, mk, {conectivity = 4})
    assert.is_false(ok); assert.matches("unknown option 'conectivity'", e)
    ok, e = pcall(el.watershed, el, mk, {connectivity = 6})
    assert.is_false(ok); assert.matches("4 or 8", e)
    ok, e = pcall(el.watershed, el, mk, {ties = "random"})
    assert.is_false(ok); assert.matches("ties", e)
    ok, e = pcall(el.watershed, el, mk, {compactness = -1})
    assert.is_false(ok); assert.matches("compactness", e)
    ok, e = pcall(el.watershed, el, mk, {compactness = math.huge})
    assert.is_false(ok); assert.matches("compactness", e)
    ok, e = pcall(el.watershed, el, mk, {mask = mk})
    assert.is_false(ok); assert.matches("mask", e)
    ok, e = pcall(el.watershed, el, mk, {mask = seg.image(4, 4, 1, "u8"):gt(0)})
    assert.is_false(ok); assert.matches("mask", e)
    ok, e = pcall(el.watershed, el, seg.image(8, 8, 1, "f32"))
    assert.is_false(ok); assert.matches("integer", e)
    local negm = seg.image(8, 8, 1, "i32"); negm:set(3, 3, -2)
    ok, e = pcall(el.watershed, el, negm)
    assert.is_false(ok); assert.matches("negative", e)
    ok, e = pcall(el.watershed, el, seg.image(8, 4, 1, "i32"))
    assert.is_false(ok); assert.matches("size", e)
    ok, e = pcall(el.watershed, el, "x")
    assert.is_false(ok); assert.matches("seg.Labels expected, got string", e)
    ok, e = pcall(el.watershed, el, 0)
    assert.is_false(ok); assert.matches("positive", e)
    ok, e = pcall(el.watershed, el, seg.image(8, 8, 2, "i32"))
    assert.is_false(ok); assert.matches("markers", e)
    ok, e = pcall(el.watershed, seg.image(8, 8, 3, "u8"), mk)
    assert.is_false(ok); assert.matches("single%-channel", e)
    ok, e = pcall(el.watershed, el, mk, 5)
    assert.is_false(ok)
    local r = seg.image(8, 8, 1, "i32"); r:release()
    ok, e = pcall(el.watershed, el, r)
    assert.is_false(ok); assert.matches("released", e)
    local m = seg.image(8, 8, 1, "u8"):gt(0); m:release()
    ok, e = pcall(el.watershed, el, mk, {mask = m})
    assert.is_false(ok); assert.matches("released", e)
  end)
end)

describe("local extrema", function()
  it("equal skimage.morphology.local_maxima / local_minima, u8, u16, f32 and NaN", function()
    for _, c in ipairs(ref["local"]) do
      local m = X[c.img][c.fn](X[c.img], {connectivity = c.conn})
      assert.are.equal("Mask", seg.type(m))
      same(m, load(c.want), ("%s %s c%d"):format(c.fn, c.img, c.conn))
    end
  end)

  it("handles constant and tiny images and i32", function()
    for _, wh in ipairs{{1, 1}, {1, 5}, {5, 1}} do
      local im = seg.image(wh[1], wh[2], 1, "f32", 2)
      assert.are.equal(0, im:local_maxima():count())
      assert.are.equal(0, im:local_minima():count())
    end
    local t = seg.from_table{{0, 1, 0}, {0, 0, 0}}
    assert.are.same({{0, 1, 0}, {0, 0, 0}}, t:local_maxima():to_table())
    local l = t:to("i32")
    assert.are.same({{0, 1, 0}, {0, 0, 0}}, l:local_maxima():to_table())
  end)

  it("names bad arguments", function()
    local im = seg.image(4, 4, 1, "u8")
    local ok, e = pcall(im.local_maxima, im, {connectivity = 2})
    assert.is_false(ok); assert.matches("4 or 8", e)
    ok, e = pcall(im.local_minima, im, {conn = 4})
    assert.is_false(ok); assert.matches("unknown option 'conn'", e)
    ok, e = pcall(im.local_maxima, seg.image(4, 4, 3, "u8"))
    assert.is_false(ok); assert.matches("single%-channel", e)
  end)
end)

describe("h-extrema", function()
  it("equal skimage.morphology.h_maxima / h_minima, u8, u16 and f32", function()
    for _, c in ipairs(ref.hext) do
      local m = X[c.img][c.fn](X[c.img], c.h)
      same(m, load(c.want), ("%s %s h=%s"):format(c.fn, c.img, c.h))
    end
  end)

  it("names bad arguments", function()
    local im = seg.image(4, 4, 1, "u8")
    for _, h in ipairs{0, -1, 0 / 0, math.huge} do
      local ok, e = pcall(im.h_maxima, im, h)
      assert.is_false(ok); assert.matches("h must", e)
    end
    local ok, e = pcall(im.h_minima, im, 1.5)
    assert.is_false(ok); assert.matches("whole number", e)
    ok, e = pcall(im.h_maxima, seg.image(4, 4, 1, "i32"), 1)
    assert.is_false(ok); assert.matches("u8, u16 or f32", e)
    ok, e = pcall(im.h_maxima, with_nan(seg.image(4, 4, 1, "f32"), 2, 2), 1)
    assert.is_false(ok); assert.matches("NaN", e)
    ok, e = pcall(im.h_maxima, im, "x")
    assert.is_false(ok)
  end)
end)

describe("pipelines", function()
  it("separates touching nuclei as skimage does (threshold, distance, peaks, watershed)", function()
    local img = assert(seg.load("examples/images/nuclei.png"))
    local fg = img:threshold("otsu"):fill_holes():remove_small(30)
    local d = fg:distance()
    local markers, n = d:peaks{min_distance = 7, exclude_border = false}
    local cells = (d * -1):watershed(markers, {mask = fg})
    assert.are.equal(ref.nuclei.objects, select(2, fg:label()))
    assert.are.equal(ref.nuclei.markers, n)
    assert.are.equal(ref.nuclei.cells, #cells:regions())
  end)

  it("the examples count what scikit-image counts and save their overlays", function()
    local base = os.tmpname()
    local tmp = base .. ".png"
    local env = setmetatable({print = function () end, io = {write = function () end}},
                             {__index = _G})
    local function run (path) return assert(loadfile(path, "t", env))(tmp) end
    local n = run("examples/coins_watershed.lua")
    assert.are.equal(ref.coins_tutorial, n)
    assert.are.equal(3, assert(seg.load(tmp)).channels)
    assert.are.equal(ref.nuclei.cells, run("examples/cells_watershed.lua"))
    assert(seg.load(tmp))
    os.remove(tmp); os.remove(base)
  end)
end)

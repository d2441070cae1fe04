-- Region operators: flood (scikit-image 0.19's segmentation.flood),
-- region_grow (seeded region growing, Adams & Bischof 1994, against the
-- reference implementation in spec/refs/make_region_refs.py) and
-- confidence_connected (ITK's ConfidenceConnectedImageFilter, reference in
-- the same script), through the fixtures it writes.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/region_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d pixels differ (worst %g)"):format(what or "", differ, worst))
end

local I = ref.inputs
local inputs = {
  coins = load(I.coins), camera = load(I.camera), astro = load(I.astro), cam16 = load(I.cam16),
  camf = H.raw_f32(D .. I.camf, I.camf_w, I.camf_h),
}

describe("flood", function()
  it("matches skimage.segmentation.flood on u8, u16, f32 and RGB, both connectivities", function()
    for _, c in ipairs(ref.flood) do
      local got = inputs[c.input]:flood(c.x, c.y, c.tol, {connectivity = c.conn})
      assert.are.equal("Mask", seg.type(got))
      same(got, load(c.want), ("%s (%d, %d) tol %s conn %d"):format(c.input, c.x, c.y,
        tostring(c.tol), c.conn))
      assert.are.equal(c.count, got:count())
    end
  end)

  it("defaults to 8-connectivity and equality", function()
    local im = seg.from_table{{1, 0, 0}, {0, 1, 0}, {0, 0, 2}}
    assert.are.same({{1, 0, 0}, {0, 1, 0}, {0, 0, 0}}, im:flood(0, 0):to_table())
    assert.are.same({{1, 0, 0}, {0, 0, 0}, {0, 0, 0}}, im:flood(0, 0, nil, {connectivity = 4}):to_table())
    local diag = seg.from_table{{1, 5, 5}, {5, 2, 5}, {5, 5, 0}}
    assert.are.same({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, diag:flood(0, 0, 1):to_table())
  end)

  it("floods Labels and Masks, and always keeps the seed (a NaN seed included)", function()
    local lab = seg.from_table{{3, 3, 0}, {0, 3, 5}}:to("i32")
    assert.are.same({{1, 1, 0}, {0, 1, 0}}, lab:flood(0, 0):to_table())
    local m = seg.from_table{{1, 1, 0}, {0, 0, 1}}:gt(0)
    assert.are.equal(3, m:flood(2, 0):count())
    local f = seg.image(3, 1, 1, "f32")
    f:set(0, 0, 0 / 0)
    assert.are.same({{1, 0, 0}}, f:flood(0, 0):to_table())
    assert.are.same({{1, 1, 1}}, f:flood(0, 0, 1):to_table())   -- skimage: NaN bounds become the dtype's
  end)

  it("works on 1x1, 1xN and Nx1 images", function()
    assert.are.equal(1, seg.image(1, 1):flood(0, 0):count())
    assert.are.equal(5, seg.image(5, 1):flood(4, 0, 0):count())
    assert.are.equal(5, seg.image(1, 5, 3, "u16"):flood(0, 2):count())
  end)

  it("names bad arguments", function()
    local im = inputs.coins
    assert.has_error(function() im:flood(-1, 0) end, "bad argument #1 to 'flood' (seed x outside the image)")
    assert.has_error(function() im:flood(0, im.height) end, "bad argument #2 to 'flood' (seed y outside the image)")
    assert.has_error(function() im:flood(0, 0, -1) end,
      "bad argument #3 to 'flood' (tolerance must be a non-negative number)")
    assert.has_error(function() im:flood(0, 0, 0 / 0) end)
    assert.has_error(function() im:flood(0, 0, 1, {conectivity = 4}) end)
    assert.has_error(function() im:flood(0, 0, 1, {connectivity = 6}) end)
    assert.has_error(function() im:flood("a", 0) end)
    assert.has_error(function() im:flood(0.5, 0) end)
    local r = im:clone(); r:release()
    assert.has_error(function() r:flood(0, 0) end)
  end)
end)

local function points(list)
  local t = {}
  for i, p in ipairs(list) do t[i] = {x = p.x, y = p.y} end
  return t
end

describe("region_grow", function()
  it("matches the reference seeded region growing on gray, u16, f32 and RGB", function()
    for i, c in ipairs(ref.grow) do
      local seeds = c.points and points(c.points) or load(c.seeds):to_labels()
      local got = inputs[c.input]:region_grow(seeds, c.opts)
      assert.are.equal("Labels", seg.type(got))
      same(got, load(c.want), ("case %d (%s)"):format(i, c.input))
    end
  end)

  it("accepts {x, y} pairs and keeps seed ids from Labels", function()
    local im = seg.from_table{{10, 11, 50, 52}, {10, 12, 51, 90}}
    local a = im:region_grow{{0, 0}, {3, 0}}
    assert.are.same({{1, 1, 2, 2}, {1, 1, 2, 2}}, a:to_table())
    local s = seg.labels(4, 2); s:set(0, 0, 7); s:set(3, 1, 3)
    local b = im:region_grow(s, {max_distance = 5})
    assert.are.same({{7, 7, 0, 0}, {7, 7, 0, 3}}, b:to_table())
  end)

  it("sends a pixel touching two regions to the nearer mean", function()
    local im = seg.from_table{{0, 4, 10}}
    assert.are.same({{1, 1, 2}}, im:region_grow{{0, 0}, {2, 0}}:to_table())
    im = seg.from_table{{0, 6, 10}}
    assert.are.same({{1, 2, 2}}, im:region_grow{{0, 0}, {2, 0}}:to_table())
    im = seg.from_table{{0, 5, 10}}                      -- a tie: the smaller label
    assert.are.same({{1, 1, 2}}, im:region_grow{{0, 0}, {2, 0}}:to_table())
  end)

  it("is the same on any number of threads", function()
    local t = seg.threads()
    seg.threads(1)
    local a = inputs.coins:region_grow(points(ref.grow[1].points))
    seg.threads(2)
    local b = inputs.coins:region_grow(points(ref.grow[1].points))
    seg.threads(t)
    same(a, b)
  end)

  it("names bad arguments", function()
    local im = inputs.coins
    assert.has_error(function() im:region_grow{{x = -1, y = 0}} end)
    assert.has_error(function() im:region_grow{{x = 0, y = 1e6}} end,
      "bad argument #1 to 'region_grow' (seed point 1 (0, 1000000) outside the 180x130 image)")
    assert.has_error(function() im:region_grow{} end,
      "bad argument #1 to 'region_grow' (at least one seed point expected)")
    assert.has_error(function() im:region_grow{1, 2} end,
      "bad argument #1 to 'region_grow' (point 1: table {x=, y=} or {x, y} expected)")
    assert.has_error(function() im:region_grow{{x = 1}} end,
      "bad argument #1 to 'region_grow' (point 1: integer y expected)")
    assert.has_error(function() im:region_grow{{x = 1.5, y = 2}} end)
    assert.has_error(function() im:region_grow(im) end)
    assert.has_error(function() im:region_grow(seg.labels(3, 3)) end)
    local neg = seg.labels(im.width, im.height); neg:set(0, 0, -2)
    assert.has_error(function() im:region_grow(neg) end,
      "bad argument #1 to 'region_grow' (seed labels must be non-negative)")
    assert.has_error(function() im:region_grow({{0, 0}}, {max_distance = -1}) end)
    assert.has_error(function() im:region_grow({{0, 0}}, {conectivity = 4}) end)
    assert.has_error(function() im:to("i32"):region_grow{{0, 0}} end)
    local r = seg.labels(im.width, im.height); r:release()
    assert.has_error(function() im:region_grow(r) end)
  end)

  it("works on tiny images", function()
    assert.are.same({{1}}, seg.image(1, 1):region_grow{{0, 0}}:to_table())
    assert.are.same({{1, 1, 2}}, seg.from_table{{0, 1, 9}}:region_grow{{0, 0}, {2, 0}}:to_table())
    local s = seg.labels(1, 3); s:set(0, 1, 4)
    assert.are.same({{4}, {4}, {4}}, seg.image(1, 3, 3, "f32"):region_grow(s):to_table())
  end)
end)

describe("confidence_connected", function()
  it("matches the reference of ITK's ConfidenceConnectedImageFilter", function()
    for i, c in ipairs(ref.confidence) do
      local got, lo, hi = inputs[c.input]:confidence_connected(points(c.points), c.opts)
      assert.are.equal("Mask", seg.type(got))
      same(got, load(c.want), ("case %d (%s)"):format(i, c.input))
      assert.are.equal(c.lower, lo)
      assert.are.equal(c.upper, hi)
    end
  end)

  it("takes the seeds from a Mask or Labels", function()
    local c = ref.confidence[1]
    local m = seg.mask(inputs.coins.width, inputs.coins.height)
    m:set(c.points[1].x, c.points[1].y, 1)
    same(inputs.coins:confidence_connected(m), load(c.want))
  end)

  it("works on tiny images", function()
    assert.are.equal(1, seg.image(1, 1):confidence_connected{{0, 0}}:count())
    assert.are.equal(4, seg.image(4, 1, 1, "f32", 2):confidence_connected({{3, 0}}, {radius = 0}):count())
    assert.are.equal(3, seg.image(1, 3, 1, "u16"):confidence_connected({{0, 1}}, {radius = 9}):count())
  end)

  it("names bad arguments", function()
    local im = inputs.coins
    assert.has_error(function() im:confidence_connected{{x = 1000, y = 0}} end)
    assert.has_error(function() im:confidence_connected{} end)
    assert.has_error(function() im:confidence_connected(seg.mask(im.width, im.height)) end,
      "bad argument #1 to 'confidence_connected' (no seed pixels)")
    assert.has_error(function() im:confidence_connected(im) end)
    assert.has_error(function() im:confidence_connected({{0, 0}}, {multiplier = -1}) end)
    assert.has_error(function() im:confidence_connected({{0, 0}}, {iters = 1e9}) end)
    assert.has_error(function() im:confidence_connected({{0, 0}}, {radius = -1}) end)
    assert.has_error(function() im:confidence_connected({{0, 0}}, {multipler = 2}) end)
    assert.has_error(function() inputs.astro:confidence_connected{{0, 0}} end,
      "calling 'confidence_connected' on bad self (single-channel image expected)")
  end)
end)

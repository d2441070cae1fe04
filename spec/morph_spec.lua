-- Morphology and distance: erode/dilate and compound operations, elements,
-- mask clean-up, reconstruction, skeleton, convex hull, distance transforms
-- and peaks. Peers: OpenCV 4.6, scikit-image 0.19, scipy 1.10, through the
-- fixtures written by spec/refs/make_morph_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/morph_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local function mask(name) return load(name):gt(0) end
local function raw(name, w, h, c, dtype)
  local f = assert(io.open(D .. name, "rb"))
  local s = f:read("a")
  f:close()
  return seg.from_data(s, w, h, c or 1, dtype or "f32")
end
local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d elements differ (worst %g)"):format(what or "", differ, worst))
end

local cam = load(ref.inputs.camera)
local astro = load(ref.inputs.astro)
local cam16 = load(ref.inputs.cam16)
local FW, FH = ref.inputs.camf_w, ref.inputs.camf_h
local camf = raw(ref.inputs.camf, FW, FH)
local coins = mask(ref.inputs.coins)
local horse = mask(ref.inputs.horse)

describe("structuring elements", function()
  it("seg.disk(r) is skimage.morphology.disk(r)", function()
    for r, n in pairs(ref.disk_sizes) do
      local d = seg.disk(tonumber(r))
      assert.are.equal(2 * tonumber(r) + 1, d.width)
      assert.are.equal(n, d:count())
    end
    assert.are.same({{0,0,0,1,0,0,0},{0,1,1,1,1,1,0},{0,1,1,1,1,1,0},{1,1,1,1,1,1,1},
                     {0,1,1,1,1,1,0},{0,1,1,1,1,1,0},{0,0,0,1,0,0,0}}, seg.disk(3):to_table())
  end)

  it("builds rectangles, crosses and user elements as Masks", function()
    assert.are.same({{1,1,1,1},{1,1,1,1},{1,1,1,1}}, seg.rect(4, 3):to_table())
    assert.are.equal(9, seg.rect(3):count())
    assert.are.same({{0,1,0},{1,1,1},{0,1,0}}, seg.cross(1):to_table())
    assert.are.same({{0,1},{1,0}}, seg.element{{0, true}, {1, false}}:to_table())
    assert.are.equal("Mask", seg.type(seg.disk(2)))
  end)
end)

describe("erode, dilate and compound operations", function()
  it("match OpenCV with an even rectangle (anchor at w/2, h/2), every operation", function()
    local rect = seg.rect(4, 3)
    for op, f in pairs(ref.cv_rect) do same(cam[op](cam, rect), load(f), op) end
  end)

  it("match OpenCV per channel on RGB with a cross", function()
    for op, f in pairs(ref.cv_cross_rgb) do same(astro[op](astro, seg.cross(2)), load(f), op) end
  end)

  it("match OpenCV on u16 with an asymmetric user element (not reflected)", function()
    local e = seg.element{{1,1,0,0},{0,1,0,0},{0,1,1,1}}
    for op, f in pairs(ref.cv_user_u16) do same(cam16[op](cam16, e), load(f), op) end
  end)

  it("match OpenCV on f32 with negative values", function()
    for op, f in pairs(ref.cv_disk_f32) do same(camf[op](camf, seg.disk(2)), raw(f, FW, FH), op) end
  end)

  it("match scikit-image with a disk given as a radius", function()
    for op, f in pairs(ref.sk_disk) do same(cam[op](cam, 4), load(f), op) end
    same(cam:erode(4), cam:erode(seg.disk(4)))
  end)

  it("match scikit-image's binary operations on Masks and keep the kind", function()
    for op, f in pairs(ref.sk_binary) do
      local got = coins[op](coins, 3)
      assert.are.equal("Mask", seg.type(got))
      same(got, mask(f), op)
    end
  end)

  it("gives the same answer on 1 and 2 threads", function()
    local big = cam:resize(700, 611)
    local one = seg.threads(); seg.threads(1)
    local a, b = big:dilate(7), big:open(seg.rect(5, 9))
    seg.threads(2)
    same(big:dilate(7), a); same(big:open(seg.rect(5, 9)), b)
    seg.threads(one)
  end)

  it("names bad arguments", function()
    assert.has_error(function() cam:erode("x") end,
      "bad argument #1 to 'erode' (radius or structuring element expected)")
    assert.has_error(function() cam:dilate(-1) end,
      "bad argument #1 to 'dilate' (radius out of range)")
    assert.has_error(function() cam:open(seg.element{{0, 0}}) end,
      "bad argument #1 to 'open' (structuring element is empty)")
    assert.has_error(function() seg.labels(3, 3):erode(1) end,
      "calling 'erode' on bad self (u8, u16 or f32 pixels expected)")
    assert.has_error(function() seg.rect(0, 2) end,
      "bad argument #1 to 'rect' (width out of range)")
    assert.has_error(function() seg.element{{1, 0}, {1}} end,
      "bad argument #1 to 'element' (rows differ in length)")
    assert.has_error(function() seg.element{{1, "a"}} end,
      "bad argument #1 to 'element' (element values must be numbers or booleans)")
  end)
end)

describe("mask clean-up", function()
  it("fill_holes is scipy's binary_fill_holes", function()
    same(coins:fill_holes(), mask(ref.fill_holes))
    same((~horse):fill_holes(), mask(ref.fill_holes_horse))
  end)

  it("remove_small and remove_small_holes are skimage's, 8- and 4-connected", function()
    same(coins:remove_small(30), mask(ref.remove_small["8"]))
    same(coins:remove_small(30, 4), mask(ref.remove_small["4"]))
    same(coins:remove_small_holes(30), mask(ref.remove_small_holes["8"]))
    same(coins:remove_small_holes(30, 4), mask(ref.remove_small_holes["4"]))
  end)

  it("names bad arguments", function()
    assert.has_error(function() coins:remove_small(-1) end,
      "bad argument #1 to 'remove_small' (area must be non-negative)")
    assert.has_error(function() coins:remove_small(5, 6) end,
      "bad argument #2 to 'remove_small' (connectivity must be 4 or 8)")
    assert.has_error(function() cam:fill_holes() end)
  end)
end)

describe("reconstruct", function()
  it("is skimage's reconstruction by dilation and by erosion", function()
    same(load(ref.recon_dil_seed):reconstruct(cam), load(ref.recon_dil))
    same(load(ref.recon_ero_seed):reconstruct(cam, "erosion"), load(ref.recon_ero))
    same((camf - 0.2):reconstruct(camf), raw(ref.recon_f32, FW, FH))
  end)

  it("names bad arguments", function()
    assert.has_error(function() cam:reconstruct(cam:erode(1)) end,
      "bad argument #1 to 'reconstruct' (seed must not exceed the mask)")
    assert.has_error(function() cam:reconstruct(cam:dilate(1), "erosion") end,
      "bad argument #1 to 'reconstruct' (seed must not be below the mask)")
    assert.has_error(function() cam:reconstruct(cam, "opening") end,
      "bad argument #2 to 'reconstruct' (invalid option 'opening')")
    assert.has_error(function() cam:reconstruct(cam16) end,
      "bad argument #1 to 'reconstruct' (mask must have the seed's dtype and one channel)")
  end)
end)

describe("skeleton and convex hull", function()
  it("skeleton is skimage's skeletonize, pixel for pixel", function()
    same(coins:skeleton(), mask(ref.skeleton_coins))
    same(horse:skeleton(), mask(ref.skeleton_horse))
  end)

  it("convex_hull is skimage's convex_hull_image, pixel for pixel", function()
    same(horse:convex_hull(), mask(ref.hull_horse))
    same(coins:convex_hull(), mask(ref.hull_coins))
    same(mask(ref.hull_left_input):convex_hull(), mask(ref.hull_left))
    for i, c in ipairs(ref.hull_random) do same(mask(c.input):convex_hull(), mask(c.want), "random " .. i) end
    assert.are.equal(0, seg.mask(5, 4):convex_hull():count())
  end)
end)

describe("distance", function()
  local w, h = coins.width, coins.height

  it("is scipy's distance_transform_edt within 1e-5", function()
    local worst = H.diff(coins:distance(), raw(ref.edt_coins, w, h))
    assert.is_true(worst <= 1e-5 * ref.edt_max, "worst " .. worst)
    worst = H.diff(horse:distance(), raw(ref.edt_horse, horse.width, horse.height))
    assert.is_true(worst <= 1e-4, "worst " .. worst)
  end)

  it("is scipy's distance_transform_cdt for cityblock and chessboard, exactly", function()
    same(coins:distance("cityblock"), load(ref.cdt_taxicab):to("f32"))
    same(coins:distance("chessboard"), load(ref.cdt_chessboard):to("f32"))
  end)

  it("returns indices of a nearest background pixel", function()
    local d, idx = coins:distance("euclidean", {indices = true})
    assert.are.same({2, "i32"}, {idx.channels, idx.dtype})
    local want = raw(ref.edt_ind, w, h, 2, "i32")
    local agree, n = 0, 0
    for y = 0, h - 1, 3 do
      for x = 0, w - 1, 3 do
        local ix, iy = idx:get(x, y)
        assert.are.equal(0, coins:get(ix, iy))
        local dd = math.sqrt((ix - x) ^ 2 + (iy - y) ^ 2)
        assert.is_true(math.abs(dd - d:get(x, y)) < 1e-4)
        local sx, sy = want:get(x, y)
        n = n + 1
        if sx == ix and sy == iy then agree = agree + 1 end
      end
    end
    -- scipy breaks ties between equidistant background pixels differently
    assert.is_true(agree / n > 0.9, ("%d of %d indices as scipy"):format(agree, n))
  end)

  it("is +inf everywhere without background, 0 on background", function()
    local d = seg.mask(4, 3, 1):distance()
    assert.are.equal(math.huge, d:max())
    assert.are.equal(0, seg.mask(4, 3):distance():max())
  end)

  it("names bad arguments", function()
    assert.has_error(function() coins:distance("manhattan") end,
      "bad argument #1 to 'distance' (invalid option 'manhattan')")
    assert.has_error(function() coins:distance("cityblock", {indices = true}) end,
      "bad argument #2 to 'distance' (indices need the euclidean metric)")
  end)
end)

describe("peaks", function()
  local inputs = {
    edt = raw(ref.edt_coins, coins.width, coins.height),
    u8 = load(ref.peaks_smooth),
    u16 = load(ref.peaks_smooth16),
  }
  it("are skimage's peak_local_max labelled by measure.label, ties included", function()
    for _, c in ipairs(ref.peaks) do
      local img = inputs[c.name:match("^[^_]+")]
      local lab, n = img:peaks(c.opts)
      assert.are.equal("Labels", seg.type(lab))
      assert.are.equal(c.n, n, c.name)
      same(lab, load(c.want):to("i32"), c.name)
    end
  end)

  it("names bad arguments", function()
    assert.has_error(function() cam:peaks{min_distance = 0} end,
      "bad argument #1 to 'peaks' (min_distance out of range)")
    assert.has_error(function() cam:peaks{min_distance = 1.5} end,
      "bad argument #1 to 'peaks' ('min_distance' must be an integer)")
    assert.has_error(function() cam:peaks{exclude_border = -1} end,
      "bad argument #1 to 'peaks' ('exclude_border' must be a boolean or a non-negative integer)")
    assert.has_error(function() astro:peaks() end,
      "calling 'peaks' on bad self (single-channel image expected)")
  end)
end)

-- Labels and regions: m:label, img:label, lab:regions, lab:count and the
-- label-map utilities. Peer: scikit-image 0.19, through the fixtures written
-- by spec/refs/make_label_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/label_refs.lua")
local FIX = "spec/fixtures/label/"

local function load(name) return assert(seg.load(FIX .. name)) end
local function raw(name, w, h, dtype)
  local f = assert(io.open(FIX .. name, "rb"))
  local s = f:read("a")
  f:close()
  return seg.from_data(s, w, h, 1, dtype)
end
local coins = load(ref.inputs.coins)

local function same(a, b)
  local worst, differ = H.diff(a, b)
  assert.are.equal(0, differ, ("%d pixels differ (worst %g)"):format(differ, worst))
end

local function with_threads(n, fn)
  local old = seg.threads()
  seg.threads(n)
  local ok, err = pcall(fn)
  seg.threads(old)
  if not ok then error(err, 0) end
end

describe("label", function()
  local L = ref.label

  it("labels masks as skimage.measure.label (8 and 4 connectivity, 1 and 3 threads)", function()
    for _, t in ipairs{1, 3} do
      with_threads(t, function()
        local m = coins:gt(100)
        for _, c in ipairs{8, 4} do
          local want = load(L["coins_m" .. c])
          local lab, n = m:label(c)
          assert.are.equal("Labels", seg.type(lab))
          same(lab, want)
          assert.are.equal(want:max(), n)
        end
        same(m:label(), load(L.coins_m8))      -- 8 is the default
      end)
    end
  end)

  it("connects equal values of a multi-valued image, with background options", function()
    local q = load(L.coins_q)
    for _, t in ipairs{1, 3} do
      with_threads(t, function()
        for _, c in ipairs{8, 4} do
          local lab, n = q:label(c)
          same(lab, load(L["coins_q" .. c]))
          assert.are.equal(lab:max(), n)
          same(q:label(c, {background = false}), load(L["coins_q" .. c .. "_nobg"]))
          same(q:label(c, {background = 3}), load(L["coins_q" .. c .. "_bg3"]))
        end
      end)
    end
  end)

  it("labels u16, i32 and f32 images (f32 truncated to integers as skimage)", function()
    local q16 = load(L.coins_q):to("u16") * 4099 + 7
    same(q16:label(8, {background = 7}), load(L.q16))
    local q32 = load(L.coins_q):to("i32")
    same(q32:label(4), load(L.coins_q4))
    local f = raw(L.f32_input, L.f32_size[1], L.f32_size[2], "f32")
    local lab, n = f:label()
    same(lab, load(L.f32))
    assert.are.equal(L.f32_n, n)
  end)

  it("never overflows: a 4096x4096 checkerboard has 8388608 4-connected components", function()
    local pair = string.rep("\0\1", 2048) .. string.rep("\1\0", 2048)
    local m = seg.from_data(string.rep(pair, 2048), 4096, 4096, 1, "u8"):gt(0)
    pair = nil
    local lab, n = m:label(4)
    assert.are.equal(8388608, n)
    assert.are.equal(1, lab:get(1, 0))
    assert.are.equal(2048, lab:get(4095, 0))
    assert.are.equal(2049, lab:get(0, 1))
    assert.are.equal(0, lab:get(0, 0))
    assert.are.equal(8388608, lab:get(4094, 4095))
    assert.are.equal(8388608, lab:count())
    local _, n8 = m:label(8)
    assert.are.equal(1, n8)
  end)

  it("handles empty, full and one-pixel images", function()
    local lab, n = seg.mask(5, 4):label()
    assert.are.equal(0, n)
    assert.are.equal(0, lab:max())
    lab, n = seg.mask(5, 4, 1):label(4)
    assert.are.equal(1, n)
    assert.are.equal(1, lab:min())
    lab, n = seg.mask(1, 1, 1):label()
    assert.are.equal(1, n)
  end)

  it("names bad arguments", function()
    local m = seg.mask(4, 4)
    assert.has_error(function() m:label(6) end,
      "bad argument #1 to 'label' (connectivity must be 4 or 8)")
    assert.has_error(function() seg.image(4, 4, 3):label() end,
      "calling 'label' on bad self (1-channel image expected, got 3 channels)")
    assert.has_error(function() seg.image(4, 4):label(8, {background = 0.5}) end,
      "bad argument #2 to 'label' (background must be an integer or false)")
    assert.has_error(function() seg.image(4, 4):label(8, 3) end,
      "bad argument #2 to 'label' (table expected, got number)")
  end)
end)

-- Floating properties agree to 1e-6, relative to the value or, for moments
-- (which can be 0 up to rounding on symmetric shapes), to the largest entry
-- of the same array.
local INT = { label = true, area = true, euler_number = true, convex_area = true }

local function close(a, b, scale, what)
  if b ~= b then
    assert(a ~= a, ("%s: %s, expected nan"):format(what, tostring(a)))
    return
  end
  local tol = 1e-6 * math.max(math.abs(b), scale or 0, 1e-12)
  assert(math.abs(a - b) <= tol,
    ("%s: got %.17g, expected %.17g (diff %.3g)"):format(what, a, b, math.abs(a - b)))
end

local function maxabs(t)
  local m = 0
  for _, v in ipairs(t) do
    if type(v) == "table" then m = math.max(m, maxabs(v))
    elseif v == v then m = math.max(m, math.abs(v)) end
  end
  return m
end

local function compare_regions(got, want, where)
  assert.are.equal(#want, #got, where .. ": region count")
  for i, w in ipairs(want) do
    local g = got[i]
    for k, v in pairs(w) do
      local what = ("%s region %d %s"):format(where, w.label, k)
      local gv = g[k]
      assert(gv ~= nil, what .. " missing")
      if INT[k] then
        assert.are.equal(v, gv, what)
      elseif k == "bbox" then
        assert.are.same(v, gv, what)
      elseif type(v) == "table" and v.x then
        close(gv.x, v.x, nil, what .. ".x"); close(gv.y, v.y, nil, what .. ".y")
      elseif type(v) == "table" then
        local s = maxabs(v)
        for a, row in ipairs(v) do
          if type(row) == "table" then
            for b, x in ipairs(row) do close(gv[a][b], x, s, ("%s[%d][%d]"):format(what, a, b)) end
          else
            close(gv[a], row, s, ("%s[%d]"):format(what, a))
          end
        end
      else
        close(gv, v, nil, what)
      end
    end
  end
end

describe("regions", function()
  local R = ref.regions

  it("matches skimage.measure.regionprops on coins, with intensity", function()
    local lab = coins:gt(100):label()
    compare_regions(lab:regions(coins), R.coins, "coins")
  end)

  it("matches regionprops on text (holes: euler numbers, perimeters, solidity)", function()
    compare_regions(load(R.page_labels):to_labels():regions(), R.page, "page")
    local horse = load(R.horse_labels):to_labels()
    compare_regions(horse:regions(), R.horse, "horse")
  end)

  it("takes u16 and f32 intensity images", function()
    local lab = coins:gt(100):label()
    compare_regions(lab:regions(coins:to("u16") * 251 + 11), R.coins16, "coins u16")
    compare_regions(lab:regions(coins:to("f32") / 255), R.coinsf, "coins f32")
  end)

  it("computes only the properties asked for", function()
    local lab = coins:gt(100):label()
    local rs = lab:regions{properties = {"area", "bbox"}}
    assert.are.equal(#R.coins, #rs)
    local keys = {}
    for k in pairs(rs[1]) do keys[#keys + 1] = k end
    table.sort(keys)
    assert.are.same({"area", "bbox", "label"}, keys)
    rs = lab:regions(coins, {properties = {"mean_intensity"}})
    close(rs[3].mean_intensity, R.coins[3].mean_intensity, nil, "mean_intensity")
  end)

  it("skips absent labels and counts the largest", function()
    local lab = seg.labels(6, 2)
    lab:set(0, 0, 2); lab:set(5, 1, 7)
    assert.are.equal(7, lab:count())
    local rs = lab:regions{properties = {"area"}}
    assert.are.equal(2, #rs)
    assert.are.same({2, 7}, {rs[1].label, rs[2].label})
    assert.are.same({}, seg.labels(3, 3):regions())
  end)

  it("names bad arguments", function()
    local lab = seg.labels(4, 4)
    assert.has_error(function() lab:regions{properties = {"areaa"}} end,
      "bad argument #1 to 'regions' (unknown property 'areaa')")
    assert.has_error(function() lab:regions{properties = {"mean_intensity"}} end,
      "bad argument #1 to 'regions' (property 'mean_intensity' needs an intensity image)")
    assert.has_error(function() lab:regions(seg.image(3, 4)) end,
      "bad argument #1 to 'regions' (size mismatch (3x4 vs 4x4))")
    assert.has_error(function() lab:regions(seg.image(4, 4, 3)) end,
      "bad argument #1 to 'regions' (1-channel image expected, got 3 channels)")
    assert.has_error(function() seg.mask(4, 4):regions() end)
  end)
end)

describe("label maps", function()
  local E = ref.edits
  local gappy = load(E.gappy):to_labels()

  it("relabels sequentially as skimage.segmentation.relabel_sequential", function()
    local lab, n = gappy:relabel()
    same(lab, load(E.relabel))
    assert.are.equal(E.relabel_n, n)
    assert.are.equal(E.relabel_n, lab:count())
  end)

  it("clears objects touching the border as skimage.segmentation.clear_border", function()
    same(gappy:clear_border(), load(E.clear0))
    same(gappy:clear_border(5, 1), load(E.clear5))
    local m = coins:gt(100):clear_border(3)
    assert.are.equal("Mask", seg.type(m))
    same(m, load(E.clear_mask3))
  end)

  it("expands labels as skimage.segmentation.expand_labels", function()
    for _, d in ipairs{3, 10} do
      same(gappy:expand(d), load(E["expand" .. d]))
    end
    same(gappy:expand(2.5), load(E.expand2_5))
  end)

  it("finds boundaries as skimage.segmentation.find_boundaries", function()
    local t = load(E.touching):to_labels()
    same(t:boundaries(), load(E.bound_thick))
    for _, mode in ipairs{"thick", "inner", "outer"} do
      local b = t:boundaries(mode)
      assert.are.equal("Mask", seg.type(b))
      same(b, load(E["bound_" .. mode]))
    end
  end)

  it("extracts one label as a mask and filters regions with a Lua predicate", function()
    local m = gappy:mask(14)
    assert.are.equal("Mask", seg.type(m))
    local r = gappy:regions{properties = {"area"}}
    local area14
    for _, x in ipairs(r) do if x.label == 14 then area14 = x.area end end
    assert.are.equal(area14, m:count())
    local big, kept = gappy:filter(function (x) return x.area >= 500 end, {properties = {"area"}})
    local want = 0
    for _, x in ipairs(r) do if x.area >= 500 then want = want + 1 end end
    assert.are.equal(want, kept)
    local rb = big:regions{properties = {"area"}}
    assert.are.equal(want, #rb)
    for _, x in ipairs(rb) do
      assert.is_true(x.area >= 500)
      assert.are.equal(0, x.label % 7)              -- labels unchanged
    end
  end)

  it("names bad arguments", function()
    assert.has_error(function() gappy:boundaries("thin") end,
      "bad argument #1 to 'boundaries' (invalid option 'thin')")
    assert.has_error(function() gappy:expand(-1) end,
      "bad argument #1 to 'expand' (distance must be >= 0)")
    assert.has_error(function() gappy:mask(-2) end,
      "bad argument #1 to 'mask' (label out of range)")
    assert.has_error(function() gappy:filter(3) end,
      "bad argument #1 to 'filter' (function expected, got number)")
    assert.has_error(function() gappy:clear_border(-1) end,
      "bad argument #1 to 'clear_border' (buffer must be >= 0)")
    assert.has_error(function() coins:clear_border() end,
      "calling 'clear_border' on bad self (seg.Labels or seg.Mask expected, got seg.Image)")
    assert.has_error(function() seg.image(3, 3):relabel() end)
  end)
end)

describe("contours", function()
  local C = ref.contours
  local cx, cy, cw, ch = table.unpack(C.coins_crop)
  local crop = coins:crop(cx, cy, cw, ch)

  local function compare(got, want, what)
    assert.are.equal(#want, #got, what .. ": contour count")
    for i, w in ipairs(want) do
      local g = got[i]
      assert.are.equal(#w // 2, #g, ("%s contour %d: point count"):format(what, i))
      for k, p in ipairs(g) do
        local ex, ey = w[2 * k - 1], w[2 * k]
        assert(math.abs(p.x - ex) <= 1e-9 and math.abs(p.y - ey) <= 1e-9,
          ("%s contour %d point %d: (%.12g, %.12g), expected (%.12g, %.12g)"):format(
            what, i, k, p.x, p.y, ex, ey))
      end
    end
  end

  it("traces mask outlines as skimage.measure.find_contours at 0.5", function()
    local horse = load(ref.inputs.horse):lt(128)
    compare(horse:contours(), C.horse_mask, "horse")
  end)

  it("traces iso-lines of u8 and f32 images, with skimage's options", function()
    compare(crop:contours(100), C.coins_100, "coins 100")
    compare(crop:contours(100, {fully_connected = "high", positive_orientation = "high"}),
      C.coins_100_high, "coins 100 high")
    compare(crop:contours(), C.coins_default, "coins default level")
    compare((crop:to("f32") / 255):contours(C.coins_f32_level), C.coins_f32, "coins f32")
    compare((crop:to("u16") * 1):contours(100), C.coins_100, "coins u16")
  end)

  it("names bad arguments", function()
    assert.has_error(function() seg.mask(1, 5):contours() end,
      "calling 'contours' on bad self (image must be at least 2x2)")
    assert.has_error(function() crop:contours(1, {fully_connected = "full"}) end,
      "bad argument #2 to 'contours' (fully_connected must be 'low' or 'high')")
    assert.has_error(function() crop:contours("x") end,
      "bad argument #1 to 'contours' (number expected, got string)")
    assert.has_error(function() seg.image(3, 3, 3):contours(1) end,
      "calling 'contours' on bad self (1-channel image expected, got 3 channels)")
  end)
end)

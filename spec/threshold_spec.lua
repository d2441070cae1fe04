-- Thresholds: global methods (scikit-image 0.19), multi-level Otsu,
-- adaptive (OpenCV 4.6 adaptiveThreshold), niblack/sauvola (scikit-image),
-- wolf (NumPy transcription of Wolf & Jolion 2004) and hysteresis
-- (scikit-image), through the fixtures of spec/refs/make_threshold_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/threshold_refs.lua")

local cache = {}
local function input(name)
  if cache[name] then return cache[name] end
  local d = assert(ref.inputs[name], name)
  local im
  if d.dtype == "f32" then im = H.raw_f32(ref.dir .. d.file, d.w, d.h)
  else im = assert(seg.load(ref.dir .. d.file)) end
  assert.are.equal(d.dtype, im.dtype)
  cache[name] = im
  return im
end

local function png(name) return assert(seg.load(ref.dir .. name)) end

local function same_mask(m, want, what)
  assert.are.equal("Mask", seg.type(m))
  local worst, differ = H.diff(m:to("u8"), want)
  assert.are.equal(0, differ, ("%s: %d pixels differ (worst %g)"):format(what, differ, worst))
end

-- Pixels of the one-channel image im where the mask m is not (im > t),
-- t an f32 image of the same size; read from data() bytes in chunks.
local function cut_mismatches(im, t, m)
  local fmt = ({u8 = "B", u16 = "I2", i32 = "i4", f32 = "f"})[im.dtype]
  local size = ({u8 = 1, u16 = 2, i32 = 4, f32 = 4})[im.dtype]
  local si, st, sm = im:data(), t:data(), m:data()
  local n, wrong, i = im.width * im.height, 0, 0
  while i < n do
    local k = math.min(64, n - i)
    local v = {string.unpack("=" .. fmt:rep(k), si, i * size + 1)}
    local th = {string.unpack("=" .. ("f"):rep(k), st, i * 4 + 1)}
    local mb = {sm:byte(i + 1, i + k)}
    for j = 1, k do
      if mb[j] ~= (v[j] > th[j] and 1 or 0) then wrong = wrong + 1 end
    end
    i = i + k
  end
  return wrong
end

local METHODS = {"otsu", "triangle", "li", "yen", "isodata", "mean", "minimum"}

describe("global thresholds", function()
  it("give scikit-image's value exactly on u8 and u16 images", function()
    for name, g in pairs(ref.global) do
      local im = input(name)
      if im.dtype ~= "f32" then
        for _, m in ipairs(METHODS) do
          local want = g[m]
          if want then
            local t = im:threshold_value(m)
            if m == "li" or m == "mean" then
              -- numpy's SIMD log differs from libm's by an ulp now and then
              assert.is_true(math.abs(t - want.t) <= 1e-12 * math.abs(want.t),
                ("%s %s: %.17g vs %.17g"):format(name, m, t, want.t))
            else
              assert.are.equal(want.t, t, name .. " " .. m)
            end
          end
        end
      end
    end
  end)

  it("are within one histogram bin of scikit-image on f32 images", function()
    for name, g in pairs(ref.global) do
      local im = input(name)
      if im.dtype == "f32" then
        for _, m in ipairs(METHODS) do
          local want = g[m]
          if want then
            local t = im:threshold_value(m)
            assert.is_true(math.abs(t - want.t) <= g.bin,
              ("%s %s: %.9g vs %.9g (bin %.3g)"):format(name, m, t, want.t, g.bin))
          end
        end
      end
    end
  end)

  it("return the mask img > t and the value", function()
    for name, g in pairs(ref.global) do
      local im = input(name)
      for _, m in ipairs(METHODS) do
        local want = g[m]
        if want then
          local mask, t = im:threshold(m)
          assert.are.equal(im:threshold_value(m), t)
          assert.is_true(mask == im:gt(t))
          if im.dtype ~= "f32" then assert.are.equal(want.count, mask:count(), name .. " " .. m) end
        end
      end
    end
  end)

  it("returns integers for integer images", function()
    local im = input("camera")
    assert.are.equal("integer", math.type(im:threshold_value("otsu")))
    assert.are.equal("float", math.type(im:threshold_value("mean")))
  end)

  it("lists every method in seg.thresholds", function()
    local im = input("coins")
    local all = seg.thresholds(im)
    for _, m in ipairs(METHODS) do
      if ref.global.coins[m] then assert.are.equal(im:threshold_value(m), all[m], m) end
    end
  end)

  it("treats a constant image as its own threshold", function()
    local im = seg.image(5, 4, 1, "u8", 42)
    for _, m in ipairs(METHODS) do assert.are.equal(42, im:threshold_value(m)) end
    assert.are.equal(0, im:threshold("otsu"):count())
  end)

  it("reports a histogram without two peaks", function()
    local im = seg.from_table{{0, 1, 2, 3}, {4, 5, 6, 7}}
    assert.has_error(function() im:threshold_value("minimum") end,
      "minimum: unable to find two maxima in histogram")
    assert.is_nil(seg.thresholds(im).minimum)
    assert.is_not_nil(seg.thresholds(im).otsu)
  end)
end)

describe("fixed threshold", function()
  it("is img:gt(t), on any dtype and channel count", function()
    local im = input("camera")
    assert.is_true(im:threshold(99.5) == im:gt(99.5))
    local rgb = seg.merge{im, im:threshold(50):to("u8") * 200, im}
    assert.is_true(rgb:threshold(40) == rgb:gt(40))
    local f = input("coinsf")
    assert.is_true(f:threshold(0.5) == f:gt(0.5))
  end)
end)

describe("multiotsu", function()
  it("matches threshold_multiotsu and classifies 1..classes", function()
    for key, c in pairs(ref.multiotsu) do
      local im = input(c.img)
      local lab, t = im:multiotsu(c.classes)
      assert.are.equal("Labels", seg.type(lab))
      assert.are.equal(c.classes - 1, #t)
      for i = 1, #t do
        if im.dtype == "f32" then
          assert.is_true(math.abs(t[i] - c.t[i]) <= ref.global[c.img].bin, key)
        else
          assert.are.equal(c.t[i], t[i], key)
        end
      end
      if im.dtype ~= "f32" then
        for k = 1, c.classes do assert.are.equal(c.sizes[k], lab:eq(k):count(), key .. " class " .. k) end
      end
    end
  end)

  it("defaults to three classes", function()
    local _, t = input("coins"):multiotsu()
    assert.are.equal(2, #t)
  end)
end)

describe("adaptive thresholds", function()
  it("match cv2.adaptiveThreshold on u8 images exactly", function()
    for _, c in ipairs(ref.adaptive) do
      local im = input(c.img)
      local m, t = im:threshold(c.method, {window = c.window, offset = c.offset})
      same_mask(m, png(c.mask), ("%s %s %d"):format(c.img, c.method, c.window))
      assert.are.same({"Image", "f32"}, {seg.type(t), t.dtype})
      -- the threshold image returned is the one the mask was cut at, on every
      -- dtype: decoded from the bytes, not through seg's own gt
      local wrong = cut_mismatches(im, t, m)
      assert.are.equal(0, wrong, ("%s %s %d: %d pixels not (image > t)"):format(
        c.img, c.method, c.window, wrong))
    end
  end)

  it("return only the mask with values = false", function()
    local m, t = input("page"):threshold("adaptive_mean", {window = 11, values = false})
    assert.are.equal("Mask", seg.type(m))
    assert.is_nil(t)
  end)
end)

describe("niblack, sauvola, wolf", function()
  it("match scikit-image (and the Wolf transcription)", function()
    for _, c in ipairs(ref["local"]) do
      local im = input(c.img)
      local what = ("%s %s %d"):format(c.img, c.method, c.window)
      local m, t = im:threshold(c.method, {window = c.window, k = c.k})
      local want = png(c.mask)
      local _, differ = H.diff(m:to("u8"), want)
      -- u8/u16 sums are exact; f32 pixels sitting on their threshold may flip
      local allowed = im.dtype == "f32" and math.ceil(im.width * im.height * 1e-4) or 0
      assert.is_true(differ <= allowed, ("%s: %d pixels differ"):format(what, differ))
      local tref = H.raw_f32(ref.dir .. c.t, 64, 40)
      local worst = H.diff(t:crop(0, 0, 64, 40), tref)
      local scale = math.max(math.abs(tref:min()), math.abs(tref:max()))
      assert.is_true(worst <= 1e-6 * scale, ("%s: threshold off by %g"):format(what, worst))
    end
  end)

  it("subtract the offset from the threshold", function()
    local im = input("page")
    local _, t0 = im:threshold("sauvola", {window = 15})
    local m, t1 = im:threshold("sauvola", {window = 15, offset = 10})
    assert.is_true(H.diff(t0 - 10, t1) < 1e-4)
    assert.is_true(m == im:to("f32"):gt(t1))
  end)

  it("give the same result on 1 and 2 threads", function()
    local im, n = input("coins"), seg.threads()
    for _, meth in ipairs{"sauvola", "wolf", "adaptive_mean", "adaptive_gaussian"} do
      seg.threads(1)
      local a, ta = im:threshold(meth, {window = 21})
      seg.threads(2)
      local b, tb = im:threshold(meth, {window = 21})
      assert.is_true(a == b and ta == tb, meth)
    end
    seg.threads(n)
  end)
end)

describe("hysteresis", function()
  it("matches apply_hysteresis_threshold (4-connected) and its 8-connected form", function()
    for _, c in ipairs(ref.hysteresis) do
      local im = input(c.img)
      same_mask(im:hysteresis(c.low, c.high, 4), png(c.m4), c.img .. " 4")
      same_mask(im:hysteresis(c.low, c.high), png(c.m8), c.img .. " 8")
    end
  end)

  it("clips low to high", function()
    local im = input("camera")
    assert.is_true(im:hysteresis(200, 120) == im:gt(120))
  end)
end)

describe("bad arguments", function()
  local im = seg.image(8, 8)
  it("names them", function()
    assert.has_error(function() im:threshold("otsx") end,
      "bad argument #1 to 'threshold' (invalid option 'otsx')")
    assert.has_error(function() im:threshold({}) end,
      "bad argument #1 to 'threshold' (number or string expected, got table)")
    assert.has_error(function() seg.image(8, 8, 3):threshold("otsu") end,
      "calling 'threshold' on bad self (single-channel image expected)")
    assert.has_error(function() seg.image(8, 8, 1, "i32"):threshold_value("li") end,
      "calling 'threshold_value' on bad self (u8, u16 or f32 image expected)")
    assert.has_error(function() im:threshold_value("sauvola") end,
      "bad argument #1 to 'threshold_value' (invalid option 'sauvola')")
    assert.has_error(function() im:threshold("sauvola", {window = 4}) end,
      "bad argument #2 to 'threshold' (window must be an odd integer from 3 to 4095)")
    assert.has_error(function() im:threshold("niblack", {k = "x"}) end,
      "bad argument #2 to 'threshold' ('k' must be a number)")
    assert.has_error(function() im:threshold("sauvola", {r = 0}) end,
      "bad argument #2 to 'threshold' ('r' must not be zero)")
    assert.has_error(function() im:threshold("wolf", 3) end,
      "bad argument #2 to 'threshold' (table expected, got number)")
    assert.has_error(function() im:multiotsu(1) end,
      "bad argument #1 to 'multiotsu' (classes must be from 2 to 32)")
    assert.has_error(function() seg.image(4, 4, 1, "u8", 3):multiotsu(3) end,
      "multiotsu: image has fewer distinct values than classes")
    assert.has_error(function() im:hysteresis(1) end,
      "bad argument #2 to 'hysteresis' (number expected, got no value)")
    assert.has_error(function() im:hysteresis(1, 2, 6) end,
      "bad argument #3 to 'hysteresis' (connectivity must be 4 or 8)")
    assert.has_error(function() seg.thresholds(3) end,
      "bad argument #1 to 'thresholds' (seg.Image expected, got number)")
  end)

  it("skips NaN pixels and refuses an image without a finite one", function()
    local f = seg.from_table({{0 / 0, 1, 2, 3}, {4, 5, 0 / 0, 7}}, "f32")
    assert.is_true(f:threshold_value("otsu") > 0)
    local nan = seg.image(2, 2, 1, "f32", 0 / 0)
    assert.has_error(function() nan:threshold_value("otsu") end, "image has no finite pixel")
  end)
end)

-- The core types, construction and access, conversions, resize, pointwise
-- arithmetic, comparisons, masks and statistics. Peer: OpenCV 4.6, through
-- the fixtures written by spec/refs/make_core_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/core_refs.lua")
local FIX = "spec/fixtures/core/"

local function load(name) return assert(seg.load(FIX .. name)) end
local astro, camera = load(ref.inputs.astro), load(ref.inputs.camera)

local function same(a, b)
  local worst, differ = H.diff(a, b)
  assert.are.equal(0, differ, ("%d elements differ (worst %g)"):format(differ, worst))
end

describe("types", function()
  it("prints kind, size, channels and dtype", function()
    assert.are.equal("seg.Image 4x3, 3 channels, u8", tostring(seg.image(4, 3, 3)))
    assert.are.equal("seg.Mask 2x2, 1 channel, u8", tostring(seg.mask(2, 2)))
    assert.are.equal("seg.Labels 5x1, 1 channel, i32", tostring(seg.labels(5, 1)))
  end)

  it("exposes fields and names kinds", function()
    local im = seg.image(7, 5, 2, "u16")
    assert.are.same({7, 5, 2, "u16"}, {im.width, im.height, im.channels, im.dtype})
    assert.are.equal("Image", seg.type(im))
    assert.are.equal("Mask", seg.type(seg.mask(1, 1)))
    assert.are.equal("Labels", seg.type(seg.labels(1, 1)))
    assert.is_nil(seg.type({}))
    assert.is_nil(seg.type(3))
  end)

  it("compares pixels with ==", function()
    local a, b = seg.image(3, 3, 1, "u8", 5), seg.image(3, 3, 1, "u8", 5)
    assert.is_true(a == b)
    b:set(1, 1, 6)
    assert.is_false(a == b)
    assert.is_false(seg.image(3, 3, 1, "u8") == seg.image(3, 3, 1, "u16"))
  end)

  it("does not define # (0/1-index trap)", function()
    assert.has_error(function() return #seg.image(2, 2) end)
  end)

  it("releases idempotently through __close and release()", function()
    do
      local im <close> = seg.image(10, 10)
      im:release()
    end
    local im = seg.image(4, 4)
    im:release(); im:release()
    assert.are.equal("seg.Image (released)", tostring(im))
    assert.has_error(function() im:get(0, 0) end, "calling 'get' on bad self (image has been released)")
  end)

  it("keeps memory bounded: 300 images of 4096x4096x3 made and dropped", function()
    local peak = 0
    for _ = 1, 300 do
      local im = seg.image(4096, 4096, 3)
      im:set(5, 5, 1)
      peak = math.max(peak, H.rss_kib() or 0)
    end
    -- under AddressSanitizer freed blocks sit in its quarantine by design
    if not os.getenv("SEG_ASAN") then
      assert.is_true(peak < 1024 * 1024, ("peak RSS %d KiB"):format(peak))
    end
  end)

  it("refuses images beyond the pixel limit", function()
    local old = seg.limits().max_pixels
    seg.limits{max_pixels = 100}
    local ok, err = pcall(seg.image, 20, 20)
    seg.limits{max_pixels = old}
    assert.is_false(ok)
    assert.matches("exceeds the pixel limit", err)
    assert.are.equal(old, seg.limits().max_pixels)
  end)

  it("sets threads and gives the same results on any count", function()
    local n = seg.threads()
    assert.is_true(n >= 1)
    seg.threads(1)
    local a = astro:resize(200, 160, "bilinear"):gray() + 7
    seg.threads(2)
    local b = astro:resize(200, 160, "bilinear"):gray() + 7
    seg.threads(n)
    assert.is_true(a == b)
    assert.has_error(function() seg.threads(0) end,
      "bad argument #1 to 'threads' (thread count must be in 1..256)")
  end)

  it("has a version", function() assert.matches("^%d+%.%d+%.%d+", seg.version) end)
end)

describe("construction and access", function()
  it("makes filled images of every dtype", function()
    for _, t in ipairs{"u8", "u16", "i32", "f32"} do
      local im = seg.image(3, 2, 2, t, 9)
      assert.are.same({9, 9}, {im:get(2, 1)})
    end
    assert.are.equal(255, seg.image(1, 1, 1, "u8", 300):get(0, 0))
    assert.are.equal(0.5, seg.image(1, 1, 1, "f32", 0.5):get(0, 0))
    assert.are.equal(6, seg.image(1, 1, 6, "f32").channels)
  end)

  it("gets and sets 0-based pixels", function()
    local im = seg.image(4, 3, 3)
    im:set(3, 2, 10, 20, 30)
    assert.are.same({10, 20, 30}, {im:get(3, 2)})
    assert.are.equal(20, im:get(3, 2, 2))
    im:set(0, 0, 7)
    assert.are.same({7, 7, 7}, {im:get(0, 0)})
    local m = seg.mask(2, 2)
    m:set(1, 1, 5)
    assert.are.equal(1, m:get(1, 1))
  end)

  it("round-trips tables, inferring the dtype", function()
    local t = {{1, 2, 3}, {4, 5, 6}}
    local im = seg.from_table(t)
    assert.are.same({3, 2, 1, "u8"}, {im.width, im.height, im.channels, im.dtype})
    assert.are.same(t, im:to_table())
    assert.are.equal("u16", seg.from_table{{1, 1000}}.dtype)
    assert.are.equal("i32", seg.from_table{{-1, 1}}.dtype)
    assert.are.equal("f32", seg.from_table{{0.5, 1}}.dtype)
    local rgb = seg.from_table{{{1, 2, 3}, {4, 5, 6}}}
    assert.are.equal(3, rgb.channels)
    assert.are.same({{{1, 2, 3}, {4, 5, 6}}}, rgb:to_table())
    assert.are.equal("f32", seg.from_table({{1, 2}}, "f32").dtype)
  end)

  it("round-trips raw bytes", function()
    local bytes = astro:data()
    assert.are.equal(121 * 97 * 3, #bytes)
    assert.is_true(seg.from_data(bytes, 121, 97, 3) == astro)
    local f = seg.from_data(string.pack("<ff", 1.5, -2), 2, 1, 1, "f32")
    assert.are.same({1.5, -2}, {f:get(0, 0), f:get(1, 0)})
  end)

  it("clones and crops", function()
    local c = astro:clone()
    assert.is_true(c == astro)
    c:set(0, 0, 1, 2, 3)
    assert.is_false(c == astro)
    local w = astro:crop(10, 20, 30, 40)
    assert.are.same({30, 40}, {w.width, w.height})
    assert.are.same({astro:get(10, 20)}, {w:get(0, 0)})
    assert.are.same({astro:get(39, 59)}, {w:get(29, 39)})
    assert.are.equal("Mask", seg.type(seg.mask(5, 5):crop(1, 1, 2, 2)))
  end)

  it("names bad arguments", function()
    assert.has_error(function() seg.image(0, 5) end, "bad argument #1 to 'image' (width must be positive)")
    assert.has_error(function() seg.image(5, 5, 1, "u9") end, "bad argument #4 to 'image' (invalid option 'u9')")
    assert.has_error(function() seg.image(5, 5, 5, "u8") end,
      "bad argument #3 to 'image' (more than 4 channels needs dtype f32)")
    assert.has_error(function() astro:get(121, 0) end, "bad argument #1 to 'get' (x out of range)")
    assert.has_error(function() astro:get(0, -1) end, "bad argument #2 to 'get' (y out of range)")
    assert.has_error(function() astro:crop(100, 0, 30, 10) end, "bad argument #3 to 'crop' (width out of range)")
    assert.has_error(function() seg.from_data("abc", 2, 2) end, "bad argument #1 to 'from_data' (expected 4 bytes, got 3)")
    assert.has_error(function() seg.from_table{{1, 2}, {3}} end, "bad argument #1 to 'from_table' (rows differ in length)")
    assert.has_error(function() astro.get(42, 0, 0) end, "bad argument #1 to 'get' (seg.Image expected, got number)")
  end)
end)

describe("conversions (OpenCV cvtColor / convertTo)", function()
  it("gray matches COLOR_RGB2GRAY exactly on u8 and u16", function()
    same(astro:gray(), load(ref.gray_u8))
    same(load(ref.inputs.astro16):gray(), load(ref.gray_u16))
    same(load(ref.rgba_input):gray(), load(ref.gray_rgba))
  end)

  it("gray matches on f32 within float rounding", function()
    local want = H.raw_f32(FIX .. ref.gray_f32, 50, 40)
    local got = astro:crop(0, 0, 50, 40):to("f32", 1 / 255):gray()
    assert.is_true(H.diff(got, want) < 1e-6)
  end)

  it("converts dtypes with scale, rounding and saturation", function()
    local want = H.raw_f32(FIX .. ref.to_f32, 50, 40, 3)
    assert.is_true(H.diff(astro:crop(0, 0, 50, 40):to("f32", 1 / 255), want) < 1e-7)
    same(astro:to("u8", 2.5), load(ref.to_u8_sat))
    local f = seg.from_table({{-3.5, 2.5, 3.5, 1e10}}, "f32")
    assert.are.same({{0, 2, 4, 255}}, f:to("u8"):to_table())
    assert.are.same({{-4, 2, 4, 2147483647}}, f:to("i32"):to_table())
  end)

  it("splits, merges and expands channels", function()
    local r, g, b = astro:channel(1), astro:channel(2), astro:channel(3)
    assert.is_true(seg.merge{r, g, b} == astro)
    assert.is_true(seg.merge{r, seg.merge{g, b}} == astro)
    local gray = astro:gray()
    local rgb = gray:rgb()
    assert.are.equal(3, rgb.channels)
    assert.is_true(rgb:channel(2) == gray)
    assert.is_true(load(ref.rgba_input):rgb() == astro)
    assert.has_error(function() astro:channel(4) end, "bad argument #1 to 'channel' (channel out of range)")
    assert.has_error(function() seg.merge{astro, camera} end, "bad argument #1 to 'merge' (images differ in size)")
  end)
end)

describe("resize (OpenCV resize)", function()
  it("matches INTER_NEAREST, INTER_LINEAR and INTER_AREA exactly on u8", function()
    for _, r in ipairs(ref.resize) do
      local src = r[5] == "camera" and camera or astro
      local got = src:resize(r[2], r[3], r[1])
      local worst, differ = H.diff(got, load(r[4]))
      assert.are.equal(0, differ, ("%s %dx%d: %d differ, worst %g"):format(r[1], r[2], r[3], differ, worst))
    end
  end)

  it("matches INTER_AREA on u16 exactly and on f32 within rounding", function()
    same(load(ref.inputs.astro16):crop(0, 0, 120, 96):resize(60, 48, "area"), load(ref.area2_u16))
    local want = H.raw_f32(FIX .. ref.area2_f32, 40, 32, 3)
    assert.is_true(H.diff(astro:crop(0, 0, 120, 96):to("f32"):resize(40, 32, "area"), want) < 1e-3)
  end)

  it("matches INTER_LINEAR on f32 within rounding", function()
    local want = H.raw_f32(FIX .. ref.linear_f32, 60, 45)
    assert.is_true(H.diff(camera:to("f32"):resize(60, 45), want) < 1e-3)
  end)

  it("keeps masks binary and refuses smoothing them", function()
    local m = camera:gt(100):resize(50, 40)
    assert.are.equal("Mask", seg.type(m))
    assert.has_error(function() camera:gt(100):resize(50, 40, "bilinear") end,
      "bad argument #3 to 'resize' (masks and labels resize with 'nearest' only)")
    assert.has_error(function() astro:resize(10, 10, "cubic") end,
      "bad argument #3 to 'resize' (invalid option 'cubic')")
  end)
end)

describe("arithmetic (OpenCV add/subtract/multiply/divide)", function()
  local other = load(ref.other)
  it("saturates image-image ops on u8 exactly as OpenCV", function()
    same(astro + other, load(ref.add))
    same(astro - other, load(ref.sub))
    same(astro * other, load(ref.mul))
    same(astro / other, load(ref.div))
  end)

  it("saturates u16 ops exactly as OpenCV", function()
    local a, b = load(ref.inputs.astro16), load(ref.other16)
    same(a + b, load(ref.add16))
    same(a - b, load(ref.sub16))
    assert.are.equal("u16", (a + b).dtype)
  end)

  it("applies scalars with rounding and saturation", function()
    same(astro + 40, load(ref.add_s))
    same(astro - 40, load(ref.sub_s))
    same(astro * 1.7, load(ref.mul_s))
    same(astro / 3, load(ref.div_s))
    assert.are.same({{250, 255}}, (seg.from_table{{5, 255}} * 50):to_table())
    assert.are.same({{251, 1}}, (256 - seg.from_table{{5, 255}}):to_table())
    assert.are.same({{1, 2, 3}}, (seg.image(1, 1, 3) + {1, 2, 3}):to_table()[1])
    local f = seg.from_table({{1, 2}}, "f32")
    assert.are.same({{0.5, 1}}, (f / 2):to_table())
    assert.are.same({{2, 1}}, (2 / f):to_table())
  end)

  it("divides by zero as OpenCV (to 0) on integers", function()
    assert.are.same({{0, 3}}, (seg.from_table{{5, 6}} / seg.from_table{{0, 2}}):to_table())
  end)

  it("names mismatches", function()
    assert.has_error(function() return astro + camera end)
    assert.has_error(function() return astro + astro:to("f32") end)
    assert.has_error(function() return astro + "x" end)
  end)
end)

describe("comparisons and masks", function()
  local g = astro:gray()
  it("match OpenCV compare and inRange", function()
    same(g:gt(127), load(ref.gt127))
    same(g:le(80), load(ref.le80))
    same(astro:inrange({50, 20, 10}, {200, 160, 150}), load(ref.inrange))
    assert.are.equal("Mask", seg.type(g:gt(127)))
  end)

  it("handles fractional and out-of-range thresholds", function()
    local im = seg.from_table{{0, 1, 2, 255}}
    assert.are.same({{0, 0, 1, 1}}, im:gt(1.5):to_table())
    assert.are.same({{0, 0, 1, 1}}, im:ge(1.5):to_table())
    assert.are.same({{1, 1, 1, 1}}, im:gt(-1):to_table())
    assert.are.same({{0, 0, 0, 0}}, im:gt(255):to_table())
    assert.are.same({{0, 0, 0, 0}}, im:eq(1.5):to_table())
    assert.are.same({{1, 0, 1, 1}}, im:ne(1):to_table())
    assert.are.same({{1, 1, 0, 0}}, im:lt(2):to_table())
    assert.are.same({{0, 1, 0, 1}}, im:eq(seg.from_table{{1, 1, 1, 255}}):to_table())
  end)

  it("combine with & | ~ and count, bbox", function()
    local a, b = seg.from_table{{0, 0, 1, 1}}:gt(0), seg.from_table{{0, 1, 0, 1}}:gt(0)
    assert.are.same({{0, 0, 0, 1}}, (a & b):to_table())
    assert.are.same({{0, 1, 1, 1}}, (a | b):to_table())
    assert.are.same({{0, 1, 1, 0}}, (a ~ b):to_table())
    assert.are.same({{1, 1, 0, 0}}, (~a):to_table())
    local m = g:gt(127)
    assert.are.equal(m:count() + (~m):count(), g.width * g.height)
    local box = seg.mask(10, 8)
    box:set(2, 3, 1); box:set(6, 5, 1)
    assert.are.same({x = 2, y = 3, w = 5, h = 3}, box:bbox())
    assert.is_nil(seg.mask(4, 4):bbox())
    assert.has_error(function() return astro & astro end)
    assert.has_error(function() astro:count() end)
  end)
end)

describe("statistics (OpenCV calcHist / meanStdDev / minMaxLoc)", function()
  it("histograms match calcHist", function()
    assert.are.same(ref.hist256, camera:histogram())
    assert.are.same(ref.hist32, (camera:histogram(32)))
    local h = astro:histogram()
    assert.are.equal(3, #h)
    local f = seg.from_table({{0, 0.5, 1}}, "f32")
    local c, lo, hi = f:histogram(2)
    assert.are.same({{1, 2}, 0, 1}, {c, lo, hi})
  end)

  it("mean and std match meanStdDev", function()
    local m, s = {astro:mean()}, {astro:std()}
    for i = 1, 3 do
      assert.is_true(math.abs(m[i] - ref.mean[i]) < 1e-9)
      assert.is_true(math.abs(s[i] - ref.std[i]) < 1e-9)
    end
    assert.are.same({ref.camera_min, ref.camera_max}, {camera:min(), camera:max()})
    local means, sds = astro:mean_std()
    assert.are.same(m, means)
    assert.are.same(s, sds)
    local cm, cs = camera:mean_std()
    assert.are.same({camera:mean(), camera:std()}, {cm, cs})
  end)
end)

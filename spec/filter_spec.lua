-- Filters and edges against their peers: OpenCV 4.6 (GaussianBlur, blur,
-- medianBlur, bilateralFilter, Laplacian, Canny), scikit-image 0.19 (sobel,
-- scharr, prewitt, difference_of_gaussians) and scipy 1.10 (median_filter,
-- gaussian_laplace), through the fixtures of spec/refs/make_filter_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/filter_refs.lua")
local FIX = "spec/fixtures/filter/"
local I = ref.inputs

local cache = {}
local function input(name)
  if cache[name] then return cache[name] end
  local im
  if name == "camf" then
    im = H.raw_f32(FIX .. I.camf, I.camf_shape[1], I.camf_shape[2], 1)
  elseif name == "smallf" then
    im = H.raw_f32(FIX .. I.smallf, I.small_shape[1], I.small_shape[2], 1)
  else
    im = assert(seg.load(FIX .. I[name]))
  end
  cache[name] = im
  return im
end

local function expect(name, like)
  if name:match("%.raw$") then return H.raw_f32(FIX .. name, like.width, like.height, like.channels) end
  return assert(seg.load(FIX .. name))
end

local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert.are.equal(0, differ, ("%s: %d elements differ (worst %g)"):format(what, differ, worst))
end

local function close(got, want, tol, what)
  local worst = H.diff(got, want)
  assert.is_true(worst <= tol, ("%s: worst difference %g > %g"):format(what, worst, tol))
end

-- Largest |got - want| relative to the largest |want|.
local function rel(got, want)
  local worst = H.diff(got, want)
  local m = math.max(math.abs(want:min()), math.abs(want:max()))
  return worst / math.max(m, 1e-30)
end

describe("gaussian", function()
  it("matches cv2.GaussianBlur bit for bit on u8 and u16 (fixed point)", function()
    for _, c in ipairs(ref.gaussian) do
      local im = input(c.input)
      local opts = c.border and { border = c.border } or nil
      same(im:gaussian(c.sigma, opts), expect(c.out), c.out)
    end
  end)

  it("matches cv2.GaussianBlur on f32 within 1e-6", function()
    local c = ref.gaussian_f32
    local im = input(c.input)
    close(im:gaussian(c.sigma), expect(c.out, im), 1e-6, c.out)
  end)

  it("uses reflect-101 borders by default", function()
    local im = seg.from_table{{0, 0, 0, 90, 0, 0, 0}}
    local a = im:gaussian(1)
    local b = im:gaussian(1, { border = "reflect101" })
    assert.is_true(a == b)
    assert.is_false(a == im:gaussian(1, { border = "replicate" }) and
                    a == im:gaussian(1, { border = "reflect" }) and false)
  end)

  it("keeps dtype and channels", function()
    local im = seg.image(9, 7, 3, "u16", 1000)
    local g = im:gaussian(1.2)
    assert.are.same({9, 7, 3, "u16"}, {g.width, g.height, g.channels, g.dtype})
    assert.are.equal(1000, g:get(4, 3, 2))
  end)
end)

describe("box", function()
  it("matches cv2.blur exactly on u8 and u16", function()
    for _, c in ipairs(ref.box) do
      same(input(c.input):box(c.r), expect(c.out), c.out)
    end
  end)

  it("matches cv2.blur on f32 within 1e-6", function()
    local c = ref.box_f32
    local im = input(c.input)
    close(im:box(c.r), expect(c.out, im), 1e-6, c.out)
  end)

  it("is the identity for r = 0", function()
    local im = input("cam")
    assert.is_true(im:box(0) == im)
  end)
end)

describe("median", function()
  it("matches cv2.medianBlur (u8) and scipy median_filter (u16) exactly", function()
    for _, c in ipairs(ref.median) do
      same(input(c.input):median(c.r), expect(c.out), ("%s r=%d"):format(c.out, c.r))
    end
  end)

  it("matches scipy median_filter on f32 exactly", function()
    for _, c in ipairs(ref.median_f32) do
      local im = input(c.input)
      same(im:median(c.r), expect(c.out, im), c.out)
    end
  end)

  it("agrees between the network (r <= 2), histogram and sorted-window paths", function()
    local im = input("cam")
    local a = im:median(3)
    local b = im:to("f32"):median(3):to("u8")
    local c = im:to("u16"):median(3):to("u8")
    assert.is_true(a == b)
    assert.is_true(a == c)
    assert.is_true(im:median(2) == im:to("f32"):median(2):to("u8"))
  end)
end)

describe("bilateral", function()
  it("matches cv2.bilateralFilter on u8 within 1 (float rounding)", function()
    for _, c in ipairs(ref.bilateral) do
      local got, want = input(c.input):bilateral(c.d, c.sc, c.ss), expect(c.out)
      local worst, differ = H.diff(got, want)
      local n = got.width * got.height * got.channels
      assert.is_true(worst <= 1, c.out .. " worst " .. worst)
      assert.is_true(differ / n < 0.01, ("%s: %.3f%% differ"):format(c.out, 100 * differ / n))
    end
  end)

  it("matches cv2.bilateralFilter on f32 within 1e-5", function()
    local c = ref.bilateral_f32
    local im = input(c.input)
    close(im:bilateral(c.d, c.sc, c.ss), expect(c.out, im), 1e-5, c.out)
  end)
end)

describe("sobel, scharr, prewitt", function()
  it("match scikit-image within 1e-5", function()
    for _, c in ipairs(ref.edges) do
      local im = input(c.input)
      local got = im[c.op](im, c.axis)
      assert.are.equal("f32", got.dtype)
      close(got, expect(c.out, im), 1e-5, c.out)
    end
  end)

  it("default to the magnitude and give atan2(y, x) as direction", function()
    local im = input("small")
    assert.is_true(im:sobel() == im:sobel("magnitude"))
    local gx, gy, dir = im:sobel("x"), im:sobel("y"), im:sobel("direction")
    for _, p in ipairs{{0, 0}, {5, 9}, {33, 20}, {66, 60}, {40, 3}} do
      local x, y = p[1], p[2]
      local want = math.atan(gy:get(x, y), gx:get(x, y))
      assert.is_true(math.abs(dir:get(x, y) - want) < 1e-5)
    end
  end)
end)

describe("laplacian, log, dog", function()
  it("laplacian matches cv2.Laplacian(CV_32F) for ksize 1, 3, 5, 7", function()
    for _, c in ipairs(ref.laplacian) do
      local im = input(c.input)
      assert.is_true(rel(im:laplacian(c.ksize), expect(c.out, im)) < 1e-6, c.out)
    end
  end)

  it("log matches scipy gaussian_laplace within 1e-4", function()
    for _, c in ipairs(ref.log) do
      local im = input(c.input)
      close(im:log(c.sigma), expect(c.out, im), 1e-4, c.out)
    end
  end)

  it("dog matches skimage difference_of_gaussians within 1e-5", function()
    for _, c in ipairs(ref.dog) do
      local im = input(c.input)
      close(im:dog(c.s1, c.s2), expect(c.out, im), 1e-5, c.out)
    end
  end)
end)

describe("canny", function()
  it("matches cv2.Canny(GaussianBlur(img), L2gradient=True) exactly on u8", function()
    for _, c in ipairs(ref.canny) do
      local got = input(c.input):canny{ sigma = c.sigma, low = c.low, high = c.high }
      assert.are.equal("Mask", seg.type(got))
      same(got, expect(c.out):gt(0), c.out)
    end
  end)

  it("gives the same edges on u16 and f32 copies (no smoothing, scaled thresholds)", function()
    local c = ref.canny[4]
    local im = input(c.input)
    local want = expect(c.out):gt(0)
    local n = im.width * im.height
    local a = im:to("u16", 257):canny{ sigma = 0, low = c.low * 257, high = c.high * 257 }
    local b = im:to("f32", 1 / 255):canny{ sigma = 0, low = c.low / 255, high = c.high / 255 }
    for _, got in ipairs{a, b} do
      local _, differ = H.diff(got, want)
      assert.is_true(differ / n <= 0.001, ("%d of %d differ"):format(differ, n))
    end
  end)

  it("uses sigma 1, low 50, high 150 by default", function()
    local im = input("cam")
    assert.is_true(im:canny() == im:canny{ sigma = 1, low = 50, high = 150 })
  end)
end)

describe("threads", function()
  it("give the same results on 1 and 3 threads", function()
    local n = seg.threads()
    local im = input("coins")
    local ops = {
      function (x) return x:gaussian(2) end, function (x) return x:box(4) end,
      function (x) return x:median(2) end, function (x) return x:median(5) end,
      function (x) return x:sobel() end, function (x) return x:canny() end,
      function (x) return x:bilateral(5, 30, 3) end, function (x) return x:log(2) end,
      function (x) return x:to("u16"):median(4) end,
    }
    for i, f in ipairs(ops) do
      seg.threads(1)
      local a = f(im)
      seg.threads(3)
      local b = f(im)
      assert.is_true(a == b, "op " .. i)
    end
    seg.threads(n)
  end)
end)

describe("bad arguments", function()
  local im = seg.image(8, 8)
  local function err(f, msg) assert.has_error(f, msg) end

  it("name the argument", function()
    err(function () im:gaussian(0) end, "bad argument #1 to 'gaussian' (sigma must be in (0, 1000])")
    err(function () im:gaussian("x") end, "bad argument #1 to 'gaussian' (number expected, got string)")
    err(function () im:gaussian(1, { border = "wrap" }) end,
      "bad argument #2 to 'gaussian' (border must be 'reflect101', 'reflect' or 'replicate')")
    err(function () im:box(-1) end, "bad argument #1 to 'box' (radius must be non-negative)")
    err(function () im:box(1.5) end, "bad argument #1 to 'box' (number has no integer representation)")
    err(function () im:median(200) end, "bad argument #1 to 'median' (radius must be at most 127)")
    err(function () seg.image(4, 4, 2):bilateral(5, 10, 10) end,
      "calling 'bilateral' on bad self (bilateral needs 1 or 3 channels)")
    err(function () im:bilateral(5, -1, 10) end, "bad argument #2 to 'bilateral' (sigma_color must be in (0, 1000])")
    err(function () im:sobel("z") end, "bad argument #1 to 'sobel' (invalid option 'z')")
    err(function () seg.image(4, 4, 3):scharr() end,
      "calling 'scharr' on bad self (single-channel image expected (use img:gray()))")
    err(function () im:laplacian(2) end, "bad argument #1 to 'laplacian' (ksize must be 1, 3, 5 or 7)")
    err(function () im:log(-2) end, "bad argument #1 to 'log' (sigma must be in (0, 1000])")
    err(function () im:dog(2, 1) end, "bad argument #2 to 'dog' (sigma2 must not be smaller than sigma1)")
    err(function () im:canny{ low = 9, high = 3 } end, "bad argument #1 to 'canny' (low must not exceed high)")
    err(function () im:canny{ sigma = "a" } end, "bad argument #1 to 'canny' ('sigma' must be a number)")
    err(function () seg.labels(4, 4):gaussian(1) end, "calling 'gaussian' on bad self (u8, u16 or f32 image expected)")
  end)

  it("handle 1x1 and one-row images", function()
    for _, t in ipairs{"u8", "u16", "f32"} do
      local one = seg.image(1, 1, 1, t, 7)
      assert.are.equal(7, one:gaussian(3):get(0, 0))
      assert.are.equal(7, one:box(3):get(0, 0))
      assert.are.equal(7, one:median(4):get(0, 0))
      assert.are.equal(7, one:median(1):get(0, 0))
      assert.are.equal(0, one:sobel():get(0, 0))
      local row = seg.image(13, 1, 1, t, 5)
      assert.are.equal(5, row:median(3):get(6, 0))
      assert.are.equal(5, row:bilateral(5, 10, 10):get(6, 0))
      assert.are.equal(0, row:canny():count())
    end
  end)
end)

-- Superpixels: img:slic{...} and img:quickshift{...}. Peer: scikit-image
-- 0.19's skimage.segmentation.slic and quickshift, through the fixtures
-- written by spec/refs/make_superpixel_refs.py (crops of astronaut, coffee,
-- chelsea and camera).
--
-- Measured on the full images (docs/superpixel.md has the table): on
-- astronaut (n = 100, 1000, 1000 SLICO, 3000), coffee (n = 400 sigma 1,
-- 1000 sigma 0.5, and SLICO) and chelsea (n = 200 SLICO, 300 sigma 1) the
-- segment counts equal skimage's and boundary recall is 1.000 (every label
-- map identical but coffee's SLICO, 99.99% of pixels); camera (gray,
-- compactness 0.1, sigma 2, n = 300): 99.89% identical, 254 segments both,
-- recall 0.9998. Quick shift on crops of astronaut, coffee and chelsea:
-- identical labels (adapted Rand error 0). Masked SLIC seeds differently
-- (skimage draws them at random): counts 37/45, 90/93, 274/282 and
-- boundary recall 0.74-0.76, as skimage's own run against itself with
-- another random seed (0.73-0.78; counts 45/45, 84/93, 270/282). The spec
-- asserts count within 10%, recall >= 0.9 and >= 99% identical pixels on
-- the fixtures, count within 10% and labels inside the mask only for it.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/superpixel_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local imgs = {}
for k, v in pairs(ref.inputs) do imgs[k] = load(v) end

-- fraction of pixels with the same label, and boundary recall: the share
-- of want's boundary pixels (skimage's find_boundaries) within 2 pixels of ours
local function compare(got, want)
  local _, differ = H.diff(got, want)
  local same = 1 - differ / (got.width * got.height)
  local bw = want:boundaries()
  local near = got:boundaries():dilate(2)
  return same, (bw & near):count() / math.max(1, bw:count())
end

describe("slic", function()
  for _, c in ipairs(ref.slic) do
    it(("matches skimage's slic: %s"):format(c.name), function()
      local got, n = imgs[c.image]:slic(c.opts)
      assert.are.equal("Labels", seg.type(got))
      local want = load(c.want):to_labels()
      local same, recall = compare(got, want)
      assert(math.abs(n - c.n) <= 0.1 * c.n, ("%s: %d segments, skimage %d"):format(c.name, n, c.n))
      assert(recall >= 0.9, ("%s: boundary recall %.3f"):format(c.name, recall))
      assert(same >= 0.99, ("%s: %.4f of pixels agree"):format(c.name, same))
      assert.are.equal(n, got:max())
    end)
  end

  it("seeds a mask as maskSLIC: labels inside only, count within 10%", function()
    local m = load(ref.mask):gt(0)
    local c = ref.slic_mask
    local got, n = imgs.astro:slic{n = c.opts.n, mask = m}
    assert(math.abs(n - c.n) <= 0.1 * c.n, ("%d segments, skimage %d"):format(n, c.n))
    assert.are.equal(0, (got:gt(0) & ~m):count())
    assert.are.equal(m:count(), got:gt(0):count())
  end)

  it("is the same at any thread count, and for u8, u16 and f32 input", function()
    local a = imgs.astro
    local old = seg.threads()
    seg.threads(1); local one = a:slic{n = 150, sigma = 1}
    seg.threads(2); local two = a:slic{n = 150, sigma = 1}
    seg.threads(old)
    assert.are.same({0, 0}, {H.diff(one, two)})
    -- rescaled to 0..1 as skimage: u16 (x257) and f32 (/255) give the u8 answer
    local _, d16 = H.diff(a:to("u16", 257):slic{n = 150, sigma = 1}, one)
    local _, d32 = H.diff(a:to("f32", 1 / 255):slic{n = 150, sigma = 1}, one)
    assert(d16 <= 20 and d32 <= 20, ("u16 %d, f32 %d pixels differ"):format(d16, d32))
  end)

  it("handles tiny and flat images and extreme parameters", function()
    for _, wh in ipairs{{1, 1}, {1, 9}, {9, 1}, {2, 2}} do
      for _, ch in ipairs{1, 3, 4} do
        local im = seg.image(wh[1], wh[2], ch, "u8", 9)
        local lab, n = im:slic{n = 5}
        assert.are.equal(wh[1], lab.width)
        assert(n >= 1 and n <= wh[1] * wh[2])
        assert.are.equal(n, select(2, im:slic{n = 1000000, iters = 0, zero = true}) and n)
      end
    end
    local lab, n = seg.image(40, 30, 3, "f32", 0.5):slic{n = 12}
    assert(n >= 1 and lab:min() >= 1)
    local _, n1 = imgs.camera:slic{n = 1}
    assert.are.equal(1, n1)
    local _, nc = imgs.camera:slic{n = 50, enforce_connectivity = false, iters = 1}
    assert(nc >= 1)
    local m = seg.image(8, 8, 1, "u8"):gt(0)          -- empty mask: nothing labelled
    local e, ne = seg.image(8, 8, 3, "u8", 100):slic{mask = m}
    assert.are.equal(0, ne)
    assert.are.equal(0, e:max())
  end)

  it("names the bad argument", function()
    local im = imgs.camera
    assert.has_error(function() im:slic{m = 3} end)
    assert.has_error(function() im:slic{n = 0} end)
    assert.has_error(function() im:slic{n = 2.5} end)
    assert.has_error(function() im:slic{compactness = 0} end)
    assert.has_error(function() im:slic{compactness = -1} end)
    assert.has_error(function() im:slic{iters = -1} end)
    assert.has_error(function() im:slic{iters = 100000} end)
    assert.has_error(function() im:slic{sigma = -1} end)
    assert.has_error(function() im:slic{sigma = 0 / 0} end)
    assert.has_error(function() im:slic{mask = 3} end)
    assert.has_error(function() im:slic{mask = seg.image(3, 3, 1):gt(0)} end)
    assert.has_error(function() im:slic{convert2lab = true} end)   -- gray
    assert.has_error(function() im:slic{zero = "yes"} end)
    assert.has_error(function() im:slic(7) end)
    assert.has_error(function() seg.image(4, 4, 1, "i32"):slic() end)
    assert.has_error(function() seg.labels(4, 4):slic() end)
    assert.has_error(function() seg.image(4, 4, 17, "f32"):slic() end)
    local r = seg.image(4, 4, 3); r:release()
    assert.has_error(function() r:slic() end)
    local m = seg.image(4, 4, 1):gt(0); m:release()
    assert.has_error(function() seg.image(4, 4, 3):slic{mask = m} end)
  end)
end)

describe("quickshift", function()
  for _, c in ipairs(ref.quickshift) do
    it(("matches skimage's quickshift: %s"):format(c.name), function()
      local im = imgs[c.image]:crop(0, 0, c.crop, c.crop)
      local got, n = im:quickshift(c.opts)
      local want = load(c.want):to_labels()
      local err = seg.adapted_rand(want, got)
      local _, differ = H.diff(got, want)
      assert(math.abs(n - c.n) <= 0.1 * c.n, ("%s: %d segments, skimage %d"):format(c.name, n, c.n))
      assert(err <= 0.02, ("%s: adapted Rand error %.4f"):format(c.name, err))
      assert(differ <= 0.01 * c.crop * c.crop, ("%s: %d pixels differ"):format(c.name, differ))
    end)
  end

  it("is the same at any thread count; tiny images; gray", function()
    local a = imgs.coffee:crop(0, 0, 64, 48)
    local old = seg.threads()
    seg.threads(1); local one = a:quickshift{kernel_size = 2}
    seg.threads(2); local two = a:quickshift{kernel_size = 2}
    seg.threads(old)
    assert.are.same({0, 0}, {H.diff(one, two)})
    for _, wh in ipairs{{1, 1}, {1, 9}, {9, 1}} do
      local l, n = seg.image(wh[1], wh[2], 3, "u8", 50):quickshift()
      assert.are.equal(wh[2], l.height)
      assert(n >= 1)
    end
    local _, ng = imgs.camera:crop(0, 0, 40, 40):quickshift{kernel_size = 2, ratio = 0.5}
    assert(ng >= 1)
    local _, nd = a:quickshift{max_dist = 0}             -- every pixel its own root
    assert.are.equal(64 * 48, nd)
  end)

  it("names the bad argument", function()
    local im = imgs.astro:crop(0, 0, 8, 8)
    assert.has_error(function() im:quickshift{kernel = 3} end)
    assert.has_error(function() im:quickshift{kernel_size = 0.5} end)
    assert.has_error(function() im:quickshift{kernel_size = 1000} end)
    assert.has_error(function() im:quickshift{ratio = -1} end)
    assert.has_error(function() im:quickshift{max_dist = -1} end)
    assert.has_error(function() im:quickshift{sigma = -2} end)
    assert.has_error(function() im:quickshift{seed = 1.5} end)
    assert.has_error(function() seg.image(4, 4, 1):quickshift{convert2lab = true} end)
    assert.has_error(function() seg.image(4, 4, 3, "i32"):quickshift() end)
    local r = seg.image(4, 4, 3); r:release()
    assert.has_error(function() r:quickshift() end)
  end)
end)

-- Colour spaces: img:lab(), img:hsv(), img:hed() and img:lab_to_rgb(),
-- img:hsv_to_rgb(), img:hed_to_rgb(). Peer: scikit-image 0.19's
-- skimage.color (rgb2lab D65/2°, rgb2hsv, rgb2hed and inverses), through
-- the fixtures written by spec/refs/make_colour_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/colour_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local function raw(name, w, h) return H.raw_f32(D .. name, w, h, 3) end

local TOL = 1e-4
local inputs = {
  astro = load(ref.inputs.astro), ihc = load(ref.inputs.ihc), cube = load(ref.inputs.cube),
  u16 = load(ref.inputs.u16),
  f32 = raw(ref.inputs.f32, ref.inputs.f32_w, ref.inputs.f32_h),
}

describe("colour spaces", function()
  it("read u8, u16 and f32 RGB as they should", function()
    assert.are.equal("u8", inputs.astro.dtype)
    assert.are.equal("u16", inputs.u16.dtype)
    assert.are.equal("f32", inputs.f32.dtype)
  end)

  for _, sp in ipairs{"lab", "hsv", "hed"} do
    it(("img:%s() matches skimage.color.rgb2%s to 1e-4 (u8, u16, f32)"):format(sp, sp), function()
      for name, img in pairs(inputs) do
        local got = img[sp](img)
        assert.are.equal("f32", got.dtype)
        assert.are.equal(3, got.channels)
        local want = raw(ref.forward[name][sp], img.width, img.height)
        local worst = H.diff(got, want)
        assert(worst <= TOL, ("%s %s: worst %g"):format(name, sp, worst))
      end
    end)

    it(("img:%s_to_rgb() matches skimage.color.%s2rgb to 1e-4"):format(sp, sp), function()
      local r = ref.inverse[sp]
      local src = raw(r.src, ref.cube_w, ref.cube_h)
      local got = src[sp .. "_to_rgb"](src)
      local worst = H.diff(got, raw(r.want, ref.cube_w, ref.cube_h))
      assert(worst <= TOL, ("%s: worst %g"):format(sp, worst))
    end)
  end

  it("lab_to_rgb clips out-of-gamut colours as lab2rgb", function()
    local r = ref.inverse.lab_gamut
    local src = raw(r.src, ref.ramp_w, ref.ramp_h)
    local worst = H.diff(src:lab_to_rgb(), raw(r.want, ref.ramp_w, ref.ramp_h))
    assert(worst <= TOL, ("worst %g"):format(worst))
  end)

  it("round trips an RGB image", function()
    local a = inputs.astro:to("f32", 1 / 255)
    -- (not hed: rgb2hed clips negative stain amounts, as skimage's does)
    for _, sp in ipairs{"lab", "hsv"} do
      local back = a[sp](a)[sp .. "_to_rgb"](a[sp](a))
      local worst = H.diff(back, a)
      assert(worst < 1e-4, ("%s: worst %g"):format(sp, worst))
    end
  end)

  it("ignores alpha, writes into out=, and gives one result at any thread count", function()
    local a = inputs.astro
    local rgba = seg.merge{a:channel(1), a:channel(2), a:channel(3), a:channel(1)}
    assert.are.same({0, 0}, {H.diff(rgba:lab(), a:lab())})
    local out = seg.image(a.width, a.height, 3, "f32")
    assert.are.equal(out, a:hsv{out = out})
    assert.are.same({0, 0}, {H.diff(out, a:hsv())})
    local f = a:to("f32", 1 / 255)
    local want = f:lab()
    assert.are.equal(f, f:lab{out = f})            -- in place
    assert.are.same({0, 0}, {H.diff(f, want)})
    local big = seg.image(300, 200, 3, "u8", 7)
    local old = seg.threads()
    seg.threads(1); local one = big:lab()
    seg.threads(2); local two = big:lab()
    seg.threads(old)
    assert.are.same({0, 0}, {H.diff(one, two)})
  end)

  it("handles tiny images", function()
    for _, wh in ipairs{{1, 1}, {1, 7}, {7, 1}} do
      local im = seg.image(wh[1], wh[2], 3, "u8", 200)
      for _, sp in ipairs{"lab", "hsv", "hed"} do
        local c = im[sp](im)
        assert.are.equal(wh[1], c.width)
        assert.are.equal(wh[2], c.height)
        assert.are.equal(wh[1], c[sp .. "_to_rgb"](c).width)
      end
    end
    -- white is L=100, a=b=0 (to the rounding of skimage's matrices); grey has no hue
    local w = seg.image(1, 1, 3, "u8", 255):lab()
    assert(math.abs(w:get(0, 0, 1) - 100) < 1e-3 and math.abs(w:get(0, 0, 2)) < 1e-2)
    assert.are.same({0, 0, 0.5}, {seg.image(1, 1, 3, "f32", 0.5):hsv():get(0, 0)})
  end)

  it("names the bad argument", function()
    local img = seg.image(4, 4, 3)
    assert.has_error(function() seg.image(4, 4, 1):lab() end,
      "calling 'lab' on bad self (RGB image expected (3 or 4 channels))")
    assert.has_error(function() seg.image(4, 4, 4, "f32"):lab_to_rgb() end,
      "calling 'lab_to_rgb' on bad self (3-channel image expected)")
    assert.has_error(function() seg.image(4, 4, 3, "i32"):hsv() end,
      "calling 'hsv' on bad self (u8, u16 or f32 image expected)")
    assert.has_error(function() seg.labels(4, 4):hed() end)
    assert.has_error(function() img:lab{outt = 1} end)
    assert.has_error(function() img:lab(5) end)
    assert.has_error(function() img:hsv{out = seg.image(4, 4, 3, "u8")} end)
    assert.has_error(function() img:hsv{out = seg.image(5, 4, 3, "f32")} end)
    assert.has_error(function() seg.image.lab(nil) end)
    local r = seg.image(4, 4, 3); r:release()
    assert.has_error(function() r:lab() end)
    local o = seg.image(4, 4, 3, "f32"); o:release()
    assert.has_error(function() img:lab{out = o} end)
  end)

  it("takes NaN, infinities and huge values without undefined behaviour", function()
    -- found by fuzz-api under UBSan: hed_to_rgb converted exp's exponent of
    -- an infinite density to an integer
    local vals = {1 / 0, -1 / 0, 0 / 0, 1e30, -1e30, 3e38, -3e38, 0}
    local t = {}
    for i = 1, #vals do for j = 1, #vals do t[#t + 1] = string.pack("<fff", vals[i], vals[j], vals[(i + j) % #vals + 1]) end end
    local im = seg.from_data(table.concat(t), #vals, #vals, 3, "f32")
    for _, f in ipairs{"lab", "hsv", "hed", "lab_to_rgb", "hsv_to_rgb", "hed_to_rgb"} do
      local out = im[f](im)
      assert.are.equal(#vals, out.width)
      for y = 0, #vals - 1 do for x = 0, #vals - 1 do
        for c = 1, 3 do
          local v = out:get(x, y, c)
          if f == "lab_to_rgb" or f == "hed_to_rgb" then assert(v ~= v or (v >= 0 and v <= 1), f .. " out of 0..1: " .. v) end
        end
      end end
    end
    local px = seg.from_data(string.pack("<fff", 1 / 0, 0 / 0, 1 / 0), 1, 1, 3, "f32"):hed_to_rgb()
    assert(px:get(0, 0, 1) ~= px:get(0, 0, 1), "NaN density gives NaN")
  end)
end)

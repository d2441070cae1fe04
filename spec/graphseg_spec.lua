-- Graph segmentation: Felzenszwalb, mean-shift filtering, region merging on
-- a region adjacency graph of mean colours. Peers: scikit-image 0.19
-- (felzenszwalb, future.graph.rag_mean_color + cut_threshold,
-- merge_hierarchical) and OpenCV 4.6 (pyrMeanShiftFiltering), through the
-- fixtures written by spec/refs/make_graphseg_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/graphseg_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local function labels(name) return load(name):to_labels() end
local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d elements differ (worst %g)"):format(what or "", differ, worst))
end

local inputs = {}
for k, v in pairs(ref.inputs) do inputs[k] = load(v) end

describe("felzenszwalb", function()
  it("is scikit-image's answer on photographs, RGB and gray (adapted Rand error <= 0.05: here 0)", function()
    for i, f in ipairs(ref.felzenszwalb) do
      local lab, n = inputs[f.input]:felzenszwalb(f.opts)
      assert.are.equal("Labels", seg.type(lab))
      local err = seg.adapted_rand(labels(f.labels), lab)
      assert(err <= 0.05, ("case %d (%s): adapted Rand error %g"):format(i, f.input, err))
      -- measured: the same partition, numbered alike (skimage's labels + 1)
      assert.are.equal(f.n, n)
      same(lab, labels(f.labels), "case " .. i)
    end
  end)

  it("is scikit-image's answer on tiny random images of odd shapes", function()
    for i, t in ipairs(ref.felzenszwalb_tiny) do
      local img = seg.from_table(t.image, "u8")
      local lab, n = img:felzenszwalb(t.opts)
      local want = seg.from_table(t.labels, "i32")
      assert.are.equal(want:max(), n)
      same(lab, want, "tiny case " .. i)
    end
  end)

  it("labels 1..n in raster order of first pixel, and counts n", function()
    local lab, n = inputs.astro:felzenszwalb{scale = 100, min_size = 50}
    assert.are.equal(n, lab:max())
    assert.are.equal(1, lab:min())
    assert.are.equal(1, lab:get(0, 0))
  end)

  it("gives u16 and f32 images of the same values the u8 answer", function()
    local img = inputs.coffee
    local want = img:felzenszwalb{scale = 400, sigma = 0.5, min_size = 100}
    local e16 = seg.adapted_rand(want, (img:to("u16", 257):felzenszwalb{scale = 400, sigma = 0.5, min_size = 100}))
    local ef = seg.adapted_rand(want, (img:to("f32", 1 / 255):felzenszwalb{scale = 400, sigma = 0.5, min_size = 100}))
    assert(e16 < 0.01 and ef < 0.01, ("u16 %g, f32 %g"):format(e16, ef))
  end)

  it("takes any number of channels", function()
    local rgba = seg.merge{inputs.astro:channel(1), inputs.astro:channel(2), inputs.astro:channel(3),
                           inputs.camera}
    local lab, n = rgba:felzenszwalb{scale = 100}
    assert(n >= 1 and lab.width == rgba.width)
    local two = seg.merge{inputs.camera, inputs.camera}
    local _, n2 = two:felzenszwalb{scale = 50, sigma = 0.5}
    assert(n2 >= 1)
  end)

  it("does not depend on the thread count", function()
    local before = seg.threads()
    seg.threads(1)
    local a = inputs.coffee:felzenszwalb{scale = 3, sigma = 0.95, min_size = 5}
    seg.threads(4)
    local b = inputs.coffee:felzenszwalb{scale = 3, sigma = 0.95, min_size = 5}
    seg.threads(before)
    same(a, b)
  end)

  it("handles tiny images", function()
    for _, s in ipairs{{1, 1}, {1, 7}, {7, 1}, {2, 2}} do
      local im = seg.image(s[1], s[2], 3, "u8", 9)
      local lab, n = im:felzenszwalb()
      assert.are.equal(1, n)
      assert.are.equal(1, lab:max())
    end
    local one = seg.image(1, 1, 1, "f32", 0 / 0)
    local _, n = one:felzenszwalb{sigma = 0}
    assert.are.equal(1, n)
    local wild = seg.image(3, 3, 1, "f32", 0)
    wild:set(0, 0, 3e38); wild:set(1, 1, -3e38); wild:set(2, 2, 0 / 0)
    for _, o in ipairs{{sigma = 0, scale = 1e300}, {scale = -5}, {sigma = 2, min_size = 1e12}} do
      local lab, k = wild:felzenszwalb(o)
      assert(k >= 1 and k <= 9 and lab:max() == k)
    end
  end)

  it("min_size merges every component below it", function()
    local lab, n = inputs.coffee:felzenszwalb{scale = 3, sigma = 0.95, min_size = 40}
    for _, r in ipairs(lab:regions()) do assert(r.area >= 40) end
    assert(n > 1)
  end)

  it("names bad arguments", function()
    local im = inputs.camera
    assert.has_error(function() im:felzenszwalb{scal = 1} end)
    assert.has_error(function() im:to("i32"):felzenszwalb() end,
      "calling 'felzenszwalb' on bad self (u8, u16 or f32 pixels expected)")
    assert.has_error(function() im:felzenszwalb{sigma = -1} end,
      "bad argument #1 to 'felzenszwalb' ('sigma' must be a number from 0 to 500)")
    assert.has_error(function() im:felzenszwalb{min_size = -1} end,
      "bad argument #1 to 'felzenszwalb' ('min_size' must be non-negative)")
    assert.has_error(function() im:felzenszwalb{scale = "x"} end,
      "bad argument #1 to 'felzenszwalb' ('scale' must be a number)")
    assert.has_error(function() im:felzenszwalb(3) end)
    local dead = im:clone(); dead:release()
    assert.has_error(function() dead:felzenszwalb() end)
    local ok, msg = pcall(im.felzenszwalb, im, {scal = 1})
    assert(not ok and msg:find("unknown option 'scal'", 1, true))
  end)
end)

describe("meanshift", function()
  it("is OpenCV's pyrMeanShiftFiltering (maxLevel 0) to the bit, RGB and gray", function()
    for i, m in ipairs(ref.meanshift) do
      local img = inputs[m.input]:crop(0, 0, 120, 90)
      local out = img:meanshift{spatial = m.spatial, range = m.range}
      assert.are.equal(img.channels, out.channels)
      assert.are.equal("u8", out.dtype)
      same(out, load(m.out), "case " .. i)
    end
  end)

  it("labels the modes on request: skimage.measure.label of the filtered colours", function()
    for i, m in ipairs(ref.meanshift) do
      if m.modes then
        local img = inputs[m.input]:crop(0, 0, 120, 90)
        local out, lab, n = img:meanshift{spatial = m.spatial, range = m.range, labels = true}
        same(out, load(m.out), "case " .. i)
        assert.are.equal("Labels", seg.type(lab))
        assert.are.equal(m.modes_n, n)
        same(lab, labels(m.modes), "modes " .. i)
      end
    end
    local flat = seg.image(3, 2, 1, "u8", 5)
    local _, lab, n = flat:meanshift{spatial = 1, range = 1, labels = true}
    assert.are.equal(1, n)
    assert.are.same({{1, 1, 1}, {1, 1, 1}}, lab:to_table())
  end)

  it("does not depend on the thread count", function()
    local before = seg.threads()
    local img = inputs.coffee:crop(0, 0, 64, 48)
    seg.threads(1)
    local a = img:meanshift{spatial = 6, range = 15, iters = 7, eps = 0}
    seg.threads(3)
    local b = img:meanshift{spatial = 6, range = 15, iters = 7, eps = 0}
    seg.threads(before)
    same(a, b)
  end)

  it("handles tiny images and extreme windows", function()
    for _, s in ipairs{{1, 1}, {1, 5}, {5, 1}} do
      local im = seg.image(s[1], s[2], 3, "u8", 40)
      same(im:meanshift{spatial = 500, range = 1024}, im)
      same(im:meanshift{spatial = 0, range = 0}, im)
    end
  end)

  it("names bad arguments", function()
    local im = inputs.astro:crop(0, 0, 8, 8)
    assert.has_error(function() im:meanshift() end)
    assert.has_error(function() im:meanshift{range = 10} end,
      "bad argument #1 to 'meanshift' ('spatial' must be a number from 0 to 500)")
    assert.has_error(function() im:meanshift{spatial = 5, range = 10, max_level = 1} end,
      "bad argument #1 to 'meanshift' (only 'max_level' 0 is supported)")
    assert.has_error(function() im:meanshift{spatial = 5, range = 10, iters = 0} end,
      "bad argument #1 to 'meanshift' ('iters' must be in 1..100)")
    assert.has_error(function() im:meanshift{spatial = 501, range = 10} end,
      "bad argument #1 to 'meanshift' ('spatial' must be a number from 0 to 500)")
    assert.has_error(function() im:to("u16"):meanshift{spatial = 5, range = 10} end,
      "calling 'meanshift' on bad self (u8 image with 1 or 3 channels expected)")
    assert.has_error(function() seg.image(4, 4, 4):meanshift{spatial = 5, range = 10} end)
    local ok, msg = pcall(im.meanshift, im, {spatial = 5, range = 10, sp = 1})
    assert(not ok and msg:find("unknown option 'sp'", 1, true))
  end)
end)

describe("region merging on a RAG of mean colours", function()
  it("merge is rag_mean_color + cut_threshold, exactly (SLIC and Felzenszwalb inputs)", function()
    for _, m in ipairs(ref.merge) do
      local lab = labels(m.labels)
      local out, n = lab:merge{image = inputs[m.input], threshold = m.cut_threshold}
      assert.are.equal("Labels", seg.type(out))
      assert.are.equal(m.cut_n, n)
      same(out, labels(m.cut), m.input)
    end
  end)

  it("merge_hierarchical is skimage's with the mean-colour merge functions, exactly", function()
    for _, m in ipairs(ref.merge) do
      local lab = labels(m.labels)
      local out, n = lab:merge_hierarchical{image = inputs[m.input], threshold = m.hier_threshold}
      assert.are.equal(m.hier_n, n)
      same(out, labels(m.hier), m.input)
    end
  end)

  it("keeps the background, merges nothing below threshold 0 and everything connected above any distance", function()
    local lab = labels(ref.merge[1].labels)
    local img = inputs[ref.merge[1].input]
    local _, none = lab:merge{image = img, threshold = 0}
    assert.are.equal(ref.merge[1].n_in, none)
    local _, all = lab:merge_hierarchical{image = img, threshold = 1e9}
    assert.are.equal(1, all)
    local holes = (lab * lab:gt(3):to("i32")):to_labels()    -- labels 1..3 become background
    local out = holes:merge{image = img, threshold = 20}
    same(out:eq(0), holes:eq(0))
  end)

  it("works on gray and f32 images, with 4-connectivity, and tiny maps", function()
    local m = ref.merge[2]
    local lab = labels(m.labels)
    local g = inputs[m.input]:gray()
    local _, n1 = lab:merge{image = g, threshold = 10, connectivity = 4}
    local _, n2 = lab:merge{image = g:to("f32"), threshold = 10, connectivity = 4}
    assert.are.equal(n1, n2)
    local tiny = seg.labels(1, 1)
    local out, n = tiny:merge{image = seg.image(1, 1), threshold = 1}
    assert.are.equal(0, n)
    assert.are.equal(0, out:get(0, 0))
    tiny:set(0, 0, 2147483647)
    local _, n3 = tiny:merge_hierarchical{image = seg.image(1, 1), threshold = 1}
    assert.are.equal(1, n3)
  end)

  it("is a Labels method and names bad arguments", function()
    local lab = labels(ref.merge[1].labels)
    local img = inputs[ref.merge[1].input]
    assert.is_nil(img.merge)
    assert.has_error(function() lab:merge() end)
    assert.has_error(function() lab:merge{image = img} end,
      "bad argument #1 to 'merge' ('threshold' must be a number)")
    assert.has_error(function() lab:merge{threshold = 3} end,
      "bad argument #1 to 'merge' ('image' must be an Image)")
    assert.has_error(function() lab:merge{image = img:crop(0, 0, 5, 5), threshold = 3} end,
      "bad argument #1 to 'merge' ('image' must have the labels' size)")
    assert.has_error(function() lab:merge_hierarchical{image = img, threshold = 3, connectivity = 6} end,
      "bad argument #1 to 'merge_hierarchical' ('connectivity' must be 4 or 8)")
    local ok, msg = pcall(lab.merge, lab, {image = img, threshold = 3, thresh = 1})
    assert(not ok and msg:find("unknown option 'thresh'", 1, true))
    local dead = img:clone(); dead:release()
    assert.has_error(function() lab:merge{image = dead, threshold = 3} end)
    local gone = lab:clone(); gone:release()
    assert.has_error(function() gone:merge{image = img, threshold = 3} end)
  end)
end)

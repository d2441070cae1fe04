-- Clustering: img:kmeans (k-means++ seeding, Lloyd's iterations). Peer:
-- OpenCV 4.6's cv2.kmeans (KMEANS_PP_CENTERS) through the compactness
-- written by spec/refs/make_cluster_refs.py: k-means has many local optima,
-- so the check is that ours is as compact (within 1%) with the same number
-- of attempts, and that every label is its pixel's nearest centre.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/cluster_refs.lua")
local D, I = ref.dir, ref.inputs

local inputs = {
  astro = assert(seg.load(D .. I.astro)), coffee = assert(seg.load(D .. I.coffee)),
  camera = assert(seg.load(D .. I.camera)), cam16 = assert(seg.load(D .. I.cam16)),
  feat = H.raw_f32(D .. I.feat, I.feat_w, I.feat_h, I.feat_c),
}

-- Decoded pixels of an image as one flat array (channels interleaved).
local ELEM = {u8 = "B", u16 = "I2", f32 = "f", i32 = "i4"}
local function pixels(im)
  local s, fmt, out = im:data(), "=" .. ELEM[im.dtype], {}
  local size = string.packsize(fmt)
  for i = 1, #s, size do out[#out + 1] = string.unpack(fmt, s, i) end
  return out
end

-- Checks labels are in 1..k and nearest (up to float rounding) to their
-- centres; returns the compactness recomputed in double.
local function check_nearest(im, lab, centers, k)
  local px, lb, C = pixels(im), pixels(lab), im.channels
  assert.are.equal(k, #centers)
  local comp = 0
  for i = 1, #lb do
    local l = lb[i]
    assert(l >= 1 and l <= k, "label out of range: " .. l)
    local best, dl = math.huge, 0
    for j = 1, k do
      local d = 0
      for c = 1, C do
        local t = px[(i - 1) * C + c] - centers[j][c]
        d = d + t * t
      end
      if j == l then dl = d end
      if d < best then best = d end
    end
    assert(dl <= best * (1 + 1e-5) + 1e-6, ("pixel %d: label %d at %g, nearest at %g"):format(i, l, dl, best))
    comp = comp + dl
  end
  return comp
end

describe("kmeans", function()
  it("is as compact as cv2.kmeans with the same attempts, labels at the nearest centre", function()
    for _, c in ipairs(ref.kmeans) do
      local im = inputs[c.input]
      local lab, centers, comp = im:kmeans(c.k, {attempts = c.attempts, iters = c.iters, eps = c.eps})
      assert.are.equal("Labels", seg.type(lab))
      for _, ctr in ipairs(centers) do assert.are.equal(im.channels, #ctr) end
      local what = ("%s k=%d: ours %.6g, OpenCV %.6g"):format(c.input, c.k, comp, c.compactness)
      assert(comp <= 1.01 * c.compactness, what)
      local again = check_nearest(im, lab, centers, c.k)
      assert(math.abs(again - comp) <= 1e-4 * comp + 1e-6, what .. ", recomputed " .. again)
    end
  end)

  it("is deterministic for a seed, on any number of threads", function()
    local im = inputs.astro
    local t = seg.threads()
    seg.threads(1)
    local l1, c1, k1 = im:kmeans(5, {seed = 42, attempts = 2})
    seg.threads(2)
    local l2, c2, k2 = im:kmeans(5, {seed = 42, attempts = 2})
    seg.threads(4)
    local l4, c4, k4 = im:kmeans(5, {seed = 42, attempts = 2})
    seg.threads(t)
    assert.is_true(l1 == l2 and l2 == l4)
    assert.are.same(c1, c2)
    assert.are.same(c1, c4)
    assert.are.equal(k1, k2)
    assert.are.equal(k1, k4)
    -- a large image, many blocks
    local big = im:resize(1024, 700)
    seg.threads(1)
    local b1, bc1 = big:kmeans(3, {iters = 5})
    seg.threads(3)
    local b3, bc3 = big:kmeans(3, {iters = 5})
    seg.threads(t)
    assert.is_true(b1 == b3)
    assert.are.same(bc1, bc3)
  end)

  it("splits two flat colours exactly", function()
    local im = seg.image(6, 4, 3, "u8", 10)
    for y = 0, 3 do for x = 3, 5 do im:set(x, y, 200, 100, 50) end end
    local lab, centers, comp = im:kmeans(2)
    local a, b = lab:get(0, 0), lab:get(5, 3)
    assert.are_not.equal(a, b)
    assert.are.same({10, 10, 10}, centers[a])
    assert.are.same({200, 100, 50}, centers[b])
    assert.are.equal(0, comp)
  end)

  it("keeps going when there are fewer distinct values than clusters", function()
    local lab, centers, comp = seg.image(4, 4, 1, "u8", 7):kmeans(3)
    assert.are.equal(3, #centers)
    assert.are.equal(0, comp)
    assert.are.equal(16, lab:eq(lab:get(0, 0)):count())
    local lab2 = seg.from_table{{0, 0, 9, 9}}:kmeans(4)
    assert.is_true(lab2:get(0, 0) ~= lab2:get(3, 0))
  end)

  it("works on tiny images and every dtype but i32", function()
    local l, c = seg.image(1, 1):kmeans(1)
    assert.are.same({{1}}, l:to_table())
    assert.are.same({{0}}, c)
    l = seg.from_table{{1, 5, 9}}:to("u16"):kmeans(3)
    local seen = {}
    for x = 0, 2 do seen[l:get(x, 0)] = true end
    assert.are.same({true, true, true}, seen)
    l = seg.image(1, 5, 3, "f32", 0.5):kmeans(2)
    assert.are.equal(5, l.height)
    local m = seg.mask(3, 3); m:set(1, 1, 1)
    local ml = m:kmeans(2)
    assert.are_not.equal(ml:get(0, 0), ml:get(1, 1))
  end)

  it("clusters in Lab with space = \"lab\": the same as clustering img:lab()", function()
    local rgb = inputs.astro
    local a, ca = rgb:kmeans(4, {seed = 3, space = "lab"})
    local b, cb = rgb:lab():kmeans(4, {seed = 3})
    assert.are.equal(a:data(), b:data())
    for j = 1, 4 do for c = 1, 3 do assert.are.equal(cb[j][c], ca[j][c]) end end
    assert.has_error(function() inputs.camera:kmeans(2, {space = "lab"}) end,
      "calling 'kmeans' on bad self (space \"lab\" needs an RGB image)")
  end)

  it("names bad arguments", function()
    local im = inputs.camera
    assert.has_error(function() im:kmeans(0) end,
      "bad argument #1 to 'kmeans' (k must be between 1 and the pixel count)")
    assert.has_error(function() seg.image(2, 2):kmeans(5) end,
      "bad argument #1 to 'kmeans' (k must be between 1 and the pixel count)")
    assert.has_error(function() im:kmeans(2000) end, "bad argument #1 to 'kmeans' (k must be at most 1024)")
    assert.has_error(function() im:kmeans("x") end)
    assert.has_error(function() im:kmeans(2.5) end)
    assert.has_error(function() im:kmeans(2, {atempts = 2}) end)
    assert.has_error(function() im:kmeans(2, {attempts = 0}) end)
    assert.has_error(function() im:kmeans(2, {iters = 1e9}) end)
    assert.has_error(function() im:kmeans(2, {eps = -1}) end)
    assert.has_error(function() im:kmeans(2, {seed = "x"}) end)
    assert.has_error(function() im:kmeans(2, {space = "hsv"}) end)
    assert.has_error(function() im:to("i32"):kmeans(2) end,
      "calling 'kmeans' on bad self (u8, u16 or f32 pixels expected)")
    local f = seg.image(3, 3, 1, "f32"); f:set(1, 1, 0 / 0)
    assert.has_error(function() f:kmeans(2) end,
      "calling 'kmeans' on bad self (image has NaN or infinite values)")
    local r = im:clone(); r:release()
    assert.has_error(function() r:kmeans(2) end)
  end)
end)

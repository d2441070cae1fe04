-- seg.Tensor: construction, access, the image <-> tensor glue, bad input.
local seg = require "seg"

describe("tensor", function()
  it("is made from a shape and a fill, and reports it", function()
    local t = seg.tensor({1, 3, 4, 5}, 2.5)
    assert.same({1, 3, 4, 5}, t:shape())
    assert.equal(2.5, t:get(1, 3, 4, 5))
    assert.equal(60 * 4, #t:data())
    assert.equal("Tensor", seg.type(t))
    assert.equal("seg.Tensor 1x3x4x5, float32", tostring(t))
    local z = seg.tensor({2, 2})
    assert.equal(0, z:get(2, 2))
    z:set(2, 1, 7)
    assert.equal(7, z:get(2, 1))
  end)

  it("round-trips through little-endian float32 bytes", function()
    local vals = {}
    for i = 1, 24 do vals[i] = string.pack("<f", i / 8 - 1) end
    local t = seg.tensor_from_data(table.concat(vals), {2, 3, 4})
    assert.equal(-0.875, t:get(1, 1, 1))
    assert.equal(2, t:get(2, 3, 4))
    assert.equal(table.concat(vals), t:data())
  end)

  it("normalises an image into N x C x H x W, per channel", function()
    local im = seg.image(5, 4, 3, "u8")
    for y = 0, 3 do for x = 0, 4 do im:set(x, y, x * 10, y * 20, 255) end end
    local t = im:tensor{mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225}}
    assert.same({1, 3, 4, 5}, t:shape())
    for y = 0, 3 do for x = 0, 4 do
      local want = {x * 10, y * 20, 255}
      local m, s = {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}
      for c = 1, 3 do
        assert.near((want[c] / 255 - m[c]) / s[c], t:get(1, c, y + 1, x + 1), 1e-5)
      end
    end end
    local nhwc = im:tensor{layout = "nhwc", scale = 1}
    assert.same({1, 4, 5, 3}, nhwc:shape())
    assert.equal(40, nhwc:get(1, 1, 5, 1))
    assert.equal(60, nhwc:get(1, 4, 1, 2))
  end)

  it("converts channels and resizes on request", function()
    local rgb = seg.image(8, 6, 3, "u8", 100)
    local g = rgb:tensor{channels = 1, size = {4, 3}}
    assert.same({1, 1, 3, 4}, g:shape())
    assert.near(100 / 255, g:get(1, 1, 2, 2), 1e-5)
    local gray = seg.image(4, 4, 1, "f32", 0.25)
    local c3 = gray:tensor{channels = 3}
    assert.same({1, 3, 4, 4}, c3:shape())
    assert.equal(0.25, c3:get(1, 3, 4, 4))
  end)

  it("gives back images, softmax, sigmoid and argmax labels", function()
    local t = seg.tensor({1, 3, 2, 2})
    -- class 3 wins at (x=0,y=0), class 2 at (1,0), class 1 elsewhere (ties go low)
    t:set(1, 3, 1, 1, 5); t:set(1, 2, 1, 2, 1)
    local lab = t:argmax()
    assert.equal("seg.Labels 2x2, 1 channel, i32", tostring(lab))
    assert.equal(2, lab:get(0, 0)); assert.equal(1, lab:get(1, 0)); assert.equal(0, lab:get(1, 1))
    local p = t:softmax()
    local e5 = math.exp(5)
    assert.near(e5 / (e5 + 2), p:get(1, 3, 1, 1), 1e-6)
    assert.near(1 / 3, p:get(1, 1, 2, 2), 1e-6)
    local s = t:sigmoid()
    assert.near(1 / (1 + math.exp(-5)), s:get(1, 3, 1, 1), 1e-6)
    local im = t:image()
    assert.equal(3, im.channels); assert.equal("f32", im.dtype)
    assert.equal(5, im:get(0, 0, 3))
    -- softmax along another axis, negative axes
    local q = seg.tensor({2, 3}, 0):softmax(-1)
    assert.near(1 / 3, q:get(2, 3), 1e-6)
  end)

  it("frees at once on release and refuses a released tensor", function()
    local t = seg.tensor({1024, 1024})
    t:release()
    assert.equal("seg.Tensor (released)", tostring(t))
    assert.has_error(function() t:shape() end, "calling 'shape' on bad self (tensor has been released)")
    t:release()
  end)

  it("raises on bad arguments", function()
    assert.has_error(function() seg.tensor({1, -2}) end,
      "bad argument #1 to 'tensor' (shape dimensions must be non-negative integers)")
    assert.has_error(function() seg.tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}) end,
      "bad argument #1 to 'tensor' (shape must have 0 to 8 dimensions)")
    assert.has_error(function() seg.tensor("x") end)
    assert.has_error(function() seg.tensor({1e6, 1e6, 1e6}) end)
    assert.has_error(function() seg.tensor_from_data("abc", {1}) end,
      "bad argument #1 to 'tensor_from_data' (3 bytes do not make a tensor of 1 float32 values)")
    local t = seg.tensor({2, 2})
    assert.has_error(function() t:get(1) end, "bad argument #1 to 'get' (one index per dimension expected)")
    assert.has_error(function() t:get(3, 1) end, "bad argument #1 to 'get' (index 3 out of range 1..2)")
    assert.has_error(function() t:get(0, 1) end)
    assert.has_error(function() t:softmax(3) end, "bad argument #1 to 'softmax' (axis out of range)")
    assert.has_error(function() seg.tensor({2, 2, 2, 2}):argmax(2) end,
      "calling 'argmax' on bad self (argmax: the dimensions besides the axis and the last two must be 1)")
    assert.has_error(function() seg.tensor({4}):image() end,
      "calling 'image' on bad self (tensor of rank 2, 3 or 4 expected)")
    assert.has_error(function() seg.tensor({2, 1, 2, 2}):image(3) end, "bad argument #1 to 'image' (index out of range)")
    local im = seg.image(4, 4, 3)
    assert.has_error(function() im:tensor{sise = 3} end)
    assert.has_error(function() im:tensor{std = 0} end, "bad argument #1 to 'tensor' ('std' must be finite and non-zero)")
    assert.has_error(function() im:tensor{mean = {1, 2}} end, "bad argument #1 to 'tensor' ('mean' must be 1 or 3 numbers)")
    assert.has_error(function() im:tensor{layout = "chw"} end,
      [[bad argument #1 to 'tensor' ('layout' must be one of "nchw", "nhwc")]])
    assert.has_error(function() im:tensor{size = {4}} end,
      "bad argument #1 to 'tensor' ('size' must be an integer or {w, h})")
    assert.has_error(function() im:tensor{mean = {1, "x", 3}} end,
      "bad argument #1 to 'tensor' ('mean' must be a number or a table of numbers)")
    assert.has_error(function() im:tensor{channels = 2} end)
  end)
end)

-- Geometry: flip, rotate90, transpose, pad, paste, hstack, vstack, montage.
-- Peers: OpenCV 4.6 (flip, transpose, hconcat), numpy 1.24 (rot90, pad,
-- slice assignment) and scikit-image 0.19 (util.montage), through the
-- fixtures written by spec/refs/make_geometry_refs.py. Every kind keeps its
-- kind; mixed inputs are widened by the rule in docs/geometry.md.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/geometry_refs.lua")
local D = ref.dir

local function load(f, w, h, c)
  if f:match("%.raw$") then
    local fh = assert(io.open(D .. f, "rb"))
    local s = fh:read("a")
    fh:close()
    return seg.from_data(s, w, h, c or 1, "f32")
  end
  return assert(seg.load(D .. f))
end
local function same(got, want, what)
  assert(got.width == want.width and got.height == want.height,
    ("%s: %dx%d, want %dx%d"):format(what or "", got.width, got.height, want.width, want.height))
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d elements differ (worst %g)"):format(what or "", differ, worst))
end

local I = ref.inputs
local input = {}
for k, d in pairs(I) do input[k] = load(d.file, d.w, d.h, d.c) end
input.mask = input.mask:gt(0)
local labels = input.mask:label()
input.labels = labels

-- a reference of the shape an operation gives on input k (f32 refs are raw)
local function want(k, f, swap)
  local d = I[k]
  if swap then return load(f, d.h, d.w, d.c) end
  return load(f, d.w, d.h, d.c)
end

describe("flip, rotate90 and transpose", function()
  it("build the label map the references use (skimage.measure.label)", function()
    same(labels, load(I.labels.file))
  end)

  it("flip like cv2.flip on every dtype and kind, keeping the kind", function()
    for k, t in pairs(ref.turns) do
      local im = input[k]
      for _, axis in ipairs{"x", "y", "both"} do
        local got = im:flip(axis)
        assert.are.equal(seg.type(im), seg.type(got))
        assert.are.equal(im.dtype, got.dtype)
        same(got, want(k, t["flip_" .. axis]), k .. " flip " .. axis)
      end
      same(im:flip("horizontal"), im:flip("x"))
      same(im:flip("vertical"), im:flip("y"))
      same(im:flip(1), im:flip("x"))
      same(im:flip(0), im:flip("y"))
      same(im:flip(-1), im:flip("both"))
    end
  end)

  it("rotate90(k) is np.rot90(a, k), negative and large k included", function()
    for k, t in pairs(ref.turns) do
      local im = input[k]
      for _, q in ipairs{1, 2, 3, -1, 5} do
        local got = im:rotate90(q)
        assert.are.equal(seg.type(im), seg.type(got))
        same(got, want(k, t["rot_" .. q], q % 2 == 1), k .. " rot90 " .. q)
      end
      same(im:rotate90(), im:rotate90(1))
      same(im:rotate90(0), im)
      same(im:rotate90(-4), im)
    end
  end)

  it("transpose is np.swapaxes(a, 0, 1) (cv2.transpose)", function()
    for k, t in pairs(ref.turns) do
      local got = input[k]:transpose()
      assert.are.equal(seg.type(input[k]), seg.type(got))
      same(got, want(k, t.transpose, true), k .. " transpose")
    end
  end)

  it("agree with themselves on images larger than a cache tile, any thread count", function()
    local big = seg.image(301, 197, 3, "u8")
    for y = 0, 196, 7 do for x = 0, 300, 5 do big:set(x, y, x % 256, y % 256, (x + y) % 256) end end
    local n = seg.threads()
    seg.threads(1)
    local r1, t1 = big:rotate90(1), big:transpose()
    seg.threads(4)
    same(big:rotate90(1), r1)
    same(big:transpose(), t1)
    seg.threads(n)
    same(r1:rotate90(-1), big)
    same(t1:transpose(), big)
    same(big:rotate90(1):rotate90(1), big:flip("both"))
    -- a pixel moves where np.rot90 puts it: out(x, y) = in(w - 1 - y, x)
    local r = big:rotate90(1)
    assert.are.same({big:get(300 - 10, 14)}, {r:get(14, 10)})
    -- bytes go through 8 x 8 block transposes: every pixel of every turn
    local g = seg.image(203, 149, 1, "u8")
    for y = 0, 148 do for x = 0, 202 do g:set(x, y, (x * 7 + y * 13) % 251) end end
    local t = g:to_table()
    local turns = {[1] = g:rotate90(1):to_table(), [-1] = g:rotate90(-1):to_table(),
                   [0] = g:transpose():to_table()}
    for y = 1, 203 do for x = 1, 149 do
      assert(turns[0][y][x] == t[x][y], "transpose")
      assert(turns[1][y][x] == t[x][203 - y + 1], "rotate90(1)")
      assert(turns[-1][y][x] == t[149 - x + 1][y], "rotate90(-1)")
    end end
    local f = seg.image(5, 3, 6, "f32")   -- 24-byte pixels: the generic path
    f:set(4, 2, 1, 2, 3, 4, 5, 6)
    assert.are.same({1, 2, 3, 4, 5, 6}, {f:transpose():get(2, 4)})
    assert.are.same({1, 2, 3, 4, 5, 6}, {f:flip("x"):get(0, 2)})
    local fp = f:pad(1, {value = {9, 8, 7, 6, 5, 4}})
    assert.are.same({9, 8, 7, 6, 5, 4}, {fp:get(0, 0)})
    assert.are.same({1, 2, 3, 4, 5, 6}, {fp:get(5, 3)})
    local fm = seg.montage({f, f}, {pad = 1})
    assert.are.equal(6, fm.channels)
    assert.are.same({1, 2, 3, 4, 5, 6}, {seg.hstack{f, f}:get(9, 2)})
    local wide = seg.image(2, 2, 300, "f32", 0.5)
    assert.are.equal(0.5, (wide:pad(1, {mode = "edge"}):get(0, 0)))
    assert.are.equal(0.5, (seg.montage({wide, wide}):get(0, 0)))
  end)
end)

describe("pad", function()
  it("matches np.pad in every mode, pads wider than the image included", function()
    for _, c in ipairs(ref.pads) do
      local got = input[c.input]:pad(c.width, c.opts)
      local w = load(c.want, got.width, got.height, got.channels)
      same(got, w, c.name)
      assert.are.equal(seg.type(input[c.input]), seg.type(got))
    end
  end)

  it("keeps Masks and Labels, with values that fit them", function()
    local m = input.mask:pad(2, {value = 1})
    assert.are.equal("Mask", seg.type(m))
    assert.are.equal(1, m:get(0, 0))
    local l = labels:pad(1, {mode = "edge"})
    assert.are.equal("Labels", seg.type(l))
    assert.are.equal(labels:get(0, 0), l:get(0, 0))
    same(input.gray:pad(0), input.gray)
    assert.are.equal(-3, seg.image(1, 1, 1, "i32"):pad(1, {value = -3}):get(0, 0))
  end)

  it("names bad arguments", function()
    local g = input.gray
    assert.has_error(function() g:pad(-1) end, "bad argument #1 to 'pad' (padding must be in 0..536870911)")
    assert.has_error(function() g:pad{left = 1, rigth = 2} end)
    assert.has_error(function() g:pad{left = -1} end)
    assert.has_error(function() g:pad(1, {mode = "mirror"}) end)
    assert.has_error(function() g:pad(1, {mdoe = "edge"}) end)
    assert.has_error(function() g:pad(1, {value = 256}) end)
    assert.has_error(function() g:pad(1, {value = 1.5}) end)
    assert.has_error(function() g:pad(1, {mode = "edge", value = 3}) end)
    assert.has_error(function() input.rgb:pad(1, {value = {1, 2}}) end)
    assert.has_error(function() input.mask:pad(1, {value = 2}) end)
    assert.has_error(function() g:pad(5e8) end)
    assert.has_error(function() g:pad("x") end)
    local ok, e = pcall(g.pad, g, 1, {mdoe = "edge"})
    assert.is_false(ok)
    assert.truthy(e:find("unknown option 'mdoe'", 1, true))
  end)
end)

describe("paste", function()
  local small = input.gray:crop(5, 10, 35, 20)

  it("is numpy's slice assignment, clipped at every border", function()
    same(input.gray:paste(small, 13, 9), load(ref.paste.inside))
    same(input.gray:paste(small, -7, 35), load(ref.paste.clipped))
    same(input.gray:paste(small, 50, -12), load(ref.paste.corner))
    same(input.gray:paste(small, 1000, 0), input.gray)
    same(input.gray:paste(small, -35, 0), input.gray)
  end)

  it("widens the source to the destination's type", function()
    same(input.rgb:paste(small, 4, 3), load(ref.paste.gray_into_rgb))
    same(input.gray:paste(input.mask:crop(0, 0, 30, 20), 20, 20), load(ref.paste.mask_into_gray))
    same(input.g16:paste(small, -3, -4), load(ref.paste.u8_into_u16))
    local m = input.mask:paste(seg.mask(3, 3), 0, 0)
    assert.are.equal("Mask", seg.type(m))
  end)

  it("does not change its input; paste_into does, and returns it", function()
    local g = input.gray:clone()
    local before = g:clone()
    g:paste(small, 0, 0)
    same(g, before)
    assert.are.equal(g, g:paste_into(small, 13, 9))
    same(g, load(ref.paste.inside))
    g:paste_into(g, 3, 2)   -- into itself: through a copy
    same(g, load(ref.paste.inside):paste(load(ref.paste.inside), 3, 2))
  end)

  it("refuses narrowing and kind changes", function()
    assert.has_error(function() input.gray:paste(input.rgb, 0, 0) end,
      "bad argument #1 to 'paste' (3 channels do not widen to 1)")
    assert.has_error(function() input.gray:paste(input.g16, 0, 0) end,
      "bad argument #1 to 'paste' (u16 does not widen to u8; convert it with :to())")
    assert.has_error(function() input.mask:paste(input.gray, 0, 0) end,
      "bad argument #1 to 'paste' (a Mask takes a Mask only)")
    assert.has_error(function() input.gray:paste(labels, 0, 0) end)
    assert.has_error(function() input.gray:paste(small, 0.5, 0) end)
    assert.has_error(function() input.gray:paste(1, 0, 0) end)
  end)
end)

describe("hstack and vstack", function()
  it("are cv2.hconcat / vconcat", function()
    local g, f = input.gray, input.gray:flip("x")
    same(seg.hstack{g, f, g}, load(ref.stack.h_gray))
    same(seg.vstack{g, f}, load(ref.stack.v_gray))
    same(seg.hstack{g}, g)
  end)

  it("widen mixed inputs: gray to RGB, Mask to 0/255, u8 to u16", function()
    same(seg.hstack{input.gray:crop(0, 0, 61, 37), input.rgb}, load(ref.stack.h_gray_rgb))
    same(seg.hstack{input.gray:crop(0, 0, 59, 41), input.mask}, load(ref.stack.h_gray_mask))
    same(seg.vstack{input.gray:crop(0, 0, 43, 31), input.g16}, load(ref.stack.v_u8_u16))
    local rgba = seg.vstack{seg.image(2, 1, 1, "u8", 9), seg.image(2, 1, 3, "u8", 5),
                            seg.image(2, 1, 2, "u8", 4)}
    assert.are.equal(4, rgba.channels)
    assert.are.same({9, 9, 9, 255}, {rgba:get(0, 0)})
    assert.are.same({5, 5, 5, 255}, {rgba:get(0, 1)})
    assert.are.same({4, 4, 4, 4}, {rgba:get(0, 2)})
    local f = seg.hstack{seg.image(1, 1, 1, "u8", 51), seg.image(1, 1, 1, "f32", 0.5)}
    assert.are.equal("f32", f.dtype)
    local f32 = function (v) return (string.unpack("f", string.pack("f", v))) end
    assert.are.same({f32(51 / 255), 0.5}, {f:get(0, 0), f:get(1, 0)})
  end)

  it("keep Masks and Labels when every input is one", function()
    assert.are.equal("Mask", seg.type(seg.hstack{input.mask, input.mask}))
    assert.are.equal("Labels", seg.type(seg.vstack{labels, labels}))
  end)

  it("name bad inputs", function()
    assert.has_error(function() seg.hstack{input.gray, input.rgb} end,
      "bad argument #1 to 'hstack' (images differ in height)")
    assert.has_error(function() seg.vstack{input.gray, input.rgb} end,
      "bad argument #1 to 'vstack' (images differ in width)")
    assert.has_error(function() seg.hstack{} end, "bad argument #1 to 'hstack' (at least one image expected)")
    assert.has_error(function() seg.hstack{input.gray, 3} end,
      "bad argument #1 to 'hstack' (image expected at index 2)")
    assert.has_error(function() seg.hstack{labels, input.mask} end,
      "bad argument #1 to 'hstack' (Labels mix only with Labels (colorize() them first))")
    assert.has_error(function() seg.hstack(input.gray) end)
    local r = input.gray:clone()
    r:release()
    assert.has_error(function() seg.hstack{input.gray, r} end,
      "bad argument #1 to 'hstack' (image expected at index 2)")
  end)
end)

describe("montage", function()
  local tiles = {}
  for i = 0, 4 do tiles[#tiles + 1] = input.gray:crop(i * 8, 0, 25, 20) end
  local rgbt = {}
  for i = 0, 2 do rgbt[#rgbt + 1] = input.rgb:crop(0, i * 5, 21, 15) end

  it("is skimage.util.montage: square grid, mean fill, padding, grid shapes", function()
    same(seg.montage(tiles), load(ref.montage.default))
    same(seg.montage(tiles, {rows = 2, cols = 3, pad = 4, fill = 0}), load(ref.montage.grid))
    same(seg.montage(rgbt, {pad = 2}), load(ref.montage.rgb))
    same(seg.montage(rgbt, {rows = 1, cols = 3, fill = {255, 0, 128}, pad = 1}),
         load(ref.montage.rgb_fill))
    same(seg.montage(tiles, {cols = 3, pad = 4, fill = 0}), load(ref.montage.grid))
    same(seg.montage(tiles, {rows = 2, pad = 4, fill = 0}), load(ref.montage.grid))
  end)

  it("places images of different sizes at the top left of equal cells", function()
    local m = seg.montage({seg.image(2, 1, 1, "u8", 9), seg.image(1, 2, 1, "u8", 7)},
                          {cols = 2, fill = 0})
    assert.are.same({{9, 9, 7, 0}, {0, 0, 7, 0}}, m:to_table())
  end)

  it("names bad options", function()
    assert.has_error(function() seg.montage(tiles, {colls = 2}) end)
    assert.has_error(function() seg.montage(tiles, {rows = 1, cols = 2}) end,
      "bad argument #2 to 'montage' (rows * cols is less than the number of images)")
    assert.has_error(function() seg.montage(tiles, {pad = -1}) end)
    assert.has_error(function() seg.montage(tiles, {fill = "median"}) end)
    assert.has_error(function() seg.montage(tiles, {fill = 300}) end)
    assert.has_error(function() seg.montage({}) end)
  end)
end)

describe("every method on released objects", function()
  it("raises", function()
    local g = input.gray:clone()
    g:release()
    for _, f in ipairs{function() g:flip("x") end, function() g:rotate90() end,
                       function() g:transpose() end, function() g:pad(1) end,
                       function() input.gray:paste(g, 0, 0) end, function() g:paste(input.gray, 0, 0) end,
                       function() seg.montage{g} end} do
      assert.has_error(f)
    end
    assert.has_error(function() input.gray:flip("z") end)
    assert.has_error(function() input.gray:flip(2) end, "bad argument #1 to 'flip' (flip code must be 1, 0 or -1)")
    assert.has_error(function() input.gray:rotate90(1.5) end)
  end)
end)

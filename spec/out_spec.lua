-- out= destinations: operators called in loops write into an existing
-- object given as opts.out, return that object, and give the same pixels
-- as without it. The destination is checked (kind, size, channels, dtype,
-- not released); element-wise operations may write into their input,
-- neighbourhood operations refuse to unless their kernel runs in place.
local seg = require "seg"
require "spec.helper"

local coins = assert(seg.load("examples/images/coins.png")):gray()
local g = coins:crop(100, 100, 61, 47)            -- odd sizes on purpose
local g16 = g:to("u16", 257)
local f = g:to("f32", 1 / 255)
local rgb = seg.merge{g, g:box(2), g:median(1)}
local m = g:gt(120)
local m2 = g:lt(60)

local function same(want, got, what)
  assert.are.equal(seg.type(want), seg.type(got), what)
  assert.are.equal(tostring(want), tostring(got), what)
  assert(want:data() == got:data(), what .. ": pixels differ")
end

-- A destination like 'ref' (kind, size, channels, dtype), filled with junk
-- so that a pixel the operation forgets to write shows.
local function like(ref, dw, dc, dtype, kind)
  kind = kind or seg.type(ref)
  local w, h, c = ref.width + (dw or 0), ref.height, ref.channels + (dc or 0)
  if kind == "Mask" then
    local o = seg.mask(w, h, 1)
    return o
  elseif kind == "Labels" then
    return seg.labels(w, h)
  end
  return seg.image(w, h, c, dtype or ref.dtype, 7)
end

-- { name in messages, call(o) }
local rows = {
  {"threshold", function(o) return g:threshold(128, o) end},
  {"threshold", function(o) return rgb:threshold(100, o) end},
  {"threshold", function(o) return g:threshold("otsu", o) end},
  {"threshold", function(o) return g16:threshold("li", o) end},
  {"threshold", function(o) return f:threshold("sauvola", o) end},
  {"threshold", function(o) return g:threshold("adaptive_gaussian", {window = 7, out = o and o.out}) end},
  {"add", function(o) return g:add(g:box(1), o) end},
  {"add", function(o) return rgb:add({1, 2, 3}, o) end},
  {"sub", function(o) return g16:sub(1000, o) end},
  {"mul", function(o) return f:mul(f, o) end},
  {"div", function(o) return g:div(3, o) end},
  {"gt", function(o) return g:gt(100, o) end},
  {"ge", function(o) return rgb:ge({10, 20, 30}, o) end},
  {"lt", function(o) return f:lt(f:box(1), o) end},
  {"le", function(o) return g16:le(30000, o) end},
  {"eq", function(o) return g:eq(g:median(1), o) end},
  {"ne", function(o) return g:ne(100, o) end},
  {"inrange", function(o) return rgb:inrange({0, 0, 0}, {128, 255, 100}, o) end},
  {"to_mask", function(o) return g:sub(100):to_mask(o) end},
  {"band", function(o) return m:band(m2, o) end},
  {"bor", function(o) return m:bor(m2, o) end},
  {"bxor", function(o) return m:bxor(m, o) end},
  {"bnot", function(o) return m:bnot(o) end},
  {"to", function(o) return g:to("f32", o) end},
  {"to", function(o) return f:to("u16", 65535, o) end},
  {"gray", function(o) return rgb:gray(o) end},
  {"rgb", function(o) return g16:rgb(o) end},
  {"channel", function(o) return rgb:channel(3, o) end},
  {"gaussian", function(o) return g:gaussian(1.5, o) end},
  {"gaussian", function(o) return rgb:gaussian(2, {border = "replicate", out = o and o.out}) end},
  {"box", function(o) return f:box(2, o) end},
  {"median", function(o) return g16:median(1, o) end},
  {"bilateral", function(o) return g:bilateral(5, 30, 5, o) end},
  {"sobel", function(o) return g:sobel(o) end},
  {"sobel", function(o) return g:sobel("y", o) end},
  {"scharr", function(o) return g16:scharr("magnitude", o) end},
  {"prewitt", function(o) return g:prewitt("x", o) end},
  {"laplacian", function(o) return g:laplacian(3, o) end},
  {"log", function(o) return f:log(2, o) end},
  {"dog", function(o) return g:dog(1, o) end},
  {"canny", function(o) return g:canny(o) end},
  {"canny", function(o) return g:canny{low = 20, high = 60, out = o and o.out} end},
  {"erode", function(o) return g:erode(2, o) end},
  {"dilate", function(o) return m:dilate(seg.rect(3, 5), o) end},
  {"open", function(o) return g16:open(seg.cross(2), o) end},
  {"close", function(o) return f:close(1, o) end},
  {"gradient", function(o) return m:gradient(1, o) end},
  {"tophat", function(o) return g:tophat(3, o) end},
  {"blackhat", function(o) return m:blackhat(seg.rect(5, 3), o) end},
}

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

describe("out=", function()
  it("gives the pixels of a new result and returns the destination itself", function()
    for _, r in ipairs(rows) do
      local want, want2 = r[2]()
      local o = like(want)
      local got, got2 = r[2]({out = o})
      assert(rawequal(o, got), r[1] .. ": did not return the destination")
      same(want, got, r[1])
      assert.are.equal(type(want2), type(got2), r[1])
      if type(want2) == "number" then assert.are.equal(want2, got2, r[1]) end
      if type(want2) == "userdata" then same(want2, got2, r[1] .. " (second result)") end
      -- writing twice into the same destination gives the same again
      same(want, r[2]({out = o}), r[1] .. " (again)")
    end
  end)

  it("refuses a destination of the wrong size, naming the argument", function()
    for _, r in ipairs(rows) do
      local want = r[2]()
      local err = err_of(r[2], {out = like(want, 1)})
      local s = ("to '%s' ('out' must be %dx%d, got %dx%d)"):format(
        r[1], want.width, want.height, want.width + 1, want.height)
      assert(err:find(s, 1, true) and err:find("bad argument #%d"), r[1] .. ": " .. err)
    end
  end)

  it("refuses a destination of the wrong kind", function()
    for _, r in ipairs(rows) do
      local want = r[2]()
      local other = seg.type(want) == "Mask" and "Image" or "Mask"
      local err = err_of(r[2], {out = like(want, 0, 0, nil, other)})
      local s = ("to '%s' ('out' must be a seg.%s, got seg.%s)"):format(r[1], seg.type(want), other)
      assert(err:find(s, 1, true), r[1] .. ": " .. err)
      err = err_of(r[2], {out = seg.labels(want.width, want.height)})
      assert(err:find("got seg.Labels)", 1, true), r[1] .. ": " .. err)
      err = err_of(r[2], {out = 5})
      assert(err:find("got number)", 1, true), r[1] .. ": " .. err)
    end
  end)

  it("refuses an Image destination of the wrong dtype or channel count", function()
    for _, r in ipairs(rows) do
      local want = r[2]()
      if seg.type(want) == "Image" then
        local dt = want.dtype == "f32" and "u8" or "f32"
        local err = err_of(r[2], {out = like(want, 0, 0, dt)})
        assert(err:find(("to '%s' ('out' must be %s, got %s)"):format(r[1], want.dtype, dt), 1, true),
          r[1] .. ": " .. err)
        local dc = want.channels == 1 and 1 or -1
        err = err_of(r[2], {out = like(want, 0, dc)})
        assert(err:find(("('out' must have %d channel"):format(want.channels), 1, true),
          r[1] .. ": " .. err)
      end
    end
  end)

  it("refuses a released destination", function()
    for _, r in ipairs(rows) do
      local o = like((r[2]()))
      o:release()
      local err = err_of(r[2], {out = o})
      assert(err:find(("to '%s' ('out' has been released)"):format(r[1]), 1, true), r[1] .. ": " .. err)
    end
  end)

  it("writes element-wise operations into their own input", function()
    local a = g:clone()
    same(g + g:box(1), a:add(g:box(1), {out = a}), "add into the left operand")
    local b = g:box(1)
    same(g - g:box(1), g:sub(b, {out = b}), "sub into the right operand")
    local c = rgb:clone()
    same(rgb * {1, 0.5, 2}, c:mul({1, 0.5, 2}, {out = c}), "mul by a table")
    local x = f:clone()
    same(f:to("f32", 3), x:to("f32", 3, {out = x}), "to")
    local n = m:clone()
    same(~m, n:bnot{out = n}, "bnot")
    n = m:clone()
    same(m & m2, n:band(m2, {out = n}), "band")
    n = m:clone()
    same(m:eq(0), n:eq(0, {out = n}), "a Mask compared into itself")
    n = m:clone()
    same(m, n:threshold(0, {out = n}), "a Mask thresholded into itself")
    n = m:clone()
    same(m:threshold("otsu"), n:threshold("otsu", {out = n}), "global threshold into itself")
    local one = g:clone()
    same(g, one:gray{out = one}, "gray of a gray image into itself")
    same(g, one:channel(1, {out = one}), "channel 1 of itself")
    local three = rgb:clone()
    same(rgb, three:rgb{out = three}, "rgb of an rgb image into itself")
  end)

  it("writes erode, dilate, open, close and gradient into their input", function()
    for _, op in ipairs{"erode", "dilate", "open", "close", "gradient"} do
      for _, se in ipairs{1, 3, seg.rect(3, 5), seg.cross(2), seg.element{{1, 0, 0}, {0, 1, 1}}} do
        for _, src in ipairs{g, m, g16, f} do
          local want = src[op](src, se)
          local x = src:clone()
          local got = x[op](x, se, {out = x})
          assert(rawequal(x, got))
          same(want, got, op .. " in place on " .. tostring(src))
        end
      end
    end
  end)

  it("refuses the input as the destination of a neighbourhood operation", function()
    local cases = {
      {"tophat", function(x) return x:tophat(1, {out = x}) end, g},
      {"blackhat", function(x) return x:blackhat(1, {out = x}) end, m},
      {"gaussian", function(x) return x:gaussian(1, {out = x}) end, g},
      {"box", function(x) return x:box(1, {out = x}) end, f},
      {"median", function(x) return x:median(1, {out = x}) end, g16},
      {"bilateral", function(x) return x:bilateral(3, 10, 10, {out = x}) end, g},
      {"sobel", function(x) return x:sobel({out = x}) end, f},
      {"laplacian", function(x) return x:laplacian(1, {out = x}) end, f},
      {"log", function(x) return x:log(1, {out = x}) end, f},
      {"dog", function(x) return x:dog(1, 2, {out = x}) end, f},
      {"canny", function(x) return x:canny{out = x} end, m},
      {"threshold", function(x) return x:threshold("sauvola", {out = x}) end, m},
    }
    for _, c in ipairs(cases) do
      local x = c[3]:clone()
      local err = err_of(c[2], x)
      assert(err:find(("to '%s' ('out' must not be the input"):format(c[1]), 1, true), c[1] .. ": " .. err)
      same(c[3], x, c[1] .. " left its input unchanged")
    end
  end)
end)

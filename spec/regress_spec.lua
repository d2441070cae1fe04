-- Regressions for the kernel defects of issue 6 (section 3): each case
-- crashed, wrote out of bounds, used memory by label value, returned a Mask
-- holding 255, or ran for seconds on a handful of pixels with the old code.
-- Work-bounded cases never assert on time: they simply have to finish.
local seg = require "seg"

-- Lua heap growth (KiB) while f runs, the collector stopped so that nothing
-- taken during the call is given back before it is measured.
local function heap_growth(f)
  collectgarbage()
  collectgarbage("stop")
  local before = collectgarbage("count")
  f()
  local grown = collectgarbage("count") - before
  collectgarbage("restart")
  collectgarbage()
  return grown
end

describe("histogram of non-finite values", function()
  it("ignores the infinities of distance() on an all-foreground mask", function()
    local d = seg.mask(8, 8, 1):distance()
    assert.are.equal(math.huge, d:get(0, 0))
    local h, lo, hi = d:histogram()
    assert.are.equal(256, #h)
    local total = 0
    for i = 1, #h do total = total + h[i] end
    assert.are.equal(0, total)
    assert.are.equal(0, lo); assert.are.equal(0, hi)
  end)

  it("spans the finite values and counts only them", function()
    local im = seg.from_table({{1 / 0, 1, -1 / 0}, {0 / 0, 3, 2}}):to("f32")
    local h, lo, hi = im:histogram(2)
    assert.are.equal(1, lo); assert.are.equal(3, hi)
    assert.are.same({1, 2}, h)
    -- an explicit finite range ignores the infinities as numpy does
    h = im:histogram(4, -10, 10)
    assert.are.same({0, 0, 3, 0}, h)
  end)

  it("refuses non-finite bounds, naming the argument", function()
    local im = seg.image(2, 1)
    assert.has_error(function() im:histogram(7, -1 / 0, 10) end,
      "bad argument #2 to 'histogram' (lo must be finite)")
    assert.has_error(function() im:histogram(7, 0, 1 / 0) end,
      "bad argument #3 to 'histogram' (hi must be finite)")
    assert.has_error(function() im:histogram(7, 0 / 0, 1) end)
  end)

  it("bins a range as wide as the doubles allow", function()
    local im = seg.from_table({{-1e308, 0, 1e308}}):to("f32")
    -- f32 holds -inf, 0, +inf here; only 0 is finite
    local h = im:histogram(2, -1.7e308, 1e308)
    assert.are.same({0, 1}, h)
  end)
end)

describe("label maps with large values", function()
  it("relabels a map holding 2147483647", function()
    local l, n = seg.from_table({{2147483647, 0}, {0, 5}}):to_labels():relabel()
    assert.are.equal(2, n)
    assert.are.same({{2, 0}, {0, 1}}, l:to_table())
  end)

  it("relabels sparse values as dense ones, in increasing order", function()
    local t = {{7, 1000000000, 0, 7}, {3, 3, 1000000000, 2147483646}}
    local l, n = seg.from_table(t):to_labels():relabel()
    assert.are.equal(4, n)
    assert.are.same({{2, 3, 0, 2}, {1, 1, 3, 4}}, l:to_table())
  end)

  it("relabels with memory that follows the pixels, not the values", function()
    local lab = seg.from_table({{1 << 26}}):to_labels()
    local n
    local grown = heap_growth(function() _, n = lab:relabel() end)
    assert.are.equal(1, n)
    assert.is_true(grown < 1024, ("relabel took %g KiB"):format(grown))
  end)

  it("filter keeps huge labels with memory that follows the pixels", function()
    local lab = seg.from_table({{1 << 28, 0}, {0, 5}}):to_labels()
    local out, kept
    local grown = heap_growth(function()
      out, kept = lab:filter(function(r) return r.label > 5 end)
    end)
    assert.is_true(grown < 1024, ("filter took %g KiB"):format(grown))
    assert.are.equal(1, kept)
    assert.are.same({{1 << 28, 0}, {0, 0}}, out:to_table())
  end)

  it("regions reports sparse labels under their own values", function()
    local lab = seg.from_table({{2147483647, 0, 5}, {2147483647, 0, 1000000}}):to_labels()
    local r
    local grown = heap_growth(function() r = lab:regions() end)
    assert.is_true(grown < 1024, ("regions took %g KiB"):format(grown))
    assert.are.equal(3, #r)
    assert.are.same({5, 1000000, 2147483647}, {r[1].label, r[2].label, r[3].label})
    assert.are.same({1, 1, 2}, {r[1].area, r[2].area, r[3].area})
    assert.are.same({x = 0, y = 0, w = 1, h = 2}, r[3].bbox)
  end)

  it("filter works without an options table", function()
    local lab = seg.from_table({{1, 0, 2}, {1, 0, 2}}):to_labels()
    local out, kept = lab:filter(function(r) return r.label == 2 end)
    assert.are.equal(1, kept)
    assert.are.same({{0, 0, 2}, {0, 0, 2}}, out:to_table())
  end)
end)

describe("variation of information", function()
  it("is +0.0 for identical maps", function()
    local t = seg.from_table({{1, 1, 2}, {0, 2, 2}}):to_labels()
    local a, b = seg.vi(t, t)
    assert.are.equal("0.0", tostring(a))
    assert.are.equal("0.0", tostring(b))
  end)
end)

describe("masks from morphology", function()
  -- The element's only pixel lies below the anchor, so on a 1-row mask
  -- every window falls wholly outside the image.
  local below = seg.element{{0}, {0}, {1}}

  it("erosion of a mask holds 0 and 1 only", function()
    assert.are.equal(1, seg.mask(1, 1):erode(below):get(0, 0))
    assert.are.equal(1, seg.mask(3, 1):erode(below):max())
  end)

  it("every compound operation of a mask holds 0 and 1 only", function()
    for _, op in ipairs{"erode", "dilate", "open", "close", "gradient", "tophat", "blackhat"} do
      for _, fill in ipairs{0, 1} do
        local m = seg.mask(4, 1, fill)
        local r = m[op](m, below)
        assert.are.equal("Mask", seg.type(r))
        assert.is_true(r:max() <= 1, op .. " gave " .. r:max())
        assert.is_true((~r):max() <= 1 and (r | m):max() <= 1, op)
      end
    end
  end)

  it("a grayscale erosion keeps OpenCV's border value", function()
    -- cv2.erode of a 1x1 u8 image with this element gives 255
    assert.are.equal(255, seg.image(1, 1, 1, "u8", 7):erode(below):get(0, 0))
  end)
end)

describe("bilateral with a vanishing sigma", function()
  local t = {}
  for y = 1, 7 do t[y] = {} for x = 1, 7 do t[y][x] = (y * 7 + x) * 5 % 256 end end
  local img = seg.from_table(t):to("u8")

  it("gives the image back, as OpenCV does for any representable sigma", function()
    for _, s in ipairs{{2, 1e-300}, {1e-300, 2}, {1e-300, 1e-300}, {1e-20, 2}} do
      for _, dt in ipairs{"u8", "f32"} do
        local src = img:to(dt)
        local out = src:bilateral(3, s[1], s[2])
        assert.are.equal(src:data(), out:data(), dt .. " " .. s[1] .. " " .. s[2])
      end
    end
  end)
end)

describe("work bounded by the parameters, not the image", function()
  -- Each case ran for seconds to minutes on a handful of pixels: passing
  -- means finishing (busted has no timeout; the suite's run time shows it).

  it("multiotsu searches the occupied bins of a sparse u16 histogram", function()
    local im = seg.from_table({{0, 1}, {2, 65535}}):to("u16")
    local lab, t = im:multiotsu()
    assert.are.same({0, 2}, t)
    assert.are.same({{1, 2}, {2, 3}}, lab:to_table())
  end)

  it("multiotsu with 6 classes of 8 f32 pixels gives scikit-image's thresholds", function()
    -- skimage.filters.threshold_multiotsu(a, 6) on this float32 row
    local im = seg.from_table({{0.5, 1.5, 2.25, 3, 100, 7, 8, 9}}):to("f32")
    local _, t = im:multiotsu(6)
    local want = {1.4716797, 2.2490234, 3.0263672, 6.913086, 8.856445}
    for i = 1, 5 do assert.is_true(math.abs(t[i] - want[i]) < 1e-5, i .. ": " .. t[i]) end
  end)

  it("multiotsu refuses a search that cannot finish", function()
    local t = {}
    for y = 1, 16 do t[y] = {} for x = 1, 16 do t[y][x] = (x * 16 + y) * 251 % 65536 end end
    local im = seg.from_table(t):to("u16")
    assert.has_error(function() im:multiotsu(32) end,
      "multiotsu: too many classes for the image's distinct values (search too long)")
  end)

  it("the minimum method of a sparse u16 image fails as scikit-image does", function()
    local t = {}
    for y = 1, 16 do t[y] = {} for x = 1, 16 do t[y][x] = (x * 16 + y) * 251 % 65536 end end
    local im = seg.from_table(t):to("u16")
    assert.has_error(function() im:threshold("minimum") end)
    local all = seg.thresholds(im)
    assert.is_nil(all.minimum)
    assert.is_number(all.otsu)
  end)

  it("a Gaussian far wider than the image folds onto its rows", function()
    local im = seg.from_table({{1, 3}}):to("f32")
    local out = im:log(500)
    local a, b = out:get(0, 0), out:get(1, 0)
    -- the reflected row repeats with period 4: a Laplacian of Gaussian of
    -- sigma 500 flattens it to (nearly) 0
    assert.is_true(math.abs(a) < 1e-6 and math.abs(b) < 1e-6, a .. " " .. b)
    local g = seg.from_table({{10, 20, 30}, {40, 50, 60}}):to("f32"):gaussian(1000)
    assert.is_true(math.abs(g:get(0, 0) - 35) < 0.5)
  end)
end)

describe("fill_holes and remove_small on the components' runs", function()
  -- Reference answers by a plain flood fill in Lua.
  local function components(t, w, h, val, conn)
    local comp, sizes, border = {}, {}, {}
    local n = 0
    for y = 1, h do comp[y] = {} end
    for y = 1, h do
      for x = 1, w do
        if t[y][x] == val and not comp[y][x] then
          n = n + 1
          local stack, size, touches = {{x, y}}, 0, false
          comp[y][x] = n
          while #stack > 0 do
            local p = table.remove(stack)
            local px, py = p[1], p[2]
            size = size + 1
            if px == 1 or py == 1 or px == w or py == h then touches = true end
            for dy = -1, 1 do
              for dx = -1, 1 do
                local qx, qy = px + dx, py + dy
                if (dx ~= 0 or dy ~= 0) and (conn == 8 or dx == 0 or dy == 0)
                   and qx >= 1 and qy >= 1 and qx <= w and qy <= h
                   and t[qy][qx] == val and not comp[qy][qx] then
                  comp[qy][qx] = n
                  stack[#stack + 1] = {qx, qy}
                end
              end
            end
          end
          sizes[n], border[n] = size, touches
        end
      end
    end
    return comp, sizes, border
  end

  it("agree with a flood fill on random masks, on 1 and 4 threads", function()
    local old = seg.threads()
    math.randomseed(17)
    for _, threads in ipairs{1, 4} do
      seg.threads(threads)
      for _ = 1, 40 do
        local w, h = math.random(1, 40), math.random(1, 140)
        local p = math.random()
        local t = {}
        for y = 1, h do t[y] = {} for x = 1, w do t[y][x] = math.random() < p and 1 or 0 end end
        local m = seg.from_table(t):gt(0)
        local area = math.random(0, 10)
        local comp, sizes, border = components(t, w, h, 0, 4)
        local filled = m:fill_holes():to_table()
        for y = 1, h do for x = 1, w do
          local want = (t[y][x] == 1 or not border[comp[y][x]]) and 1 or 0
          assert.are.equal(want, filled[y][x])
        end end
        for _, conn in ipairs{4, 8} do
          local c1, s1 = components(t, w, h, 1, conn)
          local c0, s0 = components(t, w, h, 0, conn)
          local small = m:remove_small(area, conn):to_table()
          local holes = m:remove_small_holes(area, conn):to_table()
          for y = 1, h do for x = 1, w do
            local v = t[y][x]
            assert.are.equal((v == 1 and s1[c1[y][x]] >= area) and 1 or 0, small[y][x])
            assert.are.equal((v == 1 or s0[c0[y][x]] < area) and 1 or 0, holes[y][x])
          end end
        end
      end
    end
    seg.threads(old)
  end)
end)

describe("documentation examples", function()
  -- The first ```lua block after a heading, run with img = coins.png; saves
  -- are dropped and locals become globals of the chunk's environment so
  -- the spec can look at them.
  local function run_block(path, heading)
    local f = assert(io.open(path))
    local text = f:read("a")
    f:close()
    local at = assert(text:find(heading, 1, true), heading)
    local code = assert(text:match("```lua\n(.-)```", at))
    code = code:gsub(":save%b()", ""):gsub("local ", "")
    local env = setmetatable({seg = seg, img = assert(seg.load("examples/images/coins.png")),
                              print = function () end}, {__index = _G})
    assert(load(code, heading, "t", env))()
    return env
  end

  it("draw_boundaries runs as docs/draw.md shows it", function()
    local env = run_block("docs/draw.md", "## img:draw_boundaries")
    assert.are.equal("Labels", seg.type(env.regions))
  end)

  it("the contour levels of docs/label.md find contours on a u8 image", function()
    local env = run_block("docs/label.md", "## m:contours")
    assert.is_true(#env.iso > 0)
    assert.is_true(#env.iso01 > 0)
  end)
end)

describe("colours of labels far above the pixel count", function()
  -- A 2x1 map holding 5000 and 5001 takes the sparse path (values renumbered
  -- first); the same two labels inside a 50x50 map take the dense one. The
  -- colours (palette of the values, adjacency correction) must agree.
  local function maps(a, b)
    local small = seg.labels(2, 1)
    small:set(0, 0, a); small:set(1, 0, b)
    local big = seg.labels(50, 50)
    big:set(0, 0, a); big:set(1, 0, b)
    return small, big
  end

  it("colorize and overlay give a value the same colour either way", function()
    for _, pair in ipairs{{5000, 5001}, {5000, 0}, {2147483647, 7}} do
      local small, big = maps(pair[1], pair[2])
      local cs = small:colorize(3)
      local cb = big:colorize(3)
      for x = 0, 1 do
        assert.are.same({cb:get(x, 0)}, {cs:get(x, 0)})
      end
      local os_ = seg.image(2, 1, 1):overlay(small, {seed = 3, boundaries = true})
      local ob = seg.image(50, 50, 1):overlay(big, {seed = 3, boundaries = true})
      for x = 0, 1 do assert.are.same({ob:get(x, 0)}, {os_:get(x, 0)}) end
    end
  end)

  it("colorize of a 1x1 map holding 2^30 takes memory for one pixel", function()
    local lab = seg.labels(1, 1)
    lab:set(0, 0, 1 << 30)
    local out
    local grown = heap_growth(function() out = lab:colorize() end)
    assert.is_true(grown < 1024, ("colorize took %g KiB"):format(grown))
    assert.are.equal(3, out.channels)
  end)
end)

describe("label values a little above the pixel count", function()
  -- {4, 5} in a 1x2 map: above the pixel count, yet dense for seg_relabel;
  -- regions and filter once took the sparse path there and read label 0.
  local function map(a, b)
    return seg.from_data(string.pack("<i4i4", a, b), 1, 2, 1, "i32"):to_labels()
  end

  it("regions reports the values and filter keeps the chosen ones", function()
    for _, v in ipairs{{4, 5}, {9000, 5}, {2147483647, 3}} do
      local lab = map(v[1], v[2])
      local got = {}
      for _, r in ipairs(lab:regions()) do got[#got + 1] = r.label; assert.are.equal(1, r.area) end
      table.sort(got)
      assert.are.same({math.min(v[1], v[2]), math.max(v[1], v[2])}, got)
      local kept, n = lab:filter(function(r) return r.label == v[1] end)
      assert.are.equal(1, n)
      assert.are.same({{v[1]}, {0}}, kept:to_table())
    end
  end)
end)

-- Pictures: label colours, overlays and boundary marks. Peers: scikit-image
-- 0.19's mark_boundaries (mode 'outer') and a NumPy alpha blend, through
-- spec/refs/make_metrics_refs.py; the palette is checked for its promises
-- (touching regions of real labellings far apart in RGB).
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/metrics_refs.lua")
local D = ref.draw

local function load (name) return assert(seg.load(ref.dir .. name)) end
local function labels (name) return load(name):to_labels() end

local function same (want, got)
  local worst, differ = H.diff(want, got)
  assert.are.equal(0, differ, ("%d elements differ (worst %g)"):format(differ, worst))
end

-- Pairs of distinct labels > 0 that touch in the 8-neighbourhood.
local function touching (lab)
  local t, w, h = lab:to_table(), lab.width, lab.height
  local pairs_, list = {}, {}
  local function add (a, b)
    if a == b or a == 0 or b == 0 then return end
    if a > b then a, b = b, a end
    local k = a * 16777216 + b
    if not pairs_[k] then pairs_[k] = true; list[#list + 1] = {a, b} end
  end
  for y = 1, h do
    local r, d = t[y], t[y + 1]
    for x = 1, w do
      local a = r[x]
      if x < w then add(a, r[x + 1]) end
      if d then
        add(a, d[x])
        if x > 1 then add(a, d[x - 1]) end
        if x < w then add(a, d[x + 1]) end
      end
    end
  end
  return list
end

-- Colour of label id: the colour at one of its pixels.
local function colours (lab, rgb)
  local t, c = lab:to_table(), {}
  for y = 1, lab.height do
    for x = 1, lab.width do
      local id = t[y][x]
      if not c[id] then c[id] = {rgb:get(x - 1, y - 1)} end
    end
  end
  return c
end

local function dist (a, b)
  return math.sqrt((a[1] - b[1]) ^ 2 + (a[2] - b[2]) ^ 2 + (a[3] - b[3]) ^ 2)
end

describe("colorize", function()
  local function check (lab, seed)
    local rgb = lab:colorize(seed)
    assert.are.same({lab.width, lab.height, 3, "u8"}, {rgb.width, rgb.height, rgb.channels, rgb.dtype})
    local c = colours(lab, rgb)
    local worst = math.huge
    for _, p in ipairs(touching(lab)) do worst = math.min(worst, dist(c[p[1]], c[p[2]])) end
    return worst, c
  end

  it("keeps every pair of touching regions >= 40 apart in RGB on real labellings", function()
    local fz = (load(ref.felzenszwalb) + 1):to_labels()      -- 0 is a region there
    local raster = fz:label(4)                                 -- same regions, raster order
    for _, lab in ipairs{labels(ref.slic), fz, raster, labels("coins_otsu_lab.png")} do
      for _, seed in ipairs{0, 1, 12345} do
        local worst = check(lab, seed)
        assert.is_true(worst >= 40, ("touching regions %.1f apart"):format(worst))
      end
    end
  end)

  it("gives consecutive ids far-apart colours before any neighbour fix", function()
    local n = 3000
    local row = {}
    for i = 1, n do row[2 * i - 1] = i; row[2 * i] = 0 end   -- ids never touch
    local lab = seg.from_table({row}, "i32"):to_labels()
    local rgb = lab:colorize()
    local worst, distinct = math.huge, {}
    for i = 1, n - 1 do
      local a, b = {rgb:get(2 * i - 2, 0)}, {rgb:get(2 * i, 0)}
      worst = math.min(worst, dist(a, b))
      distinct[a[1] * 65536 + a[2] * 256 + a[3]] = true
    end
    assert.is_true(worst >= 40, ("consecutive ids %.1f apart"):format(worst))
    local count = 0
    for _ in pairs(distinct) do count = count + 1 end
    assert.is_true(count > 0.9 * (n - 1), count .. " distinct colours")
  end)

  it("paints background black, is deterministic and changes with the seed", function()
    local lab = labels(ref.slic)
    local z = seg.labels(4, 4)
    same(seg.image(4, 4, 3), z:colorize())
    same(lab:colorize(7), lab:colorize(7))
    local _, differ = H.diff(lab:colorize(7), lab:colorize(8))
    assert.is_true(differ > 0)
  end)

  it("gives the same colours on any thread count", function()
    local lab = labels(ref.slic)
    local old = seg.threads()
    seg.threads(1)
    local one = lab:colorize()
    seg.threads(5)
    same(one, lab:colorize())
    seg.threads(old)
  end)

  it("refuses non-Labels", function()
    assert.has_error(function() seg.image(2, 2):colorize() end)
  end)
end)

describe("overlay", function()
  local gray, m = load(D.gray), load(D.gray_mask):to_mask()

  it("blends a mask as NumPy does", function()
    same(load(D.overlay_mask), gray:overlay(m))
    local p = D.overlay_mask_03_params
    same(load(D.overlay_mask_03), gray:overlay(m, {alpha = p.alpha, color = p.color}))
  end)

  it("blends labels with their colorize colours", function()
    local lab = labels(D.gray_labels_bg)
    local out, col = gray:overlay(lab, {alpha = 0.25, seed = 3}), lab:colorize(3)
    local t = lab:to_table()
    for y = 0, lab.height - 1, 7 do
      for x = 0, lab.width - 1, 5 do
        local g = gray:get(x, y)
        local want = {g, g, g}
        if t[y + 1][x + 1] > 0 then
          local c = {col:get(x, y)}
          for k = 1, 3 do want[k] = math.floor(g * 0.75 + c[k] * 0.25 + 0.5) end
        end
        assert.are.same(want, {out:get(x, y)})
      end
    end
  end)

  it("promotes gray and scales u16, i32 and f32 inputs", function()
    local rgb = gray:rgb()
    same(gray:overlay(m), rgb:overlay(m))
    same(gray:overlay(m), (gray:to("u16") * 257):overlay(m))
    local f = gray:to("f32") / 255
    -- min..max stretch: equal to the u8 picture when the range is 0..255
    local lo, hi = gray:min(), gray:max()
    local stretched = ((gray:to("f32") - lo) * (255 / (hi - lo))):to("u8")
    same(stretched:overlay(m), f:overlay(m))
    same(stretched:overlay(m), gray:to("i32"):overlay(m))
    same(rgb, gray:overlay(m, {alpha = 0}))
  end)

  it("paints inner boundaries opaque with boundaries = true", function()
    local lab = labels(D.gray_labels_bg)
    local out, col = gray:overlay(lab, {boundaries = true}), lab:colorize()
    local inner, plain = lab:boundaries("inner"), gray:overlay(lab)
    local bt, n = inner:to_table(), 0
    for y = 0, lab.height - 1 do
      for x = 0, lab.width - 1 do
        if bt[y + 1][x + 1] == 1 then
          n = n + 1
          assert.are.same({col:get(x, y)}, {out:get(x, y)})
        elseif y % 3 == 0 then
          assert.are.same({plain:get(x, y)}, {out:get(x, y)})
        end
      end
    end
    assert.is_true(n > 100)
    local mo = gray:overlay(m, {boundaries = true, color = {0, 255, 0}})
    local mb = m:to_labels():boundaries("inner")
    local y, x = mb:bbox().y, nil
    -- the first boundary pixel in raster order is painted pure green
    local t = mb:to_table()
    for xx = 0, m.width - 1 do if t[y + 1][xx + 1] == 1 then x = xx break end end
    assert.are.same({0, 255, 0}, {mo:get(x, y)})
  end)

  it("names bad arguments", function()
    assert.has_error(function() gray:overlay(gray) end)
    assert.has_error(function() gray:overlay(seg.mask(3, 3)) end)
    assert.has_error(function() gray:overlay(m, {alpha = 2}) end,
      "bad argument #2 to 'overlay' (alpha must be in 0..1)")
    assert.has_error(function() gray:overlay(m, {color = {1, 2}}) end,
      "bad argument #2 to 'overlay' (color must be a table {r, g, b})")
    assert.has_error(function() gray:overlay(m, {color = {1, 2, 300}}) end,
      "bad argument #2 to 'overlay' (color components must be integers in 0..255)")
  end)
end)

describe("draw_boundaries", function()
  it("equals scikit-image's mark_boundaries (mode 'outer') on RGB and gray u8", function()
    same(load(D.mark_rgb), load(D.rgb):draw_boundaries(labels(D.rgb_labels)))
    same(load(D.mark_rgb_color), load(D.rgb):draw_boundaries(labels(D.rgb_labels), {255, 0, 128}))
    same(load(D.mark_gray), load(D.gray):draw_boundaries(labels(D.gray_labels)))
    same(load(D.mark_gray_bg), load(D.gray):draw_boundaries(labels(D.gray_labels_bg)))
  end)

  it("takes a Mask as a two-label map, and u16 images", function()
    local g, m = load(D.gray), load(D.gray_mask):to_mask()
    same(g:draw_boundaries(m:to_labels()), g:draw_boundaries(m))
    same(g:draw_boundaries(m), (g:to("u16") * 257):draw_boundaries(m))
  end)

  it("names bad arguments", function()
    local g = load(D.gray)
    assert.has_error(function() g:draw_boundaries(g) end)
    assert.has_error(function() g:draw_boundaries(seg.labels(2, 2)) end,
      "bad argument #1 to 'draw_boundaries' (size mismatch (2x2 vs 220x160))")
    assert.has_error(function() g:draw_boundaries(labels(D.gray_labels), {0, 0}) end,
      "bad argument #2 to 'draw_boundaries' (color must be a table {r, g, b})")
  end)
end)

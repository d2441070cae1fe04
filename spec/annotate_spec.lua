-- Drawing: draw_line, draw_rect, draw_circle, draw_text, seg.text_size.
-- Peers: skimage 0.19 (draw.line, draw.rectangle), OpenCV 4.6 (cv2.rectangle,
-- cv2.circle, thickness 1 and filled, LINE_8) and Pillow
-- (ImageDraw.rectangle width=), through the fixtures written by
-- spec/refs/make_annotate_refs.py, which also lists the operations replayed.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/annotate_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d elements differ (worst %g)"):format(what or "", differ, worst))
end

local camera = load(ref.inputs.camera)
local astro = load(ref.inputs.astro)

local function iou(a, b)
  return (a & b):count() / (a | b):count()
end

describe("draw_line", function()
  it("is skimage.draw.line pixel for pixel, clipped, on gray and RGB", function()
    for _, case in ipairs{{"lines_gray", camera}, {"lines_rgb", astro}} do
      local r, im = ref[case[1]], case[2]:clone()
      for _, o in ipairs(r.ops) do
        assert.are.equal(im, im:draw_line(o.x0, o.y0, o.x1, o.y1, o.color))
      end
      same(im, load(r.want), case[1])
    end
  end)

  it("clips far endpoints analytically", function()
    local im = seg.image(50, 40)
    im:draw_line(-2^30, -2^30, 2^30, 2^30, 7)
    for i = 0, 39 do assert.are.equal(7, im:get(i, i)) end
    assert.are.equal(40, im:eq(7):count())
    -- a line that never enters the image draws nothing
    im = seg.image(50, 40):draw_line(-2^30, 100, 2^30, 200, 9)
    assert.are.equal(0, im:eq(9):count())
    -- nearly horizontal, 2^31 steps long, crossing the image
    im = seg.image(50, 40):draw_line(-2^30, 10, 2^30, 30, 1)
    assert.are.equal(50, im:eq(1):count())
  end)

  it("draws thick lines as capsules: every pixel within thickness/2 of the segment", function()
    local im = seg.image(60, 40):draw_line(10, 20, 50, 20, 1, {thickness = 3})
    assert.are.equal(3 * 43, im:eq(1):count())   -- 3 rows, the caps 1.5 and 1.1 px out
    -- the same through the long double path (coordinates beyond 2^24)
    im = seg.image(60, 40):draw_line(-2^29, 20, 2^29, 20, 1, {thickness = 3})
    assert.are.equal(3 * 60, im:eq(1):count())
    im = seg.image(60, 40):draw_line(30, -2^30, 30, 2^30, 1, {thickness = 4})
    assert.are.equal(5 * 40, im:eq(1):count())
    im = seg.image(60, 60):draw_line(5, 7, 50, 41, 1, {thickness = 6})
    local t = im:to_table()
    local ax, ay, bx, by = 5, 7, 50, 41
    for y = 0, 59 do
      for x = 0, 59 do
        local ux, uy = bx - ax, by - ay
        local s = math.max(0, math.min(1, ((x - ax) * ux + (y - ay) * uy) / (ux * ux + uy * uy)))
        local dx, dy = x - ax - s * ux, y - ay - s * uy
        local want = dx * dx + dy * dy <= 9 + 1e-9 and 1 or 0
        assert.are.equal(want, t[y + 1][x + 1], ("pixel %d,%d"):format(x, y))
      end
    end
  end)

  it("overlaps cv2's thick LINE_8 lines (which are about 2 pixels fatter)", function()
    for _, o in ipairs(ref.thick) do
      local want = load(o.want):gt(0)
      local got = seg.image(want.width, want.height)
      if o.kind == "line" then got:draw_line(o.x0, o.y0, o.x1, o.y1, 1, {thickness = o.t})
      else got:draw_circle(o.cx, o.cy, o.r, 1, {thickness = o.t}) end
      got = got:gt(0)
      -- every pixel we draw, cv2 draws too; IoU measured 0.55-0.9 (thinner by design)
      assert.are.equal(0, (got & ~want):count(), o.want)
      assert.is_true(iou(got, want) > 0.5, o.want)
    end
  end)
end)

describe("draw_rect", function()
  it("matches skimage.draw.rectangle (fill), cv2.rectangle (outline) and Pillow (width)", function()
    for _, case in ipairs{{"rects_gray", camera}, {"rects_rgb", astro}} do
      local r, im = ref[case[1]], case[2]:clone()
      for i, o in ipairs(r.ops) do
        local opts = {fill = o.fill, thickness = o.thickness}
        if i % 2 == 0 then im:draw_rect(o.x, o.y, o.w, o.h, o.color, opts)
        else im:draw_rect({x = o.x, y = o.y, w = o.w, h = o.h}, o.color, opts) end
      end
      same(im, load(r.want), case[1])
    end
  end)

  it("takes a region's bbox", function()
    local m = seg.image(30, 20):draw_rect(4, 5, 10, 6, 1, {fill = true}):gt(0)
    local lab = m:label()
    local bb = lab:regions()[1].bbox
    local im = seg.image(30, 20):draw_rect(bb, 1, {fill = true})
    same(im:gt(0), m)
    assert.are.equal(0, seg.image(5, 5):draw_rect(1, 1, 0, 3, 9):eq(9):count())
  end)
end)

describe("draw_circle", function()
  it("is cv2.circle (thickness 1 and filled, LINE_8) pixel for pixel", function()
    for _, case in ipairs{{"circles_gray", camera}, {"circles_rgb", astro}} do
      local r, im = ref[case[1]], case[2]:clone()
      for _, o in ipairs(r.ops) do im:draw_circle(o.cx, o.cy, o.r, o.color, {fill = o.fill}) end
      same(im, load(r.want), case[1])
    end
  end)

  it("bounds work by the image for huge radii", function()
    local im = seg.image(40, 30):draw_circle(20, 2^30, 2^30 - 15, 1)
    assert.is_true(im:eq(1):count() >= 40)
    im = seg.image(40, 30):draw_circle(20, 15, 2^30, 1, {fill = true})
    assert.are.equal(1200, im:eq(1):count())
    im = seg.image(40, 30):draw_circle(20, 15, 2^30, 1, {thickness = 9})
    assert.are.equal(0, im:eq(1):count())
  end)
end)

describe("draw_text", function()
  it("renders the built-in 5x7 font, scaled, with background, clipped", function()
    local im = camera:clone()
    for _, o in ipairs(ref.text.ops) do
      im:draw_text(o.x, o.y, string.char(table.unpack(o.bytes)), o.color, {scale = o.scale, background = o.background})
    end
    same(im, load(ref.text.want), "text")
  end)

  it("measures text", function()
    assert.are.same({0, 0}, {seg.text_size("")})
    assert.are.same({18, 8}, {seg.text_size("abc")})
    assert.are.same({24, 32}, {seg.text_size("ab\nc", 2)})
    assert.are.same({6, 8}, {seg.text_size("\u{e9}")})   -- one code point, one '?'
  end)

  it("skips text far outside quickly", function()
    local im = seg.image(20, 10)
    im:draw_text(-2^30, 0, ("x"):rep(100000), 1, {scale = 4096})
    im:draw_text(0, 2^30, ("x\n"):rep(100000), 1)
    assert.are.equal(0, im:eq(1):count())
  end)
end)

describe("every kind and dtype", function()
  it("draws on u8, u16, f32 images of 1-4 channels, masks and labels", function()
    for _, dt in ipairs{"u8", "u16", "f32"} do
      for c = 1, 4 do
        local im = seg.image(12, 9, c, dt)
        local col = {}
        for i = 1, c do col[i] = i * 3 + 0.25 end
        im:draw_line(0, 0, 11, 8, col):draw_rect(1, 1, 4, 4, 7, {fill = true})
          :draw_circle(8, 4, 2, 5):draw_text(0, 1, "a", 9, {background = 1})
        local v = {im:get(11, 8)}
        for i = 1, c do
          assert.are.equal(dt == "f32" and i * 3 + 0.25 or i * 3, v[i], dt .. " " .. c)
        end
      end
    end
    local m = seg.mask(10, 10):draw_circle(5, 5, 3, 1, {fill = true})
    assert.are.equal("Mask", seg.type(m))
    assert.are.equal(29, m:count())
    local lab = seg.labels(10, 10):draw_rect(0, 0, 3, 3, 4, {fill = true})
      :draw_rect(5, 5, 3, 3, 7, {fill = true})
    assert.are.equal(7, lab:count())
    assert.are.equal(2, #lab:regions())
  end)

  it("never fails on tiny images", function()
    for _, s in ipairs{{1, 1}, {1, 7}, {7, 1}} do
      local im = seg.image(s[1], s[2])
      im:draw_line(-5, -5, 9, 9, 1):draw_line(0, 0, 0, 0, 2, {thickness = 5})
        :draw_rect(-1, -1, 3, 3, 3, {thickness = 2}):draw_circle(0, 0, 4, 4)
        :draw_circle(0, 0, 4, 5, {thickness = 3}):draw_circle(0, 0, 4, 6, {fill = true})
        :draw_text(0, 0, "Wq", 7, {scale = 3, background = 8})
    end
  end)
end)

describe("bad input", function()
  local im = seg.image(8, 8, 3)
  it("names the bad argument", function()
    assert.has_error(function() im:draw_line(0, 0, 1, 1, {1, 2}) end,
      "bad argument #5 to 'draw_line' (color has 2 values for 3 channels)")
    assert.has_error(function() im:draw_line(0, 0, 1, 1, 256) end,
      "bad argument #5 to 'draw_line' (color out of range for u8 (0..255))")
    assert.has_error(function() im:draw_line(0, 0, 1, 1, "red") end,
      "bad argument #5 to 'draw_line' (color must be a number or a table of numbers, got string)")
    assert.has_error(function() im:draw_line(0, 0, 1, 1, {1, "x", 3}) end,
      "bad argument #5 to 'draw_line' (color[2] must be a number)")
    assert.has_error(function() im:draw_line(0, 0, 1, 1, 0/0) end,
      "bad argument #5 to 'draw_line' (color is NaN)")
    assert.has_error(function() im:draw_line(0, 0, 1e300, 1, 1) end,
      "bad argument #3 to 'draw_line' (x1 must be within -2^30..2^30)")
    assert.has_error(function() im:draw_line(0, 0/0, 1, 1, 1) end,
      "bad argument #2 to 'draw_line' (y0 must be within -2^30..2^30)")
    assert.has_error(function() im:draw_line(0, 0, 1, 1, 1, {thickness = 0}) end,
      "bad argument #6 to 'draw_line' ('thickness' must be an integer in 1..2^30)")
    assert.has_error(function() im:draw_line(0, 0, 1, 1, 1, {thick = 2}) end,
      "bad argument #6 to 'draw_line' (unknown option 'thick'; valid: thickness)")
    assert.has_error(function() im:draw_line(0, 0, 1, 1) end,
      "bad argument #5 to 'draw_line' (value expected)")
    assert.has_error(function() im:draw_rect({x = 1, y = 1, w = 2}, 1) end,
      "bad argument #1 to 'draw_rect' (rectangle field 'h' must be a number)")
    assert.has_error(function() im:draw_rect(0, 0, -1, 2, 1) end,
      "bad argument #3 to 'draw_rect' (w must be in 0..2^31)")
    assert.has_error(function() im:draw_rect(0, 0, 2, 2, 1, {fil = true}) end,
      "bad argument #6 to 'draw_rect' (unknown option 'fil'; valid: fill, thickness)")
    assert.has_error(function() im:draw_circle(0, 0, -1, 1) end,
      "bad argument #3 to 'draw_circle' (r must be in 0..2^30)")
    assert.has_error(function() im:draw_text(0, 0, {}, 1) end)
    assert.has_error(function() im:draw_text(0, 0, "a", 1, {scale = 0}) end,
      "bad argument #5 to 'draw_text' ('scale' must be an integer in 1..4096)")
    assert.has_error(function() im:draw_text(0, 0, "a", 1, {background = "x"}) end,
      "bad argument #5 to 'draw_text' (background must be a number or a table of numbers, got string)")
    assert.has_error(function() seg.mask(4, 4):draw_line(0, 0, 1, 1, 2) end,
      "bad argument #5 to 'draw_line' (color out of range for a mask (0 or 1))")
    assert.has_error(function() seg.labels(4, 4):draw_line(0, 0, 1, 1, -1) end,
      "bad argument #5 to 'draw_line' (color out of range for labels (0..2^31-1))")
    assert.has_error(function() seg.image(4, 4, 1, "u16"):draw_line(0, 0, 1, 1, 70000) end,
      "bad argument #5 to 'draw_line' (color out of range for u16 (0..65535))")
    assert.has_error(function() seg.text_size("a", 0) end,
      "bad argument #2 to 'text_size' (scale must be in 1..4096)")
  end)

  it("refuses released images, also when an option releases them", function()
    local x = seg.image(4, 4)
    x:release()
    assert.has_error(function() x:draw_line(0, 0, 1, 1, 1) end)
    local y = seg.image(4, 4)
    local opts = setmetatable({}, {__index = function() y:release() end})
    assert.has_error(function() y:draw_circle(1, 1, 1, 1, opts) end)
    local z = seg.image(4, 4)
    local col = setmetatable({}, {__len = function() z:release(); return 1 end,
                                  __index = function() return 1 end})
    assert.has_error(function() z:draw_text(0, 0, "a", col) end)
  end)
end)

-- Graph cuts: seg.maxflow (Boykov-Kolmogorov on grids) against scipy's
-- exact maximum flows, img:graphcut (Boykov-Jolly) against ground truths
-- and by min-cut = max-flow energy equality, img:grabcut against OpenCV
-- 4.6's cv2.grabCut. Fixtures written by spec/refs/make_graphcut_refs.py.
local seg = require "seg"
local ref = dofile("spec/fixtures/graphcut_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local function raw(name, w, h, c)
  local f = assert(io.open(D .. name, "rb"))
  local s = f:read("a")
  f:close()
  -- u8 capacities, widened to f32 (from_data takes more than 4 channels in f32 only)
  local t = {s:byte(1, -1)}
  return seg.from_data(string.pack("=" .. ("f"):rep(#t), table.unpack(t)), w, h, c, "f32")
end
local function floats(img)
  return {string.unpack(("=" .. ("f"):rep(img.width * img.height * img.channels)), img:data())}
end
local function bytes(img) return {img:data():byte(1, -1)} end

local DX4, DY4 = {1, 0, -1, 0}, {0, 1, 0, -1}
local DX8, DY8 = {1, 0, 1, -1, -1, 0, -1, 1}, {0, 1, 1, 1, 0, -1, -1, -1}

-- Capacity of the cut 'side' (1 = source side) of the graph given as
-- seg.maxflow's arguments, computed here from the definition.
local function cut_value(source, sink, edges, side)
  local w, h, K = side.width, side.height, edges.channels
  local s = source.dtype == "f32" and floats(source) or bytes(source)
  local t = sink.dtype == "f32" and floats(sink) or bytes(sink)
  local e = edges.dtype == "f32" and floats(edges) or bytes(edges)
  local m = bytes(side)
  local dx, dy = K == 4 and DX4 or DX8, K == 4 and DY4 or DY8
  local cut = 0
  for y = 0, h - 1 do
    for x = 0, w - 1 do
      local p = y * w + x
      if m[p + 1] == 0 then cut = cut + s[p + 1]
      else
        cut = cut + t[p + 1]
        for k = 1, K do
          local xx, yy = x + dx[k], y + dy[k]
          if xx >= 0 and xx < w and yy >= 0 and yy < h and m[yy * w + xx + 1] == 0 then
            cut = cut + e[p * K + k]
          end
        end
      end
    end
  end
  return cut
end

local function near(a, b, rel)
  return math.abs(a - b) <= rel * math.max(1, math.abs(a), math.abs(b))
end

describe("seg.maxflow", function()
  it("finds scipy's exact maximum flow on random 4- and 8-connected grids", function()
    for _, g in ipairs(ref.graphs) do
      local s, t = raw(g.source, g.w, g.h, 1), raw(g.sink, g.w, g.h, 1)
      local e = raw(g.edges, g.w, g.h, g.k)
      local flow, side = seg.maxflow(s, t, e)
      assert.are.equal(g.flow, flow)
      assert.are.equal("Mask", seg.type(side))
      -- the cut it returns is a minimum cut: its capacity is the flow
      assert.are.equal(g.flow, cut_value(s, t, e, side))
      -- the terminal capacities may be any dtype
      assert.are.equal(g.flow, (seg.maxflow(s:to("u8"), t:to("u16"), e)))
    end
  end)

  it("handles single nodes and chains", function()
    local one = seg.image(1, 1, 1, "f32")
    local flow, side = seg.maxflow(one + 3, one + 5, seg.image(1, 1, 4, "f32", 7))
    assert.are.equal(3, flow)
    assert.are.equal(0, side:get(0, 0))   -- the sink arc has capacity left: sink side
    -- a 5x1 chain: source at the left end, sink at the right, bottleneck 2
    local src = seg.from_table{{9, 0, 0, 0, 0}}:to("f32")
    local snk = seg.from_table{{0, 0, 0, 0, 9}}:to("f32")
    local e = seg.image(5, 1, 4, "f32")
    for x = 0, 3 do e:set(x, 0, 5, 0, 0, 0) end   -- rightward arcs
    e:set(2, 0, 2, 0, 0, 0)
    local f, m = seg.maxflow(src, snk, e)
    assert.are.equal(2, f)
    assert.are.same({{1, 1, 1, 0, 0}}, m:to_table())
  end)
end)

describe("img:graphcut", function()
  local horse = ref.horse
  local himg, htruth, hseeds = load(horse.image), load(horse.truth):gt(0), load(horse.seeds)

  it("segments a colour image from scribbles (ground truth IoU >= 0.95)", function()
    local m, e = himg:graphcut(hseeds)
    assert.are.equal("Mask", seg.type(m))
    assert.is_true(seg.iou(m, htruth) >= 0.95, ("IoU %.4f"):format(seg.iou(m, htruth)))
    assert.is_true(e > 0)
    -- hard constraints hold at every seed
    assert.are.equal(hseeds:eq(1):count(), (m & hseeds:eq(1)):count())
    assert.are.equal(0, (m & hseeds:eq(2)):count())
  end)

  it("segments gray coins like scikit-image's watershed recipe (IoU >= 0.95)", function()
    local c = ref.coins
    local img, truth, seeds = load(c.image), load(c.truth):gt(0), load(c.seeds)
    local m = img:graphcut(seeds)
    assert.is_true(seg.iou(m, truth) >= 0.95, ("IoU %.4f"):format(seg.iou(m, truth)))
    local m4 = img:graphcut(seeds, {connectivity = 4})
    assert.is_true(seg.iou(m4, truth) >= 0.9, ("IoU %.4f"):format(seg.iou(m4, truth)))
    -- u16 pixels scaled by 257 are the same image to the model
    local m16 = (img:to("u16") * 257):graphcut(seeds)
    assert.are.equal(0, (m16 ~ m):count())
    -- seeds as Labels
    assert.are.equal(0, (img:graphcut(seeds:to_labels()) ~ m):count())
  end)

  it("returns the minimum energy: max-flow = min-cut on its own graph", function()
    for _, conn in ipairs{4, 8} do
      local img, sd = himg:crop(40, 30, 70, 50), hseeds:crop(40, 30, 70, 50)
      local opts = {connectivity = conn, lambda = 5}
      local m, energy = img:graphcut(sd, opts)
      local src, snk, edges = img:graphcut_graph(sd, opts)
      assert.are.equal(conn, edges.channels)
      local flow, side = seg.maxflow(src, snk, edges)
      assert.is_true(near(flow, energy, 1e-6))
      assert.are.equal(0, (side ~ m):count())
      local cut = cut_value(src, snk, edges, m)
      assert.is_true(near(cut, energy, 1e-5), ("cut %.6f energy %.6f"):format(cut, energy))
      -- no labelling in a neighbourhood of the optimum has lower energy
      for i = 0, 20 do
        local x, y = (i * 17) % 70, (i * 11) % 50
        local flip = m:clone()
        flip:set(x, y, 1 - m:get(x, y))
        assert.is_true(cut_value(src, snk, edges, flip) >= cut - 1e-3 * math.abs(cut))
      end
    end
  end)

  it("checks the data term against its definition at unknown pixels", function()
    local img, sd = himg:crop(40, 30, 70, 50), hseeds:crop(40, 30, 70, 50)
    local src, snk, edges = img:graphcut_graph(sd, {lambda = 3, sigma = 0.1, connectivity = 4})
    -- boundary term: lambda exp(-|Ip - Iq|^2 / (2 sigma^2)) with I in 0..1
    local x, y = 5, 7
    local d2 = 0
    for c = 1, 3 do d2 = d2 + ((img:get(x, y, c) - img:get(x + 1, y, c)) / 255) ^ 2 end
    assert.is_true(near(edges:get(x, y, 1), 3 * math.exp(-d2 / (2 * 0.01)), 1e-5))
    assert.is_true(near(edges:get(x + 1, y, 3), edges:get(x, y, 1), 0))
    -- terminal arcs: -ln P(I | seeds) of the other class are >= 0
    assert.is_true(src:min() >= 0 and snk:min() >= 0)
  end)
end)

describe("img:grabcut", function()
  local images = {}
  local function image(name)
    images[name] = images[name] or load(ref.images[name])
    return images[name]
  end

  it("agrees with OpenCV's cv2.grabCut from a rectangle (IoU >= 0.95)", function()
    for _, g in ipairs(ref.grabcut) do
      local img = image(g.image)
      local m, tri = img:grabcut(g.rect)
      local want = load(g.trimap)
      local wm = want:eq(1) | want:eq(3)
      local iou = seg.iou(m, wm)
      assert.is_true(iou >= 0.95, ("%s IoU %.4f"):format(g.image, iou))
      -- the trimap: GC_BGD outside the rectangle, as OpenCV's
      assert.are.equal(0, (tri:eq(0) ~ want:eq(0)):count())
      assert.are.equal(0, (m ~ (tri:eq(1) | tri:eq(3))):count())
    end
  end)

  it("agrees with OpenCV from a trimap and keeps its hard labels", function()
    local g = ref.grabcut_mask
    local img, init, want = image(g.image), load(g.init), load(g.trimap)
    local m, tri = img:grabcut(init, {iters = g.iters})
    local iou = seg.iou(m, want:eq(1) | want:eq(3))
    assert.is_true(iou >= 0.95, ("IoU %.4f"):format(iou))
    assert.are.equal(0, (tri:eq(0) ~ init:eq(0)):count())
    assert.are.equal(0, (tri:eq(1) ~ init:eq(1)):count())
  end)

  it("gives the same result on any number of threads", function()
    local g = ref.grabcut[1]
    local img = image(g.image)
    local n0 = seg.threads()
    seg.threads(1)
    local m1, t1 = img:grabcut(g.rect)
    seg.threads(2)
    local m2, t2 = img:grabcut(g.rect)
    seg.threads(4)
    local m4 = img:grabcut(g.rect)
    seg.threads(n0)
    assert.are.equal(m1:data(), m2:data())
    assert.are.equal(t1:data(), t2:data())
    assert.are.equal(m1:data(), m4:data())
  end)

  it("lowers the energy at every iteration and reports it", function()
    local g = ref.grabcut[3]
    local _, _, st = image(g.image):grabcut(g.rect, {iters = 4, stats = true})
    assert.are.equal(4, #st.flow)
    for i = 2, 4 do assert.is_true(st.flow[i] <= st.flow[i - 1] + 1e-3 * math.abs(st.flow[i - 1])) end
    assert.is_number(st.time_gmm)
    assert.is_number(st.time_cut)
  end)

  it("returns the rectangle for 0 iterations, and takes gray, u16, f32 and RGBA", function()
    local img = image("coffee")
    local r = {x = 30, y = 2, w = 140, h = 110}
    local m, tri = img:grabcut(r, {iters = 0})
    assert.are.equal(140 * 110, m:count())
    assert.are.equal(140 * 110, tri:eq(3):count())
    local m8 = img:grabcut(r, {iters = 2})
    local m16 = (img:to("u16") * 257):grabcut(r, {iters = 2})
    assert.are.equal(0, (m8 ~ m16):count())
    local mf = (img:to("f32") / 255):grabcut(r, {iters = 2})
    assert.is_true(seg.iou(mf, m8) >= 0.99)
    local rgba = seg.merge{img, seg.image(img.width, img.height, 1, "u8", 255)}
    assert.are.equal(0, (rgba:grabcut(r, {iters = 2}) ~ m8):count())
    local mg = img:gray():grabcut(r, {iters = 2})
    assert.are.equal(img.width, mg.width)
    local m4 = img:grabcut(r, {iters = 2, connectivity = 4, components = 3})
    assert.is_true(seg.iou(m4, m8) >= 0.8)
    -- a rectangle hanging over the border is clipped as OpenCV's
    -- initMaskWithRect does: x, y raised to 0, width and height kept
    local mc, tc = img:grabcut({x = -10, y = -10, w = 60, h = 60}, {iters = 0})
    assert.are.equal(60 * 60, tc:eq(3):count())
    assert.are.equal(60 * 60, mc:count())
    assert.are.equal(20 * 60, select(2, img:grabcut({x = 220, y = 100, w = 60, h = 90}, {iters = 0})):eq(3):count())
  end)
end)

describe("graph cuts reject bad input", function()
  local img = seg.image(8, 6, 3)
  local seeds = seg.image(8, 6, 1)
  seeds:set(0, 0, 1)
  seeds:set(7, 5, 2)
  local rect = {x = 2, y = 2, w = 3, h = 3}
  local f1 = seg.image(8, 6, 1, "f32")

  it("names the argument", function()
    assert.has_error(function() seg.maxflow(f1, f1) end)
    assert.has_error(function() seg.maxflow(f1, seg.image(7, 6, 1, "f32"), seg.image(8, 6, 4, "f32")) end)
    assert.has_error(function() seg.maxflow(f1, f1, seg.image(8, 6, 3, "f32")) end,
      "bad argument #3 to 'maxflow' (4 or 8 channels expected)")
    assert.has_error(function() seg.maxflow(f1 - 1, f1, seg.image(8, 6, 4, "f32")) end,
      "bad argument #1 to 'maxflow' (capacities must be in 0..1e12)")
    assert.has_error(function() seg.maxflow(f1, f1, seg.image(8, 6, 4, "f32") / 0) end)
    assert.has_error(function() seg.maxflow(f1 + 1e13, f1, seg.image(8, 6, 4, "f32")) end)
    assert.has_error(function() img:graphcut() end)
    assert.has_error(function() img:graphcut(seg.image(7, 6, 1)) end)
    assert.has_error(function() img:graphcut(seeds, {lamda = 1}) end,
      "bad argument #2 to 'graphcut' (unknown option 'lamda'; valid: lambda, sigma, connectivity, bins)")
    assert.has_error(function() img:graphcut(seeds, {connectivity = 6}) end)
    assert.has_error(function() img:graphcut(seeds, {lambda = -1}) end)
    assert.has_error(function() img:graphcut(seeds, {bins = 1}) end)
    assert.has_error(function() img:graphcut(seeds:to("f32")) end,
      "bad argument #1 to 'graphcut' (seeds must be a Labels or a one-channel integer image)")
    assert.has_error(function() img:graphcut(seg.image(8, 6, 1)) end,
      "bad argument #1 to 'graphcut' (no seeds (1 = foreground, 2 = background))")
    local onlyfg = seg.image(8, 6, 1)
    onlyfg:set(1, 1, 1)
    assert.has_error(function() img:graphcut(onlyfg) end,
      "bad argument #1 to 'graphcut' (no background pixel)")
    assert.has_error(function() img:to("i32"):graphcut(seeds) end)
    assert.has_error(function() img:grabcut() end)
    assert.has_error(function() img:grabcut(5) end)
    assert.has_error(function() img:grabcut({x = 1, y = 1, w = 2}) end,
      "bad argument #1 to 'grabcut' (rectangle field 'h' must be an integer)")
    assert.has_error(function() img:grabcut(rect, {iter = 2}) end)
    assert.has_error(function() img:grabcut(rect, {iters = -1}) end)
    assert.has_error(function() img:grabcut(rect, {iters = 1000}) end)
    assert.has_error(function() img:grabcut(rect, {components = 0}) end)
    assert.has_error(function() img:grabcut(rect, {components = 17}) end)
    assert.has_error(function() img:grabcut(rect, {gamma = 0}) end)
    assert.has_error(function() img:grabcut(rect, {connectivity = 5}) end)
    assert.has_error(function() img:grabcut({x = 0, y = 0, w = 8, h = 6}) end,
      "bad argument #1 to 'grabcut' (no (probable) background pixel)")
    assert.has_error(function() img:grabcut({x = 3, y = 3, w = 0, h = 2}) end,
      "bad argument #1 to 'grabcut' (no (probable) foreground pixel)")
    assert.has_error(function() img:grabcut(seg.image(8, 6, 1, "u8", 4)) end,
      "bad argument #1 to 'grabcut' (trimap values must be 0, 1, 2 or 3)")
    assert.has_error(function() img:grabcut(seg.image(8, 5, 1)) end)
    assert.has_error(function() img:grabcut(seg.image(8, 6, 1, "f32")) end)
    assert.has_error(function() img:to("i32"):grabcut(rect) end)
  end)

  it("refuses released objects", function()
    local a = seg.image(8, 6, 3)
    local s = seeds:clone()
    s:release()
    assert.has_error(function() a:graphcut(s) end)
    local t = seg.image(8, 6, 1, "u8", 2)
    t:release()
    assert.has_error(function() a:grabcut(t) end)
    a:release()
    assert.has_error(function() a:grabcut(rect) end)
  end)

  it("survives NaN and infinite pixels", function()
    local im = seg.image(8, 6, 3, "f32", 0.5)
    im:set(1, 1, 0 / 0, 1 / 0, -1 / 0)
    im:set(5, 3, 1 / 0, 1 / 0, 1 / 0)
    local m = im:graphcut(seeds)
    assert.are.equal(1, m:get(0, 0))
    local g = im:grabcut(rect, {iters = 2})
    assert.are.equal(8, g.width)
  end)

  it("survives tiny images", function()
    for _, wh in ipairs{{1, 1}, {1, 7}, {7, 1}, {2, 2}} do
      local w, h = wh[1], wh[2]
      local im = seg.image(w, h, 3, "u8", 9)
      local sd = seg.image(w, h, 1)
      sd:set(0, 0, 1)
      if w * h > 1 then sd:set(w - 1, h - 1, 2) end
      if w * h > 1 then
        local m = im:graphcut(sd)
        assert.are.equal(1, m:get(0, 0))
        local tri = seg.image(w, h, 1, "u8", 2)
        tri:set(0, 0, 3)
        local gm = im:grabcut(tri, {iters = 3})
        assert.are.equal(w, gm.width)
      else
        assert.has_error(function() im:graphcut(sd) end)
        assert.has_error(function() im:grabcut({x = 0, y = 0, w = 1, h = 1}) end)
      end
      local f = seg.maxflow(seg.image(w, h, 1, "f32", 1), seg.image(w, h, 1, "f32", 2),
                            seg.image(w, h, 8, "f32", 1))
      assert.are.equal(w * h, f)
    end
  end)
end)

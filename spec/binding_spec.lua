-- Binding conventions under hostile and careless use: multiple results
-- passed on, tables whose __index answers differently on every read, and
-- option tables (or callbacks) that release an image the binding already
-- checked. Nothing may crash; each misuse raises an error naming the
-- argument, and each table element is read once.
local seg = require "seg"
require "spec.helper"

local coins = assert(seg.load("examples/images/coins.png")):gray()
local g = coins:crop(40, 60, 64, 48)

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

-- An options table whose every read first releases 'victim'.
local function releasing(victim, fields)
  return setmetatable({}, {__index = function(_, k)
    victim:release()
    return fields and fields[k]
  end})
end

-- A proxy array answering first[i] on the first read of i and second[i]
-- on every later one.
local function flipping(first, second)
  local seen = {}
  return setmetatable({}, {
    __len = function() return #first end,
    __index = function(_, i)
      if seen[i] then return second[i] end
      seen[i] = true
      return first[i]
    end})
end

describe("multiple results passed on", function()
  local m = g:gt(120)

  it("say what happened when a label count lands in the next parameter", function()
    local hint = "got number; did you pass both results of label()? " ..
                 "keep one with parentheses: (m:label()))"
    assert.has_error(function() return g:overlay(m:label()) end,
      "bad argument #2 to 'overlay' (table expected, " .. hint)
    -- only the last call of an argument list expands: iou(lab_a, lab_b, n_b)
    local _, n = m:label()
    for f, call in pairs{
      iou = function() return seg.iou(m:label(), m:label()) end,
      dice = function() return seg.dice(m:label(), m:label()) end,
      confusion = function() return seg.confusion(m:label(), m:label()) end,
      mean_iou = function() return seg.mean_iou(m:label(), m:label()) end} do
      local err = err_of(call)
      local want = ("bad argument #3 to '%s' %%(%%d+ pixels outside classes 0..%d; is %d the " ..
        "count label%%(%%) returned with argument #2%%? keep one result with parentheses: " ..
        "%%(m:label%%(%%)%%)%%)$"):format(f, n - 1, n)
      assert(err:find(want), err)
    end
    local err = err_of(function() return seg.iou(m, seg.labels(64, 48):label()) end)
    assert(err:find("#3 to 'iou' (classes must be in 1..1024; is 0 the count label() returned", 1, true), err)
    err = err_of(function() return seg.iou(m, m, 0) end)
    assert(err:find("#3 to 'iou' (classes must be in 1..1024)", 1, true), err)
    assert.has_error(function() return g:regions(m:label()) end)   -- Image has no regions
    assert.has_error(function() local lab = m:label(); return lab:regions(m:label()) end,
      "bad argument #2 to 'regions' (table expected, " .. hint)
  end)

  it("work once parenthesised", function()
    local lab = (m:label())
    assert.are.equal(g:overlay(lab):data(), g:overlay((m:label())):data())
    assert.are.equal(1, seg.iou((m:label()), (m:label())))
  end)

  it("keep the plain messages for other numbers", function()
    assert.has_error(function() return seg.iou(m, 3) end,
      "bad argument #2 to 'iou' (seg.Image expected, got number)")
    assert.has_error(function() return g:overlay(m, 3) end,
      "bad argument #2 to 'overlay' (table expected, got number)")
  end)
end)

describe("lab:filter", function()
  it("runs without an options table (the example of docs/label.md)", function()
    local lab = coins:gt(100):label()
    local big = {}
    for _, r in ipairs(lab:regions()) do if r.area > 50 then big[r.label] = true end end
    local kept, n = lab:filter(function(r) return r.area > 50 end)
    local want = 0
    for _ in pairs(big) do want = want + 1 end
    assert.are.equal(want, n)
    assert(want > 0 and want < lab:count())
    for _, r in ipairs(kept:regions()) do assert(big[r.label], "label " .. r.label) end
    local seq, k = lab:filter(function(r) return r.area > 50 end):relabel()
    assert.are.equal(want, k)
    assert.are.equal(want, seq:count())
  end)

  it("keeps label values above the pixel count without taking memory for them", function()
    local lab = seg.from_table({{2147483647, 0}, {0, 5}}):to_labels()
    local before = collectgarbage("count")
    local kept, n = lab:filter(function(r) return r.label == 2147483647 end)
    assert(collectgarbage("count") - before < 1024, "took memory by label value")
    assert.are.equal(1, n)
    assert.are.same({{2147483647, 0}, {0, 0}}, kept:to_table())
  end)

  it("raises when the callback releases the labels", function()
    local lab = coins:gt(100):label()
    local err = err_of(lab.filter, lab, function() lab:release() return true end)
    assert(err:find("labels have been released", 1, true), err)
  end)
end)

describe("tables read once", function()
  local a, b, c = g, g:box(1), g:median(1)
  local rgb = seg.merge{a, b, c}

  it("seg.merge uses the first answer of each element", function()
    local t = flipping({a, b}, {rgb, rgb})
    local out = seg.merge(t)
    assert.are.equal(2, out.channels)
    assert.are.equal(seg.merge{a, b}:data(), out:data())
    out = seg.merge(flipping({a, rgb}, {}))         -- nil on every second read
    assert.are.equal(4, out.channels)
    assert.are.equal(seg.merge{a, rgb}:data(), out:data())
  end)

  it("seg.from_table uses the first answer of each row and value", function()
    local rows = flipping(
      {flipping({1, 2, 3}, {9, 9, 9, 9}), flipping({4, 5, 6}, {})},
      {{1000, 2000}, {}})
    local im = seg.from_table(rows)
    assert.are.same({{1, 2, 3}, {4, 5, 6}}, im:to_table())
    assert.are.equal("u8", im.dtype)
    local px = flipping({flipping({{1, 2}, {3, 4}}, {{1, 2, 3}, {}})}, {})
    im = seg.from_table(px)
    assert.are.same({{{1, 2}, {3, 4}}}, im:to_table())
  end)

  it("seg.element uses the first answer of each row", function()
    local se = seg.element(flipping({{1, 0, 1}, {0, 1, 0}}, {{1}, {1, 1, 1, 1, 1}}))
    assert.are.same({{1, 0, 1}, {0, 1, 0}}, se:to_table())
    se = seg.element(flipping({{1, 1}}, {}))
    assert.are.same({{1, 1}}, se:to_table())
  end)

  it("refuses what the first read gives wrong, whatever the second says", function()
    assert.has_error(function() seg.merge(flipping({a, 5}, {a, a})) end,
      "bad argument #1 to 'merge' (table of images expected)")
    assert.has_error(function() seg.from_table(flipping({{1}, 5}, {{1}, {1}})) end,
      "bad argument #1 to 'from_table' (row is not a table)")
  end)
end)

describe("options that release an image after it was checked", function()
  it("raise instead of using the released pixels", function()
    local cases = {
      {"regions", "image has been released", function()
        local lab, inten = g:gt(120):label(), g:clone()
        return lab:regions(inten, releasing(inten))
      end},
      {"regions", "labels have been released", function()
        local lab = g:gt(120):label()
        return lab:regions(releasing(lab))
      end},
      {"adapted_rand", "image has been released", function()
        local x, y = g:gt(100):label(), g:gt(120):label()
        return seg.adapted_rand(x, y, releasing(x))
      end},
      {"vi", "image has been released", function()
        local x, y = g:gt(100):label(), g:gt(120):label()
        return seg.vi(x, y, releasing(y))
      end},
      {"peaks", "image has been released", function()
        local x = g:clone()
        return x:peaks(releasing(x, {min_distance = 2}))
      end},
      {"contours", "image has been released", function()
        local x = g:clone()
        return x:contours(releasing(x))
      end},
      {"label", "image has been released", function()
        local x = g:clone()
        return x:label(8, releasing(x))
      end},
      {"canny", "image has been released", function()
        local x = g:clone()
        return x:canny(releasing(x))
      end},
      {"threshold", "image has been released", function()
        local x = g:clone()
        return x:threshold("sauvola", releasing(x, {window = 5}))
      end},
      {"threshold", "image has been released", function()
        local x = g:clone()
        return x:threshold(100, releasing(x))
      end},
      {"gaussian", "image has been released", function()
        local x = g:clone()
        return x:gaussian(1, releasing(x))
      end},
      {"erode", "image has been released", function()
        local x = g:clone()
        return x:erode(1, releasing(x))
      end},
      {"erode", "radius or structuring element expected", function()
        local se = seg.disk(1)
        return g:erode(se, releasing(se))
      end},
      {"add", "image has been released", function()
        local x = g:clone()
        return x:add(1, releasing(x))
      end},
      {"mul", "image has been released", function()
        local x = seg.merge{g, g, g}
        return x:mul(setmetatable({}, {__len = function() return 3 end,
          __index = function() x:release() return 2 end}))
      end},
      {"gt", "image has been released", function()
        local x = g:clone()
        return x:gt(x:clone(), releasing(x))
      end},
      {"to", "image has been released", function()
        local x = g:clone()
        return x:to("f32", releasing(x))
      end},
      {"overlay", "image has been released", function()
        local x = g:clone()
        return x:overlay(g:gt(100), releasing(x))
      end},
      {"overlay", "seg.Mask or seg.Labels expected", function()
        local lab = g:gt(100):label()
        return g:overlay(lab, releasing(lab))
      end},
      {"draw_boundaries", "image has been released", function()
        local x = g:clone()
        return x:draw_boundaries(g:gt(100):label(), setmetatable({}, {
          __len = function() return 3 end,
          __index = function() x:release() return 0 end}))
      end},
      {"distance", "mask has been released", function()
        local x = g:gt(100)
        return x:distance(releasing(x))
      end},
      {"canny", "'out' has been released", function()
        local o = seg.mask(g.width, g.height)
        return g:canny(setmetatable({}, {__index = function(_, k)
          if k == "out" then return o end
          o:release()
        end}))
      end},
    }
    for _, c in ipairs(cases) do
      local err = err_of(c[3])
      assert(err:find(("'%s'"):format(c[1]), 1, true) and err:find(c[2], 1, true),
        c[1] .. ": " .. err)
    end
  end)

  it("read options served by __index normally when nothing is released", function()
    local x = g:clone()
    local o = setmetatable({}, {__index = function(_, k)
      return ({window = 7, k = 0.3})[k] end})
    assert.are.equal(x:threshold("sauvola", {window = 7, k = 0.3}):data(),
      x:threshold("sauvola", o):data())
  end)
end)

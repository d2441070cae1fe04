-- Options tables: every function that takes one refuses a key it does not
-- know, naming the key and the valid ones (a misspelt option must never run
-- with the default). One row per function and form; the list is the
-- inventory of option tables in src/lua (I/O and seg.limits are checked in
-- their own specs).
local seg = require "seg"
require "spec.helper"

local g = seg.from_table{
  {10, 20, 30, 40, 50, 60}, {15, 25, 200, 210, 55, 65}, {12, 22, 205, 215, 52, 62},
  {11, 21, 31, 41, 51, 61}, {90, 91, 92, 93, 94, 95}, {5, 6, 7, 8, 9, 10}}
local rgb = g:rgb()
local m = g:gt(100)
local lab = m:label()

-- { name in messages, call with the options table o, valid keys }
local rows = {
  {"threshold", function(o) return g:threshold(128, o) end, "out"},
  {"threshold", function(o) return g:threshold("otsu", o) end, "out"},
  {"threshold", function(o) return g:threshold("sauvola", o) end,
    "window, k, r, offset, values, out"},
  {"threshold", function(o) return g:threshold("adaptive_mean", o) end,
    "window, k, r, offset, values, out"},
  {"add", function(o) return g:add(1, o) end, "out"},
  {"sub", function(o) return g:sub(g, o) end, "out"},
  {"mul", function(o) return g:mul({2}, o) end, "out"},
  {"div", function(o) return g:div(2, o) end, "out"},
  {"gt", function(o) return g:gt(1, o) end, "out"},
  {"ge", function(o) return g:ge(g, o) end, "out"},
  {"lt", function(o) return g:lt(1, o) end, "out"},
  {"le", function(o) return g:le(1, o) end, "out"},
  {"eq", function(o) return g:eq(1, o) end, "out"},
  {"ne", function(o) return g:ne(1, o) end, "out"},
  {"inrange", function(o) return g:inrange(1, 2, o) end, "out"},
  {"to_mask", function(o) return g:to_mask(o) end, "out"},
  {"band", function(o) return m:band(m, o) end, "out"},
  {"bor", function(o) return m:bor(m, o) end, "out"},
  {"bxor", function(o) return m:bxor(m, o) end, "out"},
  {"bnot", function(o) return m:bnot(o) end, "out"},
  {"to", function(o) return g:to("f32", o) end, "out"},
  {"to", function(o) return g:to("f32", 2, o) end, "out"},
  {"gray", function(o) return rgb:gray(o) end, "out"},
  {"rgb", function(o) return g:rgb(o) end, "out"},
  {"channel", function(o) return rgb:channel(2, o) end, "out"},
  {"gaussian", function(o) return g:gaussian(1, o) end, "border, out"},
  {"box", function(o) return g:box(1, o) end, "out"},
  {"median", function(o) return g:median(1, o) end, "out"},
  {"bilateral", function(o) return g:bilateral(3, 10, 10, o) end, "out"},
  {"sobel", function(o) return g:sobel(o) end, "out"},
  {"sobel", function(o) return g:sobel("x", o) end, "out"},
  {"scharr", function(o) return g:scharr("y", o) end, "out"},
  {"prewitt", function(o) return g:prewitt(o) end, "out"},
  {"laplacian", function(o) return g:laplacian(3, o) end, "out"},
  {"laplacian", function(o) return g:laplacian(o) end, "out"},
  {"log", function(o) return g:log(1, o) end, "out"},
  {"dog", function(o) return g:dog(1, o) end, "out"},
  {"dog", function(o) return g:dog(1, 2, o) end, "out"},
  {"canny", function(o) return g:canny(o) end, "sigma, low, high, out"},
  {"erode", function(o) return g:erode(1, o) end, "out"},
  {"dilate", function(o) return m:dilate(seg.rect(3, 3), o) end, "out"},
  {"open", function(o) return g:open(1, o) end, "out"},
  {"close", function(o) return g:close(1, o) end, "out"},
  {"gradient", function(o) return g:gradient(1, o) end, "out"},
  {"tophat", function(o) return g:tophat(1, o) end, "out"},
  {"blackhat", function(o) return g:blackhat(1, o) end, "out"},
  {"distance", function(o) return m:distance("euclidean", o) end, "indices"},
  {"distance", function(o) return m:distance(o) end, "indices"},
  {"peaks", function(o) return g:peaks(o) end,
    "min_distance, threshold, threshold_rel, exclude_border"},
  {"label", function(o) return g:label(8, o) end, "background"},
  {"label", function(o) return g:label(o) end, "background"},
  {"label", function(o) return m:label(8, o) end, "background"},
  {"regions", function(o) return lab:regions(o) end, "properties"},
  {"regions", function(o) return lab:regions(g, o) end, "properties"},
  {"filter", function(o) return lab:filter(function() return true end, o) end, "properties"},
  {"contours", function(o) return m:contours(o) end, "fully_connected, positive_orientation"},
  {"contours", function(o) return g:contours(100, o) end, "fully_connected, positive_orientation"},
  {"contours", function(o) return g:contours(o) end, "fully_connected, positive_orientation"},
  {"overlay", function(o) return g:overlay(lab, o) end, "alpha, color, boundaries, seed"},
  {"overlay", function(o) return rgb:overlay(m, o) end, "alpha, color, boundaries, seed"},
  {"adapted_rand", function(o) return seg.adapted_rand(lab, lab, o) end, "ignore"},
  {"vi", function(o) return seg.vi(lab, lab, o) end, "ignore"},
}

local function message(f, o)
  local ok, err = pcall(f, o)
  assert(not ok, "expected an error")
  return err
end

describe("options tables", function()
  it("run with every valid key absent (the calls themselves are right)", function()
    for _, r in ipairs(rows) do
      local ok, err = pcall(r[2], {})
      assert(ok, r[1] .. ": " .. tostring(err))
      ok, err = pcall(r[2], nil)
      assert(ok, r[1] .. " without options: " .. tostring(err))
    end
  end)

  it("refuse an unknown key, naming it and listing the valid ones", function()
    for _, r in ipairs(rows) do
      local err = message(r[2], {zzz = 1})
      local want = ("to '%s' (unknown option 'zzz'; valid: %s)"):format(r[1], r[3])
      assert(err:find(want, 1, true), ("%s: got %q, want %q"):format(r[1], err, want))
      assert(err:find("^[^:]*:%d+: bad argument #%d+ to"), err)
    end
  end)

  it("refuse a misspelt key next to right ones", function()
    assert.has_error(function() g:canny{lo = 1} end,
      "bad argument #1 to 'canny' (unknown option 'lo'; valid: sigma, low, high, out)")
    assert.has_error(function() g:threshold("sauvola", {windw = 25}) end,
      "bad argument #2 to 'threshold' (unknown option 'windw'; " ..
      "valid: window, k, r, offset, values, out)")
    assert.has_error(function() g:gaussian(1, {border = "reflect", boder = 1}) end,
      "bad argument #2 to 'gaussian' (unknown option 'boder'; valid: border, out)")
  end)

  it("refuse keys that are not names", function()
    for _, r in ipairs(rows) do
      local err = message(r[2], {1})
      assert(err:find("option names must be strings, got number; valid: " .. r[3], 1, true),
        r[1] .. ": " .. err)
      err = message(r[2], {[true] = 1})
      assert(err:find("option names must be strings, got boolean", 1, true), r[1] .. ": " .. err)
    end
  end)

  it("refuse a non-table where the options go", function()
    assert.has_error(function() g:canny(5) end,
      "bad argument #1 to 'canny' (table expected, got number)")
    assert.has_error(function() g:erode(1, "out") end,
      "bad argument #2 to 'erode' (table expected, got string)")
  end)

  it("read keys a metatable serves (only the table's own keys are checked)", function()
    local defaults = setmetatable({}, {__index = {low = 10, high = 20}})
    local a = g:canny(defaults)
    local b = g:canny{low = 10, high = 20}
    assert.are.equal(b:data(), a:data())
  end)
end)

-- Robustness: every method of every kind, called on tiny and degenerate
-- images of every dtype with a spread of plausible and implausible
-- arguments, either works or raises a Lua error. It never crashes, and
-- under the sanitizer build (make test-asan) never reads or writes out of
-- bounds. Slow operators are covered by their own specs; this one is about
-- edges: 1-pixel images, 1-row/1-column images, odd arguments.
local seg = require "seg"

local reg = debug.getregistry()
local function method_names(kind)
  local names, seen = {}, {}
  local t = reg["seg.methods." .. kind]
  while t do
    for k, v in pairs(t) do
      if type(v) == "function" and not seen[k] then seen[k] = true; names[#names + 1] = k end
    end
    local mt = getmetatable(t)
    t = mt and mt.__index
  end
  table.sort(names)
  return names
end

local function objects()
  local list = {}
  for _, size in ipairs{{1, 1}, {3, 1}, {1, 4}, {5, 3}} do
    local w, h = size[1], size[2]
    for _, t in ipairs{"u8", "u16", "i32", "f32"} do
      for _, c in ipairs{1, 3} do
        local im = seg.image(w, h, c, t, 7)
        if w * h > 1 then im:set(0, 0, 200) end
        list[#list + 1] = im
      end
    end
    local m = seg.mask(w, h); m:set(0, 0, 1)
    list[#list + 1] = m
    local l = seg.labels(w, h); l:set(w - 1, h - 1, 2)
    list[#list + 1] = l
  end
  return list
end

local args = {
  {}, {0}, {1}, {2}, {-1}, {0.5}, {1e9}, {"x"}, {"otsu"}, {"sauvola"}, {"bilinear"},
  {2, 2}, {1, 1}, {0, 0}, {{}}, {{1, 2, 3}}, {{window = 3}}, {{window = 1000}},
  {{sigma = 1}}, {{min_distance = 1}}, {{properties = {"area"}}}, {1, 2, 3},
  {0, 0, 1, 1}, {seg.disk(1)}, {seg.rect(2, 3)},
}

-- Methods whose cost grows with an argument taken from this list without
-- bound (1e9) are fed bounded arguments only.
local unbounded = {expand = true, dilate = true, erode = true, open = true, close = true,
  gradient = true, tophat = true, blackhat = true, box = true, median = true,
  gaussian = true, bilateral = true, log = true, dog = true, remove_small = true,
  remove_small_holes = true, resize = true, histogram = true, multiotsu = true}

describe("robustness", function()
  it("every method on degenerate images either works or raises", function()
    local calls, ok_calls = 0, 0
    for _, obj in ipairs(objects()) do
      for _, name in ipairs(method_names(seg.type(obj))) do
        if name ~= "release" then
          for _, a in ipairs(args) do
            local big = false
            for _, v in ipairs(a) do if v == 1e9 then big = true end end
            if not (big and unbounded[name]) then
              local f = obj[name]
              local ok = pcall(f, obj, table.unpack(a))
              calls = calls + 1
              if ok then ok_calls = ok_calls + 1 end
            end
          end
        end
      end
    end
    assert.is_true(calls > 1000)
    assert.is_true(ok_calls > 100)
  end)

  it("module functions survive wrong arguments", function()
    local im = seg.image(2, 2)
    local threads, limits = seg.threads(), seg.limits()
    for _, f in pairs(seg) do
      if type(f) == "function" then
        for _, a in ipairs{{}, {im}, {im, im}, {1, 1}, {"x"}, {{}}, {im, im, 2}, {-1, -1}} do
          pcall(f, table.unpack(a))
        end
      end
    end
    seg.threads(threads)
    seg.limits(limits)
    assert.is_truthy(seg.version)
  end)
end)

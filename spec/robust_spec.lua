-- Robustness: every method of every kind, called on tiny and degenerate
-- images of every dtype with a spread of plausible and implausible
-- arguments, either returns valid objects or raises a short message that
-- names the argument. It never crashes, never changes its input, and under
-- the sanitizer build (make test-asan) never reads or writes out of bounds.
-- Slow operators are covered by their own specs; this one is about edges:
-- 1-pixel images, 1-row/1-column images, odd arguments. The randomised
-- version of this is spec/fuzz_api.lua (make fuzz-api).
local P = require "spec.checks"
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

local function describe_call(what, a)
  local parts = {}
  for i = 1, (a.n or #a) do parts[#parts + 1] = tostring(a[i]) end
  return what .. "(" .. table.concat(parts, ", ") .. ")"
end

local function check_error(e, call)
  assert(type(e) == "string", ("%s raised a %s, not a string"):format(call, type(e)))
  if e:find("bad argument #%d+ to '[^']+' %(.+%)$") then return end
  if P.is_data_error(e) then return end
  error(("%s raised an error naming no argument: %q"):format(call, e), 0)
end


-- Every element of an object, decoded from data() bytes.
local function elements(v)
  local out, why = P.elements(v)
  assert(out, tostring(v) .. ": " .. tostring(why))
  return out
end

-- Methods whose result may differ in size from the object they are called on.
local resizing = {crop = true, resize = true, pad = true, rotate90 = true, transpose = true}

-- Checks the objects a call returned: a kind, a positive size that matches
-- the input's, a Mask of 0/1 u8, Labels of non-negative i32 whose largest
-- value is the count returned beside them.
local function check_results(obj, name, r, call)
  for i = 2, r.n do
    local v = r[i]
    local kind = seg.type(v)
    if kind == "Image" or kind == "Mask" or kind == "Labels" then
      assert(v.width >= 1 and v.height >= 1 and v.channels >= 1, call .. ": empty result")
      if obj and not resizing[name] then
        assert(v.width == obj.width and v.height == obj.height,
          ("%s: %dx%d result from a %dx%d input"):format(call, v.width, v.height, obj.width, obj.height))
      end
      local el = elements(v)
      if kind == "Mask" then
        assert(v.channels == 1 and v.dtype == "u8", call .. ": Mask of " .. tostring(v))
        for _, x in ipairs(el) do
          assert(x == 0 or x == 1, ("%s: Mask holds %d"):format(call, x))
        end
      elseif kind == "Labels" then
        assert(v.channels == 1 and v.dtype == "i32", call .. ": Labels of " .. tostring(v))
        local top = 0
        for _, x in ipairs(el) do
          assert(x >= 0, ("%s: negative label %d"):format(call, x))
          if x > top then top = x end
        end
        local n = r[i + 1]
        if name == "filter" then   -- keeps label values, returns how many regions it kept
          assert(math.type(n) == "integer" and n >= 0 and n <= top, call .. ": kept count " .. tostring(n))
        elseif math.type(n) == "integer" then
          assert(top == n, ("%s: largest label %d, count %d"):format(call, top, n))
        elseif name == "multiotsu" then
          assert(top <= #n + 1, ("%s: label %d for %d thresholds"):format(call, top, #n))
        end
      end
    end
  end
end

describe("robustness", function()
  it("every method on degenerate images returns valid objects or names its argument", function()
    local calls, ok_calls = 0, 0
    for _, obj in ipairs(objects()) do
      for _, name in ipairs(method_names(seg.type(obj))) do
        if name ~= "release" then
          for _, a in ipairs(args) do
            local big = false
            for _, v in ipairs(a) do if v == 1e9 then big = true end end
            if not (big and unbounded[name]) then
              local call = describe_call(tostring(obj) .. ":" .. name, a)
              local before = obj:data()
              local r = table.pack(pcall(obj[name], obj, table.unpack(a)))
              calls = calls + 1
              if r[1] then
                ok_calls = ok_calls + 1
                check_results(obj, name, r, call)
              else
                check_error(r[2], call)
              end
              -- set, draw_* and *_into write into their object by name
              if not (name == "set" or (name:match("^draw_") and name ~= "draw_boundaries") or name:match("_into$")) then
                assert(obj:data() == before, call .. " changed its input")
              end
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
    local calls = 0
    for name, f in pairs(seg) do
      if type(f) == "function" then
        for _, a in ipairs{{}, {im}, {im, im}, {1, 1}, {"x"}, {{}}, {im, im, 2}, {-1, -1}} do
          local call = describe_call("seg." .. name, a)
          local r = table.pack(pcall(f, table.unpack(a)))
          calls = calls + 1
          if r[1] then
            check_results(nil, name, r, call)
            -- the outside world answers nil, message
            if r.n >= 2 and r[2] == nil and r.n >= 3 then
              assert(type(r[3]) == "string", call .. ": nil without a message")
            end
          else
            check_error(r[2], call)
          end
        end
      end
    end
    seg.threads(threads)
    seg.limits(limits)
    assert.is_true(calls > 100)
    assert.are.same({0, 0, 0, 0}, {im:get(0, 0), im:get(1, 0), im:get(0, 1), im:get(1, 1)})
    assert.is_truthy(seg.version)
  end)
end)

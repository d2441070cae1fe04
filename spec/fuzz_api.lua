#!/usr/bin/env lua5.4
-- API fuzzer: calls every function of the module and every method and
-- metamethod of Image, Mask and Labels with random argument lists full of
-- hostile values, and checks the invariants of what comes back. Not a busted
-- spec (no "_spec" in its name); run it with `make fuzz-api`.
--
-- Environment:
--   FUZZ_SEED     seed (default: the time); a run is reproducible from it
--   FUZZ_SECONDS  time budget of the whole run (default 60)
--   FUZZ_SO       the module to load (default ./seg.so; build/asan/seg.so
--                 for the sanitizer build, with its LD_PRELOAD)
--   FUZZ_SKIP     comma-separated ids of known issues to step around
--                 (see 'known' below), or "all"; default: check everything
--   FUZZ_SLOW_MS  a call taking longer is a "slow" finding (default 1000)
--   FUZZ_HANG_S   a call still running after this is killed and reported (10)
--   FUZZ_LUA      the interpreter for workers (default lua5.4)
--   FUZZ_PRELOAD  LD_PRELOAD for the workers only (the sanitizer runtimes)
--
-- Every call draws its arguments from its own generator, seeded with
-- (FUZZ_SEED, index), so call i is the same whatever ran before it:
--   lua5.4 spec/fuzz_api.lua --repro SEED INDEX
-- prints call INDEX and runs it alone. The supervisor runs the calls in
-- worker processes under a watchdog, so a crash, a sanitizer abort or a hang
-- costs one restart; it reports each with its index, and exits non-zero when
-- anything was found.
local unpack, pack = table.unpack, table.pack
local getenv = os.getenv

local SLOW_MS = tonumber(getenv("FUZZ_SLOW_MS")) or 1000
local HANG_S = tonumber(getenv("FUZZ_HANG_S")) or 10
local SO = getenv("FUZZ_SO") or "./seg.so"
local SCRIPT = arg and arg[0] or "spec/fuzz_api.lua"

-- Known issues (issue 6) that FUZZ_SKIP can step around while their fixes
-- land. Each says which calls it avoids, before they are made: a crash or
-- a hang cannot be ignored after the fact.
local known = {
  {id = "histogram-inf", why = "histogram of f32 holding +-inf, or an infinite range: crash / OOB write",
    call = function(name, a) return name == "histogram" and (a.nonfinite_img or a.nonfinite_num) end},
  {id = "label-value-memory", why = "relabel/filter/regions... cost follows the largest label, 2^31-1 crashes",
    call = function(name, a) return a.huge_labels end},
  {id = "mask-255", why = "morphology of a Mask with an off-centre element returns 255",
    finding = function(name, class) return class == "mask-values" end},
  {id = "slow-params", why = "multiotsu / log / minimum: work bounded by the parameters, not the image",
    call = function(name) return name == "multiotsu" or name == "log" or name == "thresholds"
      or name == "threshold" or name == "threshold_value" or name == "dog" end},
  {id = "merge-double-read", why = "seg.merge reads its table twice: heap overflow / null read",
    call = function(name, a) return name == "merge" and a.proxy end},
  {id = "option-release", why = "an option __index or a callback releasing an image already checked",
    call = function(name, a) return a.releaser end},
  {id = "bilateral-ub", why = "bilateral with a tiny sigma: shift of a negative value",
    call = function(name, a) return name == "bilateral" and a.tiny_num end},
  {id = "crop-overflow", why = "crop with huge integers: signed overflow",
    call = function(name, a) return name == "crop" and a.huge_int end},
}

local function skip_set()
  local s, spec = {}, getenv("FUZZ_SKIP") or ""
  for id in spec:gmatch("[^,%s]+") do
    if id == "all" then for _, k in ipairs(known) do s[k.id] = true end else s[id] = true end
  end
  return s
end

---------------------------------------------------------------------------
-- The module and what to call

local function load_seg()
  local open = assert(package.loadlib(SO, "luaopen_seg"))
  local seg = open("seg")
  package.loaded.seg = seg
  return seg
end

-- Every function reachable from the module: the module table, the method
-- tables of each kind (with their __index chains) and the metatables.
local function targets(seg)
  local reg, list = debug.getregistry(), {}
  for name, f in pairs(seg) do
    if type(f) == "function" then list[#list + 1] = {name = name, fn = f, label = "seg." .. name} end
  end
  for _, kind in ipairs{"Image", "Mask", "Labels"} do
    local seen, t = {}, reg["seg.methods." .. kind]
    while t do
      for name, f in pairs(t) do
        if type(f) == "function" and not seen[name] then
          seen[name] = true
          list[#list + 1] = {name = name, fn = f, self = kind, label = kind .. ":" .. name}
        end
      end
      local mt = getmetatable(t)
      t = mt and mt.__index
    end
    for name, f in pairs(reg["seg." .. kind] or {}) do
      if type(f) == "function" then
        list[#list + 1] = {name = name, fn = f, self = kind, label = kind .. "." .. name}
      end
    end
  end
  table.sort(list, function(a, b) return a.label < b.label end)
  return list
end

-- Strings the bindings know (options, keys, formats), read from the
-- sources so new ones are covered without editing this file.
local function known_strings()
  local set, list = {}, {}
  for _, f in ipairs{"convert", "draw", "filter", "image", "io", "label", "metrics",
                     "morph", "pointwise", "stats", "threshold", "annotate", "table",
                     "geometry", "intensity", "colour", "region", "watershed", "cluster",
                     "superpixel", "graphseg", "graphcut", "energy"} do
    local h = io.open("src/lua/l" .. f .. ".c", "r")
    if h then
      for w in h:read("a"):gmatch('"([a-z_][a-z0-9_]*)"') do
        if not set[w] and not w:find("^__") then set[w] = true; list[#list + 1] = w end
      end
      h:close()
    end
  end
  if #list == 0 then
    list = {"otsu", "li", "yen", "minimum", "sauvola", "window", "sigma", "k", "offset",
            "bilinear", "nearest", "area", "u8", "u16", "i32", "f32", "png", "jpeg", "pgm"}
  end
  table.sort(list)
  return list
end

---------------------------------------------------------------------------
-- Values

local P = require "spec.checks"
local DT = P.DT
local DTYPES = {"u8", "u16", "i32", "f32"}
local SIZES = {{1, 1}, {1, 2}, {2, 1}, {1, 7}, {7, 1}, {2, 2}, {3, 3}, {5, 4}, {4, 6},
               {8, 8}, {16, 3}, {3, 16}, {12, 12}}
local HOSTILE = {0, -1, 1, -0.0, 0.5, -0.5, 1e300, -1e300, 0 / 0, 1 / 0, -1 / 0,
  math.maxinteger, math.mininteger, 2147483647, -2147483648, 2147483648, 4294967296,
  255, 256, 65535, 65536, 1e-300, 5e-324, 1e9, 3.5, 1 << 30, -(1 << 30)}
local EXTREME = {
  u8 = {0, 1, 254, 255},
  u16 = {0, 1, 65534, 65535},
  i32 = {0, 1, -1, 2147483647, -2147483648, 1 << 30, 65536},
  f32 = {0.0, -0.0, 1.0, -1.0, 0 / 0, 1 / 0, -1 / 0, 3.4e38, -3.4e38, 1e-45, 1e-38, 0.5},
}

local R = math.random
local function pick(t) return t[R(#t)] end

-- Per call: the generator's state. 'objs' holds every seg object made for
-- the call with how it was made; 'flags' says what kinds of hostile values
-- the arguments hold (for the known-issue filters).
local Gen = {}
Gen.__index = Gen

local function new_gen(ctx)
  return setmetatable({seg = ctx.seg, strings = ctx.strings, tmp = ctx.tmp, objs = {},
                       origin = {}, flags = {}}, Gen)
end

function Gen:number()
  local r = R()
  local v
  if self.calm then v = r < 0.8 and R(0, 3) or R() * 4
  elseif r < 0.3 then v = R(0, 2)
  elseif r < 0.45 then v = R(0, 8)
  elseif r < 0.6 then v = R() * 10
  else v = pick(HOSTILE) end
  if v ~= v or v == 1 / 0 or v == -1 / 0 then self.flags.nonfinite_num = true end
  if v ~= 0 and math.abs(v) < 1e-30 then self.flags.tiny_num = true end
  if math.type(v) == "integer" and (v > 2147483647 or v < -2147483648) then self.flags.huge_int = true end
  if math.type(v) == "float" and math.abs(v) >= 2^31 then self.flags.huge_int = true end
  return v
end

-- Element values of one dtype under one content profile.
function Gen:element(dtype, profile, kind)
  if kind == "Mask" then return R(0, 1) end
  if kind == "Labels" then
    if profile == 4 then return pick{0, 1, 2, 255, 65536, 1 << 30, 2147483647} end
    return R(0, 5)
  end
  if profile == 1 then return 0
  elseif profile == 2 then return dtype == "f32" and R() * 255 or R(0, dtype == "u8" and 255 or 1000)
  elseif profile == 3 then return R(0, 3)
  else return pick(EXTREME[dtype]) end
end

function Gen:image(kind, dtype, channels, w, h)
  local seg = self.seg
  kind = kind or pick{"Image", "Image", "Mask", "Labels"}
  local s = pick(SIZES)
  w, h = w or s[1], h or s[2]
  if kind == "Mask" then dtype, channels = "u8", 1
  elseif kind == "Labels" then dtype, channels = "i32", 1
  else
    dtype = dtype or pick(DTYPES)
    channels = channels or (dtype == "f32" and R() < 0.1 and pick{5, 8}) or pick{1, 1, 1, 2, 3, 4}
  end
  local profile = R(1, 4)
  local n, fmt = w * h * channels, DT[dtype][1]
  local vals = {}
  for i = 1, n do vals[i] = self:element(dtype, profile, kind) end
  local bytes = string.pack("=" .. fmt:rep(n), unpack(vals, 1, n))
  local im = seg.from_data(bytes, w, h, channels, dtype)
  if kind == "Mask" then im = im:to_mask() elseif kind == "Labels" then im = im:to_labels() end
  if profile == 4 then
    if dtype == "f32" then self.flags.nonfinite_img = true end
    if kind == "Labels" then self.flags.huge_labels = true end
  end
  self.objs[#self.objs + 1] = im
  self.origin[im] = {bytes = bytes, w = w, h = h, c = channels, dtype = dtype, kind = kind}
  return im
end

-- A structuring element, a released object, or an image.
function Gen:object(kind)
  local seg, r = self.seg, R()
  if not kind and r < 0.05 then
    local im = self:image()
    im:release()
    self.origin[im].released = true
    return im
  elseif not kind and r < 0.15 then
    local k = R(1, 4)
    local se
    if k == 1 then se = seg.disk(R(0, 3))
    elseif k == 2 then se = seg.rect(R(1, 4), R(1, 4))
    elseif k == 3 then se = seg.cross(R(0, 2))
    else
      local rows, w = {}, R(1, 3)
      for j = 1, R(1, 3) do
        local row = {}
        for i = 1, w do row[i] = R(0, 1) end
        rows[j] = row
      end
      se = seg.element(rows)
      self.origin[se] = {element = rows}
      self.objs[#self.objs + 1] = se
      return se
    end
    self.objs[#self.objs + 1] = se
    self.origin[se] = {code = "a structuring element " .. tostring(se)}
    return se
  end
  return self:image(kind)
end

-- Strings: the bindings' own words, dtypes and formats (often wanted),
-- garbage, and raw bytes of the lengths small images have.
local CALM_STRINGS = {"otsu", "triangle", "li", "yen", "isodata", "mean", "minimum",
  "adaptive_mean", "adaptive_gaussian", "niblack", "sauvola", "wolf", "png", "jpeg", "pgm",
  "ppm", "u8", "u16", "i32", "f32", "nearest", "bilinear", "area", "euclidean", "cityblock",
  "chessboard", "x", "y", "magnitude", "inner", "outer", "thick"}

function Gen:string()
  local r = R()
  if self.calm then return pick(CALM_STRINGS) end
  if r < 0.5 then return pick(self.strings)
  elseif r < 0.7 then return pick(DTYPES)
  elseif r < 0.8 then return pick{"png", "jpeg", "pgm", "ppm", "pnm", "x", "y", "otsu", "nearest"}
  elseif r < 0.9 then
    local n = pick{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64}
    local b = {}
    for i = 1, n do b[i] = R(0, 255) end
    return string.char(unpack(b))
  end
  return pick{"", "\0", ("a"):rep(300), "%s%n", "otsu\0x", "PNG", "Otsu", "nan", "-1",
    "/nonexistent/x.png", "spec", "/dev/null", "\255\216\255", "P5\n2 2\n255\n\0\1\2"}
end

-- Releases every image this call made (from a proxy or a callback).
function Gen:release_all()
  for _, o in ipairs(self.objs) do
    if self.seg.type(o) then o:release() end
  end
end

local SENTINEL = setmetatable({}, {__tostring = function() return "fuzz: error object" end})

function Gen:callback()
  local k = R(1, 6)
  self.flags.callback = k
  if k == 1 then self.flags.releaser = true
    return function(...) self:release_all(); return R() < 0.5 end
  elseif k == 2 then return function() error("fuzz: callback raised", 0) end
  elseif k == 3 then return function() error(SENTINEL) end
  elseif k == 4 then return function() collectgarbage(); return true end
  elseif k == 5 then return function() return self.seg.image(3, 3):gaussian(1) end
  else return function(...) return pick{true, false, nil, 0, 1, "x", {}} end end
end

-- A table whose reads are hostile: they release images, raise, or answer
-- something different every time.
function Gen:proxy()
  local k = R(1, 4)
  self.flags.proxy = k
  local reads = 0
  local mt = {}
  if k == 1 then
    self.flags.releaser = true
    local inner = self:table(true)
    mt.__index = function(_, key) self:release_all(); return inner[key] end
    mt.__len = function() return #inner end
  elseif k == 2 then
    mt.__index = function() error("fuzz: __index raised", 0) end
  elseif k == 3 then
    local a, b = self:table(true), self:table(true)
    mt.__index = function(_, key)
      reads = reads + 1
      if reads % 3 == 0 then return nil end
      return (reads % 2 == 0 and a or b)[key]
    end
    mt.__len = function() reads = reads + 1; return reads % 4 end
  else
    mt.__index = function(_, key) return self:value(true) end
    mt.__len = function() return R(0, 5) end
  end
  return setmetatable({}, mt)
end

-- A plain table: empty, numbers, rows, images, options (valid, misspelt),
-- a rectangle.
function Gen:table(plain)
  local k = R(1, 8)
  if k == 1 then return {}
  elseif k == 2 then
    local t = {}
    for i = 1, R(1, 5) do t[i] = self:number() end
    return t
  elseif k == 3 then
    local t, w = {}, R(1, 3)
    for j = 1, R(1, 3) do
      local row = {}
      for i = 1, (R() < 0.9 and w or R(0, 4)) do
        row[i] = R() < 0.2 and {self:number(), self:number(), self:number()} or self:number()
      end
      t[j] = row
    end
    return t
  elseif k == 4 then
    -- images, most often of one size (as seg.merge wants them)
    local t, sz = {}, R() < 0.6 and pick(SIZES)
    for i = 1, R(1, 4) do
      t[i] = sz and self:image(pick{"Image", "Image", "Mask"}, nil, 1, sz[1], sz[2]) or self:object()
    end
    return t
  elseif k == 5 or k == 6 then
    local t = {}
    for _ = 1, R(1, 4) do
      local key = pick(self.strings)
      if R() < 0.15 then key = key .. "x" end
      t[key] = self:value(true)
    end
    return t
  elseif k == 7 then
    return {x = self:number(), y = self:number(), w = self:number(), h = self:number()}
  else
    if not plain and R() < 0.5 then return self:proxy() end
    return {self:object(), self:number()}
  end
end

function Gen:value(shallow)
  local r = R()
  if self.calm then
    -- plausible only: mostly numbers, no proxies, no callbacks but a predicate
    if self.calm == 2 or r < 0.55 then return self:number()
    elseif r < 0.7 then return self:string()
    elseif r < 0.85 then return self:object()
    elseif r < 0.95 then return self:table(true)
    else return function() return R() < 0.5 end end
  end
  if r < 0.30 then return self:number()
  elseif r < 0.55 then return self:object()
  elseif r < 0.68 then return self:string()
  elseif r < 0.80 then
    if shallow then return {} end
    return self:table()
  elseif r < 0.84 then
    if shallow then return self:number() end
    return self:proxy()
  elseif r < 0.88 then return self:callback()
  elseif r < 0.94 then return nil
  else return R() < 0.5 end
end

-- The receiver and the arguments of one call.
function Gen:args(target)
  local a = {}
  local n = R(0, 5)
  -- a third of the calls use plausible arguments only, to get deeper
  self.calm = R() < 0.4 and R(1, 2)   -- 2: numbers only
  local first = 1
  if target.self then
    if R() < 0.9 then
      local kind = target.self
      -- Image methods also see Masks and Labels (they inherit them)
      if kind == "Image" and R() < 0.2 then kind = pick{"Mask", "Labels"} end
      a[1] = self:image(kind)
    else
      a[1] = self:value()
    end
    first = 2
    n = n + 1
  end
  for i = first, n do
    -- a method often wants an image of the receiver's size
    if i == 2 and a[1] and self.seg.type(a[1]) and R() < 0.4 then
      local o = self.origin[a[1]]
      if o and not o.released and o.w then
        a[i] = self:image(nil, nil, nil, o.w, o.h)
      else
        a[i] = self:value()
      end
    else
      a[i] = self:value()
    end
  end
  -- save writes files: only ever under the scratch directory
  if (target.name == "save" or target.name == "write_csv") and type(a[2]) == "string" then
    a[2] = self.tmp .. pick{"/f.png", "/f.jpg", "/f.pgm", "/f.ppm", "/f", "/f.xyz", "",
                            "/no/such/dir/f.png"}
  end
  a.n = n
  return a
end

---------------------------------------------------------------------------
-- Describing a call (for findings and --repro)

local function hex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end

local function describe(g, v, depth)
  depth = depth or 0
  local o = g.origin[v]
  if o then
    if o.element then return "seg.element(" .. describe(g, o.element, depth + 1) .. ")" end
    if o.code then return o.code end
    local s = ("seg.from_data(B'%s', %d, %d, %d, %q)"):format(hex(o.bytes), o.w, o.h, o.c, o.dtype)
    if o.kind == "Mask" then s = s .. ":to_mask()" elseif o.kind == "Labels" then s = s .. ":to_labels()" end
    if o.released then s = "released(" .. s .. ")" end
    return s
  end
  local t = type(v)
  if t == "number" then
    if v ~= v then return "0/0" elseif v == 1 / 0 then return "1/0" elseif v == -1 / 0 then return "-1/0" end
    if math.type(v) == "integer" then
      if v == math.mininteger then return "math.mininteger" end
      return tostring(v)
    end
    return ("%.17g"):format(v)
  elseif t == "string" then return ("%q"):format(v)
  elseif t == "table" then
    local mt = getmetatable(v)
    if mt then return mt.__index and "<proxy table>" or tostring(v) end
    if depth > 3 then return "{...}" end
    local parts = {}
    for i = 1, #v do parts[#parts + 1] = describe(g, v[i], depth + 1) end
    for k, x in pairs(v) do
      if not (math.type(k) == "integer" and k >= 1 and k <= #v) then
        parts[#parts + 1] = ("[%s] = %s"):format(describe(g, k, depth + 1), describe(g, x, depth + 1))
      end
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  elseif t == "function" then return "<callback " .. tostring(g.flags.callback) .. ">"
  else return tostring(v) end
end

local function describe_call(g, target, a)
  local parts = {}
  for i = 1, a.n do parts[#parts + 1] = describe(g, a[i]) end
  local flags = {}
  for k, v in pairs(g.flags) do flags[#flags + 1] = k .. "=" .. tostring(v) end
  table.sort(flags)
  return ("%s(%s)  [%s]"):format(target.label, table.concat(parts, ", "), table.concat(flags, " "))
end

---------------------------------------------------------------------------
-- Invariants

-- "arg", "data", "propagated" (raised by our own proxies and callbacks), or
-- nil with a reason when the error breaks the rules.
local function classify_error(e)
  if e == SENTINEL then return "propagated" end
  if type(e) ~= "string" then return nil, "non-string error value (" .. type(e) .. ")" end
  if e:find("fuzz: ", 1, true) then return "propagated" end
  if e:find("bad argument #%d+ to '[^']*' %(.*%)$") then return "arg" end
  if P.is_data_error(e) then return "data" end
  return "other"
end

local function released(seg, v)
  return seg.type(v) and tostring(v):find("(released)", 1, true) ~= nil
end

local elements = P.elements

local resizing = {crop = true, resize = true, pad = true, rotate90 = true, transpose = true}
local mutating = {set = true, release = true, __gc = true, __close = true}
-- draw_* and *_into change their object by name, as set does
local function mutates (name) return mutating[name] or (name:match("^draw_") and name ~= "draw_boundaries") or name:match("_into$") end

-- Returns class, message for the first broken invariant of a result list.
local function check_results(seg, target, a, r)
  local recv = target.self and seg.type(a[1]) and a[1]
  for i = 2, r.n do
    local v = r[i]
    local kind = seg.type(v)
    if kind == "Image" or kind == "Mask" or kind == "Labels" then
      if released(seg, v) then return "result", "returned a released object" end
      if v.width < 1 or v.height < 1 or v.channels < 1 then return "result", "empty result " .. tostring(v) end
      if recv and not resizing[target.name] and not released(seg, recv)
          and (v.width ~= recv.width or v.height ~= recv.height) then
        return "size", ("result %s from %s"):format(tostring(v), tostring(recv))
      end
      local el, why = elements(v)
      if not el then return "result", why end
      if kind == "Mask" then
        if v.channels ~= 1 or v.dtype ~= "u8" then return "result", "Mask of " .. tostring(v) end
        for _, x in ipairs(el) do
          if x ~= 0 and x ~= 1 then return "mask-values", ("Mask holds %d"):format(x) end
        end
      elseif kind == "Labels" then
        if v.channels ~= 1 or v.dtype ~= "i32" then return "result", "Labels of " .. tostring(v) end
        local top = 0
        for _, x in ipairs(el) do
          if x < 0 then return "labels", ("negative label %d"):format(x) end
          if x > top then top = x end
        end
        local n = r[i + 1]
        -- filter keeps label values and returns how many regions it kept
        if target.name == "filter" then
          if math.type(n) ~= "integer" or n < 0 or n > top then
            return "labels", ("kept %s regions, largest label %d"):format(tostring(n), top)
          end
        elseif math.type(n) == "integer" and top ~= n then
          return "labels", ("largest label %d, count %d"):format(top, n)
        end
      end
    end
  end
end

-- Every seg object among the arguments, one table level deep (raw reads:
-- a proxy's reads are not ours to trigger).
local function inputs(seg, a)
  local list = {}
  for i = 1, a.n do
    local v = a[i]
    if seg.type(v) then list[#list + 1] = {v = v, recv = (i == 1)}
    elseif type(v) == "table" and not getmetatable(v) then
      for k, x in next, v do
        if seg.type(x) and k ~= "out" then list[#list + 1] = {v = x} end
      end
    end
  end
  for _, e in ipairs(list) do
    if not released(seg, e.v) then e.data = e.v:data() end
  end
  return list
end

---------------------------------------------------------------------------
-- One call

local function small_inputs(seg, a)
  local px = 0
  for i = 1, a.n do
    if seg.type(a[i]) and not released(seg, a[i]) then px = px + a[i].width * a[i].height end
  end
  return px <= 4096
end

-- Runs call 'index'; returns a record {target, ok, class, finding, ...}.
local function run_call(ctx, seed, index, describe_only)
  local seg = ctx.seg
  math.randomseed(seed, index)
  local target = ctx.targets[R(#ctx.targets)]
  local g = new_gen(ctx)
  local a = g:args(target)
  local rec = {target = target, g = g, a = a}
  if describe_only then return rec end
  if ctx.avoid[target.label] then rec.skipped = "avoid"; return rec end
  for _, k in ipairs(known) do
    if ctx.skip[k.id] and k.call and k.call(target.name, g.flags) then
      rec.skipped = k.id
      return rec
    end
  end
  local before = inputs(seg, a)
  -- Lua code running inside the call (callbacks, proxies) is cut off after
  -- the hang limit; C code is left to the watchdog.
  local t0 = os.clock()
  debug.sethook(function()
    if os.clock() - t0 > HANG_S then error("fuzz: call aborted by the hook", 0) end
  end, "", 10000)
  local r = pack(pcall(target.fn, unpack(a, 1, a.n)))
  debug.sethook()
  local ms = (os.clock() - t0) * 1000
  seg.threads(ctx.threads)
  seg.limits(ctx.limits)
  rec.ms = ms
  rec.ok = r[1]
  if ms > SLOW_MS then rec.finding = {"slow", ("%.0f ms"):format(ms)} end
  if r[1] then
    local class, msg = check_results(seg, target, a, r)
    if class then rec.finding = {class, msg} end
  else
    local kind, why = classify_error(r[2])
    rec.err = kind or "bad"
    if not kind then rec.finding = {"error-value", why}
    elseif kind == "other" then rec.finding = {"unnamed-error", r[2]}
    elseif r[2] == "not enough memory" and small_inputs(seg, a) then
      rec.finding = {"memory", "not enough memory on tiny inputs"}
    end
  end
  if not rec.finding then
    for _, e in ipairs(before) do
      if e.data and not (e.recv and mutates(target.name)) and not released(seg, e.v)
          and e.v:data() ~= e.data then
        rec.finding = {"mutated-input", tostring(e.v) .. " changed"}
        break
      end
    end
  end
  if rec.finding then
    for _, k in ipairs(known) do
      if ctx.skip[k.id] and k.finding and k.finding(target.name, rec.finding[1]) then
        rec.skipped, rec.finding = k.id, nil
        break
      end
    end
  end
  return rec
end

local function new_ctx(tmp)
  local seg = load_seg()
  local ctx = {seg = seg, targets = targets(seg), strings = known_strings(), skip = skip_set(),
               tmp = tmp or getenv("FUZZ_TMP") or "/tmp", avoid = {}}
  for l in (getenv("FUZZ_AVOID") or ""):gmatch("[^,]+") do ctx.avoid[l] = true end
  -- Images stay tiny; the limit turns an accidental huge allocation into an error.
  seg.limits{max_pixels = 1 << 20}
  ctx.threads, ctx.limits = seg.threads(), seg.limits()
  return ctx
end

---------------------------------------------------------------------------
-- Worker: calls START, START+1, ... until the deadline; writes the index
-- about to run to PROGRESS (the watchdog's heartbeat) and one line per
-- finding, then a line of counts.

local function oneline(s) return (tostring(s):gsub("[%c]", " ")) end

local function worker(seed, start, deadline, progress)
  local ctx = new_ctx()
  local pf = assert(io.open(progress, "w"))
  local labels = {}
  for _, t in ipairs(ctx.targets) do labels[#labels + 1] = t.label end
  io.write(("T\t%s\n"):format(table.concat(labels, " ")))
  local counts = {calls = 0, ok = 0, arg = 0, data = 0, propagated = 0, other = 0, bad = 0, skipped = 0}
  local covered = {}
  local i = start
  while os.time() < deadline do
    pf:seek("set"); pf:write(("%d\n"):format(i)); pf:flush()
    local rec = run_call(ctx, seed, i, false)
    if rec.skipped then counts.skipped = counts.skipped + 1
    else
      counts.calls = counts.calls + 1
      if rec.ok then counts.ok = counts.ok + 1; covered[rec.target.label] = true
      else counts[rec.err] = counts[rec.err] + 1 end
    end
    if rec.finding then
      io.write(("F\t%d\t%s\t%s\t%s\n"):format(i, rec.finding[1], rec.target.label, oneline(rec.finding[2])))
      io.write(("D\t%d\t%s\n"):format(i, oneline(describe_call(rec.g, rec.target, rec.a))))
      io.flush()
    end
    i = i + 1
    if i % 64 == 0 then collectgarbage("step", 0) end
    -- counts so far, so a worker that dies later still reports its work
    if i % 256 == 0 or os.time() >= deadline then
      local cov = {}
      for k in pairs(covered) do cov[#cov + 1] = k end
      io.write(("C\t%s\n"):format(table.concat(cov, " ")))
      local parts = {}
      for k, v in pairs(counts) do parts[#parts + 1] = k .. "=" .. v end
      io.write(("S\t%d\t%s\n"):format(i, table.concat(parts, " ")))
      io.flush()
    end
  end
  io.write("END\n")
  pf:close()
end

---------------------------------------------------------------------------
-- Supervisor

local function sh_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function read_file(p)
  local f = io.open(p, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The first sanitizer or crash line of a worker's stderr.
local function crash_line(err)
  for line in err:gmatch("[^\n]+") do
    if line:find("ERROR: AddressSanitizer") or line:find("runtime error:")
        or line:find("ERROR: LeakSanitizer") or line:find("SUMMARY:") then
      return (line:gsub("^==%d+==", ""))
    end
  end
  local last = err:match("([^\n]+)\n*$")
  return last or "(no output)"
end

local function supervisor()
  local seed = tonumber(getenv("FUZZ_SEED")) or os.time()
  local seconds = tonumber(getenv("FUZZ_SECONDS")) or 60
  local lua = getenv("FUZZ_LUA") or "lua5.4"
  local preload = getenv("FUZZ_PRELOAD")
  local run_lua = (preload and preload ~= "" and ("env LD_PRELOAD=" .. sh_quote(preload) .. " ") or "")
    .. sh_quote(lua)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. sh_quote(dir)))
  local progress, out, err = dir .. "/progress", dir .. "/out", dir .. "/err"
  local deadline = os.time() + seconds
  local skip = skip_set()
  local nskip = 0
  for _ in pairs(skip) do nskip = nskip + 1 end
  print(("fuzz-api: seed %d, %d s, module %s, slow > %d ms, hang > %d s, skipping %s"):format(
    seed, seconds, SO, SLOW_MS, HANG_S, nskip == 0 and "nothing" or (getenv("FUZZ_SKIP") or "")))
  -- the supervisor never loads the module (a sanitizer build needs the
  -- workers' LD_PRELOAD): the workers name the functions they call
  local totals, findings, by_class, covered, all_targets = {}, {}, {}, {}, {}
  local start, restarts, deaths = 0, 0, {}
  local function add_finding(i, class, label, msg, desc)
    findings[#findings + 1] = {i = i, class = class, label = label, msg = msg, desc = desc}
    by_class[class] = (by_class[class] or 0) + 1
  end
  while os.time() < deadline do
    os.remove(progress)
    local watchdog = ([[
"$@" >%s 2>%s & pid=$!
last=; same=0
while kill -0 $pid 2>/dev/null; do
  sleep 0.2
  cur=$(cat %s 2>/dev/null)
  if [ "$cur" = "$last" ]; then same=$((same+1)); else same=0; last=$cur; fi
  if [ $same -ge %d ]; then kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null; exit 200; fi
done
wait $pid]]):format(sh_quote(out), sh_quote(err), sh_quote(progress), math.ceil(HANG_S * 5))
    local avoid = {}
    for l, n in pairs(deaths) do if n >= 3 then avoid[#avoid + 1] = l end end
    local cmd = ("FUZZ_AVOID=%s FUZZ_TMP=%s bash -c %s _ %s %s --worker %d %d %d %s 2>/dev/null"):format(
      sh_quote(table.concat(avoid, ",")), sh_quote(dir), sh_quote(watchdog), run_lua, sh_quote(SCRIPT), seed, start, deadline,
      sh_quote(progress))
    local _, _, code = os.execute(cmd)
    local o = read_file(out) or ""
    local finished, last = false, nil
    for line in o:gmatch("[^\n]+") do
      local tag, rest = line:match("^(%a)\t(.*)$")
      if line == "END" then finished = true end
      if tag == "F" then
        local i, class, label, msg = rest:match("^(%d+)\t([^\t]*)\t([^\t]*)\t(.*)$")
        add_finding(tonumber(i), class, label, msg)
      elseif tag == "D" then
        local i, d = rest:match("^(%d+)\t(.*)$")
        local f = findings[#findings]
        if f and f.i == tonumber(i) then f.desc = d end
      elseif tag == "T" then
        for l in rest:gmatch("%S+") do all_targets[l] = true end
      elseif tag == "C" then
        for l in rest:gmatch("%S+") do covered[l] = true end
      elseif tag == "S" then
        last = rest
      end
    end
    if last then
      local nexti, kv = last:match("^(%d+)\t(.*)$")
      start = tonumber(nexti)
      for k, v in kv:gmatch("(%w+)=(%d+)") do totals[k] = (totals[k] or 0) + tonumber(v) end
    end
    if finished and code ~= 0 then
      -- it ran to its end but the sanitizers objected at exit (leaks)
      add_finding(start, "exit", "(worker exit)", ("exit %s: %s"):format(tostring(code),
        crash_line(read_file(err) or "")))
    elseif not finished then
      -- the worker died or hung in call 'i'; describe it and go on after it
      local i = tonumber((read_file(progress) or ""):match("%d+")) or start
      local class = code == 200 and "hang" or "crash"
      local e = read_file(err) or ""
      local msg = class == "hang" and ("still running after %d s"):format(HANG_S)
        or ("exit %s: %s"):format(tostring(code), crash_line(e))
      local dcmd = ("FUZZ_TMP=%s %s %s --describe %d %d 2>&1"):format(sh_quote(dir), run_lua,
        sh_quote(SCRIPT), seed, i)
      local p = io.popen(dcmd)
      local d = p:read("a"):gsub("\n$", "")
      p:close()
      local label = d:match("^([^%(]+)%(") or "?"
      add_finding(i, class, label, msg, d)
      -- a function that keeps killing workers is left alone after 3 times
      deaths[label] = (deaths[label] or 0) + 1
      totals.calls = (totals.calls or 0) + 1
      start = i + 1
      restarts = restarts + 1
    end
  end
  os.execute("rm -rf " .. sh_quote(dir))

  local missing, ntargets = {}, 0
  for l in pairs(all_targets) do
    ntargets = ntargets + 1
    if not covered[l] then missing[#missing + 1] = l end
  end
  table.sort(missing)
  print(("calls %d (%d returned, %d skipped as known), worker restarts %d"):format(
    totals.calls or 0, totals.ok or 0, totals.skipped or 0, restarts))
  local avoided = {}
  for l, n in pairs(deaths) do if n >= 3 then avoided[#avoided + 1] = l end end
  if #avoided > 0 then
    table.sort(avoided)
    print("left alone after killing 3 workers: " .. table.concat(avoided, " "))
  end
  print(("errors: bad argument %d, data/resource %d, propagated from callbacks/proxies %d, other %d, non-string %d"):format(
    totals.arg or 0, totals.data or 0, totals.propagated or 0, totals.other or 0, totals.bad or 0))
  print(("functions: %d, returned a value at least once: %d"):format(ntargets, ntargets - #missing))
  if #missing > 0 then print("  never returned: " .. table.concat(missing, " ")) end
  -- one line per distinct (class, function, message); the first call as example
  local seen, order = {}, {}
  for _, f in ipairs(findings) do
    local key = f.class .. "\t" .. f.label .. "\t" .. f.msg:gsub("%d+ ms", "N ms")
    if not seen[key] then seen[key] = {f = f, n = 0}; order[#order + 1] = key end
    seen[key].n = seen[key].n + 1
  end
  print(("findings: %d (%d distinct)"):format(#findings, #order))
  for _, key in ipairs(order) do
    local s = seen[key]
    print(("  [%s] %s: %s  (x%d; first at call %d, repro: FUZZ_SO=%s %s %s --repro %d %d)"):format(
      s.f.class, s.f.label, s.f.msg, s.n, s.f.i, SO, run_lua, SCRIPT, seed, s.f.i))
    if s.f.desc then print("      " .. s.f.desc:sub(1, 600)) end
  end
  local cls = {}
  for k, v in pairs(by_class) do cls[#cls + 1] = k .. " " .. v end
  table.sort(cls)
  print("by class: " .. (#cls > 0 and table.concat(cls, ", ") or "none"))
  if #findings > 0 then
    print("known issues FUZZ_SKIP can step around (comma-separated, or all):")
    for _, k in ipairs(known) do print(("  %-20s %s"):format(k.id, k.why)) end
  end
  os.exit(#findings == 0 and 0 or 1)
end

---------------------------------------------------------------------------

local mode = arg and arg[1]
if mode == "--worker" then
  worker(tonumber(arg[2]), tonumber(arg[3]), tonumber(arg[4]), arg[5])
elseif mode == "--describe" or mode == "--repro" then
  local ctx = new_ctx()
  local seed, index = tonumber(arg[2]), tonumber(arg[3])
  local rec = run_call(ctx, seed, index, true)
  print(describe_call(rec.g, rec.target, rec.a))
  if mode == "--repro" then
    io.stdout:flush()
    rec = run_call(ctx, seed, index, false)
    print(("ok=%s err=%s ms=%.1f finding=%s %s skipped=%s"):format(tostring(rec.ok), tostring(rec.err),
      rec.ms or 0, rec.finding and rec.finding[1] or "none", rec.finding and rec.finding[2] or "",
      tostring(rec.skipped)))
  end
else
  supervisor()
end

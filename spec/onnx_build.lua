-- onnx_build.lua — writes small ONNX models as protobuf bytes, for specs
-- that need a model of a given shape (good or broken) without Python.
--
--   local B = require "spec.onnx_build"   (or dofile)
--   local bytes = B.model{
--     opset = 13,
--     inputs  = {{"x", {1, 3, "H", "W"}}},            -- float32 unless a third field names a type code
--     outputs = {{"y", {1, 3, "H", "W"}}},
--     initializers = {{"w", {3, 3, 1, 1}, {...floats}}},
--     nodes = {{"Conv", {"x", "w"}, {"y"}, {kernel_shape = {1, 1}}, name = "c1"}},
--     metadata = {["seg.stride"] = "8"},
--   }
local B = {}

-- Lua's >> is a logical shift, so negative integers come out as the ten
-- bytes of their two's complement, as protobuf writes them.
local function varint (n)
  local out = {}
  repeat
    local b = n & 0x7f
    n = n >> 7
    if n ~= 0 then b = b | 0x80 end
    out[#out + 1] = string.char(b)
  until n == 0
  return table.concat(out)
end

local function key (field, wire) return varint((field << 3) | wire) end
local function vfield (field, n) return key(field, 0) .. varint(n) end
local function bfield (field, s) return key(field, 2) .. varint(#s) .. s end
local function ffield (field, x) return key(field, 5) .. string.pack("<f", x) end

B.FLOAT, B.INT64, B.INT32, B.BOOL, B.UINT8, B.FLOAT16 = 1, 7, 6, 9, 2, 10

-- IEEE half of a number (round to nearest even; normal range and zero are enough here).
local function half (x)
  if x == 0 then return 0 end
  local sign = x < 0 and 0x8000 or 0
  x = math.abs(x)
  local m, e = math.frexp(x)          -- x = m * 2^e, m in [0.5, 1)
  local exp = e - 1 + 15
  local frac = (m * 2 - 1) * 1024
  local f = math.floor(frac)
  local r = frac - f
  if r > 0.5 or (r == 0.5 and f % 2 == 1) then f = f + 1 end
  if f == 1024 then f = 0; exp = exp + 1 end
  return sign | (exp << 10) | f
end
B.half = half

-- opts (optional): {typed = true} writes f32 values in float_data instead of
-- raw_data; {external = {location = "w.bin", offset = n, length = n}} names
-- external data instead of holding the values.
function B.tensor (name, dims, values, dtype, opts)
  dtype = dtype or B.FLOAT
  opts = opts or {}
  local t = {}
  for _, d in ipairs(dims) do t[#t + 1] = vfield(1, d) end
  t[#t + 1] = vfield(2, dtype)
  if name then t[#t + 1] = bfield(8, name) end
  if opts.external then
    for _, k in ipairs{"location", "offset", "length"} do
      if opts.external[k] then
        t[#t + 1] = bfield(13, bfield(1, k) .. bfield(2, tostring(opts.external[k])))
      end
    end
    t[#t + 1] = vfield(14, 1)
  elseif values and opts.typed and dtype == B.FLOAT then
    local packed = {}
    for i, v in ipairs(values) do packed[i] = string.pack("<f", v) end
    t[#t + 1] = bfield(4, table.concat(packed))
  elseif values and dtype == B.FLOAT16 then
    local raw = {}
    for i, v in ipairs(values) do raw[i] = string.pack("<I2", half(v)) end
    t[#t + 1] = bfield(9, table.concat(raw))
  elseif values then
    local raw = {}
    local fmt = dtype == B.FLOAT and "<f" or dtype == B.INT64 and "<i8" or dtype == B.INT32 and "<i4" or "<B"
    for i, v in ipairs(values) do raw[i] = string.pack(fmt, v) end
    t[#t + 1] = bfield(9, table.concat(raw))
  end
  return table.concat(t)
end

local function attribute (name, v)
  local a = {bfield(1, name)}
  if math.type(v) == "integer" then
    a[#a + 1] = vfield(3, v); a[#a + 1] = vfield(20, 2)
  elseif type(v) == "number" then
    a[#a + 1] = ffield(2, v); a[#a + 1] = vfield(20, 1)
  elseif type(v) == "string" then
    a[#a + 1] = bfield(4, v); a[#a + 1] = vfield(20, 3)
  elseif type(v) == "table" and v.ref then   -- a function's attribute reference
    a[#a + 1] = bfield(21, v.ref); a[#a + 1] = vfield(20, v.type or 1)
  elseif type(v) == "table" and v.tensor then
    a[#a + 1] = bfield(5, B.tensor(nil, v.dims, v.values, v.dtype)); a[#a + 1] = vfield(20, 4)
  elseif type(v) == "table" then
    local floats = false
    for _, x in ipairs(v) do if math.type(x) == "float" then floats = true end end
    for _, x in ipairs(v) do a[#a + 1] = floats and ffield(7, x) or vfield(8, x) end
    a[#a + 1] = vfield(20, floats and 6 or 7)
  end
  return table.concat(a)
end

local function node (n)
  local p = {}
  for _, s in ipairs(n[2] or {}) do p[#p + 1] = bfield(1, s) end
  for _, s in ipairs(n[3] or {}) do p[#p + 1] = bfield(2, s) end
  if n.name then p[#p + 1] = bfield(3, n.name) end
  p[#p + 1] = bfield(4, n[1])
  local names = {}
  for k in pairs(n[4] or {}) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do p[#p + 1] = bfield(5, attribute(k, n[4][k])) end
  if n.domain then p[#p + 1] = bfield(7, n.domain) end
  return table.concat(p)
end

local function valueinfo (v)
  local dims = {}
  for _, d in ipairs(v[2] or {}) do
    dims[#dims + 1] = bfield(1, type(d) == "string" and bfield(2, d) or vfield(1, d))
  end
  local tt = vfield(1, v[3] or B.FLOAT) .. (v[2] and bfield(2, table.concat(dims)) or "")
  return bfield(1, v[1]) .. bfield(2, bfield(1, tt))
end

function B.graph (m)
  local g = {}
  for _, n in ipairs(m.nodes or {}) do g[#g + 1] = bfield(1, node(n)) end
  g[#g + 1] = bfield(2, m.name or "g")
  for _, t in ipairs(m.initializers or {}) do g[#g + 1] = bfield(5, B.tensor(t[1], t[2], t[3], t[4], t.opts)) end
  for _, v in ipairs(m.inputs or {}) do g[#g + 1] = bfield(11, valueinfo(v)) end
  for _, v in ipairs(m.outputs or {}) do g[#g + 1] = bfield(12, valueinfo(v)) end
  return table.concat(g)
end

-- A model-local function: {name=, domain=, inputs={...}, outputs={...},
-- attributes={...}, nodes={...}, opset=}.
local function func (f)
  local p = {bfield(1, f.name)}
  for _, s in ipairs(f.inputs or {}) do p[#p + 1] = bfield(4, s) end
  for _, s in ipairs(f.outputs or {}) do p[#p + 1] = bfield(5, s) end
  for _, s in ipairs(f.attributes or {}) do p[#p + 1] = bfield(6, s) end
  for _, n in ipairs(f.nodes or {}) do p[#p + 1] = bfield(7, node(n)) end
  p[#p + 1] = bfield(9, bfield(1, "") .. vfield(2, f.opset or 13))
  p[#p + 1] = bfield(10, f.domain)
  return table.concat(p)
end

-- m.functions: model-local functions; their domains are imported at version 1.
function B.model (m)
  local p = {vfield(1, m.ir_version or 8)}
  p[#p + 1] = bfield(8, bfield(1, "") .. vfield(2, m.opset or 13))
  local seen = {}
  for _, f in ipairs(m.functions or {}) do
    if not seen[f.domain] then
      seen[f.domain] = true
      p[#p + 1] = bfield(8, bfield(1, f.domain) .. vfield(2, 1))
    end
  end
  p[#p + 1] = bfield(7, B.graph(m))
  for _, f in ipairs(m.functions or {}) do p[#p + 1] = bfield(25, func(f)) end
  local keys = {}
  for k in pairs(m.metadata or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do p[#p + 1] = bfield(14, bfield(1, k) .. bfield(2, m.metadata[k])) end
  return table.concat(p)
end

return B

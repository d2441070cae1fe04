-- spec/fuzz_onnx.lua — mutation fuzzing of the ONNX loader and engine
-- (`make fuzz-onnx`).
--
--   lua5.4 spec/fuzz_onnx.lua [count [seed [seconds]]]
--
-- Takes small models (written by spec/onnx_build.lua, and the models of
-- the ONNX node tests for a sample of operators when libonnx-testdata is
-- installed), makes 'count' mutated copies (bit flips, random bytes, cut,
-- deleted and duplicated spans, varints set to boundary values) and loads
-- each with seg.onnx; a model that loads is run on a small tensor of each
-- input's declared shape. Every call must return a result or nil and a
-- message; a raise from the engine, a crash or a sanitizer report fails.
-- Seeded, so a failure reproduces; stops early after 'seconds'.
local so = os.getenv("SEG_SO")
package.cpath = (so and so:match("^(.*)/[^/]*$") or ".") .. "/?.so;" .. package.cpath
local seg = require "seg"
local B = dofile("spec/onnx_build.lua")

local count = tonumber(arg[1]) or 3000
local seed = tonumber(arg[2]) or 11
local budget = tonumber(arg[3]) or 600
math.randomseed(seed)
seg.limits{max_pixels = 1 << 20}

local models = {
  B.model{opset = 13, inputs = {{"x", {1, 3, "H", "W"}}}, outputs = {{"y", {1, 3, "H", "W"}}},
    initializers = {{"w", {3, 3, 3, 3}, (function() local t = {} for i = 1, 81 do t[i] = i / 81 end return t end)()},
      {"b", {3}, {0.1, 0.2, 0.3}}},
    nodes = {{"Conv", {"x", "w", "b"}, {"c"}, {kernel_shape = {3, 3}, pads = {1, 1, 1, 1}}, name = "conv"},
      {"Relu", {"c"}, {"r"}}, {"Add", {"r", "x"}, {"y"}}}},
  B.model{opset = 13, inputs = {{"x", {1, 4, 8, 8}}}, outputs = {{"y", {1, 2, 8, 8}}},
    initializers = {{"s", {4}, {1, 2, 8, 8}, B.INT64}, {"a", {1}, {1}, B.INT64}},
    nodes = {{"Reshape", {"x", "s"}, {"r"}}, {"Split", {"r"}, {"p", "q"}, {axis = 1}},
      {"Softmax", {"p"}, {"y"}, {axis = 1}}}},
  B.model{opset = 11, inputs = {{"x", {1, 1, 4, 4}}}, outputs = {{"y", {1, 1, 8, 8}}},
    initializers = {{"roi", {0}, {}}, {"sc", {4}, {1, 1, 2, 2}}},
    nodes = {{"Resize", {"x", "roi", "sc"}, {"y"}, {mode = "linear"}}}},
}
local ops = {"conv", "resize", "slice", "gather", "concat", "maxpool", "transpose", "pad", "reshape",
  "reduce_mean", "softmax", "matmul", "gemm", "batchnorm", "convtranspose", "expand", "tile", "where"}
local dir = "/usr/share/libonnx-testdata/data/node"
local p = io.popen("ls " .. dir .. " 2>/dev/null")
for name in p:lines() do
  for _, o in ipairs(ops) do
    if name:find("^test_" .. o) and #models < 60 then
      local f = io.open(dir .. "/" .. name .. "/model.onnx", "rb")
      local s = f and f:read("a")
      if f then f:close() end
      if s and #s < 20000 then models[#models + 1] = s end
      break
    end
  end
end
p:close()

local R = math.random
local function mutate (s)
  for _ = 1, R(1, 4) do
    local len = #s
    if len == 0 then return "\8" end
    local k, at = R(1, 6), R(1, len)
    if k == 1 then s = s:sub(1, at - 1) .. string.char(s:byte(at) ~ (1 << R(0, 7))) .. s:sub(at + 1)
    elseif k == 2 then s = s:sub(1, at - 1) .. string.char(R(0, 255)) .. s:sub(at + 1)
    elseif k == 3 then s = s:sub(1, at)
    elseif k == 4 then s = s:sub(1, at - 1) .. s:sub(at + R(1, 32))
    elseif k == 5 then
      local e = math.min(len, at + R(1, 64))
      s = s:sub(1, e) .. s:sub(at, e) .. s:sub(e + 1)
    else   -- a varint field's value set to a boundary (dims, types, attribute ints)
      local v = ({"\0", "\1", "\127", "\255\255\255\255\15", "\255\255\255\255\255\255\255\255\255\1"})[R(5)]
      s = s:sub(1, at) .. v .. s:sub(at + 2)
    end
  end
  return s
end

local function input_for (info)
  local shape = {}
  for i, d in ipairs(info.shape) do
    shape[i] = math.type(d) == "integer" and math.min(d, 16) or 4
  end
  return seg.tensor(shape, 0.5)
end

local t0, loaded, ran = os.clock(), 0, 0
for i = 1, count do
  if os.clock() - t0 > budget then break end
  local bytes = mutate(models[R(#models)])
  if bytes:byte(1) ~= 8 then bytes = "\8\8" .. bytes end   -- keep seg.onnx reading bytes, not a path
  local ok, net, err = pcall(seg.onnx, bytes)
  if not ok then
    io.stderr:write(("fuzz-onnx: seg.onnx raised on case %d (seed %d): %s\n"):format(i, seed, tostring(net)))
    os.exit(1)
  end
  if net then
    loaded = loaded + 1
    local inputs, okin = {}, true
    for k, info in ipairs(net.inputs) do
      if info.type ~= "float32" then okin = false break end
      inputs[k] = input_for(info)
    end
    if okin then
      local okr, e = pcall(net.run, net, inputs)
      if okr then ran = ran + 1
      elseif not tostring(e):find("bad argument") then
        io.stderr:write(("fuzz-onnx: run raised on case %d (seed %d): %s\n"):format(i, seed, tostring(e)))
        os.exit(1)
      end
    end
    net:release()
  else
    assert(type(err) == "string")
  end
end
print(("fuzz-onnx: %d mutated models (seed %d), %d loaded, %d ran; no crash"):format(count, seed, loaded, ran))

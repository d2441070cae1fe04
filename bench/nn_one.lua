-- bench/nn_one.lua — one network, one process (so peak memory is its own):
--   lua5.4 bench/nn_one.lua MODEL.onnx INPUT.f32 1x3x512x512 THREADS RUNS [WARMUP]
-- Loads the model (timed), feeds the same float32 bytes the onnxruntime run
-- gets, runs WARMUP + RUNS times and prints one line of JSON: load_ms,
-- median_ms, min_ms, peak_rss_kb (VmHWM), threads, and the per-operator-type
-- split of the timed runs from net:stats().
package.cpath = "./?.so;" .. package.cpath
local seg = require "seg"
local clock = require("system").gettime   -- lua-system (Debian lua-system)

local model, input, shape_s, threads, runs, warm = arg[1], arg[2], arg[3], tonumber(arg[4]) or 1,
  tonumber(arg[5]) or 5, tonumber(arg[6]) or 1
seg.threads(threads)
local shape = {}
for d in shape_s:gmatch("%d+") do shape[#shape + 1] = math.tointeger(tonumber(d)) end
local f = assert(io.open(input, "rb"))
local x = seg.tensor_from_data(f:read("a"), shape)
f:close()

local function rss (key)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. key .. ":%s+(%d+)")
    if v then return tonumber(v) end
  end
end
local base = rss("VmRSS")
local t0 = clock()
local net = assert(seg.onnx(model, {threads = threads}))
local load_ms = (clock() - t0) * 1e3
for _ = 1, warm do assert(net:run(x)) end
net:stats{reset = true}
local times = {}
for i = 1, runs do
  local s = clock()
  local y = assert(net:run(x))
  times[i] = (clock() - s) * 1e3
  y:release()
end
table.sort(times)
local st = net:stats()
local ops = {}
for _, o in ipairs(st.ops) do
  ops[#ops + 1] = ('{"op":"%s","ms":%.3f,"share":%.4f,"gflops":%s}'):format(o.op, o.ms / runs, o.share,
    o.gflops and ("%.2f"):format(o.gflops) or "null")
end
print(('{"load_ms":%.2f,"median_ms":%.3f,"min_ms":%.3f,"peak_rss_kb":%d,"base_rss_kb":%d,"threads":%d,"arena_bytes":%d,"ops":[%s]}'):format(
  load_ms, times[(#times + 1) // 2], times[1], rss("VmHWM"), base, threads, st.peak_bytes, table.concat(ops, ",")))

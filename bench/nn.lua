-- bench/nn.lua — lua-seg's ONNX engine against onnxruntime on the same
-- machine, in the same run, on the same input bytes, with the same thread
-- count (`make bench-nn`). Each measurement is a fresh process, so load
-- time and peak memory are that engine's alone: bench/nn_one.lua for ours,
-- bench/ort_run.js (onnxruntime-node, intraOpNumThreads = threads) for the
-- peer. The two alternate, REPS times each, and the best median of each
-- side is kept (the machines are noisy; alternating keeps drift out of the
-- ratio). Writes the table to bench/nn.md and prints it.
--
--   lua5.4 bench/nn.lua [RUNS] [REPS]
local RUNS, REPS = tonumber(arg[1]) or 5, tonumber(arg[2]) or 2
local NODE = os.getenv("NODE") or "node"
local ORT_DIR = os.getenv("ORT_NODE_DIR") or "build/node"
local LUA = os.getenv("LUA") or "lua5.4"
-- Theoretical f32 peak of one core here: 2.0 GHz x 2 AVX-512 FMA units x
-- 16 lanes x 2 flops (lscpu: "Intel Xeon Processor @ 2.00GHz", avx512f).
local PEAK_GFLOPS = tonumber(os.getenv("PEAK_GFLOPS")) or 128

local rows = {
  {name = "PP-OCRv4 det, 960x960", model = "build/models/ch_PP-OCRv4_det_infer.onnx",
   input = "x", shape = "1x3x960x960", file = "build/models/ppocr_ref/x.f32"},
  {name = "bundled U-Net, 512x512", model = "examples/models/unet_nuclei.onnx",
   input = "image", shape = "1x1x512x512"},
  {name = "encoder-decoder (big_fixed), 1024x1024", model = "build/nets/big_fixed.onnx",
   input = "input", shape = "1x3x1024x1024"},
}

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok = p:close()
  return ok and out or nil, out
end

local function field(json, k) return tonumber(json:match('"' .. k .. '":([%d.]+)')) end

local function exists(path) local f = io.open(path, "rb"); if f then f:close() end; return f ~= nil end

local ort = ("ORT_NODE_DIR=%s %s bench/ort_run.js"):format(ORT_DIR, NODE)
os.execute("mkdir -p build/bench")

local out = {}
local function emit(s) print(s); out[#out + 1] = s end

emit("# lua-seg's ONNX engine against onnxruntime " .. "(`make bench-nn`)")
emit("")
emit(("Same machine, same run, same input, same threads; %d timed runs after one warm-up per process, " ..
  "best median of %d alternating processes per side. Peak = the process's peak resident memory " ..
  "(VmHWM for lua5.4, maxRSS for node), and in brackets its growth over the process before the " ..
  "model was loaded. Ratios are ours / onnxruntime's (below 1: we are faster or smaller)."):format(RUNS, REPS))
emit("")
emit("| model | threads | ours ms | ORT ms | ratio | ours load ms | ORT load ms | ratio | ours peak MiB | ORT peak MiB | ratio |")
emit("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
local splits = {}
for _, r in ipairs(rows) do
  if not exists(r.model) then
    emit(("| %s | - | missing: %s | | | | | | | | |"):format(r.name, r.model))
  else
    if not r.file then
      local dir = "build/bench/" .. r.model:match("([^/]+)%.onnx$")
      r.file = dir .. "/" .. r.input .. ".f32"
      if not exists(r.file) then
        assert(sh(("%s %s --runs 1 --warmup 0 --shape %s=%s --out %s"):format(ort, r.model, r.input, r.shape, dir)),
          "onnxruntime could not make the input of " .. r.model)
      end
    end
    for _, t in ipairs{1, 2} do
      local best = {}
      for _ = 1, REPS do
        local a = assert(sh(("%s bench/nn_one.lua %s %s %s %d %d 1"):format(LUA, r.model, r.file, r.shape, t, RUNS)))
        local b = assert(sh(("%s %s --threads %d --runs %d --warmup 1 --input %s=%s:%s"):format(
          ort, r.model, t, RUNS, r.input, r.file, r.shape)))
        for side, j in pairs{ours = a, ort = b} do
          local m = field(j, "median_ms")
          if not best[side] or m < best[side].median then
            best[side] = {median = m, load = field(j, "load_ms"), peak = field(j, "peak_rss_kb") / 1024,
                          base = (field(j, "base_rss_kb") or 0) / 1024, json = j}
          end
        end
      end
      local o, p = best.ours, best.ort
      emit(("| %s | %d | %.1f | %.1f | %.2f | %.0f | %.0f | %.2f | %.0f (+%.0f) | %.0f (+%.0f) | %.2f |"):format(
        r.name, t, o.median, p.median, o.median / p.median, o.load, p.load, o.load / p.load,
        o.peak, o.peak - o.base, p.peak, p.peak - p.base, o.peak / p.peak))
      if t == 1 then splits[#splits + 1] = {r.name, o.json, o.median} end
    end
  end
end
emit("")
emit(("## Time per operator type (ours, 1 thread, net:stats()); convolution GFLOP/s against a core's " ..
  "theoretical peak of %d GFLOP/s"):format(PEAK_GFLOPS))
for _, s in ipairs(splits) do
  emit("")
  emit(("### %s: %.1f ms"):format(s[1], s[3]))
  emit("")
  emit("| op | ms | share | GFLOP/s | of peak |")
  emit("| --- | --- | --- | --- | --- |")
  for op, ms, share, gf in s[2]:gmatch('{"op":"([^"]+)","ms":([%d.]+),"share":([%d.]+),"gflops":([%w.]+)}') do
    local g = tonumber(gf)
    emit(("| %s | %.2f | %.1f%% | %s | %s |"):format(op, tonumber(ms), tonumber(share) * 100,
      g and ("%.1f"):format(g) or "", g and ("%.0f%%"):format(g / PEAK_GFLOPS * 100) or ""))
  end
end
local f = assert(io.open("bench/nn.md", "w"))
f:write(table.concat(out, "\n"), "\n")
f:close()

#!/usr/bin/env lua5.4
-- bench/run.lua — `make bench`: lua-seg against its peers, side by side.
--
-- Times every case of bench/cases.lua in this process (monotonic wall
-- clock from lua-system), then hands the same cases to the peer runners
-- (bench/peers.py under /usr/bin/python3 for OpenCV/NumPy/scikit-image),
-- which load the same input files and report medians on stdout. Prints a
-- markdown table and writes it, with a legend, to bench/results.md.

local USAGE = [[
usage: lua5.4 bench/run.lua [options]      (make bench BENCH_ARGS="...")
  --threads N   threads on both sides: seg.threads(N), cv2.setNumThreads(N)
                (default 1; "all" = every core)
  --quick       3 repetitions and a short time cap per case: a smoke run
  --reps N      timed repetitions per case and side (default 11)
  --only PAT    cases whose name matches PAT (Lua pattern or plain text;
                several separated by commas)
  --size N      side of the square inputs in pixels (default 4096)
  --out FILE    markdown output (default bench/results.md; "-" for none)
  --no-peers    time lua-seg only
  --list        list the cases and exit]]

local HERE = (arg and arg[0] or ""):match("^(.*)[/\\][^/\\]*$") or "."
package.path = HERE .. "/?.lua;" .. package.path
package.cpath = "./?.so;" .. package.cpath
local PYTHON = os.getenv("PYTHON") or "/usr/bin/python3"

-- Peers and the programs that time them. A runner is given the path of a
-- JSON request and prints "id<TAB>median_seconds[<TAB>note]" lines (see
-- bench/README.md). onnxruntime comes from npm's onnxruntime-node, hence node.
local RUNNERS = {
  python = { prog = PYTHON, script = HERE .. "/peers.py" },
  node = { prog = "node", script = HERE .. "/peers.js" },
}
local PEER_RUNNER = { opencv = "python", numpy = "python", skimage = "python",
                      scipy = "python", onnxruntime = "node" }
local PEER_ORDER = { opencv = 1, skimage = 2, scipy = 3, numpy = 4, onnxruntime = 5 }

---------------------------------------------------------------- helpers

local function die (msg) io.stderr:write("bench: ", msg, "\n"); os.exit(1) end
local function log (...) io.stderr:write(string.format(...), "\n") end

local function readfile (path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a"); f:close()
  return s
end

local function quote (s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function json (v)
  local t = type(v)
  if t == "table" then
    local out = {}
    if #v > 0 then
      for i = 1, #v do out[i] = json(v[i]) end
      return "[" .. table.concat(out, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do out[#out + 1] = json(k) .. ":" .. json(v[k]) end
    return "{" .. table.concat(out, ",") .. "}"
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function (c)
      return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "number" then
    return math.type(v) == "integer" and tostring(v) or string.format("%.17g", v)
  elseif t == "boolean" then
    return tostring(v)
  end
  return "null"
end

local function median (t)
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) // 2] end
  return (t[n // 2] + t[n // 2 + 1]) / 2
end

-- "file.lua:12: attempt to ..." -> "attempt to ...", on one short line
local function short (msg)
  msg = tostring(msg):gsub("^[^\n]-:%d+: ", ""):gsub("%s+", " ")
  if #msg > 90 then msg = msg:sub(1, 87) .. "..." end
  return (msg:gsub("|", "\\|"))
end

local function fmt_time (s)
  if not s then return "n/a" end
  local ms = s * 1e3
  if ms >= 100 then return string.format("%.0f ms", ms)
  elseif ms >= 10 then return string.format("%.1f ms", ms)
  elseif ms >= 1 then return string.format("%.2f ms", ms) end
  return string.format("%.3f ms", ms)
end

---------------------------------------------------------------- options

local opt = { threads = "1", reps = 11, warmup = 1, min_reps = 3, max_time = 10,
              size = 4096, out = HERE .. "/results.md", peers = true }
do
  local i = 1
  local function value ()
    i = i + 1
    return arg[i] or die("missing value after " .. arg[i - 1])
  end
  while arg[i] do
    local a = arg[i]
    if a == "--threads" then opt.threads = value()
    elseif a == "--quick" then opt.quick = true
    elseif a == "--reps" then opt.reps_arg = math.tointeger(tonumber(value()))
    elseif a == "--only" then opt.only = value()
    elseif a == "--size" then opt.size = math.tointeger(tonumber(value()))
    elseif a == "--out" then opt.out = value()
    elseif a == "--no-peers" then opt.peers = false
    elseif a == "--list" then opt.list = true
    elseif a == "-h" or a == "--help" then print(USAGE); os.exit(0)
    else die("unknown option " .. a .. "\n" .. USAGE) end
    i = i + 1
  end
  if #arg > 0 then opt.args = ' BENCH_ARGS="' .. table.concat(arg, " ") .. '"' end
  if opt.quick then opt.reps, opt.min_reps, opt.max_time = 3, 1, 2 end
  if opt.reps_arg then opt.reps = opt.reps_arg end
  if not opt.reps or opt.reps < 1 then die("--reps wants a positive integer") end
  if not opt.size or opt.size < 16 then die("--size wants an integer >= 16") end
end

---------------------------------------------------------------- module

local seg
do
  local so = os.getenv("SEG_SO")
  if so then
    local open = assert(package.loadlib(so, "luaopen_seg"))
    seg = open("seg")
    package.loaded.seg = seg
  else
    local ok, m = pcall(require, "seg")
    if not ok then die("cannot load seg.so (run `make` first): " .. short(m)) end
    seg = m
  end
end

local ok_sys, system = pcall(require, "system")
if not ok_sys or not system.monotime then
  die("needs lua-system for a monotonic clock: apt-get install lua-system")
end
local now = system.monotime

local cores = seg.threads()
if opt.threads == "all" then opt.threads = cores end
opt.threads = math.tointeger(tonumber(opt.threads))
if not opt.threads or opt.threads < 1 then die("--threads wants a positive integer or 'all'") end
seg.threads(opt.threads)

---------------------------------------------------------------- cases

local all = dofile(HERE .. "/cases.lua")

local function matches (name)
  if not opt.only then return true end
  for pat in opt.only:gmatch("[^,]+") do
    if name:find(pat, 1, true) then return true end
    local ok, hit = pcall(string.find, name, pat)
    if ok and hit then return true end
  end
  return false
end

local function peer_names (case)
  local names = {}
  for name in pairs(case.peers or {}) do names[#names + 1] = name end
  table.sort(names, function (a, b)
    local pa, pb = PEER_ORDER[a] or 99, PEER_ORDER[b] or 99
    if pa ~= pb then return pa < pb end
    return a < b
  end)
  return names
end

if opt.list then
  for _, c in ipairs(all) do
    print(string.format("%-18s %-32s %s", c.name, c.lua or "",
                        table.concat(peer_names(c), ", ")))
  end
  os.exit(0)
end

-- the selection, plus the memcpy rows that its "÷ memcpy" column needs
local cases = {}
do
  local want = {}
  for _, c in ipairs(all) do
    if matches(c.name) then
      want[c] = true
      if c.memcpy then want[c.memcpy] = true end
    end
  end
  for _, c in ipairs(all) do
    if want[c] or (c.reference and want[c.reference]) then cases[#cases + 1] = c end
  end
  if #cases == 0 then die("no case matches --only " .. opt.only) end
end

---------------------------------------------------------------- inputs

local datadir = string.format("%s/data/%d", HERE, opt.size)
local meta = readfile(datadir .. "/meta.json")
if not meta then
  log("preparing inputs in %s (once) ...", datadir)
  local ok = os.execute(string.format("%s %s prepare %s %d", quote(PYTHON),
    quote(HERE .. "/peers.py"), quote(datadir), opt.size))
  meta = readfile(datadir .. "/meta.json")
  if not ok or not meta then die("input preparation failed") end
end
local W = math.tointeger(tonumber(meta:match('"width":%s*(%d+)')))
local H = math.tointeger(tonumber(meta:match('"height":%s*(%d+)')))

-- Inputs are loaded on first use, so an unimplemented operator (gt, for the
-- masks) only takes down the rows that need it.
local function inputs ()
  local function raw (name, c)
    return function ()
      local s = assert(readfile(datadir .. "/" .. name), "missing " .. name)
      return seg.from_data(s, W, H, c)
    end
  end
  local function bytes (name)
    return function () return assert(readfile(datadir .. "/" .. name), "missing " .. name) end
  end
  local load = {
    rgb = raw("rgb.raw", 3), rgb2 = raw("rgb2.raw", 3), gray = raw("gray.raw", 1),
    png = bytes("rgb.png"), jpeg = bytes("rgb.jpg"), gray_png = bytes("gray.png"),
    m1 = function (d) return d.gray:gt(127) end,
    m2 = function (d) return d.gray:lt(200) end,
  }
  return setmetatable({ width = W, height = H }, { __index = function (d, k)
    local f = load[k] or error("no input named " .. tostring(k), 2)
    local v = f(d)
    rawset(d, k, v)
    return v
  end })
end

---------------------------------------------------------------- lua side

-- Median wall time of fn over opt.reps calls after the warm-up, stopping
-- early (not before min_reps) once max_time seconds are spent. A full
-- collection runs before each call and the collector is stopped during it,
-- so garbage from one call is never paid for inside another.
local function measure (fn)
  local last
  for _ = 1, opt.warmup do last = fn() end
  local times, total = {}, 0
  for _ = 1, opt.reps do
    collectgarbage("collect")
    collectgarbage("stop")
    local t0 = now()
    local r = fn()
    local t1 = now()
    r = nil -- luacheck: ignore
    collectgarbage("restart")
    times[#times + 1] = t1 - t0
    total = total + (t1 - t0)
    if total > opt.max_time and #times >= opt.min_reps then break end
  end
  return median(times), last
end

local ours = {}   -- case name -> { time = s } or { err = msg }, plus note
do
  local d = inputs()
  for _, c in ipairs(cases) do
    local res = {}
    local ok, err = pcall(function ()
      local fn = c.run(d, c.params or {})
      local t, last = measure(fn)
      res.time = t
      if c.note then
        local okn, note = pcall(c.note, last)
        if okn then res.note = note end
      end
    end)
    if not ok then res.err = short(err) end
    ours[c.name] = res
    log("  lua-seg %-18s %s", c.name, res.time and fmt_time(res.time) or "n/a: " .. res.err)
    collectgarbage("collect")
  end
end
collectgarbage("collect") -- drop the inputs before the peers run

---------------------------------------------------------------- peer side

local theirs = {}   -- "case/peer" -> { time = s, note = } or { err = }
local versions = {} -- name -> version string, from the runners' "#" lines

local function run_peers (rname, entries)
  local r = RUNNERS[rname]
  local function fail (msg)
    for _, e in ipairs(entries) do
      if not theirs[e.id] then theirs[e.id] = { err = msg } end
    end
  end
  if not r then return fail("no runner " .. rname) end
  if not io.open(r.script) then return fail("no " .. r.script .. " yet") end
  local tmp = os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write(json { data = datadir, threads = opt.threads, reps = opt.reps,
                 warmup = opt.warmup, min_reps = opt.min_reps,
                 max_time = opt.max_time, cases = entries })
  f:close()
  local p = io.popen(string.format("%s %s run %s", quote(r.prog), quote(r.script), quote(tmp)))
  for line in p:lines() do
    if line:sub(1, 1) == "#" then
      local k, v = line:match("^#\t([^\t]+)\t(.*)$")
      if k then versions[k] = v end
    else
      local id, val, note = line:match("^([^\t]+)\t([^\t]*)\t?(.*)$")
      if id then
        local t = tonumber(val)
        if t then theirs[id] = { time = t, note = note ~= "" and note or nil }
        else theirs[id] = { err = short(note ~= "" and note or val) } end
        log("  %-7s %-18s %s", id:match("/(.*)$") or "", id:match("^(.*)/") or id,
            t and fmt_time(t) or "n/a: " .. theirs[id].err)
      end
    end
  end
  local _, how, code = p:close()
  os.remove(tmp)
  fail(string.format("%s runner failed (%s %s)", rname, how, code))
end

if opt.peers then
  local by_runner, order = {}, {}
  for _, c in ipairs(cases) do
    for _, pname in ipairs(peer_names(c)) do
      local code = c.peers[pname]
      local entry = { id = c.name .. "/" .. pname, peer = pname, params = c.params }
      local rname = PEER_RUNNER[pname] or "python"
      if type(code) == "string" then
        entry.code = { run = code }
      else
        rname = code.runner or rname
        if code.key then entry.key = code.key
        else entry.code = { setup = code.setup, run = code.run, note = code.note } end
      end
      if not by_runner[rname] then by_runner[rname] = {}; order[#order + 1] = rname end
      table.insert(by_runner[rname], entry)
    end
  end
  for _, rname in ipairs(order) do run_peers(rname, by_runner[rname]) end
end

---------------------------------------------------------------- report

local function cpu_model ()
  local s = readfile("/proc/cpuinfo") or ""
  return (s:match("model name%s*:%s*([^\n]+)") or "unknown CPU"):gsub("%s+", " ")
end

local header = string.format(
  "lua-seg %s vs OpenCV %s / NumPy %s · %d×%d inputs · %d thread%s each · " ..
  "median of %d runs after %d warm-up · %s, %d cores · %s",
  seg.version or "?", versions.opencv or "?", versions.numpy or "?", W, H,
  opt.threads, opt.threads == 1 and "" or "s", opt.reps, opt.warmup, cpu_model(),
  cores, os.date("%Y-%m-%d"))

local rows = {
  "| case | lua-seg | peer | peer time | ours/peer | ÷ memcpy | notes |",
  "|---|---:|---|---:|---:|---:|---|",
}
local memcpy_time = {}
for _, c in ipairs(cases) do
  if c.reference then memcpy_time[c.reference] = ours[c.name].time end
end
local logsum, nratios = 0, 0
for _, c in ipairs(cases) do
  local o = ours[c.name]
  local names = opt.peers and peer_names(c) or {}
  if #names == 0 then names = { false } end
  for _, pname in ipairs(names) do
    local t = pname and (theirs[c.name .. "/" .. pname] or { err = "not run" }) or {}
    local ratio, vs_memcpy = "", ""
    if o.time and t.time then
      ratio = string.format("%.2f", o.time / t.time)
      if not c.reference then logsum, nratios = logsum + math.log(o.time / t.time), nratios + 1 end
    end
    local m = c.memcpy and memcpy_time[c.memcpy]
    if o.time and m then vs_memcpy = string.format("%.2f", o.time / m) end
    local notes = {}
    if c.reference then
      notes[#notes + 1] = string.format("memcpy reference (%.1f MB)",
        W * H * (c.reference == "gray" and 1 or 3) / 1e6)
    end
    if o.err then notes[#notes + 1] = "lua-seg: " .. o.err end
    if t.err then notes[#notes + 1] = pname .. ": " .. t.err end
    if o.note and t.note then
      notes[#notes + 1] = string.format("ours %s, %s %s", o.note, pname, t.note)
    elseif o.note or t.note then
      notes[#notes + 1] = o.note and "ours " .. o.note or pname .. " " .. t.note
    end
    rows[#rows + 1] = string.format("| %s | %s | %s | %s | %s | %s | %s |",
      c.name, fmt_time(o.time), pname or "—", pname and fmt_time(t.time) or "",
      ratio, vs_memcpy, table.concat(notes, "; "))
  end
end
local summary = nratios > 0 and string.format(
  "Geometric mean of ours/peer over %d rows: %.2f (< 1: lua-seg is faster).",
  nratios, math.exp(logsum / nratios)) or "No row has both timings."

local tbl = table.concat(rows, "\n")
print(header .. "\n\n" .. tbl .. "\n\n" .. summary)

if opt.out ~= "-" then
  local legend = { "| case | lua-seg | peer code |", "|---|---|---|" }
  for _, c in ipairs(cases) do
    local codes = {}
    for _, pname in ipairs(peer_names(c)) do
      local code = c.peers[pname]
      if type(code) == "table" then code = code.show or code.run or ("peers.py " .. code.key) end
      codes[#codes + 1] = string.format("%s: `%s`", pname,
        (code:gsub("|", "\\|"):gsub("\n", "; ")))
    end
    legend[#legend + 1] = string.format("| %s | `%s` | %s |", c.name,
      ((c.lua or ""):gsub("|", "\\|")), table.concat(codes, "<br>"))
  end
  local f, err = io.open(opt.out, "w")
  if not f then die(err) end
  f:write("# lua-seg benchmarks\n\n",
    "Generated by `make bench", opt.args or "", "` (bench/run.lua). ", header, ".\n\n",
    "*ours/peer* < 1 means lua-seg is faster. *÷ memcpy* is lua-seg's time over ",
    "its own `clone` of the case's input (the memcpy rows): pointwise operators ",
    "aim at 2 or less.\n\n", tbl, "\n\n", summary, "\n\n## What each row runs\n\n",
    "Inputs are in bench/data/ (made by `peers.py prepare`): the scikit-image ",
    "astronaut upscaled to ", W, "×", H, " with INTER_CUBIC; `rgb2` is it ",
    "mirrored; `m1 = gray > 127`, `m2 = gray < 200`. Codec rows start from the file ",
    "bytes in memory.\n\n", table.concat(legend, "\n"), "\n")
  f:close()
  log("wrote %s", opt.out)
end

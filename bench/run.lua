#!/usr/bin/env lua5.4
-- bench/run.lua — `make bench`: lua-seg against its peers, side by side.
--
-- Runs the cases of bench/cases.lua and bench/cases/*.lua: each case is
-- timed in this process (monotonic wall clock from lua-system) and by its
-- peers in a long-lived runner (bench/peers.py under /usr/bin/python3 for
-- OpenCV/NumPy/scikit-image/SciPy) that loads the same input files. The
-- sides take turns repetition by repetition, so machine load hits them
-- alike. Prints markdown tables of the medians and ratios and writes them,
-- with a legend, to bench/results.md.

local USAGE = [[
usage: lua5.4 bench/run.lua [options]      (make bench BENCH_ARGS="...")
  --threads N   threads on both sides: seg.threads(N), cv2.setNumThreads(N)
                (default 1; "all" = every core)
  --quick       3 repetitions and a short time cap per case: a smoke run
  --reps N      timed repetitions per case and side (default 11; fewer
                once a case has used 10 s per side, never under 3)
  --only PAT    cases whose name contains PAT (plain text or Lua pattern)
                or whose group (cases file) is PAT; several: a,b,c
  --size N      side of the square inputs in pixels (default 4096)
  --out FILE    markdown output (default bench/results.md; "-" for none)
  --no-peers    time lua-seg only
  --list        list the cases and exit]]

local HERE = (arg and arg[0] or ""):match("^(.*)[/\\][^/\\]*$") or "."
package.path = HERE .. "/?.lua;" .. package.path
package.cpath = "./?.so;" .. package.cpath
local PYTHON = os.getenv("PYTHON") or "/usr/bin/python3"

-- Peers and the programs that time them (protocol: bench/README.md).
-- onnxruntime comes from npm's onnxruntime-node, hence a node runner.
local RUNNERS = {
  python = { prog = PYTHON, script = HERE .. "/peers.py" },
  node = { prog = "node", script = HERE .. "/peers.js" },
}
local PEER_RUNNER = { opencv = "python", numpy = "python", skimage = "python",
                      scipy = "python", onnxruntime = "node" }
local PEER_ORDER = { opencv = 1, skimage = 2, scipy = 3, numpy = 4, onnxruntime = 5 }

---------------------------------------------------------------- helpers

local U = dofile(HERE .. "/util.lua")
local die, log, readfile, quote = U.dier("bench"), U.log, U.readfile, U.quote

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

-- bench/cases.lua (group "core") then bench/cases/*.lua, one file per
-- operator family (group = file name), each returning a list of cases. A
-- file that fails to load is reported and skipped, not fatal.
local all, groups = {}, {}
do
  local files = { { HERE .. "/cases.lua", "core" } }
  local ls = io.popen("ls " .. quote(HERE .. "/cases") .. " 2>/dev/null")
  local names = {}
  for f in ls:lines() do
    if f:match("^[%w_%-]+%.lua$") then names[#names + 1] = f end
  end
  ls:close()
  table.sort(names)
  for _, f in ipairs(names) do
    files[#files + 1] = { HERE .. "/cases/" .. f, f:sub(1, -5) }
  end
  for _, f in ipairs(files) do
    local ok, list = pcall(dofile, f[1])
    if not ok or type(list) ~= "table" then
      log("bench: skipping %s: %s", f[1], short(ok and "does not return a list" or list))
    else
      groups[#groups + 1] = f[2]
      for _, c in ipairs(list) do
        c.group = f[2]
        all[#all + 1] = c
      end
    end
  end
end

-- --only PAT: a case is in when PAT (plain text, else a Lua pattern) is
-- found in its name or is its group's name.
local function matches (c)
  if not opt.only then return true end
  for pat in opt.only:gmatch("[^,]+") do
    if pat == c.group or c.name:find(pat, 1, true) then return true end
    local ok, hit = pcall(string.find, c.name, pat)
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
    print(string.format("%-8s %-22s %-34s %s", c.group, c.name, c.lua or "",
                        table.concat(peer_names(c), ", ")))
  end
  os.exit(0)
end

-- the selection, plus the memcpy rows that its "÷ memcpy" column needs
local cases = {}
do
  local want = {}
  for _, c in ipairs(all) do
    if matches(c) then
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

-- The load average before anything runs: on a shared machine it says how
-- far the absolute times are from an idle one's (the ratios suffer less).
local START_LOAD = (readfile("/proc/loadavg") or ""):match("^(%S+)") or "?"

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

---------------------------------------------------------------- peer side

-- A runner is started once, before anything is timed, and driven one
-- command at a time (protocol in peers.py and bench/README.md). It reads
-- commands on stdin and answers on a FIFO; the `cat` after it swallows our
-- writes if it dies, so a crashed runner turns into n/a cells (EOF on the
-- FIFO) rather than a SIGPIPE here.
local versions = {} -- name -> version string, from the runners' "#" lines

local function start_runner (rname, entries)
  local r = RUNNERS[rname]
  if not r then return { err = "no runner " .. rname } end
  local probe = io.open(r.script)
  if not probe then return { err = "no " .. r.script .. " yet" } end
  probe:close()
  local req = os.tmpname()
  local f = assert(io.open(req, "w"))
  f:write(json { data = datadir, threads = opt.threads, warmup = opt.warmup,
                 cases = entries })
  f:close()
  local fifo = req .. ".fifo"
  if not os.execute("mkfifo " .. quote(fifo)) then
    os.remove(req)
    return { err = "mkfifo failed" }
  end
  local h = { req = req, fifo = fifo, name = rname }
  h.to = io.popen(string.format("{ %s %s serve %s > %s; cat > /dev/null; }",
    quote(r.prog), quote(r.script), quote(req), quote(fifo)), "w")
  h.from = io.open(fifo, "r")
  for line in h.from:lines() do
    if line == "ready" then return h end
    local k, v = line:match("^#\t([^\t]+)\t(.*)$")
    if k then versions[k] = v end
  end
  h.err = rname .. " runner failed to start"
  return h
end

-- Sends "cmd id"; returns value, note, or nil, reason.
local function ask (h, cmd, id)
  if h.err then return nil, h.err end
  h.to:write(cmd, " ", id, "\n")
  h.to:flush()
  local line = h.from:read("l")
  if not line then
    h.err = h.name .. " runner died"
    return nil, h.err
  end
  local _, val, note = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
  if val == "n/a" or not val then return nil, short(note ~= "" and note or line) end
  return val, note
end

local function stop_runner (h)
  if h.to then h.to:close() end
  if h.from then h.from:close() end
  if h.req then os.remove(h.req) end
  if h.fifo then os.remove(h.fifo) end
end

-- one request entry per (case, peer), grouped by runner
local entries_of = {}   -- case -> list of { id, runner }
local runners = {}      -- runner name -> handle
if opt.peers then
  local by_runner, order = {}, {}
  for _, c in ipairs(cases) do
    entries_of[c] = {}
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
      table.insert(entries_of[c], { id = entry.id, runner = rname })
    end
  end
  for _, rname in ipairs(order) do runners[rname] = start_runner(rname, by_runner[rname]) end
end

---------------------------------------------------------------- the run

-- Wall time of one call. A full collection runs before it and the collector
-- is stopped during it, so one call's garbage is never paid for in another.
local function timed (fn)
  collectgarbage("collect")
  collectgarbage("stop")
  local t0 = now()
  local ok, r = pcall(fn)
  local t1 = now()
  collectgarbage("restart")
  if not ok then error(r, 0) end
  r = nil -- luacheck: ignore
  return t1 - t0
end

-- Times one case on every side. The sides take turns, one repetition each,
-- after their warm-ups, so a change of machine load hits them all alike;
-- it stops after opt.reps rounds, or earlier (but not before min_reps)
-- once the case has used max_time seconds per side.
local function run_case (c, d)
  local sides = {}   -- { name, times = {}, rep = function, finish = function }
  local ours = { name = "lua-seg", times = {} }
  local ok, err = pcall(function ()
    local fn = c.run(d, c.params or {})
    local last
    for _ = 1, opt.warmup do last = fn() end
    ours.rep = function () return timed(fn) end
    ours.finish = function ()
      if c.note then
        local okn, note = pcall(c.note, last)
        if okn then ours.note = note end
      end
      last, fn = nil, nil
    end
  end)
  if not ok then ours.err = short(err) end
  sides[1] = ours
  for _, e in ipairs(entries_of[c] or {}) do
    local h = runners[e.runner]
    local side = { name = e.id:match("/(.*)$"), id = e.id, times = {} }
    local okp, why = ask(h, "setup", e.id)
    if okp then
      side.rep = function ()
        local v, reason = ask(h, "rep", e.id)
        return tonumber(v) or error(reason or "bad answer", 0)
      end
      side.finish = function ()
        local v, note = ask(h, "done", e.id)
        if v and note ~= "" then side.note = note end
      end
    else
      side.err = why
    end
    sides[#sides + 1] = side
  end
  local spent, live = 0, 0
  for _, s in ipairs(sides) do if s.rep then live = live + 1 end end
  for round = 1, opt.reps do
    for _, s in ipairs(sides) do
      if s.rep then
        local okr, t = pcall(s.rep)
        if okr then
          s.times[#s.times + 1] = t
          spent = spent + t
        else
          s.err, s.rep = short(t), nil
        end
      end
    end
    if round >= opt.min_reps and spent > opt.max_time * live then break end
  end
  for _, s in ipairs(sides) do
    if s.finish then s.finish() end
    if not s.err and #s.times > 0 then s.time = median(s.times) end
    log("  %-18s %-7s %s", s == ours and c.name or "", s.name,
        s.time and fmt_time(s.time) or "n/a: " .. (s.err or "?"))
  end
  return sides
end

local ours = {}     -- case name -> { time = s, note = } or { err = msg }
local theirs = {}   -- "case/peer" -> { time = s, note = } or { err = msg }
do
  local d = inputs()
  for _, c in ipairs(cases) do
    local sides = run_case(c, d)
    ours[c.name] = sides[1]
    for i = 2, #sides do theirs[sides[i].id] = sides[i] end
    collectgarbage("collect")
  end
end
for _, h in pairs(runners) do stop_runner(h) end

---------------------------------------------------------------- report

local function cpu_model ()
  local s = readfile("/proc/cpuinfo") or ""
  return (s:match("model name%s*:%s*([^\n]+)") or "unknown CPU"):gsub("%s+", " ")
end

local header = string.format(
  "lua-seg %s vs OpenCV %s / NumPy %s / scikit-image %s / SciPy %s · " ..
  "%d×%d inputs · %d thread%s each · " ..
  "median of up to %d runs taken in turn after %d warm-up · %s, %d cores, " ..
  "load %s at start · %s",
  seg.version or "?", versions.opencv or "?", versions.numpy or "?",
  versions.skimage or "?", versions.scipy or "?", W, H,
  opt.threads, opt.threads == 1 and "" or "s", opt.reps, opt.warmup, cpu_model(),
  cores, START_LOAD, os.date("%Y-%m-%d"))

local HEAD = "| case | lua-seg | peer | peer time | ours/peer | ÷ memcpy | notes |\n" ..
             "|---|---:|---|---:|---:|---:|---|"
local memcpy_time = {}
for _, c in ipairs(cases) do
  if c.reference then memcpy_time[c.reference] = ours[c.name].time end
end
local geo = {}        -- peer -> { sum of log ratios, n }, and peers in order
local rows_of = {}   -- group -> markdown rows
for _, c in ipairs(cases) do
  local rows = rows_of[c.group] or {}
  rows_of[c.group] = rows
  local o = ours[c.name]
  local names = opt.peers and peer_names(c) or {}
  if #names == 0 then names = { false } end
  for _, pname in ipairs(names) do
    local t = pname and (theirs[c.name .. "/" .. pname] or { err = "not run" }) or {}
    local ratio, vs_memcpy = "", ""
    if o.time and t.time then
      local r = o.time / t.time
      ratio = string.format(r >= 10 and "%.1f" or r >= 0.1 and "%.2f" or "%.3f", r)
      if not c.reference then
        local g = geo[pname] or { sum = 0, n = 0 }
        if g.n == 0 then geo[pname] = g; geo[#geo + 1] = pname end
        g.sum, g.n = g.sum + math.log(r), g.n + 1
      end
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
    elseif o.note then
      notes[#notes + 1] = "ours " .. o.note
    elseif t.note then
      notes[#notes + 1] = t.note:find(pname, 1, true) == 1 and t.note or pname .. " " .. t.note
    end
    rows[#rows + 1] = string.format("| %s | %s | %s | %s | %s | %s | %s |",
      c.name, fmt_time(o.time), pname or "—", pname and fmt_time(t.time) or "",
      ratio, vs_memcpy, (table.concat(notes, "; "):gsub("|", "\\|")))
  end
end
-- one table per group, under a heading when there are several
local parts, shown = {}, {}
for _, g in ipairs(groups) do
  if rows_of[g] then shown[#shown + 1] = g end
end
for _, g in ipairs(shown) do
  if #shown > 1 then parts[#parts + 1] = "### " .. g .. "\n" end
  parts[#parts + 1] = HEAD .. "\n" .. table.concat(rows_of[g], "\n") .. "\n"
end
local tbl = table.concat(parts, "\n")
local summary = "No row has both timings."
if #geo > 0 then
  local parts = {}
  for _, pname in ipairs(geo) do
    parts[#parts + 1] = string.format("%s %.2f (%d row%s)", pname,
      math.exp(geo[pname].sum / geo[pname].n), geo[pname].n, geo[pname].n == 1 and "" or "s")
  end
  summary = "Geometric mean of ours/peer: " .. table.concat(parts, ", ") ..
            " (< 1: lua-seg is faster)."
end

print(header .. "\n\n" .. tbl .. "\n" .. summary)

if opt.out ~= "-" then
  local legend = { "| group | case | lua-seg | peer code |", "|---|---|---|---|" }
  for _, c in ipairs(cases) do
    local codes = {}
    for _, pname in ipairs(peer_names(c)) do
      local code = c.peers[pname]
      if type(code) == "table" then code = code.show or code.run or ("peers.py " .. code.key) end
      codes[#codes + 1] = string.format("%s: `%s`", pname,
        (code:gsub("|", "\\|"):gsub("\n", "; ")))
    end
    legend[#legend + 1] = string.format("| %s | %s | `%s` | %s |", c.group, c.name,
      ((c.lua or ""):gsub("|", "\\|")), table.concat(codes, "<br>"))
  end
  local f, err = io.open(opt.out, "w")
  if not f then die(err) end
  f:write("# lua-seg benchmarks\n\n",
    "Generated by `make bench", opt.args or "", "` (bench/run.lua). ", header, ".\n\n",
    "*ours/peer* < 1 means lua-seg is faster. *÷ memcpy* is lua-seg's time over ",
    "its own `clone` of the case's input (the memcpy rows): pointwise operators ",
    "aim at 2 or less.\n\n", tbl, "\n", summary, "\n\n## What each row runs\n\n",
    "Inputs are in bench/data/ (made by `peers.py prepare`): the scikit-image ",
    "astronaut upscaled to ", W, "×", H, " with INTER_CUBIC; `rgb2` is it ",
    "mirrored; `m1 = gray > 127`, `m2 = gray < 200`. Codec rows start from the file ",
    "bytes in memory.\n\n", table.concat(legend, "\n"), "\n")
  f:close()
  log("wrote %s", opt.out)
end

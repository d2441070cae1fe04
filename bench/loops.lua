#!/usr/bin/env lua5.4
-- bench/loops.lua — `make bench-loops` (also run by `make bench`): loops as
-- people write them, timed per iteration, with their peak resident memory,
-- next to the same loops in Python with OpenCV (bench/loops_peer.py).
--
-- Unlike bench/run.lua, nothing here collects garbage or stops the
-- collector while timing: the loops run under the collector a script gets
-- by default (incremental), 1 thread on both sides, on the shared 4096²
-- gray input of bench/run.lua (bench/data/<size>/gray.raw, the astronaut
-- upscaled). Each loop runs in a fresh process of its own, so the peak
-- (VmHWM of /proc/self/status, reset once the inputs are made) belongs to
-- that loop alone. Writes bench/loops.md.

local USAGE = [[
usage: lua5.4 bench/loops.lua [options]          (make bench-loops)
  --only PAT    loops whose name contains PAT (plain text; several: a,b)
  --size N      side of the square input (default 4096)
  --rounds N    runs of each loop per side, alternating; the best median
                is kept (default 1)
  --out FILE    markdown output (default bench/loops.md; "-" for none)
  --no-peers    lua-seg only
  --so DIR      load seg.so from DIR (another build, to compare)]]

local HERE = (arg and arg[0] or ""):match("^(.*)[/\\][^/\\]*$") or "."
local ROOT = HERE .. "/.."
package.cpath = (os.getenv("SEG_DIR") or ROOT) .. "/?.so;" .. package.cpath
local PYTHON = os.getenv("PYTHON") or "/usr/bin/python3"
local LUA = os.getenv("LUA") or "lua5.4"
local MB = 1024 * 1024

local U = dofile(HERE .. "/util.lua")
local die, log, readfile, quote = U.dier("loops"), U.log, U.readfile, U.quote

-- Resident memory figures of this process, in bytes.
local function status (key)
  local s = readfile("/proc/self/status") or ""
  local kb = s:match(key .. ":%s*(%d+)")
  return kb and tonumber(kb) * 1024 or 0
end

-- Makes VmHWM the current VmRSS (Linux >= 4.0), so the peak read at the
-- end is the loop's, not the setup's.
local function reset_peak ()
  local f = io.open("/proc/self/clear_refs", "w")
  if f then f:write("5"); f:close() end
end

local function median (t)
  local s = {}
  for i = 1, #t do s[i] = t[i] end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end

---------------------------------------------------------------- the loops

-- Each loop: name, the Lua code shown in loops.md, iterations, and a body
-- run in the child: body(seg, g, now, times) fills times[i] (seconds) and
-- returns a note. 'g' is the gray input; everything else is made inside.
-- The peer (loops_peer.py) has a loop of the same name.
local LOOPS = {
  { name = "threshold", iters = 200,
    code = "for i = 1, N do local m = g:threshold(128) end",
    live = 2,   -- images alive throughout: g and one mask
    body = function (seg, g, now, times)
      local keep = g:threshold(128)   -- "one mask alive"
      for i = 1, #times do
        local t0 = now()
        local m = g:threshold(128)
        times[i] = now() - t0
      end
      return ""
    end },
  { name = "erode", iters = 100,
    code = "for i = 1, N do local m = b:erode(seg.rect(5, 5)) end",
    live = 2,   -- g and the mask b
    body = function (seg, g, now, times)
      local b = g:threshold(128)
      for i = 1, #times do
        local t0 = now()
        local m = b:erode(seg.rect(5, 5))
        times[i] = now() - t0
      end
      return ""
    end },
  { name = "threshold <close>", iters = 200,
    code = "for i = 1, N do local m <close> = g:threshold(128) end",
    live = 2,
    body = function (seg, g, now, times)
      local keep = g:threshold(128)
      for i = 1, #times do
        local t0 = now()
        local m <close> = g:threshold(128)
        times[i] = now() - t0
      end
      return ""
    end },
  { name = "pipeline", iters = 40, pipeline = true,
    code = 'gaussian(1.5) → threshold("otsu") → fill_holes() → remove_small(64) → '
      .. 'label() → regions{properties = {"area", "bbox", "centroid"}}',
    body = function (seg, g, now, times)
      local props = { properties = { "area", "bbox", "centroid" } }
      local n, hwm1
      for i = 1, #times do
        local t0 = now()
        local s = g:gaussian(1.5)
        local m = s:threshold("otsu")
        local f = m:fill_holes()
        local r = f:remove_small(64)
        local lab = r:label()
        local regions = lab:regions(props)
        times[i] = now() - t0
        n = #regions
        if i == 1 then hwm1 = status("VmHWM") end
      end
      return ("regions=%d hwm1=%d"):format(n, hwm1)
    end },
}

---------------------------------------------------------------- child

-- lua5.4 bench/loops.lua --child NAME SIZE [generational]: runs one loop,
-- prints key=value lines.
if arg[1] == "--child" then
  local name, size, mode = arg[2], tonumber(arg[3]), arg[4]
  local loop
  for _, l in ipairs(LOOPS) do if l.name == name then loop = l end end
  if not loop then die("no loop " .. tostring(name)) end
  local seg = require "seg"
  local now = require("system").monotime
  seg.threads(1)
  if mode == "generational" then collectgarbage("generational") end
  local base = status("VmRSS")
  local g
  do
    local raw = assert(readfile(("%s/data/%d/gray.raw"):format(HERE, size)))
    g = seg.from_data(raw, size, size, 1)
  end
  local times = {}
  for i = 1, loop.iters do times[i] = 0 end
  collectgarbage()          -- setup garbage (the raw string) goes before timing
  collectgarbage(mode == "generational" and "generational" or "incremental")
  local before = status("VmRSS")
  reset_peak()
  local note = loop.body(seg, g, now, times)
  local peak = status("VmHWM")
  local sum = 0
  for i = 1, #times do sum = sum + times[i] end
  print(("median=%.9f"):format(median(times)))
  print(("mean=%.9f"):format(sum / #times))
  print(("base=%d"):format(base))
  print(("before=%d"):format(before))
  print(("peak=%d"):format(peak))
  print(("image=%d"):format(size * size))
  for k, v in note:gmatch("(%w+)=(%S+)") do print(k .. "=" .. v) end
  os.exit(0)
end

-- lua5.4 bench/loops.lua --release: resident memory given back by
-- release() of a 48 MiB image, with the cache off and on.
if arg[1] == "--release" then
  local seg = require "seg"
  local function drop (cache)
    seg.limits{cache = cache}
    local img = seg.image(4096, 4096, 3, "u8", 7)   -- every page written
    local before = status("VmRSS")
    img:release()
    return before - status("VmRSS")
  end
  print(("off=%d"):format(drop(0)))
  print(("on=%d"):format(drop(256 * MB)))
  os.exit(0)
end

---------------------------------------------------------------- parent

local opt = { size = 4096, rounds = 1, out = HERE .. "/loops.md", peers = true }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--only" then opt.only = arg[i + 1]; i = i + 1
    elseif a == "--size" then opt.size = math.tointeger(tonumber(arg[i + 1])) or die("--size N"); i = i + 1
    elseif a == "--rounds" then opt.rounds = math.tointeger(tonumber(arg[i + 1])) or die("--rounds N"); i = i + 1
    elseif a == "--out" then opt.out = arg[i + 1]; i = i + 1
    elseif a == "--no-peers" then opt.peers = false
    elseif a == "--so" then opt.so = arg[i + 1]; i = i + 1
    elseif a == "--help" or a == "-h" then print(USAGE); os.exit(0)
    else die("unknown option " .. a .. "\n" .. USAGE) end
    i = i + 1
  end
end

local function selected (name)
  if not opt.only then return true end
  for pat in opt.only:gmatch("[^,]+") do
    if name:find(pat, 1, true) then return true end
  end
  return false
end

local datadir = ("%s/data/%d"):format(HERE, opt.size)
if not readfile(datadir .. "/gray.raw") then
  log("preparing inputs in %s (once) ...", datadir)
  local ok = os.execute(("%s %s prepare %s %d"):format(quote(PYTHON),
    quote(HERE .. "/peers.py"), quote(datadir), opt.size))
  if not ok or not readfile(datadir .. "/gray.raw") then die("input preparation failed") end
end

local function run (cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  local ok = p:close()
  if not ok then die("failed: " .. cmd .. "\n" .. out) end
  local r = {}
  for k, v in out:gmatch("(%w+)=(%S+)") do r[k] = tonumber(v) or v end
  return r
end

local function ours (name, mode)
  local env = opt.so and ("SEG_DIR=%s "):format(quote(opt.so)) or ""
  return run(("%s%s %s --child %s %d %s"):format(env, quote(LUA), quote(HERE .. "/loops.lua"),
    quote(name), opt.size, mode or "incremental"))
end

local function peer (name, iters)
  return run(("%s %s %s %s %d"):format(quote(PYTHON), quote(HERE .. "/loops_peer.py"),
    quote(name), quote(datadir), iters))
end

local function best (a, b)
  if not a then return b end
  return (b.median < a.median) and b or a
end

local START_LOAD = (readfile("/proc/loadavg") or ""):match("^(%S+)") or "?"
local rows = {}
for _, loop in ipairs(LOOPS) do
  if selected(loop.name) then
    local row = { loop = loop }
    for _ = 1, opt.rounds do
      log("%-18s lua-seg ...", loop.name)
      row.ours = best(row.ours, ours(loop.name))
      if opt.peers then
        log("%-18s opencv ...", loop.name)
        row.peer = best(row.peer, peer(loop.name, loop.iters))
      end
    end
    log("%-18s lua-seg, generational collector ...", loop.name)
    row.gen = ours(loop.name, "generational")
    rows[#rows + 1] = row
  end
end

local release = run(("%s%s %s --release"):format(opt.so and ("SEG_DIR=%s "):format(quote(opt.so)) or "",
  quote(LUA), quote(HERE .. "/loops.lua")))

---------------------------------------------------------------- report

local function ms (s) return ("%.2f"):format(s * 1e3) end
local function mib (b) return ("%.0f"):format(b / MB) end

-- Memory above the process before its inputs were made ('base'): the
-- interpreter and libraries differ between the sides, the images do not.
local function above (r) return r.peak - r.base end
-- One iteration's working set: what the first iteration added to the
-- process (its peak over the RSS just before the loop).
local function working_set (r) return r.hwm1 - r.before end

local function checks (row)
  local o, p, loop = row.ours, row.peer, row.loop
  local out = {}
  if loop.pipeline then
    local w = working_set(o)
    local grow = o.peak - o.before
    out[#out + 1] = ("peak over the loop %s MiB ≤ 2 × one iteration's working set (%s MiB): %s")
      :format(mib(grow), mib(w), grow <= 2 * w and "**met**" or "**not met**")
  else
    local bound = (loop.live + 4) * o.image
    out[#out + 1] = ("peak %s MiB ≤ live images + 4 outputs (%s MiB): %s")
      :format(mib(above(o)), mib(bound), above(o) <= bound and "**met**" or "**not met**")
    if p and loop.name ~= "threshold <close>" then
      local ratio = o.median / p.median
      out[#out + 1] = ("time %.2f× OpenCV ≤ 1.3×: %s"):format(ratio,
        ratio <= 1.3 and "**met**" or "**not met**")
    end
  end
  return table.concat(out, "; ")
end

local lines = {}
local function emit (s) lines[#lines + 1] = s; print(s) end
emit("# Loops as written: time per iteration and peak memory")
emit("")
emit(("Generated by `make bench-loops` (bench/loops.lua) on %s, load average %s at the start. "
  .. "%d×%d u8 gray input (bench/data), 1 thread on both sides, the incremental collector "
  .. "(a new lua_State's default; the lua5.4 interpreter starts scripts generational, so the "
  .. "loop process switches explicitly; the last column is the generational one), no forced "
  .. "collection; each loop in a fresh process, best of %d run%s per side, alternating. "
  .. "Times: median of the per-iteration times (mean in brackets: it shows collector pauses "
  .. "and the machine's noise). Peak: VmHWM of the "
  .. "process (reset once its inputs are made) minus its VmRSS before the inputs, in MiB; "
  .. "the interpreter and libraries differ between the sides, the images do not.")
  :format(os.date("!%Y-%m-%d %H:%M UTC"), START_LOAD, opt.size, opt.size, opt.rounds,
    opt.rounds == 1 and "" or "s"))
emit("")
emit("| loop | lua-seg ms | OpenCV ms | ratio | lua-seg peak MiB | OpenCV peak MiB | generational: ms, peak MiB |")
emit("|---|---:|---:|---:|---:|---:|---:|")
for _, row in ipairs(rows) do
  local o, p, gn = row.ours, row.peer, row.gen
  emit(("| %s | %s (%s) | %s | %s | %s | %s | %s, %s |"):format(row.loop.name,
    ms(o.median), ms(o.mean), p and ("%s (%s)"):format(ms(p.median), ms(p.mean)) or "–",
    p and ("%.2f×"):format(o.median / p.median) or "–", mib(above(o)),
    p and mib(above(p)) or "–", ms(gn.median), mib(above(gn))))
end
emit("")
emit("Targets (issue 6):")
emit("")
for _, row in ipairs(rows) do emit(("- %s: %s"):format(row.loop.name, checks(row))) end
emit(("- release() of a 48 MiB image (4096×4096×3 u8, every page written), cache off "
  .. "(`seg.limits{cache = 0}`): resident memory fell by %s MiB at once, ≥ 40: %s. With the "
  .. "cache on (the default) it fell by %s MiB: the block waits in the cache for the next "
  .. "image of its size (docs/core.md, Memory).")
  :format(mib(release.off), release.off >= 40 * MB and "**met**" or "**not met**", mib(release.on)))
emit("")
emit("The loops:")
emit("")
for _, row in ipairs(rows) do
  local extra = ""
  if row.loop.pipeline then
    extra = (" — %d regions (OpenCV: %s)"):format(row.ours.regions,
      row.peer and tostring(row.peer.regions) or "–")
  end
  emit(("- %s: `%s`%s"):format(row.loop.name, row.loop.code, extra))
end
emit("")
emit("OpenCV's loops (bench/loops_peer.py, Python 3, cv2 " ..
  "with `cv2.setNumThreads(1)`): `cv2.threshold(g, 128, 1, THRESH_BINARY)`; " ..
  "`cv2.erode(b, getStructuringElement(MORPH_RECT, (5, 5)))`; the `<close>` row " ..
  "runs the threshold loop again (Python frees the previous array on rebinding); " ..
  "the pipeline is `GaussianBlur(g, (0, 0), 1.5)` → `threshold(..., THRESH_OTSU)` → " ..
  "hole filling by the border flood-fill idiom (pad, `floodFill` from a corner, keep " ..
  "what the flood did not reach) → `connectedComponentsWithStats` and a NumPy lookup " ..
  "to drop components under 64 pixels → `connectedComponentsWithStats` again, and a " ..
  "dict per region with its label, area, bbox {x, y, w, h} and centroid {x, y} " ..
  "(what `regions` returns for those properties).")
if opt.out ~= "-" then
  local f = assert(io.open(opt.out, "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
  log("wrote %s", opt.out)
end

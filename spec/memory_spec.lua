-- Pixel memory: release(), __close and __gc give pixels back at once, loops
-- that never release stay bounded under both collectors, the cache of
-- freed blocks and its limits. Resident memory is read from
-- /proc/self/status (Linux); elsewhere those checks are skipped.
local seg = require "seg"

local MiB = 1024 * 1024

local function status (key)
  local f = io.open("/proc/self/status", "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  local kb = s:match(key .. ":%s*(%d+)")
  return kb and tonumber(kb) * 1024
end
local function rss () return status("VmRSS") end
-- Under AddressSanitizer blocks come from its allocator, whose quarantine
-- holds freed memory: resident figures say nothing there.
local linux = rss() ~= nil and not os.getenv("SEG_ASAN")

-- Runs f with the cache limits in 'limits', restoring the previous ones.
local function with_limits (limits, f)
  local old = seg.limits()
  seg.limits(limits)
  local ok, err = pcall(f)
  seg.limits(old)
  if not ok then error(err, 0) end
end

-- A 4096x4096 RGB u8 image (48 MiB) whose every page has been written.
local function big () return seg.image(4096, 4096, 3, "u8", 7) end

describe("release", function()
  it("gives a 48 MiB image back to the system at once (cache off)", function()
    if not linux then return pending("needs /proc/self/status, without ASan") end
    with_limits({cache = 0}, function()
      local img = big()
      local before = rss()
      img:release()
      local drop = before - rss()
      assert.is_true(drop >= 40 * MiB, ("RSS fell by %.1f MiB"):format(drop / MiB))
    end)
  end)

  it("frees at once when a <close> variable goes out of scope", function()
    if not linux then return pending("needs /proc/self/status, without ASan") end
    with_limits({cache = 0}, function()
      local before
      do
        local img <close> = big()
        before = rss()
      end
      local drop = before - rss()
      assert.is_true(drop >= 40 * MiB, ("RSS fell by %.1f MiB"):format(drop / MiB))
    end)
  end)

  it("keeps the freed block in the cache, reuses it, and seg.limits{cache=0} gives it back", function()
    with_limits({cache = 256 * MiB, cache_blocks = 4}, function()
      collectgarbage()                        -- no garbage left for pacing to free into the cache
      seg.limits{cache = 0}                   -- start from an empty cache
      seg.limits{cache = 256 * MiB}
      local img = big()
      local live = seg.memory().live
      img:release()
      local m = seg.memory()
      assert.are.equal(48 * MiB, live - m.live)
      assert.are.equal(48 * MiB, m.cached)
      assert.are.equal(1, m.cached_blocks)
      local before = linux and rss()
      local hits = m.hits
      local again = seg.image(4096, 4096, 3, "u8")  -- same size: the cached block
      assert.are.equal(hits + 1, seg.memory().hits)
      assert.are.equal(0, seg.memory().cached)
      if linux then assert.is_true(rss() - before < 8 * MiB) end
      again:release()
      before = linux and rss()
      seg.limits{cache = 0}
      assert.are.equal(0, seg.memory().cached)
      if linux then
        local drop = before - rss()
        assert.is_true(drop >= 40 * MiB, ("RSS fell by %.1f MiB"):format(drop / MiB))
      end
    end)
  end)

  it("zeroes a reused block for a zero-filled image", function()
    with_limits({cache = 64 * MiB, cache_blocks = 4}, function()
      local a = seg.image(2048, 2048, 1, "u8", 255)
      a:release()
      local hits = seg.memory().hits
      local b = seg.image(2048, 2048)
      assert.are.equal(hits + 1, seg.memory().hits)
      assert.are.equal(0, b:max())
      local m = seg.mask(2048, 2048, true)
      m:release()
      local l = seg.labels(1024, 1024)       -- 4 MiB of i32: the same block
      assert.are.equal(0, l:max())
    end)
  end)

  it("is idempotent across release, __close and __gc", function()
    collectgarbage()          -- earlier tests' garbage must not move 'live'
    local img = seg.image(1024, 1024, 4)
    local live = seg.memory().live
    img:release()
    img:release()
    do local same <close> = img end
    assert.are.equal(live - 4 * MiB, seg.memory().live)
    img = nil
    collectgarbage()
    assert.are.equal(live - 4 * MiB, seg.memory().live)
  end)

  it("makes every later use raise a 'released' error", function()
    local img, m, lab = seg.image(8, 8), seg.mask(8, 8), seg.labels(8, 8)
    img:release(); m:release(); lab:release()
    assert.has_error(function() img:threshold(1) end,
      "calling 'threshold' on bad self (image has been released)")
    assert.error_matches(function() m:erode(1) end, "has been released")
    assert.has_error(function() m:fill_holes() end,
      "calling 'fill_holes' on bad self (mask has been released)")
    assert.has_error(function() lab:regions() end,
      "calling 'regions' on bad self (labels have been released)")
    assert.has_error(function() seg.image(8, 8):add(img) end)
    assert.are.equal("seg.Mask (released)", tostring(m))
    assert.are.equal(0, img.width)
  end)

  it("inside a finalizer, refuses the object but keeps the pixels until its __gc", function()
    collectgarbage()
    local img = seg.image(1024, 1024, 1, "u8", 3)
    local live = seg.memory().live
    setmetatable({}, {__gc = function() img:release() end})
    collectgarbage()
    assert.are.equal("seg.Image (released)", tostring(img))
    assert.are.equal(0, img.width)
    assert.has_error(function() img:clone() end,
      "calling 'clone' on bad self (image has been released)")
    assert.are.equal(live, seg.memory().live)      -- still held by the object
    img = nil
    collectgarbage()
    assert.are.equal(live - MiB, seg.memory().live)
  end)

  it("from a finalizer run by an operator's own allocation, leaves that operator its input", function()
    -- Regression: pacing steps the collector inside crop's allocation; the
    -- finalizer released crop's input there, and crop then read a null
    -- row. A child process, where the step surely ends a cycle.
    local lua = os.getenv("LUA") or "lua5.4"
    local so = os.getenv("SEG_SO")
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(([[
      package.cpath = %q .. "/?.so;" .. package.cpath
      local seg = require "seg"
      local img = seg.image(2048, 2048, 1, "u8", 5)
      setmetatable({}, {__gc = function() img:release() end})
      local c = img:crop(0, 0, 2000, 2000)
      print(c.width, c:min(), c:max(), tostring(img))]]):format(so and so:match("^(.*)/[^/]*$") or "."))
    f:close()
    local p = assert(io.popen(lua .. " " .. path .. " 2>&1", "r"))
    local out = p:read("a")
    p:close()
    os.remove(path)
    assert.are.equal("2000\t5\t5\tseg.Image (released)\n", out)
  end)
end)

describe("loops that never release", function()
  -- Each loop runs in a fresh process: the collector paces pixel garbage in
  -- proportion to the Lua heap (as its own pause does), and this process's
  -- heap holds every spec loaded so far, so a bound of a few outputs is
  -- checked where the heap is that of a plain script.
  local lua = os.getenv("LUA") or "lua5.4"
  local so = os.getenv("SEG_SO")
  local sodir = so and so:match("^(.*)/[^/]*$") or "."
  local S = 2048
  local image = S * S

  -- Runs 'body' (Lua code using seg, g and 'sample()') under 'mode' in a
  -- child; returns the most pixel bytes and resident bytes above those of
  -- the moment before the loop.
  local function child (mode, body)
    local code = ([[
      package.cpath = %q .. "/?.so;" .. package.cpath
      local seg = require "seg"
      collectgarbage(%q)
      local function rss ()
        local f = io.open("/proc/self/status")
        local s = f and f:read("a") or ""
        if f then f:close() end
        return (tonumber(s:match("VmRSS:%%s*(%%d+)")) or 0) * 1024
      end
      local g = seg.image(%d, %d, 1, "u8", 100)
      local keep = g:threshold(50)
      local live0, rss0 = seg.memory().live, rss()
      local max_live, max_rss = 0, 0
      local function sample ()
        local l, r = seg.memory().live - live0, rss() - rss0
        if l > max_live then max_live = l end
        if r > max_rss then max_rss = r end
      end
      %s
      print(max_live, max_rss, keep ~= nil)
    ]]):format(sodir, mode, S, S, body)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(code)
    f:close()
    local p = assert(io.popen(lua .. " " .. path, "r"))
    local out = p:read("a")
    p:close()
    os.remove(path)
    local l, r = out:match("^(%d+)%s+(%-?%d+)%s+true")
    assert(l, "child failed: " .. out)
    return tonumber(l), tonumber(r)
  end

  -- 200 thresholds, nothing released, no collection asked for.
  local THRESHOLDS = "for i = 1, 200 do local m = g:threshold(128); sample() end"

  for _, mode in ipairs{"incremental", "generational"} do
    it("of 200 thresholds stays within a few outputs under the " .. mode .. " collector", function()
      local extra_live, extra_rss = child(mode, THRESHOLDS)
      -- the new output and at most two not yet collected
      assert.is_true(extra_live <= 3 * image,
        ("%.1f MiB of pixels above live"):format(extra_live / MiB))
      -- resident: those, plus what the cache holds (4 blocks at most)
      if linux then
        assert.is_true(extra_rss <= 7 * image,
          ("RSS %.1f MiB above live"):format(extra_rss / MiB))
      end
    end)
  end

  it("stays bounded when every output lives through several allocations (generational)", function()
    -- Outputs kept in a ring of 8 grow old before they die, which minor
    -- collections do not reclaim; pacing bounds the garbage by what was
    -- live (here under its 64 MiB floor) with full collections instead.
    local extra_live = child("generational", [[
      local ring = {}
      for i = 1, 400 do ring[i % 8 + 1] = g:threshold(128); sample() end]])
    assert.is_true(extra_live <= 8 * image + 64 * MiB + 2 * image,
      ("%.1f MiB of pixels above the input"):format(extra_live / MiB))
  end)

  it("stays within the Lua heap's share in a large heap (incremental)", function()
    -- Here, inside the spec runner: the pixel garbage may reach about the
    -- heap's size (the collector's pause) before a cycle ends.
    local old = collectgarbage("incremental")
    local ok, err = pcall(function()
      local g = seg.image(S, S, 1, "u8", 100)
      local live0 = seg.memory().live
      local heap0 = collectgarbage("count") * 1024
      local max_live = 0
      for _ = 1, 200 do
        local m = g:threshold(128)
        local l = seg.memory().live - live0
        if l > max_live then max_live = l end
      end
      -- the rule of pacing: garbage up to the largest of what was live, the
      -- heap and 64 MiB, then a full collection
      local heap = math.max(heap0, collectgarbage("count") * 1024)
      local bound = math.max(live0, 2 * heap, 64 * MiB) + 4 * image
      assert.is_true(max_live <= bound, ("%.1f MiB of pixels above live, bound %.1f MiB")
        :format(max_live / MiB, bound / MiB))
    end)
    collectgarbage(old)
    assert(ok, err)
  end)

  it("leaves a stopped collector stopped", function()
    collectgarbage("stop")
    local ok, err = pcall(function()
      local g = seg.image(S, S)
      local live = seg.memory().live
      for _ = 1, 4 do local m = g:threshold(1) end
      -- nothing was collected: all four outputs are still held
      assert.are.equal(live + 4 * image, seg.memory().live)
    end)
    collectgarbage("restart")
    assert(ok, err)
  end)
end)

describe("allocation failure", function()
  it("raises 'not enough memory' and leaves the state usable", function()
    -- A child under a 400 MB address-space limit asks for a 1 GiB image.
    -- (AddressSanitizer reserves terabytes of address space: not there.)
    if os.getenv("SEG_ASAN") then return pending("address-space limits break ASan") end
    local lua = os.getenv("LUA") or "lua5.4"
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write([[
      package.cpath = "./?.so;" .. package.cpath
      local seg = require "seg"
      local live = seg.memory().live
      local ok, err = pcall(seg.image, 16384, 16384, 1, "f32")
      print(ok, err, seg.memory().live == live, tostring(seg.image(8, 8)))]])
    f:close()
    local p = assert(io.popen(("sh -c 'ulimit -v 400000; %s %s'"):format(lua, path), "r"))
    local out = p:read("a")
    p:close()
    os.remove(path)
    assert.are.equal("false\tnot enough memory\ttrue\tseg.Image 8x8, 1 channel, u8\n", out)
  end)
end)

describe("seg.limits", function()
  it("round-trips the cache limits", function()
    local old = seg.limits()
    assert.are.equal(256 * MiB, old.cache)
    assert.are.equal(4, old.cache_blocks)
    local t = seg.limits{cache = 0}
    assert.are.equal(0, t.cache)
    assert.are.equal(0, seg.memory().cached)
    t = seg.limits{cache = 32 * MiB, cache_blocks = 2}
    assert.are.same({max_pixels = old.max_pixels, cache = 32 * MiB, cache_blocks = 2}, t)
    assert.are.same(t, seg.limits(seg.limits()))
    assert.are.same(old, seg.limits(old))
  end)

  it("evicts down to a smaller bound", function()
    with_limits({cache = 64 * MiB, cache_blocks = 4}, function()
      local a, b, c = seg.image(2048, 2048), seg.image(2048, 2048), seg.image(2048, 2048)
      a:release(); b:release(); c:release()
      assert.are.equal(3, seg.memory().cached_blocks)
      seg.limits{cache_blocks = 1}
      assert.are.equal(1, seg.memory().cached_blocks)
      seg.limits{cache = 1}
      assert.are.equal(0, seg.memory().cached_blocks)
    end)
  end)

  it("raises on an unknown key, naming it and the valid ones, and changes nothing", function()
    local old = seg.limits()
    assert.has_error(function() seg.limits{cache = 0, cahce = 1} end,
      "bad argument #1 to 'limits' (unknown option 'cahce'; valid: max_pixels, cache, cache_blocks)")
    assert.has_error(function() seg.limits{1} end,
      "bad argument #1 to 'limits' (option names must be strings, got number; valid: max_pixels, cache, cache_blocks)")
    assert.has_error(function() seg.limits{cache = -1} end,
      "bad argument #1 to 'limits' ('cache' must be a non-negative integer)")
    assert.has_error(function() seg.limits{max_pixels = 0} end,
      "bad argument #1 to 'limits' ('max_pixels' must be a positive integer)")
    assert.are.same(old, seg.limits())
  end)
end)

describe("crop", function()
  it("refuses sizes whose end overflows instead of wrapping", function()
    local img = seg.image(4, 4)
    assert.has_error(function() img:crop(0, 1, 1, math.maxinteger) end,
      "bad argument #4 to 'crop' (height out of range)")
    assert.has_error(function() img:crop(1, 0, math.maxinteger, 1) end,
      "bad argument #3 to 'crop' (width out of range)")
    assert.are.equal(3, img:crop(1, 1, 3, 3).width)
  end)
end)

describe("collector mode", function()
  -- lua5.4 itself starts scripts under the generational collector, so each
  -- run first switches to incremental with -e: what follows is then the
  -- doing of the module or of lua-seg.
  local lua = os.getenv("LUA") or "lua5.4"
  local so = os.getenv("SEG_SO")               -- the build under test, as spec/helper.lua
  local sodir = so and so:match("^(.*)/[^/]*$") or "."
  local function run (args, code)
    local probe = os.tmpname()
    local f = assert(io.open(probe, "w"))
    f:write(code)
    f:close()
    local p = assert(io.popen(("%s -e 'collectgarbage(\"incremental\")' %s %s"):format(lua, args, probe), "r"))
    local out = p:read("a")
    p:close()
    os.remove(probe)
    return out
  end

  it("is left alone by the module, through loops that pace the collector", function()
    -- collectgarbage(mode) answers the mode in force before the call
    assert.are.equal("incremental\n", run("", [[
      package.cpath = "]] .. sodir .. [[/?.so;" .. package.cpath
      local seg = require "seg"
      local g = seg.image(2048, 2048)
      for i = 1, 20 do local m = g:threshold(1) end
      print(collectgarbage("incremental"))]]))
  end)

  it("is generational in scripts run by lua-seg run", function()
    assert.are.equal("generational\n", run("./lua-seg run", 'print(collectgarbage("incremental"))'))
  end)
end)

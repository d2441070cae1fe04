-- The persistent worker pool (src/core/parallel.c): results independent of
-- the thread count over many small jobs, and a host that exits after
-- threaded work unloads seg.so cleanly (workers joined before the code is
-- unmapped). Concurrent host threads are covered by spec/c/pool_test.c
-- under ThreadSanitizer (make test-tsan).
local seg = require "seg"

describe("the worker pool", function()
  it("gives the same pixels on 1 to 16 threads, call after call", function()
    local old = seg.threads()
    local im = seg.image(37, 61, 1, "u8")
    for y = 0, 60 do for x = 0, 36 do im:set(x, y, (x * 13 + y * 7) % 256) end end
    seg.threads(1)
    local want_g = im:gaussian(1.5):data()
    local want_e = im:erode(seg.rect(3, 3)):data()
    local want_h = im:histogram()
    for round = 1, 20 do
      for _, n in ipairs{2, 3, 4, 7, 16} do
        seg.threads(n)
        assert.are.equal(want_g, im:gaussian(1.5):data(), "gaussian on " .. n .. " threads")
        assert.are.equal(want_e, im:erode(seg.rect(3, 3)):data(), "erode on " .. n .. " threads")
        assert.are.same(want_h, im:histogram())
      end
    end
    seg.threads(old)
  end)

  it("lets a host exit (lua_close unloads seg.so) right after threaded work", function()
    -- the TSan runtime preloaded by make test-tsan crashes the shell popen starts
    if os.getenv("SEG_TSAN") then pending("no shell under the preloaded TSan runtime") return end
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(("package.cpath = %q\n"):format(package.cpath),
      "local seg = require 'seg'\nseg.threads(8)\n",
      "local im = seg.image(256, 256, 1, 'f32', 1)\n",
      "for i = 1, 50 do local g <close> = im:gaussian(2) end\n",
      "io.write('done')\n")
    f:close()
    local p = io.popen((os.getenv("LUA") or "lua5.4") .. " " .. script .. " 2>&1")
    local out = p:read("a")
    local ok, how, code = p:close()
    os.remove(script)
    assert.are.equal("done", out)
    assert.is_true(ok, ("exit: %s %s"):format(how, code))
  end)
end)

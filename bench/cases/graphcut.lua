-- bench/cases/graphcut.lua — graph-cut rows (format of bench/cases.lua).
-- Inputs: a 512 x 512 crop of the bench's RGB image (the astronaut scaled
-- to --size), the same on both sides. GrabCut's result agrees with
-- cv2.grabCut in spec/graphcut_spec.lua; here only the time is compared.
-- OpenCV has no seeded Boykov-Jolly cut nor a public max-flow, so the
-- graphcut and maxflow rows time ours alone.
local seg = require "seg"

local X, Y, N = 1280, 320, 512
local RECT = { x = 64, y = 64, w = 384, h = 384 }
local CROP = ("a = np.ascontiguousarray(rgb[%d:%d, %d:%d])"):format(Y, Y + N, X, X + N)
local CVGRAB = CROP .. "\nb = np.zeros((1, 65)); f = np.zeros((1, 65))"
  .. "\nm = np.zeros(a.shape[:2], np.uint8)"

local function crop (d) return d.rgb:crop(X, Y, N, N) end

-- seeds: a foreground square in the rectangle, a background frame
local function seeds ()
  local s = seg.image(N, N, 1)
  for y = 0, N - 1 do
    for x = 0, N - 1 do
      if x < 16 or y < 16 or x >= N - 16 or y >= N - 16 then s:set(x, y, 2)
      elseif x >= 224 and x < 288 and y >= 224 and y < 288 then s:set(x, y, 1) end
    end
  end
  return s
end

-- GrabCut with the time of its GMM steps (assignment and learning, the
-- per-pixel part that runs on the threads) in the notes
local function grab_note (r) return r and ("gmm steps %.0f ms, cuts %.0f ms"):format(
  1e3 * r.time_gmm, 1e3 * r.time_cut) or "" end

local function grab_threads (n)
  return function (d)
    local a = crop(d)
    return function ()
      local t0 = seg.threads()
      seg.threads(n)
      local _, _, st = a:grabcut(RECT, { stats = true })
      seg.threads(t0)
      return st
    end
  end
end

return {
  { name = "grabcut 512 5 iters", lua = "a:grabcut{x=64, y=64, w=384, h=384}",
    run = function (d) local a = crop(d)
      return function () local _, _, st = a:grabcut(RECT, { stats = true }); return st end end,
    note = grab_note,
    peers = { opencv = { setup = CVGRAB,
                         run = "cv2.grabCut(a, m, (64, 64, 384, 384), b, f, 5, cv2.GC_INIT_WITH_RECT)" } } },
  { name = "grabcut 512 1 thread", lua = "seg.threads(1); a:grabcut(rect)",
    run = grab_threads(1), note = grab_note, peers = {} },
  { name = "grabcut 512 2 threads", lua = "seg.threads(2); a:grabcut(rect)",
    run = grab_threads(2), note = grab_note, peers = {} },
  { name = "graphcut 512 rgb", lua = "a:graphcut(seeds)",
    run = function (d) local a, s = crop(d), seeds()
      return function () return a:graphcut(s) end end,
    peers = {} },
  { name = "maxflow 512 8-conn", lua = "seg.maxflow(src, snk, edges)",
    run = function (d) local a, s = crop(d), seeds()
      local src, snk, e = a:graphcut_graph(s)
      return function () return seg.maxflow(src, snk, e) end end,
    peers = {} },
}

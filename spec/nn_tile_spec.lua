-- net:segment{tile=} on a 6000x6000 image in bounded memory: a child
-- process (so its peak resident memory is its own) segments the image with
-- a small convolutional network tile by tile, and its peak growth must stay
-- within the outputs it returns plus a working set set by the tile size,
-- far below what the whole image through the network would take.
local MiB = 1024 * 1024

local linux = io.open("/proc/self/status", "r")
if linux then linux:close() end
-- ASan's allocator and quarantine make resident figures meaningless.
local measurable = linux and not os.getenv("SEG_ASAN")

local child = [[
local so = os.getenv("SEG_SO")
package.cpath = (so and so:match("^(.*)/[^/]*$") or ".") .. "/?.so;" .. package.cpath
local seg = require "seg"
local B = dofile("spec/onnx_build.lua")
local function status (key)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. key .. ":%s+(%d+)")
    if v then return tonumber(v) * 1024 end
  end
end
-- 1 -> 8 channels (3x3, Relu) -> 1 channel (3x3): 8 intermediate maps
local w1, w2 = {}, {}
for i = 1, 8 * 9 do w1[i] = ((i * 37) % 17 - 8) / 40 end
for i = 1, 8 * 9 do w2[i] = ((i * 29) % 13 - 6) / 30 end
local net = assert(seg.onnx(B.model{
  opset = 13,
  inputs = {{"x", {1, 1, "H", "W"}}}, outputs = {{"y", {1, 1, "H", "W"}}},
  initializers = {{"w1", {8, 1, 3, 3}, w1}, {"b1", {8}, {0.1, 0, -0.1, 0.2, 0, 0.05, -0.05, 0}},
                  {"w2", {1, 8, 3, 3}, w2}},
  nodes = {{"Conv", {"x", "w1", "b1"}, {"h"}, {kernel_shape = {3, 3}, pads = {1, 1, 1, 1}}},
           {"Relu", {"h"}, {"r"}},
           {"Conv", {"r", "w2"}, {"y"}, {kernel_shape = {3, 3}, pads = {1, 1, 1, 1}}}},
}))
local N, TILE = 6000, tonumber(arg[1])
local small = seg.image(64, 64, 1, "u8", 40)
for y = 0, 63, 4 do for x = 0, 63, 3 do small:set(x, y, (x * 7 + y * 3) % 256) end end
local img = small:resize(N, N)   -- every page written
small:release()
collectgarbage()
local before = status("VmHWM")
local labels, prob = net:segment(img, {tile = TILE, overlap = 32, activation = "sigmoid"})
assert(labels.width == N and prob.width == N and prob.channels == 1)
print(("%d %d"):format(before, status("VmHWM")))
]]

describe("net:segment with tiles", function()
  it("segments a 6000x6000 image with peak memory bounded by the tile size", function()
    if not measurable then return pending("needs /proc/self/status, without ASan") end
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(child)
    f:close()
    local p = assert(io.popen(("lua5.4 %s 512 2>&1"):format(path)))
    local out = p:read("a")
    p:close()
    os.remove(path)
    local before, after = out:match("^(%d+) (%d+)")
    assert(before, out)
    local growth = (tonumber(after) - tonumber(before)) / MiB
    -- returned: Labels i32 (137 MiB) and the f32 probability image (137 MiB)
    local outputs = 2 * 6000 * 6000 * 4 / MiB
    -- the whole image through the network would hold its input tensor and
    -- 8 f32 maps of 6000x6000 (about 1.2 GiB) besides the outputs
    assert.is_true(growth < outputs + 96,
      ("peak grew by %.0f MiB; outputs are %.0f MiB"):format(growth, outputs))
  end)
end)

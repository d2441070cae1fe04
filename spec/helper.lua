-- Loaded by busted before the specs: finds the module under test (seg.so in
-- the repository root, or the sanitizer build named by SEG_SO) and offers
-- small comparison helpers.
local so = os.getenv("SEG_SO")
local dir = so and so:match("^(.*)/[^/]*$") or "."
package.cpath = dir .. "/?.so;" .. package.cpath
package.path = "./?.lua;./?/init.lua;" .. package.path

local H = {}

-- Largest absolute difference between two images' pixels (same shape),
-- and how many elements differ.
function H.diff(a, b)
  assert(a.width == b.width and a.height == b.height and a.channels == b.channels,
    ("shape mismatch: %s vs %s"):format(tostring(a), tostring(b)))
  local d = (a:to("f32") - b:to("f32"))
  local lo, hi = math.huge, -math.huge
  for c = 1, d.channels do
    local ch = d:channel(c)
    lo = math.min(lo, (ch:min())); hi = math.max(hi, (ch:max()))
  end
  local worst = math.max(math.abs(lo), math.abs(hi))
  local differ = d:ne(0):count()
  return worst, differ
end

-- Raw little-endian float32 file as an Image.
function H.raw_f32(path, w, h, c)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  local seg = require "seg"
  return seg.from_data(s, w, h, c or 1, "f32")
end

-- Resident set size of this process, in KiB.
function H.rss_kib()
  local f = io.open("/proc/self/status", "r")
  if not f then return nil end
  for line in f:lines() do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then f:close() return tonumber(kb) end
  end
  f:close()
end

_G.seg_helper = H
return H

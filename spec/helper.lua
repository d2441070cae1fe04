-- Loaded by busted before the specs: finds the module under test (seg.so in
-- the repository root, or the sanitizer build named by SEG_SO) and offers
-- small comparison helpers.
local so = os.getenv("SEG_SO")
local dir = so and so:match("^(.*)/[^/]*$") or "."
package.cpath = dir .. "/?.so;" .. package.cpath
package.path = "./?.lua;./?/init.lua;" .. package.path

-- SEG_THREADS=n runs every spec on n threads (make test-tsan sets 4, so the
-- multi-threaded paths run even on a one-core machine). The module stays in
-- package.loaded across spec files, so the setting holds for all of them.
if os.getenv("SEG_THREADS") then
  require("seg").threads(assert(math.tointeger(tonumber(os.getenv("SEG_THREADS"))),
    "SEG_THREADS must be an integer"))
end

local H = {}

-- Largest absolute difference between two images' elements (same width,
-- height and channels; dtypes may differ), and how many elements differ.
-- Reads the raw bytes of data() (native byte order) rather than the
-- library's own arithmetic, so a defect in seg's conversions, subtraction,
-- ne or count cannot hide a mismatch. NaN equals NaN here; NaN against a
-- number counts as a difference of math.huge.
local ELEM = {u8 = {"B", 1}, u16 = {"I2", 2}, i32 = {"i4", 4}, f32 = {"f", 4}}
local CHUNK = 64   -- elements decoded per string.unpack call
local function chunk_format(dtype, k) return "=" .. ELEM[dtype][1]:rep(k) end

function H.diff(a, b)
  assert(a.width == b.width and a.height == b.height and a.channels == b.channels,
    ("shape mismatch: %s vs %s"):format(tostring(a), tostring(b)))
  local ta, tb = a.dtype, b.dtype
  local za, zb = ELEM[ta][2], ELEM[tb][2]
  local sa, sb = a:data(), b:data()
  local n = a.width * a.height * a.channels
  assert(#sa == n * za and #sb == n * zb,
    ("data() holds %d and %d bytes for %d elements"):format(#sa, #sb, n))
  local same = ta == tb
  if same and sa == sb then return 0, 0 end
  local unpack, sub, abs = string.unpack, string.sub, math.abs
  local fa, fb = chunk_format(ta, CHUNK), chunk_format(tb, CHUNK)
  local worst, differ, i = 0, 0, 0
  while i < n do
    local k = math.min(CHUNK, n - i)
    local pa, pb = i * za + 1, i * zb + 1
    -- equal bytes are equal elements (same dtype); only other chunks are decoded
    if not (same and sub(sa, pa, pa + k * za - 1) == sub(sb, pb, pb + k * zb - 1)) then
      local va = {unpack(k == CHUNK and fa or chunk_format(ta, k), sa, pa)}
      local vb = {unpack(k == CHUNK and fb or chunk_format(tb, k), sb, pb)}
      for j = 1, k do
        local x, y = va[j], vb[j]
        if x ~= y and (x == x or y == y) then
          local d = abs(x - y)
          if d ~= d then d = math.huge end
          differ = differ + 1
          if d > worst then worst = d end
        end
      end
    end
    i = i + k
  end
  return worst, differ
end

-- Largest and mean absolute difference of two u8 images' samples.
function H.abs_diff(a, b)
  local sa, sb, worst, sum = a:data(), b:data(), 0, 0
  for i = 1, #sa do
    local d = math.abs(sa:byte(i) - sb:byte(i))
    sum = sum + d
    if d > worst then worst = d end
  end
  return worst, sum / #sa
end

-- The whole content of a file (raises when it cannot be read).
function H.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Raw little-endian float32 file as an Image.
function H.raw_f32(path, w, h, c)
  local seg = require "seg"
  return seg.from_data(H.read(path), w, h, c or 1, "f32")
end

-- The checksum of the reference scripts (spec/refs/checksum.py): the bytes
-- as zero-padded little-endian u64 words w_j, m_j = mix(w_j),
-- h1 = sum m_j, h2 = sum (j+1)*m_j, mod 2^64; "h1h2/length" in hex.
function H.checksum(s)
  local n = #s
  local h1, h2, j = 0, 0, 0
  local function add(w)
    w = w ~ (w >> 31)
    w = w * 0x9E3779B97F4A7C15
    w = w ~ (w >> 29)
    j = j + 1
    h1 = h1 + w
    h2 = h2 + w * j
  end
  local unpack, full, pos = string.unpack, n - n % 64, 1
  while pos <= full do
    local a, b, c, d, e, f, g, h = unpack("<i8i8i8i8i8i8i8i8", s, pos)
    add(a); add(b); add(c); add(d); add(e); add(f); add(g); add(h)
    pos = pos + 64
  end
  local tail = s:sub(full + 1)
  tail = tail .. string.rep("\0", -#tail % 8)
  for k = 1, #tail, 8 do add((unpack("<i8", tail, k))) end
  return ("%016x%016x/%d"):format(h1, h2, n)
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

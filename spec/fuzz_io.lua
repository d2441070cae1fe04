-- spec/fuzz_io.lua — mutation fuzzing of the decoders (`make fuzz-io`).
--
--   lua5.4 spec/fuzz_io.lua [count [seed [seconds]]]
--
-- Takes every image under spec/fixtures/{png,jpeg,pnm,bad}, makes 'count'
-- mutated copies (default 2000; bit flips, random and boundary bytes, cut,
-- duplicated and deleted spans, patched PNG lengths and JPEG dimensions),
-- and decodes each with and without {partial = true}. Every call must
-- return an Image whose data has the size its shape says, or nil and a
-- short message; a raise, a crash or a sanitizer report fails.
-- `make fuzz-io` runs it on the ASan/UBSan build (SEG_SO). Seeded, so a
-- failure reproduces; stops early after 'seconds' (default 600).
local so = os.getenv("SEG_SO")
package.cpath = (so and so:match("^(.*)/[^/]*$") or ".") .. "/?.so;" .. package.cpath
local seg = require "seg"

local count = tonumber(arg[1]) or 2000
local seed = tonumber(arg[2]) or 6
local budget = tonumber(arg[3]) or 600
math.randomseed(seed)
-- a mutated header may claim a large image that its data could hold
seg.limits{max_pixels = 1 << 22}

local files = {}
for _, dir in ipairs{"png", "jpeg", "pnm", "bad"} do
  local p = io.popen('ls spec/fixtures/' .. dir)
  for name in p:lines() do
    local f = io.open("spec/fixtures/" .. dir .. "/" .. name, "rb")
    local s = f and f:read("a")
    if f then f:close() end
    if s and #s > 0 and #s < 65536 then files[#files + 1] = {dir .. "/" .. name, s} end
  end
  p:close()
end
assert(#files > 50, "run from the repository root")

local R = math.random
local interesting = {0, 1, 0x7f, 0x80, 0xfe, 0xff}

local function mutate (s)
  local n = R(1, 4)
  for _ = 1, n do
    local len = #s
    if len == 0 then return "\255\216\255" end
    local k, at = R(1, 9), R(1, len)
    if k == 1 then        -- flip one bit
      s = s:sub(1, at - 1) .. string.char(s:byte(at) ~ (1 << R(0, 7))) .. s:sub(at + 1)
    elseif k == 2 then    -- a random byte
      s = s:sub(1, at - 1) .. string.char(R(0, 255)) .. s:sub(at + 1)
    elseif k == 3 then    -- a boundary byte
      s = s:sub(1, at - 1) .. string.char(interesting[R(#interesting)]) .. s:sub(at + 1)
    elseif k == 4 then    -- cut
      s = s:sub(1, at)
    elseif k == 5 then    -- delete a span
      s = s:sub(1, at - 1) .. s:sub(at + R(1, 64))
    elseif k == 6 then    -- duplicate a span
      local e = math.min(len, at + R(1, 256))
      s = s:sub(1, e) .. s:sub(at, e) .. s:sub(e + 1)
    elseif k == 7 then    -- a big-endian 16/32-bit field: dimensions, lengths
      local v = ({0, 1, 0x7fff, 0xffff, 0x10000, 0x7fffffff, R(0, 0xffff)})[R(7)]
      s = s:sub(1, at - 1) .. string.pack(">I4", v & 0xffffffff) .. s:sub(at + 4)
    elseif k == 8 then    -- a JPEG SOF's dimensions
      local sof = s:find("\255[\192\193\194\201\202]")
      if sof then
        s = s:sub(1, sof + 4) .. string.pack(">I2I2", R(0, 0xffff), R(0, 0xffff)) .. s:sub(sof + 9)
      end
    else                  -- garbage inserted
      local g = {}
      for i = 1, R(1, 16) do g[i] = string.char(R(0, 255)) end
      s = s:sub(1, at - 1) .. table.concat(g) .. s:sub(at)
    end
  end
  return s
end

local esize = {u8 = 1, u16 = 2, i32 = 4, f32 = 4}
local function check (s, opts, what)
  local ok, im, err = pcall(seg.decode, s, opts)
  if not ok then error(what .. " raised: " .. tostring(im)) end
  if im then
    assert(seg.type(im) == "Image", what .. ": not an Image")
    assert(im.width > 0 and im.height > 0 and im.channels >= 1 and im.channels <= 4, what)
    assert(#im:data() == im.width * im.height * im.channels * esize[im.dtype],
           what .. ": data size")
    im:release()
    return 1
  end
  assert(type(err) == "string" and #err > 0 and #err < 160, what .. ": message " .. tostring(err))
  return 0
end

local clock, t0 = os.clock, os.clock()
local done, loaded = 0, 0
for i = 1, count do
  local f = files[R(#files)]
  local s = mutate(f[2])
  local what = ("case %d (%s, seed %d)"):format(i, f[1], seed)
  loaded = loaded + check(s, nil, what) + check(s, {partial = true}, what .. " partial")
  done = i
  if clock() - t0 > budget then break end
end
print(("fuzz-io: %d mutated files from %d fixtures, %d decodes gave an image, %.1f s, seed %d")
      :format(done, #files, loaded, clock() - t0, seed))

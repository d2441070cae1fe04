-- Pixels read straight from an object's data() bytes, so checks on results
-- do not rest on the library's own accessors. Used by robust_spec.lua and
-- fuzz_api.lua.
local P = {}

-- string.unpack format and byte size of one element of each dtype.
P.DT = {u8 = {"B", 1}, u16 = {"I2", 2}, i32 = {"i4", 4}, f32 = {"f", 4}}

-- Every element of an image (row-major, channels interleaved), or nil and a
-- message when data() does not hold width * height * channels of them.
function P.elements(v)
  local s, e = v:data(), P.DT[v.dtype]
  local n = v.width * v.height * v.channels
  if #s ~= n * e[2] then return nil, ("data() holds %d bytes for %d elements"):format(#s, n) end
  local out, i = {}, 0
  while i < n do
    local k = math.min(64, n - i)
    local chunk = {string.unpack("=" .. e[1]:rep(k), s, i * e[2] + 1)}
    for j = 1, k do out[i + j] = chunk[j] end
    i = i + k
  end
  return out
end

return P

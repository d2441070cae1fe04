-- Checks shared by robust_spec.lua and fuzz_api.lua: pixels read straight
-- from an object's data() bytes (so they do not rest on the library's own
-- accessors), and the errors that are not misuse of an argument.
local P = {}

-- Failures that depend on the pixels (a threshold with nothing to separate)
-- or on resources. Anything else a function raises must name its argument.
P.data_errors = {
  "^not enough memory$",
  "^invalid image size %d+x%d+x%d+$",
  "^image of %d+x%d+ exceeds the pixel limit %(%d+%)$",
  "^%a*:? ?image has no finite pixel$",   -- "otsu: ..." or, from the shared histogram step, bare
  "^minimum: unable to find two maxima in histogram$",
  "^isodata: no isodata threshold in histogram$",
  "^multiotsu: image has fewer distinct values than classes$",
  "^multiotsu: too many classes for the image's distinct values %(search too long%)$",
}

function P.is_data_error(e)
  for _, p in ipairs(P.data_errors) do if e:find(p) then return true end end
  return false
end

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

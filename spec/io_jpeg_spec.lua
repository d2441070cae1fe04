-- JPEG codec (src/io/jpeg.c) through seg.load / seg.decode / img:encode:
-- pixels against OpenCV (references from spec/refs/make_jpeg_fixtures.py),
-- EXIF orientation, CMYK, progressive, encoder settings, and broken files.
local H = require "spec.helper"   -- also finds seg.so (SEG_SO for the sanitizer build)
local seg = require "seg"
local refs = dofile("spec/fixtures/jpeg_refs.lua")
local DIR = "spec/fixtures/jpeg/"

local checksum, read = H.checksum, H.read   -- checksum as the reference scripts compute it

local function matches (im, want, what)
  assert(im, what .. ": not decoded")
  assert.are.same({want.w, want.h, want.c, "u8"},
    {im.width, im.height, im.channels, im.dtype}, what .. ": shape")
  assert.are.equal(want.sum, checksum(im:data()), what .. ": pixels")
end

local function same (a, b)
  return a.width == b.width and a.height == b.height and a.channels == b.channels
    and a:data() == b:data()
end

local abs_diff = H.abs_diff

-- Source pixel (x, y) of a w x h image lands at these coordinates of the
-- image shown for EXIF orientation o (TIFF 6.0 / EXIF 2.3, tag 0x0112).
local function oriented_xy (o, x, y, w, h)
  if o == 1 then return x, y
  elseif o == 2 then return w - 1 - x, y
  elseif o == 3 then return w - 1 - x, h - 1 - y
  elseif o == 4 then return x, h - 1 - y
  elseif o == 5 then return y, x
  elseif o == 6 then return h - 1 - y, x
  elseif o == 7 then return h - 1 - y, w - 1 - x
  else return y, w - 1 - x end
end

describe("jpeg decoding agrees with cv2.imread", function()
  it("pixel for pixel on every fixture, raw and oriented", function()
    for name, want in pairs(refs.files) do
      matches(seg.load(DIR .. name, {orient = false}), want.raw, name .. " (orient=false)")
      matches(seg.load(DIR .. name), want.oriented, name .. " (default)")
      matches(seg.load(DIR .. name, {orient = true}), want.oriented, name .. " (orient=true)")
      matches(seg.decode(read(DIR .. name)), want.oriented, name .. " (seg.decode)")
    end
  end)

  it("gives gray JPEGs one channel and CMYK ones three (RGB)", function()
    assert.are.equal(1, seg.load(DIR .. "k_gray_o8.jpg").channels)
    local cmyk = seg.load(DIR .. "k_cmyk.jpg")
    assert.are.equal(3, cmyk.channels)
    matches(cmyk, refs.files["k_cmyk.jpg"].raw, "cmyk")
  end)

  it("decodes progressive, 4:4:4, 4:2:2 and restart-marker files", function()
    for _, name in ipairs{"k_progressive.jpg", "k_444.jpg", "k_422.jpg", "k_restart.jpg"} do
      matches(seg.load(DIR .. name), refs.files[name].raw, name)
    end
  end)
end)

describe("EXIF orientation", function()
  local raw = assert(seg.load(DIR .. "k_o1.jpg"))
  local w, h = raw.width, raw.height

  it("maps every pixel as the tag says, for tags 1 to 8", function()
    for o = 1, 8 do
      local im = assert(seg.load(DIR .. ("k_o%d.jpg"):format(o)))
      if o >= 5 then
        assert.are.same({h, w}, {im.width, im.height}, "tag " .. o)
      else
        assert.are.same({w, h}, {im.width, im.height}, "tag " .. o)
      end
      for _, p in ipairs{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}, {17, 5}, {63, 66}, {3, 64}} do
        local x, y = p[1], p[2]
        local ox, oy = oriented_xy(o, x, y, w, h)
        assert.are.same({raw:get(x, y)}, {im:get(ox, oy)},
          ("tag %d, source (%d, %d)"):format(o, x, y))
      end
    end
  end)

  it("is left alone with {orient = false}", function()
    for o = 1, 8 do
      assert.is_true(same(raw, seg.load(DIR .. ("k_o%d.jpg"):format(o), {orient = false})))
    end
  end)

  it("reads big-endian (Motorola) EXIF as well", function()
    assert.is_true(same(seg.load(DIR .. "k_o6.jpg"), seg.load(DIR .. "k_o6_mm.jpg")))
  end)

  it("ignores a broken or out-of-range EXIF block", function()
    local s = read(DIR .. "k_o1.jpg")
    local function with_app1 (payload)
      return s:sub(1, 2) .. "\255\225" .. string.pack(">I2", #payload + 2) .. payload .. s:sub(3)
    end
    local tiff = "II*\0" .. string.pack("<I4I2", 8, 1) .. string.pack("<I2I2I4I2I2", 0x112, 3, 1, 6, 0)
      .. "\0\0\0\0"
    local ok6 = assert(seg.decode(with_app1("Exif\0\0" .. tiff)))
    assert.are.same({h, w}, {ok6.width, ok6.height})
    for cut = 0, #tiff - 1 do   -- every prefix of the TIFF block
      local im = assert(seg.decode(with_app1("Exif\0\0" .. tiff:sub(1, cut))))
      if cut < 20 then assert.is_true(same(raw, im), "cut at " .. cut) end
    end
    for _, bad in ipairs{
      "II*\0" .. string.pack("<I4", 0xffffffff) .. tiff:sub(9),      -- IFD offset past the end
      tiff:sub(1, 18) .. string.pack("<I2", 99) .. tiff:sub(21),     -- orientation 99
      tiff:sub(1, 10) .. string.pack("<I2I2", 0x112, 2) .. tiff:sub(15),  -- wrong type
      "XX*\0" .. tiff:sub(5),                                        -- no byte order
    } do
      assert.is_true(same(raw, assert(seg.decode(with_app1("Exif\0\0" .. bad)))))
    end
    -- an entry count past the end of the block: the entries present still count
    local long = "II*\0" .. string.pack("<I4I2", 8, 0xffff) .. tiff:sub(11)
    assert.is_true(same(ok6, assert(seg.decode(with_app1("Exif\0\0" .. long)))))
  end)
end)

describe("jpeg encoding", function()
  local photo = assert(seg.load(DIR .. "k_progressive.jpg"))
  local gray = assert(seg.load(DIR .. "k_gray_o8.jpg", {orient = false}))

  it("writes the same bytes as cv2.imencode('.jpg') at the same quality", function()
    for _, e in ipairs(refs.encode) do
      local im = assert(seg.load(DIR .. e.file, {orient = false}))
      assert.are.equal(e.sum, checksum(im:encode("jpeg", {quality = e.quality})),
        e.file .. " q" .. e.quality)
    end
  end)

  it("defaults to quality 95, and quality changes the size", function()
    assert.are.equal(photo:encode("jpeg", {quality = 95}), photo:encode("jpeg"))
    local last = 0
    for _, q in ipairs{5, 30, 60, 90, 100} do
      local n = #photo:encode("jpeg", {quality = q})
      assert.is_true(n > last, "quality " .. q)
      last = n
    end
  end)

  it("round-trips closely at quality 100", function()
    local back = assert(seg.decode(photo:encode("jpeg", {quality = 100})))
    local worst, mean = abs_diff(photo, back)   -- 4:2:0 chroma, as OpenCV
    assert.is_true(worst <= 40 and mean < 1.5, ("rgb: worst %d, mean %.2f"):format(worst, mean))
    local gback = assert(seg.decode(gray:encode("jpeg", {quality = 100})))
    assert.are.equal(1, gback.channels)
    worst, mean = abs_diff(gray, gback)
    assert.is_true(worst <= 2 and mean < 0.5, ("gray: worst %d, mean %.2f"):format(worst, mean))
  end)

  it("drops alpha: RGBA encodes as RGB, gray+alpha as gray", function()
    local w, h = photo.width, photo.height
    local rgb, g = photo:data(), gray:data()
    local rgba, ga = {}, {}
    for i = 0, w * h - 1 do
      rgba[#rgba + 1] = rgb:sub(3 * i + 1, 3 * i + 3) .. string.char(i % 256)
    end
    for i = 1, #g do ga[#ga + 1] = g:sub(i, i) .. "\7" end
    local im4 = seg.from_data(table.concat(rgba), w, h, 4, "u8")
    local im2 = seg.from_data(table.concat(ga), gray.width, gray.height, 2, "u8")
    assert.are.equal(photo:encode("jpeg"), im4:encode("jpeg"))
    assert.are.equal(gray:encode("jpeg"), im2:encode("jpeg"))
  end)
end)

describe("broken jpeg data", function()
  local s = read(DIR .. "k_o1.jpg")
  local prog = read(DIR .. "k_progressive.jpg")

  it("returns nil and 'truncated jpeg data' wherever a file is cut", function()
    for _, src in ipairs{s, prog, read(DIR .. "k_cmyk.jpg"), read(DIR .. "k_restart.jpg")} do
      for _, cut in ipairs{3, 20, 100, 200, 400, 700, #src // 2, #src - 40, #src - 3} do
        local im, err = seg.decode(src:sub(1, cut))
        assert.is_nil(im, "cut at " .. cut)
        assert.is_string(err)
        assert.are.equal(err:lower(), err)
        assert.is_true(#err < 80, err)
      end
      local im, err = seg.decode(src:sub(1, #src // 2))
      assert.is_nil(im)
      assert.are.equal("truncated jpeg data", err)
    end
  end)

  it("accepts a baseline file that lacks only its EOI marker, with exact pixels", function()
    local full = assert(seg.decode(s))
    assert.is_true(same(full, assert(seg.decode(s:sub(1, -2)))))
    assert.is_true(same(full, assert(seg.decode(s:sub(1, -3)))))
    -- a progressive file cannot tell a missing EOI from missing scans
    assert.are.same({nil, "truncated jpeg data"}, {seg.decode(prog:sub(1, -3))})
  end)

  it("rejects corrupt headers with a short lowercase message", function()
    local sof = s:find("\255\192", 1, true)
    local function patch (at, bytes) return s:sub(1, at - 1) .. bytes .. s:sub(at + #bytes) end
    local cases = {
      patch(1, "\0"),                              -- no SOI
      patch(sof + 5, "\0\0\0\0"),                  -- 0 x 0 in SOF
      patch(sof + 4, "\12"),                       -- 12-bit precision
      patch(sof + 11, "\0"),                       -- sampling factors 0
      patch(sof + 2, "\0\1"),                      -- SOF length 1
      s:sub(1, sof - 1) .. "\255\217",            -- no frame at all
      "", "\255", "\255\216", "\255\216\255\217",
    }
    for i, bad in ipairs(cases) do
      local im, err = seg.decode(bad)
      assert.is_nil(im, "case " .. i)
      assert.is_string(err, "case " .. i)
      assert.are.equal(err:lower(), err)
      assert.is_true(#err < 80, err)
    end
  end)

  it("refuses SOF dimensions its data cannot hold, before allocating", function()
    local sof = s:find("\255\192", 1, true)
    local function claim (src, at, w, h)
      return src:sub(1, at + 4) .. string.pack(">I2I2", h, w) .. src:sub(at + 9)
    end
    -- 3135 bytes hold 12540 blocks at 2 bits each: 4:2:0 RGB 8 x 8 blocks
    -- per 16 x 16 pixels (4 luma, 2 chroma), so 32 x 160 MCUs is too many
    -- (30720 blocks) and 16 x 80 (7680) is not refused for its size
    assert.are.same({nil, "truncated jpeg data"}, {seg.decode(claim(s, sof, 512, 2560))})
    assert.are.same({nil, "truncated jpeg data"}, {seg.decode(claim(s, sof, 60000, 60000))})
    assert.are.same({nil, "truncated jpeg data"},
                    {seg.decode(claim(s, sof, 256, 1280), {partial = false})})
    local im = assert(seg.decode(claim(s, sof, 256, 1280), {partial = true}))
    assert.are.same({256, 1280}, {im.width, im.height})
    -- progressive: 1 bit per block (4407 bytes, 35256 bits)
    local psof = prog:find("\255\194", 1, true)
    assert.are.same({nil, "truncated jpeg data"},
                    {seg.decode(claim(prog, psof, 2048, 2048), {partial = true})})
    assert(seg.decode(claim(prog, psof, 512, 512), {partial = true}))
  end)

  it("accepts the most compressible real files: flat images, optimised tables", function()
    -- flat gray with optimised Huffman tables (PIL) costs exactly 2 bits per
    -- block (1-bit DC and EOB codes), the bound of the size check: 1024 x
    -- 1024 gray is 16384 blocks in 4096 bytes and a header; 512 x 512 RGB
    -- 4:4:4 is 12288 blocks; progressive needs 1 bit per block
    for name, blocks in pairs{["flat_opt.jpg"] = 16384, ["flat_opt_444.jpg"] = 12288,
                              ["flat_opt_prog.jpg"] = 16384} do
      local data = read(DIR .. name)
      local per_block = name:match("prog") and 1 or 2
      assert.is_true(#data * 8 < blocks * per_block * 1.15 * (name:match("prog") and 2 or 1),
                     name .. " is not near the bound")
      local im = assert(seg.decode(data))
      assert.are.same({128, 128}, {(im:min()), (im:max())})
    end
  end)

  it("stops a progressive file with thousands of scans", function()
    local sos = prog:find("\255\218", 1, true)
    local scans = prog:sub(sos, -3)
    local many = prog:sub(1, sos - 1) .. scans:rep(100) .. "\255\217"
    -- repeating the scans breaks the progression: corrupt data, at the 16th
    assert.are.same({nil, "truncated jpeg data"}, {seg.decode(many)})
    assert.are.same({nil, "too many scans in jpeg"}, {seg.decode(many, {partial = true})})
  end)

  it("a cut baseline file with {partial = true}: the rows before the cut, then gray", function()
    local full = assert(seg.decode(s))
    local cut = read("spec/fixtures/bad/jpeg_cut_baseline.jpg")
    assert.are.same({nil, "truncated jpeg data"}, {seg.decode(cut)})
    local part = assert(seg.decode(cut, {partial = true}))
    assert.are.same({90, 70, 3}, {part.width, part.height, part.channels})
    local row, k = 90 * 3, 0   -- rows equal to the whole file's
    while k < 70 and part:data():sub(k * row + 1, (k + 1) * row) ==
                     full:data():sub(k * row + 1, (k + 1) * row) do k = k + 1 end
    assert.is_true(k >= 16 and k < 48, "rows kept: " .. k)
    -- past the MCU row holding the cut (16 rows) and the one its chroma
    -- upsampling reaches into: libjpeg's gray
    local y0 = (k // 16 + 2) * 16 + 1
    local rest = part:crop(0, y0, 90, 70 - y0)
    assert.are.same({128, 128}, {(rest:min()), (rest:max())})
  end)

  it("a cut progressive file with {partial = true}: every pixel, at the scans' quality", function()
    local full = assert(seg.decode(prog))
    local cut = read("spec/fixtures/bad/jpeg_cut_progressive.jpg")
    assert.are.same({nil, "truncated jpeg data"}, {seg.decode(cut)})
    local part = assert(seg.decode(cut, {partial = true}))
    assert.are.same({full.width, full.height, 3}, {part.width, part.height, part.channels})
    local worst, mean = abs_diff(full, part)
    assert.is_true(worst > 0 and mean < 12, ("differs by %d, %.2f on average"):format(worst, mean))
  end)

  it("corrupt entropy data is an error; {partial = true} decodes what it can", function()
    -- a bad Huffman code and a wrong restart marker in k_restart.jpg
    local r = read(DIR .. "k_restart.jpg")
    local sos = r:find("\255\218", 1, true)
    local rst = r:find("\255\208", sos, true)
    local bad_code = r:sub(1, sos + 19) .. ("\255\0"):rep(4) .. r:sub(sos + 28)
    local bad_rst = r:sub(1, rst) .. "\213" .. r:sub(rst + 2)
    for _, bad in ipairs{bad_code, bad_rst} do
      local im, err = seg.decode(bad)
      assert.is_nil(im)
      assert.matches("^corrupt jpeg data: ", err)
      local part = assert(seg.decode(bad, {partial = true}))
      assert.are.same({90, 70}, {part.width, part.height})
    end
  end)

  it("loads a PNG named .jpg: the content decides", function()
    local path = os.tmpname() .. ".jpg"
    local im = seg.image(5, 4, 3, "u8", 77)
    assert.is_true(im:save(path .. ".png"))
    local f = assert(io.open(path, "wb"))
    f:write(read(path .. ".png"))
    f:close()
    local back = assert(seg.load(path))
    os.remove(path); os.remove(path .. ".png")
    assert.is_true(same(im, back))
  end)

  it("prints nothing to stderr, even for corrupt data", function()
    local so = os.getenv("SEG_SO") or "./seg.so"
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "wb"))
    -- a stray RST marker inside the entropy-coded data: libjpeg warns
    -- ("corrupt jpeg data: premature end of data segment", which cv2.imread
    -- prints) and carries on; we answer nil, message, or with {partial =
    -- true} the image, silently
    local sos = s:find("\255\218", 1, true)
    local bad = s:sub(1, sos + 39) .. "\255\211" .. s:sub(sos + 42)
    assert.are.same({nil, "truncated jpeg data"}, {seg.decode(bad)})
    assert(seg.decode(bad, {partial = true}))
    f:write(bad)
    f:close()
    local cmd = ("lua5.4 -e \"package.cpath = [[%s;]] .. package.cpath; local seg = require 'seg'; "
      .. "seg.load([[%s]]); seg.load([[%s]], {partial = true}); "
      .. "seg.decode(io.open([[%s]], 'rb'):read(300), {partial = true})\" 2>&1")
      :format(so:gsub("seg%.so$", "?.so"), tmp, tmp, tmp)
    local pipe = assert(io.popen(cmd))
    local out = pipe:read("a")
    pipe:close()
    os.remove(tmp)
    assert.are.equal("", out)
  end)
end)

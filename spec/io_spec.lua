-- I/O: seg.load / seg.decode / img:save / img:encode against OpenCV's
-- decoders (references from spec/refs/make_io_refs.py), round trips, and
-- bad input (spec/fixtures/bad, from spec/refs/make_bad.py).
local H = require "spec.helper"   -- also finds seg.so (SEG_SO for the sanitizer build)
local seg = require "seg"
local refs = dofile("spec/fixtures/io_refs.lua")
local FIX = "spec/fixtures"

local checksum, read = H.checksum, H.read   -- checksum as the reference scripts compute it

local function write (path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function exists (path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function ls (dir)
  local t = {}
  local p = io.popen('ls "' .. dir .. '" 2>/dev/null')
  for name in p:lines() do t[#t + 1] = name end
  p:close()
  return t
end

local function matches (im, want, what)
  assert(im, what .. ": not loaded")
  assert.are.same({want.w, want.h, want.c, want.dtype},
    {im.width, im.height, im.channels, im.dtype}, what .. ": shape")
  assert.are.equal(want.sum, checksum(im:data()), what .. ": pixels")
end

-- A w x h x c image of type t with pseudo-random samples over the whole range.
local function random_image (w, h, c, t, seed)
  math.randomseed(seed or 1)
  local n, parts = w * h * c, {}
  for i = 1, n do
    parts[i] = t == "u8" and string.char(math.random(0, 255))
      or string.pack("=I2", math.random(0, 65535))
  end
  return seg.from_data(table.concat(parts), w, h, c, t)
end

-- A smooth RGB gradient (JPEG compresses it almost exactly).
local function gradient (w, h)
  local parts = {}
  for y = 0, h - 1 do
    for x = 0, w - 1 do
      parts[#parts + 1] = string.char(x * 255 // (w - 1), y * 255 // (h - 1), 128)
    end
  end
  return seg.from_data(table.concat(parts), w, h, 3, "u8")
end

local abs_diff = H.abs_diff

local tmpfiles = {}
local function tmp (ext)
  local base = os.tmpname()
  tmpfiles[#tmpfiles + 1] = base
  local p = base .. (ext or "")
  tmpfiles[#tmpfiles + 1] = p
  return p
end

teardown(function()
  for _, p in ipairs(tmpfiles) do os.remove(p) end
end)

describe("seg.load agrees with cv2.imread(IMREAD_UNCHANGED)", function()
  local have_sk = exists(refs.skimage_dir .. "/camera.png")

  it("on every PNG and JPEG of scikit-image's data directory", function()
    if not have_sk then pending("python3-skimage is not installed") return end
    local n = 0
    for name, want in pairs(refs.skimage) do
      local path = refs.skimage_dir .. "/" .. name
      local im, err = seg.load(path, {orient = false})
      assert(im, err)
      matches(im, want, name)
      n = n + 1
    end
    assert.is_true(n >= 30)
  end)

  it("refuses what OpenCV cannot read either", function()
    if not have_sk then pending("python3-skimage is not installed") return end
    for _, name in ipairs(refs.skimage_unreadable) do
      local im, err = seg.load(refs.skimage_dir .. "/" .. name)
      assert.is_nil(im)
      assert.is_string(err)
    end
  end)

  it("on PNGs of every bit depth, colour type, interlace and tRNS kind", function()
    local n = 0
    for name, want in pairs(refs.png) do
      matches(seg.load(FIX .. "/png/" .. name), want, name)
      n = n + 1
    end
    assert.are.equal(#ls(FIX .. "/png"), n)
  end)

  it("keeps 16-bit PNG samples as u16 and expands low bit depths to 0..255", function()
    local im = assert(seg.load(FIX .. "/png/g16.png"))
    assert.are.equal("u16", im.dtype)
    local g1 = assert(seg.load(FIX .. "/png/g1.png"))
    for y = 0, g1.height - 1 do
      for x = 0, g1.width - 1 do
        local v = g1:get(x, y, 1)
        assert.is_true(v == 0 or v == 255)
      end
    end
  end)

  it("gives palettes with tRNS an alpha channel, gray+alpha two channels", function()
    assert.are.equal(4, assert(seg.load(FIX .. "/png/p8_trns.png")).channels)
    assert.are.equal(3, assert(seg.load(FIX .. "/png/p8.png")).channels)
    assert.are.equal(4, assert(seg.load(FIX .. "/png/rgb8_trns.png")).channels)
    assert.are.equal(1, assert(seg.load(FIX .. "/png/g8_trns.png")).channels)
    assert.are.equal(2, assert(seg.load(FIX .. "/png/ga8.png")).channels)
  end)

  it("on PBM/PGM/PPM, ASCII and binary, maxval below and above 255", function()
    for name, want in pairs(refs.pnm) do
      matches(seg.load(FIX .. "/pnm/" .. name), want, name)
    end
  end)

  it("on JPEGs, with and without EXIF orientation", function()
    for name, want in pairs(refs.jpeg) do
      local path = FIX .. "/jpeg/" .. name
      matches(seg.load(path, {orient = false}), want.raw, name .. " (orient=false)")
      if want.oriented then
        matches(seg.load(path), want.oriented, name .. " (default: oriented)")
        matches(seg.load(path, {orient = true}), want.oriented, name .. " (orient=true)")
      end
    end
  end)
end)

describe("round trips", function()
  it("PNG keeps u8 and u16 pixels of 1 to 4 channels exactly", function()
    for _, t in ipairs{"u8", "u16"} do
      for c = 1, 4 do
        local im = random_image(37, 23, c, t, c)
        local back = assert(seg.decode(im:encode("png")))
        assert.are.equal(t, back.dtype)
        assert.is_true(back == im, ("png %s x%d"):format(t, c))
        local path = tmp(".png")
        assert.is_true(im:save(path))
        assert.is_true(assert(seg.load(path)) == im)
      end
    end
  end)

  it("PNG compression level changes the size, never the pixels", function()
    local im = gradient(200, 120)
    local sizes = {}
    for _, level in ipairs{0, 1, 6, 9} do
      local s = im:encode("png", {level = level})
      sizes[level] = #s
      assert.is_true(assert(seg.decode(s)) == im)
    end
    assert.is_true(sizes[0] > sizes[1] and sizes[1] >= sizes[9])
    assert.is_true(sizes[0] >= 200 * 120 * 3)   -- level 0: stored
    assert.is_true(assert(seg.decode(im:encode("png", {level = -1}))) == im)
  end)

  it("PNM in every variant: P2/P3/P5/P6, u8 and u16", function()
    for _, t in ipairs{"u8", "u16"} do
      for _, c in ipairs{1, 3} do
        for _, binary in ipairs{true, false, 0, 1} do
          local im = random_image(29, 17, c, t, 7)
          local s = im:encode("pnm", {binary = binary})
          local bin = binary == true or binary == 1
          local magic = "P" .. ((c == 1 and 2 or 3) + (bin and 3 or 0))
          assert.are.equal(magic, s:sub(1, 2))
          assert.are.equal(t == "u8" and "255" or "65535", s:match("^P%d\n%d+ %d+\n(%d+)\n"))
          local back = assert(seg.decode(s))
          assert.are.equal(t, back.dtype)
          assert.is_true(back == im, ("%s %s x%d"):format(magic, t, c))
        end
      end
    end
  end)

  it("PNM ASCII lines stay within 70 characters", function()
    local s = random_image(50, 3, 3, "u16", 3):encode("pnm", {binary = false})
    for line in s:gmatch("[^\n]+") do assert.is_true(#line <= 70) end
  end)

  it("JPEG at quality 100 is close, gray and colour", function()
    local im = gradient(64, 48)
    local back = assert(seg.decode(im:encode("jpeg", {quality = 100})))
    assert.are.same({64, 48, 3, "u8"}, {back.width, back.height, back.channels, back.dtype})
    local worst, mean = abs_diff(im, back)   -- 4:2:0 chroma, as OpenCV's default
    assert.is_true(worst <= 6 and mean < 1, ("worst %d, mean %.2f"):format(worst, mean))
    local g = seg.image(40, 30, 1, "u8", 90)
    local gb = assert(seg.decode(g:encode("jpg", {quality = 100})))
    assert.are.equal(1, gb.channels)
    assert.is_true((abs_diff(g, gb)) <= 1)
    local small = #im:encode("jpeg", {quality = 10})
    assert.is_true(small < #im:encode("jpeg", {quality = 100}))
  end)

  it("16-bit images stay u16 through save and load", function()
    local im = random_image(16, 9, 3, "u16", 5)
    for _, ext in ipairs{".png", ".ppm", ".pnm"} do
      local path = tmp(ext)
      assert.is_true(im:save(path))
      local back = assert(seg.load(path))
      assert.are.equal("u16", back.dtype)
      assert.is_true(back == im, ext)
    end
  end)

  it("masks save as 0/1 gray", function()
    local m = seg.mask(8, 8)
    m:set(2, 3, 1)
    local back = assert(seg.decode(m:encode("png")))
    assert.are.same({1, "u8"}, {back.channels, back.dtype})
    assert.are.equal(1, back:get(2, 3, 1))
    assert.are.equal(0, back:get(3, 3, 1))
  end)
end)

describe("formats", function()
  it("are chosen by content on load, not by extension", function()
    local png = read(FIX .. "/png/rgb8.png")
    local path = tmp(".jpg")
    write(path, png)
    matches(seg.load(path), refs.png["rgb8.png"], "png named .jpg")
    local ppm = tmp(".png")
    write(ppm, read(FIX .. "/pnm/p6_255.ppm"))
    matches(seg.load(ppm), refs.pnm["p6_255.ppm"], "ppm named .png")
  end)

  it("are chosen by extension on save, or by {format=}", function()
    local rgb, gray = gradient(20, 10), seg.image(20, 10, 1, "u8", 7)
    local cases = {
      {rgb, ".png", "\137PNG"}, {rgb, ".PNG", "\137PNG"}, {rgb, ".jpg", "\255\216\255"},
      {rgb, ".jpeg", "\255\216\255"}, {rgb, ".ppm", "P6"}, {rgb, ".pnm", "P6"},
      {gray, ".pgm", "P5"}, {gray, ".pnm", "P5"},
    }
    for _, k in ipairs(cases) do
      local path = tmp(k[2])
      assert.is_true(k[1]:save(path))
      assert.are.equal(k[3], read(path):sub(1, #k[3]), k[2])
    end
    local path = tmp(".dat")
    assert.is_true(rgb:save(path, {format = "png"}))
    assert.are.equal("\137PNG", read(path):sub(1, 4))
    path = tmp(".png")
    assert.is_true(gray:save(path, {format = "pgm", binary = false}))
    assert.are.equal("P2", read(path):sub(1, 2))
  end)

  it("raise on misuse", function()
    local rgb = gradient(8, 8)
    assert.has_error(function() rgb:save(tmp(".gif")) end)
    assert.has_error(function() rgb:save(tmp("")) end)
    assert.has_error(function() rgb:encode("gif") end)
    assert.has_error(function() rgb:encode() end)
    assert.has_error(function() rgb:encode("png", {level = 12}) end)
    assert.has_error(function() rgb:encode("jpeg", {quality = 0}) end)
    assert.has_error(function() rgb:encode("png", "fast") end)
    assert.has_error(function() rgb:save(tmp(".pgm")) end)   -- pgm needs 1 channel
    local f32 = seg.image(4, 4, 1, "f32")
    local ok, err = pcall(f32.encode, f32, "png")
    assert.is_false(ok)
    assert.matches("png needs u8 or u16 pixels", err, 1, true)
    assert.has_error(function() seg.labels(4, 4):save(tmp(".png")) end)
    assert.has_error(function() seg.image(4, 4, 2, "u8"):encode("pnm") end)
    assert.has_error(function() seg.image(4, 4, 1, "u16"):encode("jpeg") end)
    assert.has_error(function() seg.load() end)
    assert.has_error(function() seg.load(FIX .. "/png/g8.png", 5) end)
    assert.has_error(function() seg.decode({}) end)
  end)

  it("raise on an unknown option key, naming it and the valid ones", function()
    local im, path, s = gradient(8, 8), FIX .. "/png/g8.png", read(FIX .. "/png/g8.png")
    local function err (f, ...)
      local ok, e = pcall(f, ...)
      assert.is_false(ok)
      return e
    end
    assert.matches("bad argument #2 to 'load' (unknown option 'partal'; valid: orient, partial)",
      err(function () return seg.load(path, {partal = true}) end), 1, true)
    assert.matches("bad argument #2 to 'decode' (unknown option 'quality'; valid: orient, partial)",
      err(function () return seg.decode(s, {quality = 90}) end), 1, true)
    assert.matches("bad argument #2 to 'save' (unknown option 'levle'; valid: binary, format, level, quality)",
      err(function () return im:save(tmp(".png"), {levle = 1}) end), 1, true)
    -- encode's format is its first argument, not an option
    assert.matches("bad argument #2 to 'encode' (unknown option 'format'; valid: binary, level, quality)",
      err(function () return im:encode("png", {format = "png"}) end), 1, true)
    assert.matches("option names must be strings, got number; valid: orient, partial",
      err(seg.decode, s, {true}), 1, true)
    -- an option whose __index releases the image is seen before the pixels are read
    local victim = seg.image(4, 4)
    local releasing = setmetatable({}, {__index = function () victim:release() end})
    assert.matches("image has been released", err(function () return victim:encode("png", releasing) end), 1, true)
    victim = seg.image(4, 4)
    assert.matches("image has been released", err(function () return victim:save(tmp(".png"), releasing) end), 1, true)
    -- every valid key is accepted
    assert(seg.load(path, {orient = false, partial = false}))
    assert(seg.decode(s, {orient = true, partial = true}))
    assert(im:encode("pnm", {binary = false, level = 3, quality = 50}))
    assert(im:save(tmp(".png"), {binary = true, format = "png", level = 1, quality = 80}))
  end)

  it("round trip through seg.decode and img:encode", function()
    local im = assert(seg.load(FIX .. "/png/rgba16.png"))
    assert.is_true(assert(seg.decode(im:encode("png"))) == im)
    local s = read(FIX .. "/png/p4_trns.png")
    matches(seg.decode(s), refs.png["p4_trns.png"], "decode p4_trns")
  end)
end)

describe("bad input", function()
  it("every file in spec/fixtures/bad gives nil and a message", function()
    local names = ls(FIX .. "/bad")
    assert.is_true(#names >= 50)
    for _, name in ipairs(names) do
      local path = FIX .. "/bad/" .. name
      local ok, im, err = pcall(seg.load, path)
      assert(ok, name .. " raised: " .. tostring(im))
      assert(im == nil, name .. " loaded")
      assert.is_string(err)
      assert.are.equal(path .. ": ", err:sub(1, #path + 2))
      ok, im, err = pcall(seg.decode, read(path))
      assert(ok and im == nil and type(err) == "string", name .. " via seg.decode")
    end
  end)

  it("missing files, directories and empty files", function()
    local im, err = seg.load("spec/fixtures/no-such-file.png")
    assert.is_nil(im)
    assert.are.equal("spec/fixtures/no-such-file.png: no such file or directory", err)
    im, err = seg.load("spec/fixtures")
    assert.is_nil(im)
    assert.are.equal("spec/fixtures: is a directory", err)
    im, err = seg.load(FIX .. "/bad/empty.png")
    assert.is_nil(im)
    assert.are.equal(FIX .. "/bad/empty.png: empty file", err)
    im, err = seg.decode("")
    assert.is_nil(im)
    assert.are.equal("not a png/jpeg/pnm image", err)
  end)

  it("stops reading endless devices at a cap", function()
    local im, err = seg.load("/dev/zero")
    assert.is_nil(im)
    assert.are.equal("/dev/zero: stream longer than 256 MiB", err)
    im, err = seg.load("/dev/null")
    assert.is_nil(im)
    assert.are.equal("/dev/null: empty file", err)
  end)

  it("refuses absurd dimensions from the header, before allocating", function()
    -- too short to hold that many pixels (png_bomb and the jpeg_claims_9000
    -- files are within the pixel limit), with or without partial
    for _, name in ipairs{"png_huge.png", "png_bomb.png", "pnm_huge.pgm", "jpeg_huge.jpg",
                          "jpeg_claims_9000.jpg", "jpeg_claims_9000_prog.jpg"} do
      for _, opts in ipairs{{}, {partial = true}} do
        local im, err = seg.load(FIX .. "/bad/" .. name, opts)
        assert.is_nil(im, name)
        assert.matches(name:match("^jpeg") and "truncated jpeg data" or "truncated data", err, 1, true)
      end
    end
  end)

  -- Peak resident memory (VmHWM) that decoding the file costs, measured in a
  -- fresh process so that no earlier spec has already raised the peak.
  local function peak_cost_kb (path, opts, code)
    local script = tmp(".lua")
    write(script, ("package.cpath = %q\nlocal seg = require 'seg'\n"):format(package.cpath) ..
      "local function hwm ()\n" ..
      "  for l in io.lines('/proc/self/status') do\n" ..
      "    local v = l:match('^VmHWM:%s+(%d+)') if v then return tonumber(v) end\n" ..
      "  end\nend\n" ..
      ("local s = io.open(%q, 'rb'):read('a')\n"):format(path) ..
      "local h0 = hwm()\n" ..
      (code or ("local im, err = seg.decode(s, %s)\n"):format(opts)) ..
      "io.write(hwm() - h0, ' ', tostring(err))\n")
    local lua = os.getenv("LUA") or "lua5.4"
    local p = io.popen(lua .. " " .. script .. " 2>&1")
    local out = p:read("a")
    p:close()
    local kb, err = out:match("^(%d+) (.*)$")
    assert(kb, out)
    return tonumber(kb), err
  end

  it("a few hundred bytes claiming 9000x9000 cost no memory (issue 6)", function()
    -- the measure itself: a 9000x9000 RGB image costs 243 MB
    local kb = peak_cost_kb(FIX .. "/png/g8.png", nil,
      "local big, err = seg.image(9000, 9000, 3, 'u8', 1)\n")
    assert.is_true(kb > 200 * 1024, "the measure sees " .. kb .. " KB")
    for _, name in ipairs{"jpeg_claims_9000.jpg", "jpeg_claims_9000_prog.jpg"} do
      for _, opts in ipairs{"{}", "{partial = true}"} do
        local kb, err = peak_cost_kb(FIX .. "/bad/" .. name, opts)
        assert.are.equal("truncated jpeg data", err)
        assert.is_true(kb < 8 * 1024, name .. " " .. opts .. " cost " .. kb .. " KB")
      end
    end
  end)

  it("follows seg.limits{max_pixels=}, for JPEG too", function()
    local old = seg.limits().max_pixels
    seg.limits{max_pixels = 100}
    local _, jerr = seg.load(FIX .. "/jpeg/k_o1.jpg")   -- 90 x 70
    local im, err = seg.load(FIX .. "/png/g8.png")   -- 13 x 11
    seg.limits{max_pixels = old}
    assert.matches("image of 90x70 exceeds the pixel limit (100)", jerr, 1, true)
    assert.is_nil(im)
    assert.matches("image of 13x11 exceeds the pixel limit (100)", err, 1, true)
    assert(seg.load(FIX .. "/png/g8.png"))
  end)

  it("a truncated PNG is an error, or with {partial = true} the rows before the cut", function()
    local full = assert(seg.load(FIX .. "/png/rgb8.png"))
    local path = FIX .. "/bad/png_cut_rows.png"
    assert.are.same({nil, path .. ": truncated data"}, {seg.load(path)})
    local part = assert(seg.load(path, {partial = true}))
    assert.are.same({13, 11, 3, "u8"}, {part.width, part.height, part.channels, part.dtype})
    local row = 13 * 3
    local k = 0   -- rows equal to the whole image's
    while k < 11 and part:data():sub(k * row + 1, (k + 1) * row) ==
                     full:data():sub(k * row + 1, (k + 1) * row) do k = k + 1 end
    assert.is_true(k >= 3 and k < 11, "rows kept: " .. k)
    assert.are.equal(("\0"):rep((11 - k) * row), part:data():sub(k * row + 1))
    -- interlaced: every pixel the passes reached, the rest 0
    local il = assert(seg.load(FIX .. "/png/rgba16i.png"))
    local ipath = FIX .. "/bad/png_cut_interlaced.png"
    assert.are.same({nil, ipath .. ": truncated data"}, {seg.load(ipath)})
    local ipart = assert(seg.load(ipath, {partial = true}))
    assert.are.same({il.width, il.height, il.channels, "u16"},
                    {ipart.width, ipart.height, ipart.channels, ipart.dtype})
    local same, zero, a, b = 0, 0, il:data(), ipart:data()
    for i = 1, #a, 8 do
      if a:sub(i, i + 7) == b:sub(i, i + 7) then same = same + 1
      elseif b:sub(i, i + 7) == ("\0"):rep(8) then zero = zero + 1 end
    end
    assert.are.equal(#a // 8, same + zero)
    assert.is_true(same > #a // 8 // 4 and zero > 0, same .. " kept, " .. zero .. " zero")
    -- a header cut short is still an error
    assert.is_nil(seg.load(FIX .. "/bad/png_trunc_20.png", {partial = true}))
  end)

  it("a truncated PNM is an error, or with {partial = true} the samples before the cut", function()
    local full = assert(seg.load(FIX .. "/pnm/p5_255.pgm")):data()   -- 13 x 11
    local path = FIX .. "/bad/pnm_cut_rows.pgm"
    assert.are.same({nil, path .. ": truncated data"}, {seg.load(path)})
    local part = assert(seg.load(path, {partial = true}))
    assert.are.equal(full:sub(1, 13 * 6 + 5) .. ("\0"):rep(13 * 5 - 5), part:data())
    -- ASCII: 142 of 143 samples
    local a = assert(seg.load(FIX .. "/bad/pnm_p2_short.pgm", {partial = true}))
    assert.are.equal(("\1"):rep(142) .. "\0", a:data())
    -- 16-bit, one byte short: the last sample is 0
    local w16 = assert(seg.load(FIX .. "/pnm/p5_1000.pgm"))
    local p16 = assert(seg.load(FIX .. "/bad/pnm_trunc16.pgm", {partial = true}))
    assert.are.equal(w16:data():sub(1, -3) .. "\0\0", p16:data())
    -- a bad sample is not a truncation
    assert.is_nil(seg.load(FIX .. "/bad/pnm_p2_letter.pgm", {partial = true}))
    -- partial data must still hold 1/1024 of the raster
    assert.is_nil(seg.decode("P5 16000 16000 255\n" .. ("\7"):rep(1000), {partial = true}))
    local one = assert(seg.decode("P5 1000 1000 255\n" .. ("\7"):rep(1000), {partial = true}))
    assert.are.equal(("\7"):rep(1000) .. ("\0"):rep(999000), one:data())
  end)

  it("follows seg.limits{max_pixels=}", function()
    local old = seg.limits().max_pixels
    seg.limits{max_pixels = 100}
    local im, err = seg.load(FIX .. "/png/g8.png")   -- 13 x 11
    seg.limits{max_pixels = old}
    assert.is_nil(im)
    assert.matches("image of 13x11 exceeds the pixel limit (100)", err, 1, true)
    assert(seg.load(FIX .. "/png/g8.png"))
  end)

  it("every truncation of a PNG, JPEG and PNM fails cleanly", function()
    for _, p in ipairs{"png/rgb8i.png", "png/g16.png", "jpeg/orient6.jpg", "jpeg/gray.jpg",
                       "pnm/p6_255.ppm", "pnm/p5_1000.pgm"} do
      local s = read(FIX .. "/" .. p)
      -- a JPEG missing only its EOI marker decodes exactly, and loads (as in OpenCV)
      local last = p:match("%.jpg$") and #s - 3 or #s - 1
      for cut = 0, last do
        local ok, im, err = pcall(seg.decode, s:sub(1, cut))
        assert(ok, p .. " cut at " .. cut .. " raised: " .. tostring(im))
        assert(im == nil and type(err) == "string", p .. " cut at " .. cut .. " loaded")
      end
    end
  end)

  it("a flipped byte anywhere never raises or crashes", function()
    for _, p in ipairs{"png/p8i_trns.png", "png/rgb16.png", "jpeg/gray.jpg", "pnm/p2_15.pgm"} do
      local s = read(FIX .. "/" .. p)
      for i = 1, #s do
        local b = s:byte(i)
        local t = s:sub(1, i - 1) .. string.char(b ~ 0x5a) .. s:sub(i + 1)
        local ok, im, err = pcall(seg.decode, t)
        assert(ok, p .. " flip at " .. i .. " raised: " .. tostring(im))
        assert(im ~= nil or type(err) == "string")
      end
    end
  end)

  it("a flipped IDAT byte is reported, as is a bad CRC", function()
    local _, err = seg.load(FIX .. "/bad/png_ihdr_crc.png")
    assert.matches("CRC error", err, 1, true)
    _, err = seg.load(FIX .. "/bad/png_idat_corrupt.png")
    assert.matches("IDAT", err, 1, true)
  end)

  it("prints nothing to stderr", function()
    local script, errfile = tmp(".lua"), tmp(".err")
    local paths = {}
    for _, name in ipairs(ls(FIX .. "/bad")) do paths[#paths + 1] = FIX .. "/bad/" .. name end
    for _, name in ipairs{"astronaut.png", "chelsea.png", "page.png", "truncated.jpg"} do
      paths[#paths + 1] = refs.skimage_dir .. "/" .. name   -- libpng/libjpeg warn on these
    end
    write(script, ("package.cpath = %q\nlocal seg = require 'seg'\n"):format(package.cpath) ..
      "for _, p in ipairs{" .. ("%q,"):rep(#paths):format(table.unpack(paths)) .. "} do\n" ..
      "  local ok, im, err = pcall(seg.load, p)\n" ..
      "  assert(ok, im)\n" ..
      "end\nio.stdout:write('done')\n")
    local lua = os.getenv("LUA") or "lua5.4"
    local p = io.popen(lua .. " " .. script .. " 2>" .. errfile)
    local out = p:read("a")
    p:close()
    assert.are.equal("done", out)
    assert.are.equal("", read(errfile))
  end)
end)

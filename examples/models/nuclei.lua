-- nuclei.lua — synthetic fluorescence-microscopy nuclei, with their truth.
--
--   local nuclei = require "examples.models.nuclei"   (or dofile)
--   local img, truth, classes = nuclei.generate(seed, 256, 256)
--
-- img: gray u8 Image. truth: Labels, one id per nucleus (1..n, drawing
-- order; where two overlap the later one owns the overlap). classes: u8
-- Image, 0 background, 1 interior, 2 boundary (instance pixels within
-- `boundary` steps, 4-connected, of another label or of background).
--
-- Nuclei are filled ellipses with a wavy outline (radius 6-22 px, any
-- orientation), partly in clusters where they touch and slightly overlap;
-- textured inside, dimmer at the rim; under an uneven illumination, blurred,
-- with Poisson-like shot noise and Gaussian read noise. Deterministic per
-- seed: the module has its own generator (splitmix64) and never touches
-- math.random.
local seg = require "seg"

local M = {}

local floor, sqrt, exp, log, cos, sin, atan, pi =
  math.floor, math.sqrt, math.exp, math.log, math.cos, math.sin, math.atan, math.pi
local max, min, abs = math.max, math.min, math.abs
local pack, unpack, tunpack = string.pack, string.unpack, table.unpack

-- splitmix64 (Vigna): 64-bit state, integer arithmetic wraps in Lua 5.4.
local function rng (seed)
  local s = math.tointeger(seed)
  assert(s, "seed must be an integer")
  s = s * 0x2545F4914F6CDD1D + 0x632BE59BD9B4E019
  local function next64 ()
    s = s + 0x9E3779B97F4A7C15
    local z = s
    z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ~ (z >> 27)) * 0x94D049BB133111EB
    return z ~ (z >> 31)
  end
  local r = {}
  function r.uniform (a, b)            -- [0, 1) or [a, b)
    local u = (next64() >> 11) * 2.0^-53
    if a then return a + (b - a) * u end
    return u
  end
  function r.int (a, b) return a + floor(r.uniform() * (b - a + 1)) end
  local spare
  function r.normal ()                 -- Box-Muller, both values used
    if spare then local v = spare; spare = nil; return v end
    local u1 = 1 - r.uniform()         -- (0, 1]
    local u2 = r.uniform()
    local m = sqrt(-2 * log(u1))
    spare = m * sin(2 * pi * u2)
    return m * cos(2 * pi * u2)
  end
  return r
end
M.rng = rng

-- Array (1-based, row-major) <-> 1-channel Image through data()/from_data.
local FMT = {u8 = "B", i32 = "i4", f32 = "f"}
local CH = 256

local function to_image (a, w, h, dtype)
  local f = "=" .. FMT[dtype]
  local parts, n = {}, w * h
  for i = 1, n, CH do
    local k = min(CH, n - i + 1)
    parts[#parts + 1] = pack(f:rep(k), tunpack(a, i, i + k - 1))
  end
  return seg.from_data(table.concat(parts), w, h, 1, dtype)
end

local function from_image (img)
  local f = "=" .. FMT[img.dtype]
  local z = FMT[img.dtype] == "B" and 1 or 4
  local s, n = img:data(), img.width * img.height
  local a = {}
  for i = 1, n, CH do
    local k = min(CH, n - i + 1)
    local v = {unpack(f:rep(k), s, (i - 1) * z + 1)}
    for j = 1, k do a[i + j - 1] = v[j] end
  end
  return a
end

-- Smooth noise: white noise blurred with sigma, scaled to unit deviation.
local function smooth_noise (r, w, h, sigma)
  local a = {}
  for i = 1, w * h do a[i] = r.normal() end
  local img = to_image(a, w, h, "f32"):gaussian(sigma)
  local mean, sd = img:mean_std()
  local out = from_image(img)
  if sd <= 0 then sd = 1 end
  for i = 1, w * h do out[i] = (out[i] - mean) / sd end
  return out
end

local DEFAULTS = {
  rmin = 6, rmax = 22,        -- mean radius range, pixels
  coverage = {0.18, 0.42},    -- target share of the image covered
  cluster = 0.55,             -- chance a nucleus is placed against another
  overlap = 0.12,             -- largest share of any nucleus another may cover
  blur = {0.7, 1.5},          -- Gaussian sigma range
  photons = {30, 250},        -- shot noise: photons per unit intensity
  read_noise = {0.004, 0.02}, -- Gaussian noise, in units of full scale
  boundary = 2,               -- boundary class thickness, pixels
}

local function range (r, v)
  if type(v) == "table" then return r.uniform(v[1], v[2]) end
  return v
end

-- generate(seed, w, h [, opts]) -> gray u8 Image, truth Labels, class u8 Image
function M.generate (seed, w, h, opts)
  w = w or 256
  h = h or w
  local o = {}
  for k, v in pairs(DEFAULTS) do o[k] = v end
  for k, v in pairs(opts or {}) do
    if DEFAULTS[k] == nil then error("unknown option '" .. tostring(k) .. "'", 2) end
    o[k] = v
  end
  local r = rng(seed)
  local n = w * h

  local lab, val = {}, {}     -- label id and nucleus intensity per pixel
  for i = 1, n do lab[i] = 0; val[i] = 0 end
  local area = {}             -- pixels owned by each id
  local nuc = {}              -- placed nuclei: {x, y, r}

  -- Texture: two scales of smooth noise, mixed per nucleus.
  local tex1 = smooth_noise(r, w, h, 1.2)
  local tex2 = smooth_noise(r, w, h, 3.0)

  local target = range(r, o.coverage) * n
  local covered, id, fails = 0, 0, 0
  while covered < target and fails < 200 do
    -- shape: mean radius skewed towards the small end, elongation, wavy rim
    local rad = o.rmin + (o.rmax - o.rmin) * r.uniform() ^ 1.4
    local e = r.uniform(1.0, 1.7)
    local ax, bx = rad * sqrt(e), rad / sqrt(e)
    local th = r.uniform(0, pi)
    local harm, wav = {}, 0
    for k = 2, 5 do
      local amp = r.normal() * 0.045 / (k - 1) ^ 0.5
      harm[#harm + 1] = {k, amp, r.uniform(0, 2 * pi)}
      wav = wav + abs(amp)
    end
    -- position: against an existing nucleus, or anywhere (centres may lie
    -- a little outside the image, so nuclei are cut by its border)
    local cx, cy
    if #nuc > 0 and r.uniform() < o.cluster then
      local q = nuc[r.int(1, #nuc)]
      local d = (q[3] + rad) * r.uniform(0.8, 1.0)
      local a = r.uniform(0, 2 * pi)
      cx, cy = q[1] + d * cos(a), q[2] + d * sin(a)
    else
      cx, cy = r.uniform(-0.3 * rad, w + 0.3 * rad), r.uniform(-0.3 * rad, h + 0.3 * rad)
    end
    -- rasterise into a candidate list
    local reach = ax * (1 + wav) + 1
    local x0, x1 = max(0, floor(cx - reach)), min(w - 1, floor(cx + reach))
    local y0, y1 = max(0, floor(cy - reach)), min(h - 1, floor(cy + reach))
    local ct, st = cos(th), sin(th)
    local pix, rho = {}, {}
    local hit = {}            -- pixels taken from each earlier id
    for y = y0, y1 do
      local dy = y + 0.5 - cy
      for x = x0, x1 do
        local dx = x + 0.5 - cx
        local u = (dx * ct + dy * st) / ax
        local v = (-dx * st + dy * ct) / bx
        local p = sqrt(u * u + v * v)
        if p <= 1 + wav then
          local phi = atan(v, u)
          local R = 1
          for _, hk in ipairs(harm) do R = R + hk[2] * cos(hk[1] * phi + hk[3]) end
          if p <= R then
            local i = y * w + x + 1
            pix[#pix + 1] = i
            rho[#rho + 1] = p / R
            local l = lab[i]
            if l ~= 0 then hit[l] = (hit[l] or 0) + 1 end
          end
        end
      end
    end
    local ok = #pix >= 30
    local taken = 0
    for l, c in pairs(hit) do
      taken = taken + c
      if c > o.overlap * area[l] or area[l] - c < 30 then ok = false end
    end
    if ok and taken > o.overlap * #pix then ok = false end
    if not ok then
      fails = fails + 1
    else
      fails = 0
      id = id + 1
      nuc[#nuc + 1] = {cx, cy, rad}
      for l, c in pairs(hit) do area[l] = area[l] - c end
      area[id] = #pix
      covered = covered + #pix - taken
      local bright = r.uniform(0.3, 1.0)
      local rim = r.uniform(0.1, 0.4)
      local t1, t2 = r.uniform(0.03, 0.18), r.uniform(0.03, 0.15)
      for j, i in ipairs(pix) do
        local q = rho[j]
        local vv = bright * (1 - rim * q ^ 4) * (1 + t1 * tex1[i] + t2 * tex2[i])
        if vv < 0 then vv = 0 end
        val[i] = vv + 0.3 * val[i]     -- overlap looks brighter
        lab[i] = id
      end
    end
  end

  -- Illumination: a linear ramp and a broad bump, multiplying everything.
  local g1, ga = r.uniform(0, 0.4), r.uniform(0, 2 * pi)
  local g2 = r.uniform(-0.2, 0.3)
  local bx0, by0, bs = r.uniform(0, w), r.uniform(0, h), r.uniform(0.3, 0.7) * max(w, h)
  local bg = r.uniform(0.03, 0.12)
  local gc, gs = cos(ga), sin(ga)
  local sig = {}
  for y = 0, h - 1 do
    for x = 0, w - 1 do
      local i = y * w + x + 1
      local L = 1 + g1 * 2 * ((x / w - 0.5) * gc + (y / h - 0.5) * gs)
        + g2 * exp(-((x - bx0) ^ 2 + (y - by0) ^ 2) / (2 * bs * bs))
      if L < 0.3 then L = 0.3 end
      sig[i] = (bg + val[i]) * L
    end
  end

  -- Optics, then the camera.
  local blurred = from_image(to_image(sig, w, h, "f32"):gaussian(range(r, o.blur)))
  local photons = range(r, o.photons)
  local rn = range(r, o.read_noise)
  local gain = r.uniform(0.55, 0.9) * 255
  local px = {}
  for i = 1, n do
    local s = max(blurred[i], 0) * photons
    local v = (s + sqrt(s) * r.normal()) / photons + rn * r.normal()
    v = floor(v * gain + 0.5)
    px[i] = v < 0 and 0 or v > 255 and 255 or v
  end
  local img = to_image(px, w, h, "u8")

  -- Truth: ids renumbered 1..k in drawing order (some ids may have been
  -- overwritten in part, never wholly: each keeps at least 30 pixels).
  local truth = to_image(lab, w, h, "i32"):to_labels()

  -- Classes: boundary = within o.boundary 4-steps of another label or of
  -- background (the image's border is not a boundary).
  local cls, edge = {}, {}
  for i = 1, n do cls[i] = lab[i] ~= 0 and 1 or 0 end
  local function differs (i, x, y, l, set)
    return (x > 0 and set(i - 1, l)) or (x < w - 1 and set(i + 1, l))
      or (y > 0 and set(i - w, l)) or (y < h - 1 and set(i + w, l))
  end
  local function other (j, l) return lab[j] ~= l end
  local function near (j, l) return edge[j] and lab[j] == l end
  for pass = 1, o.boundary do
    local test = pass == 1 and other or near
    local mark = {}
    for y = 0, h - 1 do
      for x = 0, w - 1 do
        local i = y * w + x + 1
        local l = lab[i]
        if l ~= 0 and cls[i] == 1 and differs(i, x, y, l, test) then mark[#mark + 1] = i end
      end
    end
    for _, i in ipairs(mark) do cls[i] = 2; edge[i] = true end
  end
  local classes = to_image(cls, w, h, "u8")
  return img, truth, classes
end

return M

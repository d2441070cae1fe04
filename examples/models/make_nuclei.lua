-- make_nuclei.lua — writes synthetic nuclei (examples/models/nuclei.lua) as
-- training pairs:
--
--   lua5.4 examples/models/make_nuclei.lua OUTDIR N SEED [SIZE]
--
-- OUTDIR/NNNN-image.png (gray u8), OUTDIR/NNNN-class.png (u8: 0 background,
-- 1 interior, 2 boundary) and OUTDIR/NNNN-truth.png (u16 instance ids),
-- NNNN = 0000..N-1; image i uses seed SEED * 100003 + i. SIZE (default 256)
-- is the side of the square images. OUTDIR must exist.
local seg = require "seg"

local here = arg[0]:match("^(.*)[/\\][^/\\]*$") or "."
local nuclei = dofile(here .. "/nuclei.lua")

local out, n, seed, size = arg[1], tonumber(arg[2]), tonumber(arg[3]), tonumber(arg[4] or 256)
if not (out and math.tointeger(n) and math.tointeger(seed) and math.tointeger(size)) then
  io.stderr:write("usage: lua5.4 make_nuclei.lua OUTDIR N SEED [SIZE]\n")
  os.exit(2)
end
n, seed, size = math.tointeger(n), math.tointeger(seed), math.tointeger(size)

local total = 0
for i = 0, n - 1 do
  local img, truth, classes = nuclei.generate(seed * 100003 + i, size, size)
  local base = ("%s/%04d"):format(out, i)
  assert(img:save(base .. "-image.png"))
  assert(classes:save(base .. "-class.png"))
  assert(truth:to("u16"):save(base .. "-truth.png"))
  total = total + truth:count()
end
print(("%d images, %d nuclei, in %s"):format(n, total, out))

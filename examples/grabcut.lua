-- examples/grabcut.lua — GrabCut on the astronaut: a rectangle around the
-- person, five iterations (as cv2.grabCut), the result drawn over the
-- image.
--
--   ./lua-seg run examples/grabcut.lua OUT.png [IMAGE [x y w h]]
--
-- Without IMAGE it uses the 256x256 astronaut of the spec fixtures and a
-- rectangle around the person; the trimap (OpenCV's values: 0 background,
-- 1 foreground, 2 probable background, 3 probable foreground) is printed
-- as counts.
local seg = require "seg"

local out, image, x, y, w, h = ...
out = out or "out/grabcut.png"
image = image or "spec/fixtures/graphcut/astro.png"
local rect = { x = tonumber(x) or 10, y = tonumber(y) or 5,
               w = tonumber(w) or 175, h = tonumber(h) or 250 }

local img = assert(seg.load(image))
local t0 = os.clock()
local mask, trimap = img:grabcut(rect, { iters = 5 })
print(("%dx%d, rectangle {x=%d, y=%d, w=%d, h=%d}: %d foreground pixels in %.2f s")
  :format(img.width, img.height, rect.x, rect.y, rect.w, rect.h, mask:count(), os.clock() - t0))
local names = { "background", "foreground", "probable background", "probable foreground" }
for v = 0, 3 do print(("  %-20s %d"):format(names[v + 1], trimap:eq(v):count())) end
local dir = out:match("^(.*)/[^/]*$")
if dir then os.execute(("mkdir -p '%s'"):format(dir)) end
assert(img:overlay(mask, { alpha = 0.5, color = { 0, 200, 255 } }):save(out))
print("wrote " .. out)

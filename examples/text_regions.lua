-- examples/text_regions.lua — text regions in a photo or scan with a real
-- model nobody here wrote: PaddleOCR's PP-OCRv4 text detector (a DB
-- "differentiable binarization" network), fetched by `make models`.
--
--   make models
--   ./lua-seg run examples/text_regions.lua [IMAGE [MODEL [OUT]]]
--
-- The network gives a text probability per pixel (already through its own
-- sigmoid). DB's post-processing, done here with the classical operators:
-- threshold at 0.3, connected components, drop specks, grow each region
-- back by the border the network was trained to shrink it by (DB's
-- "unclip"; here a dilation by a fraction of the region's short side), and
-- draw the boxes.
local seg = require "seg"

local image, model, out = ...   -- as `lua-seg run` passes them, or from a caller
image = image or "examples/images/page.png"
model = model or "build/models/ch_PP-OCRv4_det_infer.onnx"
out = out or "out/text_regions.png"

local net, err = seg.onnx(model)
if not net then error(err .. "\n(run `make models` first)") end
local img = assert(seg.load(image))
if img.channels ~= 3 then img = img:rgb() end

-- PaddleOCR's preprocessing: longest side at most 960, sides multiples of 32,
-- ImageNet mean/std on RGB scaled to [0, 1].
local scale = math.min(1, 960 / math.max(img.width, img.height))
local w = math.max(32, math.floor(img.width * scale / 32 + 0.5) * 32)
local h = math.max(32, math.floor(img.height * scale / 32 + 0.5) * 32)
local text, prob = net:segment(img, {
  size = {w, h}, mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225},
  stride = 32, activation = "none", threshold = 0.3})

local regions, n = text:gt(0):remove_small(10):label()   -- text is Labels 0/1
local boxes = {}
for _, r in ipairs(regions:regions()) do
  local b = r.bbox
  local grow = math.max(2, math.floor(math.min(b.w, b.h) * 0.4 + 0.5))   -- DB's unclip, ratio 1.5
  local x0, y0 = math.max(0, b.x - grow), math.max(0, b.y - grow)
  local x1, y1 = math.min(img.width - 1, b.x + b.w - 1 + grow), math.min(img.height - 1, b.y + b.h - 1 + grow)
  if b.w * b.h >= 16 then boxes[#boxes + 1] = {x0, y0, x1, y1, prob:crop(b.x, b.y, b.w, b.h):mean()} end
end

-- Draw the boxes (2 px, red) on a copy of the image.
local canvas = img:to("u8"):clone()
local function hline(x0, x1, y) for x = x0, x1 do canvas:set(x, y, 255, 0, 0) end end
local function vline(x, y0, y1) for y = y0, y1 do canvas:set(x, y, 255, 0, 0) end end
for _, b in ipairs(boxes) do
  for t = 0, 1 do
    hline(b[1], b[3], math.min(b[2] + t, b[4])); hline(b[1], b[3], math.max(b[4] - t, b[2]))
    vline(math.min(b[1] + t, b[3]), b[2], b[4]); vline(math.max(b[3] - t, b[1]), b[2], b[4])
  end
end
os.execute("mkdir -p " .. (out:match("^(.*)/[^/]*$") or "."))
assert(canvas:save(out))
print(("%s: %d text regions (of %d components), boxes drawn into %s"):format(image, #boxes, n, out))
return boxes

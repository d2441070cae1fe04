-- Networks as people export them (spec/refs/export_nets.py: U-Net,
-- DeepLabV3 and LR-ASPP with MobileNetV3 backbones, a SegFormer-style
-- transformer, a 104-convolution 1024x1024 encoder-decoder; fixed and
-- dynamic input sizes, opsets 11-17) and PaddleOCR's PP-OCRv4 text
-- detector, run on the same input bytes as onnxruntime 1.30 and compared
-- with its outputs (`make nets-ref models-ref` writes them under build/;
-- `make test` runs those first). Agreement: 1e-4 absolute on outputs of
-- order 1.
local seg = require "seg"

local function read (path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function missing (what)
  if os.getenv("CI") then error(what .. " is missing: `make nets-ref models-ref` makes it") end
  pending(what .. " is missing (make nets-ref models-ref)")
end

-- Largest |a - b| over two tensors of the same shape (through images, so
-- the subtraction runs in C).
local function maxdiff (a, b)
  local sa, sb = a:shape(), b:shape()
  assert.same(sa, sb)
  local function img (t)
    local s = t:shape()
    local n = 1
    for _, d in ipairs(s) do n = n * d end
    local w = s[#s]
    return seg.tensor_from_data(t:data(), {n // w, w}):image()
  end
  local d = img(a) - img(b)
  return math.max(d:max(), -d:min()), math.max(img(b):max(), -img(b):min())
end

local function check_dir (dir, model)
  local refs = dofile(dir .. "/outputs.lua")
  local net = assert(seg.onnx(model))
  local inputs = {}
  for i, inp in ipairs(refs.inputs) do
    inputs[i] = seg.tensor_from_data(assert(read(dir .. "/" .. inp.file)), inp.shape)
  end
  local outs = {net:run(inputs)}
  assert.is_not_nil(outs[1], outs[2])
  for k, o in ipairs(refs.outputs) do
    local want = seg.tensor_from_data(assert(read(dir .. "/" .. o.file)), o.shape)
    local err, scale = maxdiff(outs[k], want)
    assert.is_true(err <= 1e-4, ("%s output %s: max |ours - onnxruntime| = %.3g (outputs up to %.3g)"):format(
      model, o.name, err, scale))
  end
  return net
end

describe("networks against onnxruntime", function()
  local manifest = read("build/nets/manifest.tsv")
  it("agree to 1e-4 on every exported network, fixed and dynamic sizes", function()
    if not manifest then return missing("build/nets") end
    local n = 0
    for name, file in manifest:gmatch("([^\t\n]+)\t([^\t\n]+)\t[^\n]*") do
      check_dir("build/nets/" .. name, "build/nets/" .. file)
      n = n + 1
    end
    assert.is_true(n >= 10)
  end)

  it("agree on PP-OCRv4's probability map of a real scan", function()
    if not read("build/models/ppocr_ref/outputs.lua") then return missing("build/models/ppocr_ref") end
    local net = check_dir("build/models/ppocr_ref", "build/models/ch_PP-OCRv4_det_infer.onnx")
    local st = net:stats()
    assert.is_true(st.weight_bytes > 1e6)
  end)

  it("find the text of the scan through examples/text_regions.lua", function()
    if not read("build/models/ch_PP-OCRv4_det_infer.onnx") then return missing("build/models") end
    local out = os.tmpname() .. ".png"
    local chunk = assert(loadfile("examples/text_regions.lua"))
    local ok, boxes = pcall(chunk, "examples/images/page.png", "build/models/ch_PP-OCRv4_det_infer.onnx", out)
    assert(ok, boxes)
    -- the heading, the five lines of text, the code line: every box inside
    -- the image, its component's box a quarter text probability or more
    assert.is_true(#boxes >= 6 and #boxes <= 8, #boxes .. " boxes")
    for _, b in ipairs(boxes) do
      assert.is_true(b[1] >= 0 and b[2] >= 0 and b[3] < 384 and b[4] < 191 and b[5] > 0.25)
    end
    local img = assert(seg.load(out))
    assert.equal(3, img.channels)
    os.remove(out)
  end)
end)

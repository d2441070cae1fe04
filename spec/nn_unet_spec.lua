-- The bundled nuclei U-Net (examples/models/unet_nuclei.onnx, trained by
-- examples/models/train_unet.py on images of examples/models/nuclei.lua):
-- on held-out synthetic images (seeds the training never saw) its classes
-- give the foreground and, through the classical operators, the nuclei.
-- Instances: interior (class 1) -> label() -> expand(3) kept inside the
-- predicted foreground -> regions under 20 pixels dropped, the recipe of
-- examples/models/README.md, whose figures on 20 other held-out images
-- come from the same steps in Python.
local seg = require "seg"
local nuclei = dofile("examples/models/nuclei.lua")

local MODEL = "examples/models/unet_nuclei.onnx"
local SEED = 424242          -- training used 100003.., validation 200006.., the README's test 300009..
local IMAGES, SIZE = 8, 256

local net
local function model ()
  if not net then net = assert(seg.onnx(MODEL)) end
  return net
end

-- Instances from a class map (Labels: 0 background, 1 interior, 2 boundary).
local function instances (classes)
  local fg = classes:gt(0)
  local seeds = (classes:eq(1):label())
  local grown = (seeds:expand(3) * fg:to("i32")):to_labels()
  return grown:filter(function (r) return r.area >= 20 end, {properties = {"area"}})
end

describe("bundled nuclei U-Net", function()
  it("declares its input, output and normalisation", function()
    local n = model()
    assert.are.equal(1, #n.inputs)
    assert.are.equal(1, #n.outputs)
    assert.are.equal("image", n.inputs[1].name)
    assert.are.same({1, 1, "H", "W"}, n.inputs[1].shape)
    assert.are.equal("logits", n.outputs[1].name)
    assert.are.same({1, 3, "H", "W"}, n.outputs[1].shape)
    local m = n.metadata
    assert.are.equal("background,interior,boundary", m["seg.classes"])
    assert.are.equal(16, math.tointeger(tonumber(m["seg.stride"])))
    assert.is_true(math.abs(tonumber(m["seg.scale"]) - 1 / 255) < 1e-9)
    assert.are.equal(0.5, tonumber(m["seg.mean"]))
    assert.are.equal(0.25, tonumber(m["seg.std"]))
    local f = assert(io.open(MODEL, "rb"))
    local size = f:seek("end")
    f:close()
    assert.is_true(size < 2 * 2^20, "model is " .. size .. " bytes")
  end)

  it("finds the foreground (IoU >= 0.90) and the nuclei (count within 5%) of held-out images", function()
    local n = model()
    local iou, found, truth_count = 0, 0, 0
    local lines = {}
    for i = 0, IMAGES - 1 do
      local img, truth = nuclei.generate(SEED + i, SIZE, SIZE)
      local classes, prob = n:segment(img)
      assert.are.equal("Labels", seg.type(classes))
      assert.are.equal(SIZE, classes.width)
      assert.are.equal(SIZE, classes.height)
      assert.are.equal(3, prob.channels)
      assert.are.equal("f32", prob.dtype)
      assert.is_true(classes:max() <= 2 and classes:min() >= 0)
      -- softmax: the three probabilities sum to 1
      local sum = prob:channel(1) + prob:channel(2) + prob:channel(3)
      assert.is_true(math.abs(sum:min() - 1) < 1e-4 and math.abs(sum:max() - 1) < 1e-4)

      local score = seg.iou(classes:gt(0), truth:gt(0))
      local _, k = instances(classes)
      iou = iou + score
      found = found + k
      truth_count = truth_count + truth:count()
      lines[#lines + 1] = ("seed %d: IoU %.3f, %d of %d nuclei"):format(SEED + i, score, k, truth:count())
    end
    iou = iou / IMAGES
    local err = (found - truth_count) / truth_count
    local report = table.concat(lines, "\n") ..
      ("\nmean IoU %.4f, %d found of %d (%+.1f%%)"):format(iou, found, truth_count, 100 * err)
    assert.is_true(iou >= 0.90, report)
    assert.is_true(math.abs(err) <= 0.05, report)
  end)

  it("gives the same classes tiled as whole", function()
    local n = model()
    local img = nuclei.generate(SEED + IMAGES, 300, 300)
    local whole = n:segment(img)
    local tiled = n:segment(img, {tile = 192, overlap = 64})
    -- tiles blend probabilities near their seams: allow a sliver of pixels
    local differ = whole:ne(tiled):count()
    assert.is_true(differ <= 0.01 * 300 * 300, differ .. " pixels differ")
  end)
end)

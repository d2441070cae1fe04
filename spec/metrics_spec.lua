-- Metrics: mask overlap, confusion matrices, adapted Rand error, variation
-- of information and Hausdorff distance. Peers: scikit-image 0.19
-- (skimage.metrics) and NumPy, through spec/refs/make_metrics_refs.py, on
-- Otsu/Li thresholds of coins and camera, their labellings, and
-- Felzenszwalb/SLIC over-segmentations of coins.
local seg = require "seg"
local ref = dofile("spec/fixtures/metrics_refs.lua")

local function load (name) return assert(seg.load(ref.dir .. name)) end
local function mask (name) return load(name):to_mask() end
local function labels (name) return load(name):to_labels() end

local function close (want, got, rel)
  rel = rel or 1e-12
  assert(math.abs(want - got) <= rel * math.max(1, math.abs(want)),
    ("expected %.17g, got %.17g"):format(want, got))
end

describe("mask overlap", function()
  it("matches NumPy's counts on Otsu vs Li masks", function()
    for _, r in ipairs(ref.masks) do
      local p, t = mask(r.pred), mask(r.truth)
      assert.are.equal(r.iou, seg.iou(p, t))
      assert.are.equal(r.dice, seg.dice(p, t))
      local pr, rc = seg.precision_recall(p, t)
      assert.are.equal(r.precision, pr)
      assert.are.equal(r.recall, rc)
    end
  end)

  it("reads any 1-channel image as non-zero = set", function()
    local r = ref.masks[1]
    local p, t = load(r.pred), load(r.truth)        -- 0/255 u8 Images
    assert.are.equal(r.iou, seg.iou(p, t))
    assert.are.equal(r.iou, seg.iou(p:to_labels(), t:to("u16")))
  end)

  it("gives the same answer on any thread count", function()
    local r = ref.masks[2]
    local p, t = mask(r.pred), mask(r.truth)
    local old = seg.threads()
    for _, n in ipairs{1, 2, 3, 7} do
      seg.threads(n)
      assert.are.equal(r.iou, seg.iou(p, t))
    end
    seg.threads(old)
  end)

  it("scores empty masks as documented", function()
    local z, one = seg.mask(5, 4), seg.mask(5, 4, true)
    assert.are.equal(1, seg.iou(z, z))
    assert.are.equal(1, seg.dice(z, z))
    assert.are.equal(0, seg.iou(z, one))
    local p, r = seg.precision_recall(z, one)
    assert.are.same({0, 0}, {p, r})
    p, r = seg.precision_recall(one, one)
    assert.are.same({1, 1}, {p, r})
  end)
end)

describe("class maps", function()
  local c = ref.classes
  local truth, pred = labels(c.truth), labels(c.pred)

  it("confusion matches NumPy (rows = truth, columns = prediction)", function()
    assert.are.same(c.confusion, seg.confusion(pred, truth, c.k))
  end)

  it("per-class IoU, Dice and their mean", function()
    local iou = seg.iou(pred, truth, c.k)
    local dice = seg.dice(pred, truth, c.k)
    for i = 1, c.k do
      close(c.iou[i], iou[i])
      close(c.dice[i], dice[i])
    end
    local m, per = seg.mean_iou(pred, truth, c.k)
    close(c.mean_iou, m)
    assert.are.equal(c.k, #per)
  end)

  it("mean IoU leaves out classes absent from both maps", function()
    local m, per = seg.mean_iou(pred, truth, c.k + 2)
    assert.is_true(per[c.k + 1] ~= per[c.k + 1])   -- NaN
    close(c.mean_iou, m)
  end)

  it("pixel accuracy", function()
    close(c.accuracy, seg.pixel_accuracy(pred, truth))
    assert.are.equal(1, seg.pixel_accuracy(truth, truth:to("u8")))
  end)

  it("refuses values outside the classes", function()
    local cm, k = c.confusion, c.k
    local out = 0                 -- pixels where either map holds class k-1
    for i = 1, k do out = out + cm[k][i] + cm[i][k] end
    out = out - cm[k][k]
    -- truth is a Labels whose largest value is k - 1: the message asks
    -- whether k - 1 is a count that label() returned with it
    assert.has_error(function() seg.confusion(pred, truth, k - 1) end,
      ("bad argument #3 to 'confusion' (%d pixels outside classes 0..%d; is %d the count " ..
       "label() returned with argument #2? keep one result with parentheses: (m:label()))")
      :format(out, k - 2, k - 1))
    assert.has_error(function() seg.confusion(pred, truth:to("i32"), k - 1) end,
      ("bad argument #1 to 'confusion' (%d pixels outside classes 0..%d)"):format(out, k - 2))
  end)
end)

describe("adapted Rand error and variation of information", function()
  it("equal scikit-image on real segmentations", function()
    for _, r in ipairs(ref.labels) do
      local a, b = labels(r.a), labels(r.b)
      local e, p, rc = seg.adapted_rand(a, b)
      assert.are.same(r.adapted_rand, {e, p, rc})
      e, p, rc = seg.adapted_rand(a, b, {ignore = {}})
      assert.are.same(r.adapted_rand_noignore, {e, p, rc})
      local split, merge = seg.vi(a, b)
      close(r.vi[1], split, 1e-12)
      close(r.vi[2], merge, 1e-12)
      split, merge = seg.vi(a, b, {ignore = 0})
      close(r.vi_ignore0[1], split, 1e-12)
      close(r.vi_ignore0[2], merge, 1e-12)
    end
  end)

  it("accept integer Images and Masks", function()
    local r = ref.labels[1]
    local a, b = load(r.a), load(r.b)      -- u16 Images
    local e = seg.adapted_rand(a, b)
    assert.are.equal(r.adapted_rand[1], e)
  end)

  it("is zero for identical segmentations", function()
    local a = labels(ref.felzenszwalb)
    local s, m = seg.vi(a, a)
    assert.are.same({0, 0}, {s, m})
    assert.are.equal(0, (seg.adapted_rand(a, a)))
  end)

  it("refuses negative labels and float images", function()
    local a = seg.from_table{{1, -1}, {2, 2}}
    local b = seg.from_table{{1, 1}, {2, 2}}
    assert.has_error(function() seg.vi(a, b) end,
      "bad argument #1 to 'vi' (labels must be non-negative)")
    assert.has_error(function() seg.adapted_rand(b:to("f32"), b) end,
      "bad argument #1 to 'adapted_rand' (integer image expected)")
  end)
end)

describe("hausdorff", function()
  it("equals scikit-image on threshold masks, single coins and point sets", function()
    for _, r in ipairs(ref.masks) do
      assert.are.equal(r.hausdorff, seg.hausdorff(mask(r.pred), mask(r.truth)))
    end
    for _, r in ipairs(ref.hausdorff) do
      local a, b = mask(r.a), mask(r.b)
      assert.are.equal(r.distance, seg.hausdorff(a, b))
      assert.are.equal(r.distance, seg.hausdorff(b, a))
    end
  end)

  it("is 0 for two empty sets and inf when one is empty", function()
    local z, m = seg.mask(6, 5), seg.mask(6, 5)
    assert.are.equal(0, seg.hausdorff(z, z))
    m:set(3, 2, 1)
    assert.are.equal(math.huge, seg.hausdorff(z, m))
    assert.are.equal(math.huge, seg.hausdorff(m, z))
    assert.are.equal(0, seg.hausdorff(m, m))
  end)

  it("handles corners of a thin image", function()
    local a, b = seg.mask(1, 9), seg.mask(1, 9)
    a:set(0, 0, 1); b:set(0, 8, 1)
    assert.are.equal(8, seg.hausdorff(a, b))
    a, b = seg.mask(300, 2), seg.mask(300, 2)
    a:set(0, 0, 1); b:set(299, 1, 1); b:set(0, 1, 1)
    assert.are.equal(math.sqrt(299 * 299 + 1), seg.hausdorff(a, b))
  end)
end)

describe("bad arguments", function()
  it("names the argument", function()
    local a, b = seg.mask(4, 4), seg.mask(5, 4)
    assert.has_error(function() seg.iou(a, b) end,
      "bad argument #2 to 'iou' (size mismatch (5x4 vs 4x4))")
    assert.has_error(function() seg.iou(a, {}) end)
    assert.has_error(function() seg.confusion(a, a, 0) end,
      "bad argument #3 to 'confusion' (classes must be in 1..1024)")
    assert.has_error(function() seg.hausdorff(seg.image(4, 4, 3), a) end,
      "bad argument #1 to 'hausdorff' (1-channel image expected, got 3 channels)")
    assert.has_error(function() seg.vi(a, a, {ignore = "x"}) end,
      "bad argument #3 to 'vi' (ignore must be an integer or a list of integers)")
  end)
end)

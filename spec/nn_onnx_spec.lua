-- seg.onnx: loading (good and malformed models), net fields, net:run,
-- net:stats, net:segment on small models written by spec/onnx_build.lua.
local seg = require "seg"
local B = dofile("spec/onnx_build.lua")

-- A 1x1 convolution (identity on 3 channels, plus a bias) followed by Relu.
local function conv_model(extra)
  local m = {
    opset = 13,
    inputs = {{"x", {1, 3, "H", "W"}}},
    outputs = {{"y", {1, 3, "H", "W"}}},
    initializers = {{"w", {3, 3, 1, 1}, {1, 0, 0, 0, 2, 0, 0, 0, -1}}, {"b", {3}, {0.5, 0, 0}}},
    nodes = {{"Conv", {"x", "w", "b"}, {"c"}, {kernel_shape = {1, 1}}, name = "conv"},
             {"Relu", {"c"}, {"y"}, name = "relu"}},
    metadata = {["seg.stride"] = "4"},
  }
  for k, v in pairs(extra or {}) do m[k] = v end
  return B.model(m)
end

describe("seg.onnx", function()
  it("loads a model from bytes and describes it", function()
    local net = assert(seg.onnx(conv_model()))
    assert.equal("Net", seg.type(net))
    assert.same({{name = "x", type = "float32", shape = {1, 3, "H", "W"}}}, net.inputs)
    assert.same({{name = "y", type = "float32", shape = {1, 3, "H", "W"}}}, net.outputs)
    assert.equal("4", net.metadata["seg.stride"])
    assert.matches("^seg.Net %(%d+ nodes, 1 inputs, 1 outputs%)$", tostring(net))
  end)

  it("runs it, computing what the graph says", function()
    local net = assert(seg.onnx(conv_model()))
    local x = seg.tensor({1, 3, 2, 3})
    for c = 1, 3 do for y = 1, 2 do for xx = 1, 3 do x:set(1, c, y, xx, c + y / 10 - xx / 5) end end end
    local y = assert(net:run(x))
    assert.same({1, 3, 2, 3}, y:shape())
    for yy = 1, 2 do for xx = 1, 3 do
      assert.near(math.max(0, x:get(1, 1, yy, xx) + 0.5), y:get(1, 1, yy, xx), 1e-6)
      assert.near(math.max(0, 2 * x:get(1, 2, yy, xx)), y:get(1, 2, yy, xx), 1e-6)
      assert.near(math.max(0, -x:get(1, 3, yy, xx)), y:get(1, 3, yy, xx), 1e-6)
    end end
    -- by name, and a second size (a new plan)
    local y2 = assert(net:run{x = seg.tensor({1, 3, 5, 7}, 1)})
    assert.same({1, 3, 5, 7}, y2:shape())
    assert.near(1.5, y2:get(1, 1, 5, 7), 1e-6)
    local st = net:stats()
    assert.is_true(st.peak_bytes >= 0 and st.weight_bytes > 0 and #st.ops >= 1)
    assert.equal("Conv", st.ops[1].op == "Conv" and "Conv" or st.ops[2] and st.ops[2].op)
  end)

  it("segments an image: classes by argmax at the input size", function()
    local net = assert(seg.onnx(conv_model()))
    local img = seg.image(10, 7, 3, "f32")
    for y = 0, 6 do for x = 0, 9 do img:set(x, y, 0, x < 5 and 1 or 0, y < 3 and 1 or 0) end end
    local classes, probs = net:segment(img, {scale = 1})
    assert.equal("seg.Labels 10x7, 1 channel, i32", tostring(classes))
    assert.equal(3, probs.channels)
    -- channel 1: relu(0.5), channel 2: relu(2*g), channel 3: relu(-b) = 0
    assert.equal(1, classes:get(0, 0))
    assert.equal(0, classes:get(9, 6))
    local e = math.exp
    assert.near(e(2) / (e(0.5) + e(2) + 1), probs:get(1, 5, 2), 1e-5)
  end)

  it("tiles large inputs with blended overlaps, matching the untiled result", function()
    local net = assert(seg.onnx(conv_model()))
    local img = seg.image(300, 200, 3, "u8")
    for y = 0, 199, 3 do for x = 0, 299, 7 do img:set(x, y, (x * 7 + y) % 256, (x + y * 3) % 256, 40) end end
    local whole, pw = net:segment(img)
    local tiled, pt = net:segment(img, {tile = 96, overlap = 16})
    -- a 1x1 network is local, so blending identical overlaps changes nothing
    local d = pw - pt
    assert.is_true(d:max() < 1e-5 and d:min() > -1e-5)
    assert.equal(0, (whole:ne(tiled)):count())
  end)

  it("returns nil and a message for malformed models", function()
    local cases = {
      {"\8\1\58\255\255", "protobuf"},
      {conv_model{nodes = {{"Conv", {"x", "nothere"}, {"y"}, {kernel_shape = {1, 1}}, name = "c"}}},
       "input 'nothere' is not produced"},
      {conv_model{nodes = {{"Frobnicate", {"x"}, {"y"}, name = "f"}}}, "unknown operator 'Frobnicate' %(node 'f'%)"},
      {conv_model{nodes = {{"Relu", {"z"}, {"y"}, name = "a"}, {"Relu", {"y"}, {"z"}, name = "b"}}}, "cycle"},
      {conv_model{outputs = {{"nope", {1}}}}, "graph output 'nope' is not produced"},
      {conv_model{initializers = {{"w", {3, 3, 1, 1}, {1, 2}}}}, "does not match its shape"},
      {conv_model{nodes = {{"Relu", {"x"}, {"y"}}, {"Relu", {"x"}, {"y"}}}}, "produced twice"},
    }
    for _, c in ipairs(cases) do
      local net, err = seg.onnx(c[1])
      assert.is_nil(net)
      assert.matches(c[2], err)
    end
    local net, err = seg.onnx("spec/no/such/model.onnx")
    assert.is_nil(net)
    assert.matches("No such file", err)
  end)

  it("refuses a shape the model does not take, and bad arguments", function()
    local fixed = assert(seg.onnx(conv_model{inputs = {{"x", {1, 3, 4, 4}}}, outputs = {{"y", {1, 3, 4, 4}}}}))
    assert.has_error(function() fixed:run(seg.tensor({1, 3, 4, 5})) end,
      "bad argument #1 to 'run' (input 'x' expects dimension 4 to be 4, got 5)")
    assert.has_error(function() fixed:run(seg.tensor({3, 4, 4})) end,
      "bad argument #1 to 'run' (input 'x' has rank 4, got a tensor of rank 3)")
    assert.has_error(function() fixed:run({}) end, "bad argument #1 to 'run' (no tensor for input 'x')")
    assert.has_error(function() fixed:run(3) end)
    assert.has_error(function() seg.onnx(conv_model(), {thread = 2}) end)
    assert.has_error(function() fixed:segment(seg.image(4, 4, 3), {tiles = 3}) end)
    assert.has_error(function() fixed:segment(seg.image(4, 4, 3), {stride = 0}) end)
    fixed:release()
    assert.has_error(function() fixed:run(seg.tensor({1, 3, 4, 4})) end,
      "calling 'run' on bad self (network has been released)")
  end)

  it("reports errors inside a run as nil, message", function()
    -- Reshape to a shape whose element count differs from its input's
    local bad = assert(seg.onnx(B.model{
      opset = 13, inputs = {{"x", {1, 4}}}, outputs = {{"y", {3}}},
      initializers = {{"s", {1}, {3}, B.INT64}},
      nodes = {{"Reshape", {"x", "s"}, {"y"}, name = "r"}}}) or {run = function() return nil, "load" end})
    local y, err = bad:run(seg.tensor({1, 4}))
    assert.is_nil(y)
    assert.is_string(err)
  end)

  it("loads what exporters write: float16 and typed initializers, external data, functions, IR 3", function()
    local x = seg.tensor({1, 3, 2, 2})
    for c = 1, 3 do for y = 1, 2 do for xx = 1, 2 do x:set(1, c, y, xx, c - y * 0.5 + xx * 0.25 - 1) end end end
    local want = assert(assert(seg.onnx(conv_model())):run(x))
    local function same (net)
      local y = assert(net:run(x))
      for c = 1, 3 do for yy = 1, 2 do for xx = 1, 2 do
        assert.near(want:get(1, c, yy, xx), y:get(1, c, yy, xx), 1e-6)
      end end end
    end
    local W = {1, 0, 0, 0, 2, 0, 0, 0, -1}
    -- float16 weights (exact in half precision), float_data instead of raw_data
    same(assert(seg.onnx(conv_model{initializers = {{"w", {3, 3, 1, 1}, W, B.FLOAT16}, {"b", {3}, {0.5, 0, 0}, B.FLOAT16}}})))
    same(assert(seg.onnx(conv_model{initializers = {{"w", {3, 3, 1, 1}, W, opts = {typed = true}},
                                                    {"b", {3}, {0.5, 0, 0}, opts = {typed = true}}}})))
    -- external data next to the model file, at an offset
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local f = assert(io.open(dir .. "/weights.bin", "wb"))
    f:write("PAD!")
    for _, v in ipairs(W) do f:write(string.pack("<f", v)) end
    f:close()
    local ext = conv_model{initializers = {{"w", {3, 3, 1, 1}, nil, opts = {external = {location = "weights.bin", offset = 4, length = 36}}},
                                           {"b", {3}, {0.5, 0, 0}}}}
    f = assert(io.open(dir .. "/model.onnx", "wb"))
    f:write(ext)
    f:close()
    same(assert(seg.onnx(dir .. "/model.onnx")))
    local net, err = seg.onnx(ext)           -- bytes: no directory to read it from
    assert.is_nil(net)
    assert.matches("external", err)
    os.remove(dir .. "/weights.bin")
    net, err = seg.onnx(dir .. "/model.onnx")
    assert.is_nil(net)
    assert.matches("weights.bin", err)
    os.remove(dir .. "/model.onnx")
    os.remove(dir)
    -- a model-local function with an attribute reference, inlined
    local fnet = assert(seg.onnx(B.model{
      opset = 13, inputs = {{"x", {1, 3, 2, 2}}}, outputs = {{"y", {1, 3, 2, 2}}},
      nodes = {{"ScaledLeaky", {"x"}, {"y"}, {alpha = 0.25}, domain = "spec.fns", name = "call"}},
      functions = {{name = "ScaledLeaky", domain = "spec.fns", inputs = {"a"}, outputs = {"b"}, attributes = {"alpha"},
                    nodes = {{"LeakyRelu", {"a"}, {"l"}, {alpha = {ref = "alpha", type = 1}}},
                             {"Add", {"l", "l"}, {"b"}}}}}}))
    local y = assert(fnet:run(x))
    for c = 1, 3 do for yy = 1, 2 do for xx = 1, 2 do
      local v = x:get(1, c, yy, xx)
      assert.near(2 * (v >= 0 and v or 0.25 * v), y:get(1, c, yy, xx), 1e-6)
    end end end
    -- IR 3: initializers also listed as graph inputs are constants, not inputs
    local old = assert(seg.onnx(conv_model{ir_version = 3,
      inputs = {{"x", {1, 3, "H", "W"}}, {"w", {3, 3, 1, 1}}, {"b", {3}}}}))
    assert.equal(1, #old.inputs)
    same(old)
  end)
end)

-- Energy-minimising segmentations: random walker, Chan-Vese, morphological
-- snakes and the inverse Gaussian gradient. Peer: scikit-image 0.19,
-- through the fixtures written by spec/refs/make_energy_refs.py.
local seg = require "seg"
local H = require "spec.helper"
local ref = dofile("spec/fixtures/energy_refs.lua")
local D = ref.dir

local function load(name) return assert(seg.load(D .. name)) end
local function mask(name) return load(name):gt(0) end
local function raw(name, w, h, c)
  local f = assert(io.open(D .. name, "rb"))
  local s = f:read("a")
  f:close()
  return seg.from_data(s, w, h, c or 1, "f32")
end
local function same(got, want, what)
  local worst, differ = H.diff(got, want)
  assert(differ == 0, ("%s: %d elements differ (worst %g)"):format(what or "", differ, worst))
end
-- fraction of pixels that agree (labels or masks of the same size)
local function agree(got, want)
  local _, differ = H.diff(got, want)
  return 1 - differ / (got.width * got.height)
end
local function labels_of(png) return load(png):to("i32") end

describe("random_walker", function()
  local R = ref.random_walker

  it("agrees with skimage on coins with threshold markers (cg_j)", function()
    local im, mk = load(R.gray.image), labels_of(R.gray.markers)
    local got = im:random_walker(mk)
    assert.are.equal("Labels", seg.type(got))
    local a = agree(got, labels_of(R.gray.labels))
    assert(a >= 0.999, ("agreement %.5f"):format(a))
  end)

  it("agrees with skimage's plain cg, beta and tol", function()
    local im, mk = load(R.gray.image), labels_of(R.gray.markers)
    local got = im:random_walker(mk, {mode = "cg", beta = R.gray_cg.beta, tol = R.gray_cg.tol})
    local a = agree(got, labels_of(R.gray_cg.labels))
    assert(a >= 0.999, ("agreement %.5f"):format(a))
  end)

  it("uses every channel of an RGB image and keeps the marker values", function()
    local im, mk = load(R.rgb.image), labels_of(R.rgb.markers)
    local got = im:random_walker(mk)
    local a = agree(got, labels_of(R.rgb.labels))
    assert(a >= 0.999, ("agreement %.5f"):format(a))
    local seen = {}
    for _, row in ipairs(got:to_table()) do for _, v in ipairs(row) do seen[v] = true end end
    assert.are.same({[3] = true, [5] = true, [7] = true}, seen)
  end)

  it("leaves inactive, isolated and unreachable pixels out as skimage does", function()
    local im = load(R.inactive.image)
    local mk = labels_of(R.inactive.markers) - 16
    local got = im:random_walker(mk)
    local a = agree(got, labels_of(R.inactive.labels))
    assert(a >= 0.999, ("agreement %.5f"):format(a))
    assert.are.equal(0, got:get(60, 40))     -- the wall
    assert.are.equal(0, got:get(111, 1))     -- the walled-off pixel
    assert.are.equal(9, got:get(0, 79))      -- the isolated seed keeps its value
  end)

  it("returns the full probabilities, one channel per label in value order", function()
    local im, mk = load(R.prob.image), labels_of(R.prob.markers)
    local lab, prob = im:random_walker(mk, {return_full_prob = true})
    assert.are.equal(R.prob.k, prob.channels)
    assert.are.equal("f32", prob.dtype)
    local want = raw(R.prob.prob, im.width, im.height, R.prob.k)
    local worst = H.diff(prob, want)
    assert(worst < 5e-3, ("probabilities differ by %g"):format(worst))
    assert.are.equal("Labels", seg.type(lab))
  end)

  it("accepts a Labels and returns the same on 1 and 2 threads", function()
    local im, mk = load(R.gray.image), labels_of(R.gray.markers)
    local lab = mk:eq(2):remove_small(300):label()   -- a Labels: each large coin its own label
    local one = seg.threads(); seg.threads(1)
    local a = im:random_walker(lab)
    seg.threads(2)
    same(im:random_walker(lab), a)
    seg.threads(one)
  end)

  it("handles tiny images and degenerate markers", function()
    local im = seg.image(1, 1, 1, "u8", 7)
    same(im:random_walker(seg.from_table({{3}}, "i32")), seg.from_table({{3}}, "i32"))
    local row = seg.from_table{{0, 10, 20, 30, 40}}
    local got = row:random_walker(seg.from_table({{1, 0, 0, 0, 2}}, "i32"))
    assert.are.same({{1, 1, 1, 2, 2}}, got:to_table())
    -- a constant image: weights all equal (skimage: NaN)
    local flat = seg.image(5, 1, 1, "f32", 0.5)
    assert.are.same({{1, 1, 0, 2, 2}},
      flat:random_walker(seg.from_table({{1, 0, -1, 0, 2}}, "i32")):to_table())
  end)

  it("names bad arguments", function()
    local im, mk = seg.image(4, 4), seg.image(4, 4, 1, "i32")
    mk:set(0, 0, 1)
    assert.has_error(function() im:random_walker(seg.image(4, 4)) end,
      "bad argument #1 to 'random_walker' (Labels or 1-channel i32 image expected)")
    assert.has_error(function() im:random_walker(seg.image(3, 4, 1, "i32")) end)
    assert.has_error(function() im:random_walker(mk, {betta = 1}) end,
      "bad argument #2 to 'random_walker' (unknown option 'betta'; valid: beta, tol, mode, return_full_prob)")
    assert.has_error(function() im:random_walker(mk, {mode = "bf"}) end)
    assert.has_error(function() im:random_walker(mk, {beta = -1}) end)
    assert.has_error(function() im:random_walker(mk, {tol = 0 / 0}) end)
    assert.has_error(function() im:random_walker(seg.image(4, 4, 1, "i32")) end,
      "bad argument #1 to 'random_walker' (no positive marker)")
    assert.has_error(function() seg.image(4, 4, 1, "i32"):random_walker(mk) end,
      "calling 'random_walker' on bad self (u8, u16 or f32 pixels expected)")
    local nan = seg.image(4, 4, 1, "f32", 0 / 0)
    assert.has_error(function() nan:random_walker(mk) end,
      "calling 'random_walker' on bad self (non-finite pixel values)")
    local r = seg.image(4, 4); r:release()
    assert.has_error(function() r:random_walker(mk) end)
    local m2 = mk:clone(); m2:release()
    assert.has_error(function() im:random_walker(m2) end)
  end)
end)

describe("chan_vese", function()
  local C = ref.chan_vese

  it("agrees with skimage on camera (checkerboard, 200 iterations)", function()
    local im = load(C.checkerboard.image)
    local m, phi, en = im:chan_vese{iters = 200, energies = true}
    assert.are.equal("Mask", seg.type(m))
    assert.are.equal("f32", phi.dtype)
    local a = agree(m, mask(C.checkerboard.mask))
    assert(a >= 0.999, ("agreement %.5f"):format(a))
    assert.are.equal(C.checkerboard.iters, #en)
    for i = 1, 3 do
      assert(math.abs(en[i] - C.checkerboard.energies[i]) <= 1e-6 * math.abs(en[i]), "energy " .. i)
    end
    -- the curvature term divides by |grad phi|^3 + 1e-8: after 200 steps the
    -- last bits of the level set move the energy by a few parts in 1e3
    assert(math.abs(en[#en] - C.checkerboard.energies[4]) <= 1e-2 * math.abs(en[#en]))
    assert(math.abs(phi:min() - C.checkerboard.phi_min) < 1e-3)
    assert(math.abs(phi:max() - C.checkerboard.phi_max) < 1e-3)
  end)

  it("agrees with skimage from the disks, other parameters", function()
    local im = load(C.coins)
    for _, k in ipairs{"disk", "small_disk"} do
      local m = im:chan_vese{init = k:gsub("_", " "), mu = 0.1, lambda2 = 1.5, tol = 1e-4,
                             iters = 150, dt = 0.4}
      local a = agree(m, mask(C[k].mask))
      assert(a >= 0.999, ("%s: agreement %.5f"):format(k, a))
    end
  end)

  it("starts from a level set Image, stops at tol, same on 1 and 2 threads", function()
    local im = load(C.coins)
    local _, phi0 = im:chan_vese{iters = 0}
    local a, pa = im:chan_vese{iters = 30}
    local b = im:chan_vese{iters = 30, init = phi0}
    assert(agree(a, b) >= 0.999)
    local _, _, en = im:chan_vese{tol = 1e9, energies = true}
    assert.are.equal(1, #en)
    local one = seg.threads(); seg.threads(1)
    local c, pc = im:chan_vese{iters = 30}
    seg.threads(one)
    same(c, a); same(pc, pa)
  end)

  it("handles tiny images", function()
    for _, s in ipairs{{1, 1}, {1, 5}, {5, 1}, {2, 2}} do
      for _, init in ipairs{"checkerboard", "disk", "small disk"} do
        local m, phi = seg.image(s[1], s[2], 1, "u16", 3):chan_vese{init = init, iters = 5}
        assert.are.equal(s[1], m.width); assert.are.equal(s[2], phi.height)
      end
    end
  end)

  it("names bad arguments", function()
    local im = seg.image(8, 8)
    assert.has_error(function() im:chan_vese{iter = 3} end)
    assert.has_error(function() im:chan_vese{iters = -1} end,
      "bad argument #1 to 'chan_vese' ('iters' must be an integer in 0..10000)")
    assert.has_error(function() im:chan_vese{iters = 1e9} end)
    assert.has_error(function() im:chan_vese{init = "square"} end)
    assert.has_error(function() im:chan_vese{init = seg.image(4, 8, 1, "f32")} end,
      "bad argument #1 to 'chan_vese' ('init' must have the image's size)")
    assert.has_error(function() im:chan_vese{mu = 1 / 0} end)
    assert.has_error(function() seg.image(8, 8, 3):chan_vese() end,
      "calling 'chan_vese' on bad self (single-channel image expected)")
    assert.has_error(function() seg.image(8, 8, 1, "f32", 1 / 0):chan_vese() end)
  end)
end)

describe("morphological snakes", function()
  local M = ref.snakes
  local cam = load(ref.chan_vese.checkerboard.image)
  local coins = load(ref.chan_vese.coins)

  it("morphological_chan_vese equals skimage on u8 (the gallery's settings)", function()
    same(cam:morphological_chan_vese(35, {smoothing = 3}), mask(M.mcv_u8), "u8")
    -- skimage on img_as_float(camera) (float64): the same here
    local a = agree(cam:morphological_chan_vese(35, {smoothing = 3}), mask(M.mcv_f64))
    assert(a >= 0.9999, ("agreement %.6f"):format(a))
  end)

  it("morphological_chan_vese equals skimage on f32", function()
    local f = raw(M.mcv_f32.image, M.mcv_f32.w, M.mcv_f32.h)
    same(f:morphological_chan_vese(35, {init = "checkerboard", smoothing = 3}), mask(M.mcv_f32.mask))
  end)

  it("morphological_chan_vese equals skimage from a disk and from a Mask", function()
    same(coins:morphological_chan_vese(20, {init = "disk", lambda2 = 2}), mask(M.mcv_disk), "disk")
    local init = mask(M.mcv_user.init)
    same(coins:morphological_chan_vese(25, {init = init, smoothing = 2}), mask(M.mcv_user.mask), "user")
  end)

  it("geodesic active contour equals skimage (the gallery's recipe)", function()
    local g = raw(M.gac.gimage, M.gac.w, M.gac.h)
    local init = mask(M.gac.init)
    local got = g:morphological_geodesic_active_contour(230, {init = init, smoothing = 1,
                                                              balloon = -1, threshold = 0.69})
    assert.are.equal("Mask", seg.type(got))
    same(got, mask(M.gac.mask), "gac")
    same(g:morphological_geodesic_active_contour(60, {init = "disk", smoothing = 2, balloon = 1.5,
                                                       threshold = "auto"}), mask(M.gac_auto), "auto")
    same(g:morphological_geodesic_active_contour(40, {init = "checkerboard"}), mask(M.gac_plain), "plain")
  end)

  it("inverse_gaussian_gradient matches skimage, and the whole recipe agrees", function()
    local im = load(M.gac.image)
    local g = im:inverse_gaussian_gradient()
    assert.are.equal("f32", g.dtype)
    local worst = H.diff(g, raw(M.gac.gimage, M.gac.w, M.gac.h))
    assert(worst < 1e-5, ("worst %g"):format(worst))
    local got = g:morphological_geodesic_active_contour(230, {init = mask(M.gac.init),
                                                              balloon = -1, threshold = 0.69})
    local a = agree(got, mask(M.gac.mask_f64))
    assert(a >= 0.999, ("agreement %.5f"):format(a))
    local s = load(M.igg.image)
    worst = H.diff(s:inverse_gaussian_gradient{alpha = M.igg.alpha, sigma = M.igg.sigma},
                   raw(M.igg.ref, M.igg.w, M.igg.h))
    assert(worst < 1e-5, ("worst %g"):format(worst))
  end)

  it("skips a converged contour's iterations exactly, same on 1 and 2 threads", function()
    local a = cam:morphological_chan_vese(400, {smoothing = 1})
    local b = cam:morphological_chan_vese(401, {smoothing = 1})
    local c = cam:morphological_chan_vese(100000, {smoothing = 1})   -- fast: the state cycles
    assert(agree(a, c) > 0.99 and agree(b, c) > 0.99)
    local one = seg.threads(); seg.threads(1)
    local d = cam:morphological_chan_vese(35, {smoothing = 3})
    seg.threads(one)
    same(d, mask(M.mcv_u8))
  end)

  it("handles tiny images", function()
    for _, s in ipairs{{1, 1}, {1, 6}, {6, 1}, {2, 3}} do
      local im = seg.image(s[1], s[2], 1, "f32", 0.25)
      for _, init in ipairs{"checkerboard", "disk"} do
        assert.are.equal(s[1], im:morphological_chan_vese(50, {init = init, smoothing = 3}).width)
        assert.are.equal(s[2], im:morphological_geodesic_active_contour(50,
          {init = init, balloon = -1}).height)
      end
      assert.are.equal(s[1], im:inverse_gaussian_gradient().width)
    end
  end)

  it("names bad arguments", function()
    local im = seg.image(8, 8)
    assert.has_error(function() im:morphological_chan_vese() end)
    assert.has_error(function() im:morphological_chan_vese(-1) end,
      "bad argument #1 to 'morphological_chan_vese' (iterations must be in 0..100000)")
    assert.has_error(function() im:morphological_chan_vese(5, {smoothing = 1000}) end,
      "bad argument #2 to 'morphological_chan_vese' ('smoothing' must be an integer in 0..64)")
    assert.has_error(function() im:morphological_chan_vese(5, {smooth = 1}) end)
    assert.has_error(function() im:morphological_chan_vese(5, {init = "small disk"}) end)
    assert.has_error(function() im:morphological_chan_vese(5, {init = seg.image(7, 8)}) end)
    assert.has_error(function() im:morphological_geodesic_active_contour(5, {threshold = "otsu"}) end,
      "bad argument #2 to 'morphological_geodesic_active_contour' ('threshold' must be a number or \"auto\")")
    assert.has_error(function() im:morphological_geodesic_active_contour(5, {balloon = 0 / 0}) end)
    assert.has_error(function() seg.image(8, 8, 2):morphological_geodesic_active_contour(5) end)
    assert.has_error(function() im:inverse_gaussian_gradient{sigma = 0} end,
      "bad argument #1 to 'inverse_gaussian_gradient' ('sigma' must be in (0, 1000])")
    assert.has_error(function() im:inverse_gaussian_gradient{alpha = -1} end)
    assert.has_error(function() seg.labels(4, 4):inverse_gaussian_gradient() end)
    local r = seg.image(8, 8); r:release()
    assert.has_error(function() r:morphological_chan_vese(3) end)
  end)
end)

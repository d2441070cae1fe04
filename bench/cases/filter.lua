-- bench/cases/filter.lua — filter and edge rows (format of bench/cases.lua).
-- Pixels are compared with the same peers in spec/filter_spec.lua; here
-- both sides run on the 4096x4096 inputs.
local SOBEL_CV = "gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0); gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1)\n" ..
                 "r = cv2.magnitude(gx, gy)"

local function case (name, lua, f, peers, memcpy)
  return { name = name, lua = lua, memcpy = memcpy, peers = peers,
    run = function (d) return function () return f(d) end end }
end

return {
  case("gaussian 2", "gray:gaussian(2)", function (d) return d.gray:gaussian(2) end,
    { opencv = "cv2.GaussianBlur(gray, (0, 0), 2)" }, "gray"),
  case("gaussian 2 rgb", "rgb:gaussian(2)", function (d) return d.rgb:gaussian(2) end,
    { opencv = "cv2.GaussianBlur(rgb, (0, 0), 2)" }, "rgb"),
  case("box 3", "gray:box(3)", function (d) return d.gray:box(3) end,
    { opencv = "cv2.blur(gray, (7, 7))" }, "gray"),
  case("box 10 rgb", "rgb:box(10)", function (d) return d.rgb:box(10) end,
    { opencv = "cv2.blur(rgb, (21, 21))" }, "rgb"),
  case("median 1", "gray:median(1)", function (d) return d.gray:median(1) end,
    { opencv = "cv2.medianBlur(gray, 3)" }),
  case("median 2", "gray:median(2)", function (d) return d.gray:median(2) end,
    { opencv = "cv2.medianBlur(gray, 5)" }),
  case("median 7", "gray:median(7)", function (d) return d.gray:median(7) end,
    { opencv = "cv2.medianBlur(gray, 15)" }),
  case("bilateral 9", "gray:bilateral(9, 50, 5)", function (d) return d.gray:bilateral(9, 50, 5) end,
    { opencv = "cv2.bilateralFilter(gray, 9, 50, 5)" }),
  case("sobel", "gray:sobel()", function (d) return d.gray:sobel() end,
    { opencv = { run = SOBEL_CV } }),
  case("laplacian", "gray:laplacian()", function (d) return d.gray:laplacian() end,
    { opencv = "cv2.Laplacian(gray, cv2.CV_32F)" }),
  case("log 2", "gray:log(2)", function (d) return d.gray:log(2) end,
    { scipy = { setup = "import scipy.ndimage as ndi; g = gray.astype(np.float32)",
                run = "ndi.gaussian_laplace(g, 2)" } }),
  case("canny", "gray:canny{sigma=1, low=50, high=150}",
    function (d) return d.gray:canny{ sigma = 1, low = 50, high = 150 } end,
    { opencv = "cv2.Canny(cv2.GaussianBlur(gray, (0, 0), 1), 50, 150, L2gradient=True)" }),
  case("canny no blur", "gray:canny{sigma=0}", function (d) return d.gray:canny{ sigma = 0 } end,
    { opencv = "cv2.Canny(gray, 50, 150, L2gradient=True)" }),
}

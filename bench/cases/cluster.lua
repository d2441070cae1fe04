-- bench/cases/cluster.lua — k-means rows (format of bench/cases.lua).
-- Both sides run the same k, iterations, epsilon and attempts with k-means++
-- seeding; OpenCV gets its float32 N x C matrix ready-made (its conversion
-- is setup, ours is timed).

local function case (name, k, side, iters, attempts, src)
  local sk = "a = np.ascontiguousarray(" .. src .. "[:" .. side .. ", :" .. side .. "])"
  return {
    name = name,
    lua = ("%s%d:kmeans(%d, {iters=%d, eps=1, attempts=%d})"):format(src, side, k, iters, attempts),
    run = function (d)
      local im = d[src]:crop(0, 0, math.min(side, d.width), math.min(side, d.height))
      return function ()
        return im:kmeans(k, { iters = iters, eps = 1, attempts = attempts })
      end
    end,
    peers = { opencv = {
      setup = sk .. "; data = a.reshape(a.shape[0] * a.shape[1], -1).astype(np.float32)",
      run = ("cv2.kmeans(data, %d, None, (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, %d, 1.0), %d, cv2.KMEANS_PP_CENTERS)")
        :format(k, iters, attempts) } },
  }
end

return {
  case("kmeans k=4 rgb 1024²", 4, 1024, 10, 1, "rgb"),
  case("kmeans k=4 rgb 1024², 3 attempts", 4, 1024, 10, 3, "rgb"),
  case("kmeans k=8 rgb 1024²", 8, 1024, 20, 1, "rgb"),
  case("kmeans k=3 gray 2048²", 3, 2048, 10, 1, "gray"),
}

-- bench/cases/graphseg.lua — graph segmentation rows (format of
-- bench/cases.lua): Felzenszwalb on 1024x1024 RGB, mean-shift filtering on
-- 512x512 RGB, region merging on 256x256 RGB (skimage's RAG is pure Python
-- over networkx: larger inputs take minutes). Results are compared with the
-- peers in spec/graphseg_spec.lua; here only time counts.

local FELZ = "scale=100, sigma=0.8, min_size=50"
local CROP1K = "a = np.ascontiguousarray(rgb[:1024, :1024])"
local CROP512 = "a = np.ascontiguousarray(rgb[:512, :512])"
-- skimage's felzenszwalb labels + 1 are exactly ours (spec), the merge input
local MERGE_SETUP = "from skimage import segmentation as S; from skimage.future import graph as G\n" ..
  "a = np.ascontiguousarray(rgb[:256, :256]); lab = S.felzenszwalb(a, scale=20, sigma=0.8, min_size=10) + 1\n" ..
  "def wf(g, src, dst, n):\n" ..
  "    return {'weight': np.linalg.norm(g.nodes[dst]['mean color'] - g.nodes[n]['mean color'])}\n" ..
  "def mf(g, src, dst):\n" ..
  "    g.nodes[dst]['total color'] += g.nodes[src]['total color']\n" ..
  "    g.nodes[dst]['pixel count'] += g.nodes[src]['pixel count']\n" ..
  "    g.nodes[dst]['mean color'] = g.nodes[dst]['total color'] / g.nodes[dst]['pixel count']"

local function merge_input (d)
  local a = d.rgb:crop(0, 0, 256, 256)
  return a, (a:felzenszwalb{scale = 20, sigma = 0.8, min_size = 10})
end

return {
  { name = "felzenszwalb 1024 rgb", lua = "rgb:felzenszwalb{" .. FELZ .. "} (1024x1024 crop)",
    run = function (d) local a = d.rgb:crop(0, 0, 1024, 1024)
      return function () return a:felzenszwalb{scale = 100, sigma = 0.8, min_size = 50} end end,
    peers = { skimage = { setup = "from skimage.segmentation import felzenszwalb\n" .. CROP1K,
                          run = "felzenszwalb(a, " .. FELZ .. ")" },
              opencv = { setup = CROP1K .. "\ngs = cv2.ximgproc.segmentation.createGraphSegmentation(0.8, 100, 50)",
                         run = "gs.processImage(a)",
                         note = "'%d segments' % (r.max() + 1)" } } },
  { name = "felzenszwalb 1024 gray", lua = "gray:felzenszwalb{" .. FELZ .. "} (1024x1024 crop)",
    run = function (d) local a = d.gray:crop(0, 0, 1024, 1024)
      return function () return a:felzenszwalb{scale = 100, sigma = 0.8, min_size = 50} end end,
    peers = { skimage = { setup = "from skimage.segmentation import felzenszwalb\n" ..
                                  "a = np.ascontiguousarray(gray[:1024, :1024])",
                          run = "felzenszwalb(a, " .. FELZ .. ", channel_axis=None)" } } },
  { name = "meanshift 512 rgb", lua = "rgb:meanshift{spatial=10, range=20} (512x512 crop)",
    run = function (d) local a = d.rgb:crop(0, 0, 512, 512)
      return function () return a:meanshift{spatial = 10, range = 20} end end,
    peers = { opencv = { setup = CROP512, run = "cv2.pyrMeanShiftFiltering(a, 10, 20, maxLevel=0)" } } },
  { name = "merge cut 256", lua = "lab:merge{image=a, threshold=29} (256x256, felzenszwalb labels)",
    run = function (d) local a, lab = merge_input(d)
      return function () return lab:merge{image = a, threshold = 29} end end,
    peers = { skimage = { setup = MERGE_SETUP,
                          run = "G.cut_threshold(lab, G.rag_mean_color(a, lab), 29)" } } },
  { name = "merge hierarchical 256", lua = "lab:merge_hierarchical{image=a, threshold=35} (256x256)",
    run = function (d) local a, lab = merge_input(d)
      return function () return lab:merge_hierarchical{image = a, threshold = 35} end end,
    peers = { skimage = { setup = MERGE_SETUP,
                          run = "G.merge_hierarchical(lab, G.rag_mean_color(a, lab), 35, False, True, mf, wf)" } } },
}

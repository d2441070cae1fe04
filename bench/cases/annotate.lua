-- bench/cases/annotate.lua — drawing and measurement-table rows (format of
-- bench/cases.lua). Drawing is in place on both sides, on a copy of rgb
-- made in setup; each timed call draws a batch of 100 shapes (the same
-- coordinates on both sides, Python looping over cv2's calls). Pixels are
-- compared with the peers in spec/annotate_spec.lua; putText draws Hershey
-- vector glyphs, not our bitmap font, so that row is only a rough guide.

local N = 100

local function lines (W, H)
  local t = {}
  for i = 0, N - 1 do t[#t + 1] = {(i * 37) % W, 0, W - 1 - (i * 53) % W, H - 1} end
  return t
end
local function circles (W, H)
  local t = {}
  for i = 0, N - 1 do t[#t + 1] = {(i * 97) % W, (i * 61) % H, 5 + (i * 13) % 500} end
  return t
end

local PY_SETUP = "a = rgb.copy(); H, W = a.shape[:2]; N = 100; " ..
  "L = [((i * 37) % W, 0, W - 1 - (i * 53) % W, H - 1) for i in range(N)]; " ..
  "C = [((i * 97) % W, (i * 61) % H, 5 + (i * 13) % 500) for i in range(N)]; " ..
  "T = [((i * 131) % W, (i * 71) % H, 'region %d: area %d' % (i, i * 37)) for i in range(N)]"

return {
  { name = "draw_line x100", lua = "rgb:draw_line(x0, y0, x1, y1, {255, 0, 0}) x100 (full height)",
    run = function (d)
      local a, L, red = d.rgb:clone(), lines(d.width, d.height), {255, 0, 0}
      return function ()
        for i = 1, N do local l = L[i]; a:draw_line(l[1], l[2], l[3], l[4], red) end
        return a
      end
    end,
    peers = { opencv = { setup = PY_SETUP,
      run = "for x0, y0, x1, y1 in L: cv2.line(a, (x0, y0), (x1, y1), (255, 0, 0), 1, cv2.LINE_8)" } } },
  { name = "draw_line thick 5 x100", lua = "rgb:draw_line(..., {thickness = 5}) x100",
    run = function (d)
      local a, L, red, o = d.rgb:clone(), lines(d.width, d.height), {255, 0, 0}, {thickness = 5}
      return function ()
        for i = 1, N do local l = L[i]; a:draw_line(l[1], l[2], l[3], l[4], red, o) end
        return a
      end
    end,
    peers = { opencv = { setup = PY_SETUP,
      run = "for x0, y0, x1, y1 in L: cv2.line(a, (x0, y0), (x1, y1), (255, 0, 0), 5, cv2.LINE_8)" } } },
  { name = "draw_circle x100", lua = "rgb:draw_circle(cx, cy, r, {0, 255, 0}) x100, r 5..504",
    run = function (d)
      local a, C, g = d.rgb:clone(), circles(d.width, d.height), {0, 255, 0}
      return function ()
        for i = 1, N do local c = C[i]; a:draw_circle(c[1], c[2], c[3], g) end
        return a
      end
    end,
    peers = { opencv = { setup = PY_SETUP,
      run = "for cx, cy, r in C: cv2.circle(a, (cx, cy), r, (0, 255, 0), 1, cv2.LINE_8)" } } },
  { name = "draw_circle fill x100", lua = "rgb:draw_circle(cx, cy, r, {0, 255, 0}, {fill = true}) x100",
    run = function (d)
      local a, C, g, o = d.rgb:clone(), circles(d.width, d.height), {0, 255, 0}, {fill = true}
      return function ()
        for i = 1, N do local c = C[i]; a:draw_circle(c[1], c[2], c[3], g, o) end
        return a
      end
    end,
    peers = { opencv = { setup = PY_SETUP,
      run = "for cx, cy, r in C: cv2.circle(a, (cx, cy), r, (0, 255, 0), -1, cv2.LINE_8)" } } },
  { name = "draw_rect x100", lua = "rgb:draw_rect(x, y, w, h, {0, 0, 255}) x100",
    run = function (d)
      local a, C, b = d.rgb:clone(), circles(d.width, d.height), {0, 0, 255}
      return function ()
        for i = 1, N do local c = C[i]; a:draw_rect(c[1], c[2], 2 * c[3], c[3], b) end
        return a
      end
    end,
    peers = { opencv = { setup = PY_SETUP,
      run = "for x, y, r in C: cv2.rectangle(a, (x, y), (x + 2 * r - 1, y + r - 1), (0, 0, 255), 1, cv2.LINE_8)" } } },
  { name = "draw_text x100", lua = "rgb:draw_text(x, y, 'region i: area n', 255, {scale = 2}) x100",
    run = function (d)
      local a, W, H, o = d.rgb:clone(), d.width, d.height, {scale = 2}
      local T = {}
      for i = 0, N - 1 do
        T[#T + 1] = {(i * 131) % W, (i * 71) % H, ("region %d: area %d"):format(i, i * 37)}
      end
      return function ()
        for i = 1, N do local t = T[i]; a:draw_text(t[1], t[2], t[3], 255, o) end
        return a
      end
    end,
    peers = { opencv = { setup = PY_SETUP,
      run = "for x, y, s in T: cv2.putText(a, s, (x, y + 14), cv2.FONT_HERSHEY_PLAIN, 1.0, (255, 255, 255), 1, cv2.LINE_8)",
      note = "'Hershey vector font'" } } },
  { name = "regions_table 1024", lua = "lab:regions_table() (label, area, centroid, bbox), m1 1024² crop",
    run = function (d)
      local lab = d.m1:crop(0, 0, 1024, 1024):label()
      return function () return lab:regions_table() end
    end,
    peers = { skimage = { setup = "import skimage.measure as Me; " ..
        "lab = Me.label(np.ascontiguousarray(m1[:1024, :1024]), connectivity=2)",
      run = "Me.regionprops_table(lab, properties=('label', 'area', 'centroid', 'bbox'))" } } },
  { name = "regions_table + to_csv 1024", lua = "seg.to_csv(lab:regions_table())",
    run = function (d)
      local lab = d.m1:crop(0, 0, 1024, 1024):label()
      local seg = require "seg"
      return function () return seg.to_csv(lab:regions_table()) end
    end,
    peers = { skimage = { setup = "import skimage.measure as Me, pandas as pd; " ..
        "lab = Me.label(np.ascontiguousarray(m1[:1024, :1024]), connectivity=2)",
      run = "pd.DataFrame(Me.regionprops_table(lab, properties=('label', 'area', 'centroid', 'bbox'))).to_csv(index=False)" } } },
}

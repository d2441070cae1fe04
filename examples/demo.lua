-- The demo behind `lua-seg demo` / `make demo`: segments the bundled sample
-- images with a classical pipeline and writes, for each, the mask, the
-- coloured labels and an overlay on the original, then prints a summary.
--   coins:  Gaussian, Otsu threshold, fill holes, clear the border, drop specks
--   page:   Sauvola local threshold (uneven lighting), label characters
--   levels: three-class multi-Otsu of the coins photograph (Labels directly)
--   watershed: touching coins apart, as scikit-image's tutorial: the
--           Sobel gradient flooded from dark (background) and bright
--           (coin) markers, then holes filled and specks dropped
--   superpixels: SLIC on the bundled colour photograph (astronaut), its
--           superpixels' boundaries drawn over it, then neighbours of
--           similar mean colour merged on the region adjacency graph
--   nuclei: the bundled U-Net (background / interior / boundary) on a
--           synthetic fluorescence image, chained with classical operators:
--           interiors -> open -> label -> expand into the network's
--           foreground, so touching nuclei stay apart
return function(seg, opts)
  local outdir = opts.outdir
  os.execute(("mkdir -p '%s'"):format(outdir:gsub("'", "'\\''")))
  local jobs = {
    {name = "coins", file = "coins.png", run = function(img)
      local fg, t = img:gaussian(1):threshold("otsu")
      fg = fg:fill_holes():open(3):clear_border():remove_small(64)
      return fg, ("Otsu threshold %g"):format(t)
    end},
    {name = "page", file = "page.png", run = function(img)
      local ink = ~img:threshold("sauvola", {window = 25, k = 0.2})
      return ink:remove_small(4), "Sauvola window 25, k 0.2"
    end},
    {name = "levels", file = "coins.png", run = function(img)
      local classes, t = img:gaussian(1):multiotsu(3)
      return classes, ("multi-Otsu thresholds %g, %g"):format(t[1], t[2])
    end},
    {name = "watershed", file = "coins.png", run = function(img)
      local markers = img:lt(30):to("u8") + img:gt(150):to("u8") * 2
      local regions = img:sobel():watershed(markers)      -- Labels 1 (background), 2 (coins)
      local coins = regions:mask(2):fill_holes():remove_small(64)
      return coins, "Sobel gradient, watershed from dark/bright markers"
    end},
    {name = "superpixels", file = "astronaut.jpg", color = true, run = function(img)
      local sp, n = img:slic{n = 400, compactness = 10, sigma = 1}
      local merged = sp:merge{image = img, threshold = 12}
      img:draw_boundaries(sp):save(opts.outdir .. "/superpixels-slic.png")
      return merged:boundaries(), ("SLIC %d superpixels, merged at mean-colour distance 12"):format(n), merged
    end},
  }
  if opts.model then
    jobs[#jobs + 1] = {name = "nuclei", file = "nuclei.png", run = function(img)
      local net <close> = assert(seg.onnx(opts.model))
      local classes, prob = net:segment(img)          -- Labels 0/1/2, f32 probabilities
      local fg = classes:gt(0)                        -- interior or boundary
      local seeds = classes:eq(1):open(1):remove_small(6)
      local nuclei = (seeds:label():expand(4) * fg:to("i32")):to_labels()
      prob:mul(255):to("u8"):save(opts.outdir .. "/nuclei-prob.png")
      return fg, "U-Net -> interiors -> label -> expand within the foreground", nuclei
    end}
  end
  local bar = opts.progress(#jobs, "demo")
  local rows = {}
  for _, job in ipairs(jobs) do
    local img = assert(seg.load(opts.images .. "/" .. job.file))
    if not job.color then img = img:gray() end
    local mask, how, labels = job.run(img)
    local n
    if labels then                        -- instances already
      labels, n = labels:relabel()
    elseif seg.type(mask) == "Labels" then   -- already classes: label each class's components
      labels, n = mask:label()
      mask = mask:gt(1)
    else
      labels, n = mask:label()
    end
    local regions = labels:regions()
    local area = 0
    for _, r in ipairs(regions) do area = area + r.area end
    local base = outdir .. "/" .. job.name
    assert(mask:to("u8", 255):save(base .. "-mask.png"))
    assert(labels:colorize():save(base .. "-labels.png"))
    assert(img:overlay(labels, {alpha = 0.45}):save(base .. "-overlay.png"))
    rows[#rows + 1] = ("%-11s %4d objects, mean area %7.1f px  (%s)"):format(
      job.name, n, n > 0 and area / n or 0, how)
    bar()
  end
  print(("lua-seg %s demo, %d thread(s); results in %s/"):format(seg.version, seg.threads(), outdir))
  for _, r in ipairs(rows) do print("  " .. r) end
  return 0
end

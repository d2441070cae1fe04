-- Measurement tables: lab:regions_table, seg.to_csv, seg.write_csv.
-- Peer: skimage 0.19's measure.regionprops_table, written to CSV by pandas
-- in spec/refs/make_annotate_refs.py; the CSV text lua-seg writes is read
-- back here by a small RFC 4180 parser.
local seg = require "seg"
local ref = dofile("spec/fixtures/table_refs.lua")
local D = ref.dir

-- RFC 4180: fields separated by sep, records by LF or CRLF, quoted fields
-- may hold sep, CR, LF and doubled quotes. Returns an array of records.
local function parse_csv(s, sep)
  sep = sep or ","
  local rows, row, field, i, n = {}, {}, {}, 1, #s
  local quoted = false
  while i <= n do
    local c = s:sub(i, i)
    if quoted then
      if c == '"' then
        if s:sub(i + 1, i + 1) == '"' then field[#field + 1] = '"'; i = i + 1
        else quoted = false end
      else field[#field + 1] = c end
    elseif c == '"' then quoted = true
    elseif c == sep then row[#row + 1] = table.concat(field); field = {}
    elseif c == "\n" or c == "\r" then
      if c == "\r" and s:sub(i + 1, i + 1) == "\n" then i = i + 1 end
      row[#row + 1] = table.concat(field); field = {}
      rows[#rows + 1] = row; row = {}
    else field[#field + 1] = c end
    i = i + 1
  end
  assert(not quoted, "unterminated quoted field")
  if #field > 0 or #row > 0 then row[#row + 1] = table.concat(field); rows[#rows + 1] = row end
  return rows
end

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- header + records -> {name = {values as numbers where they parse}}, names;
-- empty fields are NaN (pandas writes NaN so)
local function columns_of(text, sep)
  local recs = parse_csv(text, sep)
  local names, cols = recs[1], {}
  for j, name in ipairs(names) do
    local col = {}
    for r = 2, #recs do
      local v = recs[r][j]
      local num = tonumber(v)
      if v == "NaN" or v == "" then num = 0 / 0 elseif v == "inf" then num = math.huge
      elseif v == "-inf" then num = -math.huge end
      col[r - 1] = num == nil and v or num
    end
    cols[name] = col
  end
  return cols, names
end

local coins = assert(seg.load(D .. ref.image))
local lab = assert(seg.load(D .. ref.labels)):to_labels()

local INT = {label = true, area = true, euler_number = true, bbox_x = true, bbox_y = true,
             bbox_w = true, bbox_h = true, min_intensity = true, max_intensity = true}

local function close(got, want, what, scale)
  if want ~= want then return assert(got ~= got, what .. ": expected NaN") end
  local tol = 1e-6 * math.max(math.abs(want), scale or 0, 1e-12)
  assert(math.abs(got - want) <= tol,
    ("%s: got %.17g, expected %.17g"):format(what, got, want))
end

describe("regions_table", function()
  it("is skimage.measure.regionprops_table on a coins labelling", function()
    local want, names = columns_of(readfile(D .. ref.csv))
    local t = lab:regions_table(ref.props, coins)
    assert.are.same(ref.columns, t.columns)
    assert.are.same(names, t.columns)
    assert.are.equal(ref.n, #t.label)
    -- moments_normalized and Hu moments: relative to the largest of the row's set
    for _, name in ipairs(names) do
      local g, w = t[name], want[name]
      assert.are.equal(#w, #g, name)
      for i = 1, #w do
        local what = ("region %d %s"):format(i, name)
        if INT[name] then
          assert.are.equal(w[i], g[i], what)
          assert(math.type(g[i]) == "integer" or name:match("intensity"), what .. " integer")
        else
          local scale
          if name:match("^moments_") then scale = 1e-3 end
          close(g[i], w[i], what, scale)
        end
      end
    end
  end)

  it("defaults to label, area, centroid, bbox, as pandas wrote them", function()
    local want, names = columns_of(readfile(D .. ref.default_csv))
    local t = lab:regions_table()
    assert.are.same(names, t.columns)
    for _, name in ipairs(names) do
      for i = 1, #want[name] do close(t[name][i], want[name][i], name .. " " .. i) end
    end
    -- the same columns as lab:regions(), transposed
    local rs = lab:regions()
    for i, r in ipairs(rs) do
      assert.are.equal(r.label, t.label[i])
      assert.are.equal(r.centroid.x, t.centroid_x[i])
      assert.are.equal(r.bbox.h, t.bbox_h[i])
    end
    -- intensity first or second
    local a = lab:regions_table(coins, {"mean_intensity"})
    local b = lab:regions_table({"mean_intensity"}, coins)
    assert.are.same(a, b)
    assert.are.same({"mean_intensity"}, a.columns)
  end)

  it("has empty columns for an empty labelling", function()
    local t = seg.labels(4, 3):regions_table{"label", "centroid"}
    assert.are.same({label = {}, centroid_x = {}, centroid_y = {},
                     columns = {"label", "centroid_x", "centroid_y"}}, t)
    assert.are.equal("label,centroid_x,centroid_y\n", seg.to_csv(t))
  end)

  it("names bad arguments", function()
    assert.has_error(function() lab:regions_table{"areaa"} end,
      "bad argument #1 to 'regions_table' (unknown property 'areaa')")
    assert.has_error(function() lab:regions_table{"max_intensity"} end,
      "bad argument #1 to 'regions_table' (property 'max_intensity' needs an intensity image)")
    assert.has_error(function() lab:regions_table("area") end,
      "bad argument #1 to 'regions_table' (table of property names expected, got string)")
    assert.has_error(function() lab:regions_table({"area"}, seg.image(3, 3)) end)
    assert.has_error(function() lab:regions_table({"area"}, 5) end)
    assert.has_error(function() seg.mask(3, 3):regions_table() end)
    local l2 = seg.labels(3, 3)
    l2:release()
    assert.has_error(function() l2:regions_table() end)
  end)
end)

describe("to_csv and write_csv", function()
  local tmp = os.tmpname()
  teardown(function() os.remove(tmp) end)

  it("writes a regions_table that reads back to the same numbers", function()
    local t = lab:regions_table(ref.props, coins)
    assert.is_true(seg.write_csv(t, tmp))
    local back, names = columns_of(readfile(tmp))
    assert.are.same(t.columns, names)
    for _, name in ipairs(names) do
      for i = 1, #t[name] do
        local g, w = back[name][i], t[name][i]
        assert(g == w or (g ~= g and w ~= w), ("%s %d: %s vs %s"):format(name, i, g, w))
        if math.type(w) == "integer" then assert.are.equal("integer", math.type(g)) end
      end
    end
    -- and as pandas wrote skimage's, within regionprops' tolerance
    local want = columns_of(readfile(D .. ref.csv))
    for _, name in ipairs{"area", "perimeter", "eccentricity", "weighted_centroid_y"} do
      for i = 1, #want[name] do close(back[name][i], want[name][i], name) end
    end
  end)

  it("flattens rows of lab:regions() into the same columns", function()
    local rows = lab:regions(coins, {properties = {"area", "bbox", "centroid", "moments_hu"}})
    local cols, names = columns_of(seg.to_csv(rows))
    local t = lab:regions_table({"label", "area", "bbox", "centroid", "moments_hu"}, coins)
    assert.are.same(t.columns, names)
    for _, name in ipairs(names) do assert.are.same(t[name], cols[name]) end
    -- columns= picks and orders
    local s = seg.to_csv(rows, {columns = {"centroid_y", "label"}})
    local c2, n2 = columns_of(s)
    assert.are.same({"centroid_y", "label"}, n2)
    assert.are.same(t.label, c2.label)
  end)

  it("quotes strings as RFC 4180 and prints numbers round-trippable", function()
    local rows = {
      {name = 'plain', v = 0.1, n = 3, ok = true},
      {name = 'a,b', v = 1 / 3, n = -7, ok = false},
      {name = 'say "hi"', v = 1e300, n = 0},
      {name = 'two\nlines\r\n', v = 0 / 0},
      {name = '', v = -math.huge, extra = {x = 1, y = 2, [1] = "a"}},
    }
    local s = seg.to_csv(rows)
    assert.are.equal(table.concat({
      'n,name,ok,v,extra_x,extra_y,extra_0',
      '3,plain,true,0.1,,,',
      '-7,"a,b",false,0.3333333333333333,,,',
      '0,"say ""hi""",,1e+300,,,',
      ',"two\nlines\r\n",,NaN,,,',
      ',,,-inf,1,2,a', ''}, "\n"), s)
    local back = parse_csv(s)
    assert.are.equal('two\nlines\r\n', back[5][2])
    assert.are.equal('say "hi"', back[4][2])
    assert.are.equal(1 / 3, tonumber(back[3][4]))
    -- separators, no header
    assert.are.equal("1;2\n", seg.to_csv({{a = 1, b = 2}}, {sep = ";", header = false}))
    assert.are.equal('x;y\t"x\ty"\n', seg.to_csv({{a = "x;y", b = "x\ty"}}, {sep = "\t", header = false}))
    -- integers stay integers, floats with integral values print without a point
    assert.are.equal("a,b\n3,3\n", seg.to_csv({a = {3}, b = {3.0}}))
    -- columnar tables without a columns list: known names first, then bytes
    assert.are.equal("label,area,b,z\n1,2,3,4\n",
      seg.to_csv({z = {4}, b = {3}, area = {2}, label = {1}}))
  end)

  it("returns nil, message when the file cannot be written", function()
    local ok, msg = seg.write_csv({{a = 1}}, "/nonexistent-dir/x.csv")
    assert.is_nil(ok)
    assert.matches("^/nonexistent%-dir/x%.csv: ", msg)
  end)

  it("names bad arguments", function()
    assert.has_error(function() seg.to_csv(5) end,
      "bad argument #1 to 'to_csv' (table expected, got number)")
    assert.has_error(function() seg.write_csv({}, nil) end,
      "bad argument #2 to 'write_csv' (string expected, got nil)")
    assert.has_error(function() seg.write_csv({}, 5) end,
      "bad argument #2 to 'write_csv' (string expected, got number)")
    assert.has_error(function() seg.to_csv({{a = 1}}, {sepp = ";"}) end,
      "bad argument #2 to 'to_csv' (unknown option 'sepp'; valid: columns, sep, header)")
    assert.has_error(function() seg.to_csv({{a = 1}}, {sep = ";;"}) end,
      "bad argument #2 to 'to_csv' ('sep' must be one character other than a quote, CR or LF)")
    assert.has_error(function() seg.to_csv({{a = 1}}, {sep = '"'}) end)
    assert.has_error(function() seg.to_csv({{a = 1}}, {columns = {"b"}}) end,
      "bad argument #2 to 'to_csv' (no row has a field 'b')")
    assert.has_error(function() seg.to_csv({{a = 1}}, {columns = {1}}) end,
      "bad argument #2 to 'to_csv' (columns[1] must be a string)")
    assert.has_error(function() seg.to_csv({{a = 1}, 7}) end,
      "bad argument #1 to 'to_csv' (row 2 is a number, not a table)")
    assert.has_error(function() seg.to_csv({{a = print}}) end,
      "bad argument #1 to 'to_csv' (row 1: field 'a' is a function)")
    assert.has_error(function() seg.to_csv({{[true] = 1}}) end,
      "bad argument #1 to 'to_csv' (row 1 has a key of type boolean)")
    assert.has_error(function() seg.to_csv({a = {1, 2}, b = {1}}) end)
    assert.has_error(function() seg.to_csv({a = {1}, b = 5}) end,
      "bad argument #1 to 'to_csv' (column 'b' is not a table of values)")
    assert.has_error(function() seg.to_csv({a = {{}}}) end,
      "bad argument #1 to 'to_csv' (column 'a' holds a table)")
    assert.has_error(function() seg.to_csv({a = {1}, columns = {"a", "q"}}) end,
      "bad argument #1 to 'to_csv' (column 'q' is missing)")
    local deep = {}
    local t = deep
    for _ = 1, 20 do t.x = {}; t = t.x end
    t.v = 1
    assert.has_error(function() seg.to_csv({deep}) end,
      "bad argument #1 to 'to_csv' (row 1 nests tables deeper than 8)")
    local cyc = {}
    cyc.self = cyc
    assert.has_error(function() seg.to_csv({cyc}) end)
  end)
end)

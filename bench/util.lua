-- Small helpers shared by bench/run.lua and bench/loops.lua.
local U = {}

-- Returns a function that prints "<prefix>: msg" on stderr and exits 1.
function U.dier (prefix)
  return function (msg) io.stderr:write(prefix, ": ", msg, "\n"); os.exit(1) end
end

function U.log (...) io.stderr:write(string.format(...), "\n") end

-- The whole content of a file, or nil when it cannot be read.
function U.readfile (path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a"); f:close()
  return s
end

-- s quoted for a POSIX shell.
function U.quote (s) return "'" .. s:gsub("'", "'\\''") .. "'" end

return U

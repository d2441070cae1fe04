-- busted output handler: the default utfTerminal output, then one final
-- line "N passed, N failed" that CI looks for (errors count as failures).
return function(options)
  local busted = require "busted"
  local base = require("busted.outputHandlers.utfTerminal")(options)
  local passed, failed = 0, 0
  busted.subscribe({ "test", "end" }, function(_, _, status)
    if status == "success" then passed = passed + 1
    elseif status == "failure" or status == "error" then failed = failed + 1 end
    return nil, true
  end)
  busted.subscribe({ "error" }, function(element)
    -- a failing test is counted at its end; count errors outside tests here
    if not (element and (element.descriptor == "it" or element.descriptor == "pending")) then
      failed = failed + 1
    end
    return nil, true
  end)
  busted.subscribe({ "suite", "end" }, function()
    io.write(("\n%d passed, %d failed\n"):format(passed, failed))
    io.flush()
    return nil, true
  end)
  return base
end

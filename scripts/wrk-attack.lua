-- wrk-attack.lua: the search attack of scripts/search-attack.sh. Every
-- request is a /flows search of 32 excluded words (the costliest search
-- there is: it matches nearly every flow and checks each against every
-- word), one of them random so that none is answered from the response
-- cache.
--
--   wrk -t2 -c16 -d20s --latency -s scripts/wrk-attack.lua http://127.0.0.1:8097

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk-report.lua")

local words = {}
for i = 10, 40 do words[#words + 1] = "-w" .. i end
local tail = table.concat(words, "%20")

function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init(args) math.randomseed(tonumber(seed) or os.time()) end

request = function()
   return wrk.format("GET", "/flows?q=-z" .. math.random(1, 1e9) .. "%20" .. tail)
end

-- wrk-normal.lua: an ordinary search for scripts/search-attack.sh, measured
-- alone and during the attack: /flows searching one word with a port
-- filter, the port random so that the response cache misses.
--
--   wrk -t1 -c1 -d10s --latency -s scripts/wrk-normal.lua http://127.0.0.1:8097

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk-report.lua")

local words = {"ldap", "kerberos", "dns", "https", "agent", "server", "sql", "proxy", "syslog", "snmp"}

function setup(thread) thread:set("seed", math.random(1, 1e9)) end
function init(args) math.randomseed(tonumber(seed) or os.time()) end

request = function()
   return wrk.format("GET", "/flows?q=" .. words[math.random(#words)] .. "&port=" .. math.random(1, 65535))
end

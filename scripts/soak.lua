-- soak.lua: the mixed traffic of scripts/soak.sh. It cycles through the URLs
-- listed one per line in the file named by $SOAK_PATHS (pages, searches in
-- English and Japanese, facets, flow pages, CSV, the JSON API, SVG diagrams),
-- each thread starting at another place, counts every response that is not
-- 2xx, and at the end prints one line for soak.sh:
--   SOAK requests=N non2xx=N connect=N read=N write=N timeout=N p50_ms=F p99_ms=F max_ms=F
--
--   SOAK_PATHS=paths.txt wrk -t2 -c16 -d10m -s scripts/soak.lua http://127.0.0.1:8080

local paths = {}
for line in io.lines(os.getenv("SOAK_PATHS")) do
   if line ~= "" then
      table.insert(paths, line)
   end
end

local threads = {}
function setup(thread)
   table.insert(threads, thread)
   thread:set("first", #threads * 7)
end

local i = 0
non2xx = 0
function request()
   i = i + 1
   return wrk.format("GET", paths[(i + (first or 0)) % #paths + 1])
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, t in ipairs(threads) do
      bad = bad + t:get("non2xx")
   end
   local e = summary.errors
   io.write(string.format("SOAK requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
      summary.requests, bad, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

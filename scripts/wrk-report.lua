-- wrk-report.lua: wrk's done() hook for scripts/bench-http.sh. It prints one
-- machine-readable line after a run:
--   RESULT <requests/s> <p50 µs> <p99 µs> <HTTP status >= 400> <socket errors> <seconds>
-- wrk-mixed.lua loads it too, so every row of the table is measured alike.

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("RESULT %.1f %d %d %d %d %.3f\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      e.status, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6))
end

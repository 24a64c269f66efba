-- wrk script for bench/run.sh: sends the Authorization header the
-- localelements routes need (json-server ignores it, so both servers get
-- the same request), and prints one machine-readable line at the end.
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

-- RESULT <requests> <req/s> <p99 µs> <status errors> <socket errors>
-- wrk counts a response with a status above 399 as a status error; 3xx
-- would pass, and no workload here redirects.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %d %d %d\n",
    summary.requests,
    summary.requests / seconds,
    latency:percentile(99),
    e.status,
    e.connect + e.read + e.write + e.timeout))
end

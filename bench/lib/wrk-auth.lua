-- wrk script for bench/auth.mjs: `wrk … -s wrk-auth.lua <url> -- <token>`: GET /me with a bearer token.
local static

function init(args)
  static = wrk.format("GET", "/me", { ["Authorization"] = "Bearer " .. args[1] })
end

function request()
  return static
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end

-- wrk script for the benchmark workloads: `wrk … -s wrk.lua <url> -- <workload> [token]`
-- (`me <token>`: GET /me with a bearer token, for bench/auth.mjs; `graphql <json>`: POST /graphql
-- with that body, for bench/graphql.mjs).
-- (`path <path>`: GET that path, for bench/engine.mjs.)
-- Random ids come from wrk's own math.random, seeded per run; the summary is printed as one JSON line.
local workload
local static
local ORDER = '{"customer":"Ada Lovelace","email":"ada@example.com","quantity":3,"price":19.99,"currency":"EUR","express":true,"note":"leave at the door","tags":["gift","fragile"],"coupon":"SAVE10","address":{"street":"1 Main St","city":"Springfield","zip":"12345"}}'

local function ids(n)
  local parts = {}
  for i = 1, n do parts[i] = "ids=" .. math.random(10000) end
  return table.concat(parts, "&")
end

function init(args)
  workload = args[1]
  math.randomseed(os.time())
  if workload == "plaintext" then static = wrk.format("GET", "/plaintext")
  elseif workload == "json" then static = wrk.format("GET", "/json")
  elseif workload == "post" then static = wrk.format("POST", "/orders", { ["Content-Type"] = "application/json" }, ORDER)
  elseif workload == "me" then static = wrk.format("GET", "/me", { ["Authorization"] = "Bearer " .. args[2] })
  elseif workload == "path" then static = wrk.format("GET", args[2])
  elseif workload == "graphql" then static = wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, args[2])
  end
end

function request()
  if static then return static end
  if workload == "db" then return wrk.format("GET", "/db/" .. math.random(10000)) end
  if workload == "queries" then return wrk.format("GET", "/queries?" .. ids(20)) end
  if workload == "updates" then return wrk.format("POST", "/updates?" .. ids(20) .. "&value=" .. math.random(10000)) end
  error("unknown workload " .. tostring(workload))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end

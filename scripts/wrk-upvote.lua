-- wrk script: upvote load. Each request sets one paper's upvote on or off (POST / DELETE
-- /api/papers/ID/upvote) with an API token, cycling through the papers.
-- Usage: TOKEN=papers_… IDS=id1,id2,… wrk -t2 -c32 -d20s -s scripts/wrk-upvote.lua http://127.0.0.1:8080
local token = os.getenv("TOKEN") or error("set TOKEN to an API token (make one at /settings/tokens)")
local ids = {}
for id in string.gmatch(os.getenv("IDS") or error("set IDS to comma-separated paper ids"), "[^,]+") do
  ids[#ids + 1] = id
end
local counter = 0

function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

function init(args)
  n = offset or 0
end

function request()
  n = n + 1
  local id = ids[(n % #ids) + 1]
  local method = (math.floor(n / #ids) % 2 == 0) and "POST" or "DELETE"
  return wrk.format(method, "/api/papers/" .. id .. "/upvote", { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (status %d), p50 %.2f ms, p99 %.2f ms\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

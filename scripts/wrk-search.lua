-- wrk script: each request searches one of the shared title queries, in turn, so the load is not one
-- cached query. Usage (from the repository root):
--   wrk -t2 -c32 -d30s -s scripts/wrk-search.lua http://127.0.0.1:8080
-- QUERIES (environment) overrides the query file, MODE the search mode (default hybrid).
local path = os.getenv("QUERIES") or "../shared/eval/arxiv-title-queries.txt"
local mode = os.getenv("MODE") or "hybrid"
local queries = {}
for line in io.lines(path) do
  if #line > 0 then
    queries[#queries + 1] = line:gsub("[^%w%-%._~ ]", function(c) return string.format("%%%02X", string.byte(c)) end):gsub(" ", "+")
  end
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
  local q = queries[(n % #queries) + 1]
  return wrk.format("GET", "/api/search?mode=" .. mode .. "&limit=10&q=" .. q)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors: connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

-- wrk script for bench/api.py: POST the GraphQL bodies of $BENCH_BODIES (one JSON document
-- a line) to the URL's path, each wrk thread cycling through its own share of the lines
-- (line i goes to thread i mod $BENCH_THREADS), so no two threads send the same body.
-- $BENCH_TOKEN, when set, is sent as a bearer token. done() prints one JSON line.

local bodies_path = os.getenv("BENCH_BODIES")
local token = os.getenv("BENCH_TOKEN")
local thread_count = tonumber(os.getenv("BENCH_THREADS"))
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  if token ~= nil and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  requests, counter = {}, 0
  local line_number = 0
  for line in io.lines(bodies_path) do
    if line_number % thread_count == index then
      table.insert(requests, wrk.format("POST", nil, headers, line))
    end
    line_number = line_number + 1
  end
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, '
      .. '"max_us": %d, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end

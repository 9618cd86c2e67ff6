-- Signed Stripe events, each sent once: BENCH_EVENTS_FILE has one event a line,
-- "<Stripe-Signature header>\t<JSON body>". Thread k of n sends lines k, k+n, k+2n, ...;
-- once its share is sent it sends GET /healthz until the bench stops wrk (it watches the
-- database). A thread must never just stop: a sync gunicorn worker that accepted one of its
-- idle connections would wait for a request until its timeout. Non-200 answers count as bad.
local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS"))
  local path = os.getenv("BENCH_PATH") or "/callbacks/stripe"
  mine = {}
  local i = 0
  for line in io.lines(os.getenv("BENCH_EVENTS_FILE")) do
    if i % n == id then
      local signature, body = string.match(line, "^([^\t]+)\t(.*)$")
      table.insert(mine, wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Stripe-Signature"] = signature,
      }, body))
    end
    i = i + 1
  end
  filler = wrk.format("GET", "/healthz")
  sent = 0
  answered = 0
  bad = 0
end

function request()
  sent = sent + 1
  if sent <= #mine then return mine[sent] end
  return filler
end

function response(status, headers, body)
  answered = answered + 1
  if answered <= #mine and status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(threads) do total_bad = total_bad + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"bad_status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, total_bad, e.connect, e.read, e.write, e.timeout))
end

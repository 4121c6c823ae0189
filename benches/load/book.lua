-- wrk script: every request books a distinct free slot for a signed-in client. Request n asks
-- for slot n / resources (15-minute grid) as client n % #tokens; the server picks the first
-- free of the ten resources, so every request can succeed and no client overlaps itself.
dofile(os.getenv("FIXTURE"))
local next_thread = 0
local counter, step = 0, 1

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  counter = tid
  step = tonumber(os.getenv("THREADS") or "2")
end

request = function()
  local n = counter
  counter = counter + step
  local start = os.date("!%Y-%m-%dT%H:%M:%SZ", start_secs + math.floor(n / resources) * 900)
  local token = tokens[(n % #tokens) + 1]
  local body = '{"service_id":"' .. book_service .. '","start":"' .. start .. '"}'
  return wrk.format("POST", "/api/client/reservations/", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

done = function(summary, latency, requests)
  io.write(string.format("booking requests sent: %d\n", summary.requests))
end

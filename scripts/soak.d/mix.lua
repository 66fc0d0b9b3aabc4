-- wrk script: a mix of what clients send nanovlm. Each request is drawn at random:
-- text search by GET and POST, PNG uploads (valid raw, valid multipart, invalid), gallery
-- images, health and readiness. Counts answers by status class per thread; `done` prints
-- the totals, and the 5xx count on a line of its own for scripts/soak to read.
local dir = os.getenv("SOAK_DIR") or "."

local function read(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  return data
end

local png = read(dir .. "/valid.png")
local truncated = png:sub(1, math.floor(#png / 2))
local queries = { "pink+circle+top", "red", "blue+square+bottom-left", "grey+triangle+top+left", "centre", "teal" }
local boundary = "soakBoundary"
local form = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
  .. "Content-Type: image/png\r\n\r\n" .. png .. "\r\n--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"candidates\"\r\n\r\nred\r\n"
  .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"candidates\"\r\n\r\npink\r\n--" .. boundary .. "--\r\n"

counts = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local r = math.random(100)
  if r <= 25 then
    local q = queries[math.random(#queries)]
    return wrk.format("GET", "/v1/search/images?q=" .. q .. "&k=" .. math.random(1, 20))
  elseif r <= 35 then
    return wrk.format("POST", "/v1/search/images", { ["Content-Type"] = "application/json" },
      '{"queries": ["red circle", "blue", "square top"], "k": 3}')
  elseif r <= 50 then
    return wrk.format("POST", "/v1/search/captions?k=3", { ["Content-Type"] = "image/png" }, png)
  elseif r <= 57 then
    return wrk.format("POST", "/v1/classify", { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }, form)
  elseif r <= 62 then
    return wrk.format("POST", "/v1/search/captions", { ["Content-Type"] = "image/png" }, truncated)
  elseif r <= 66 then
    return wrk.format("POST", "/v1/embed/image", { ["Content-Type"] = "image/png" }, "GIF89a not a png")
  elseif r <= 80 then
    return wrk.format("GET", "/v1/images/" .. math.random(0, 242) .. ".png")
  elseif r <= 90 then
    return wrk.format("GET", "/healthz")
  else
    return wrk.format("GET", "/readyz")
  end
end

function response(status, headers, body)
  local class = tostring(math.floor(status / 100)) .. "xx"
  counts[class] = (counts[class] or 0) + 1
end

function done(summary, latency, requests)
  local total = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for class, n in pairs(c) do total[class] = (total[class] or 0) + n end
  end
  io.write(string.format("answers: 2xx %d, 3xx %d, 4xx %d, 5xx %d\n", total["2xx"], total["3xx"], total["4xx"], total["5xx"]))
  io.write(string.format("SOAK_5XX=%d\n", total["5xx"]))
  local e = summary.errors
  io.write(string.format("SOAK_SOCKET_ERRORS=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

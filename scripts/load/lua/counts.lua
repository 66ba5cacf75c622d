-- Shared by the other scripts (loaded with dofile): counts answers by status in each wrk
-- thread and prints the totals when the run ends, as one line each:
--   STATUS 200=1234 429=56
--   CLASS 2xx=1234 3xx=0 4xx=56 5xx=0 other=0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

counts = {}

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, classes = {}, { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0, other = 0 }
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts") or {}) do
      total[status] = (total[status] or 0) + n
      local class = math.floor(status / 100)
      local key = (class >= 2 and class <= 5) and (class .. "xx") or "other"
      classes[key] = classes[key] + n
    end
  end
  local statuses = {}
  for status in pairs(total) do table.insert(statuses, status) end
  table.sort(statuses)
  local line = "STATUS"
  for _, s in ipairs(statuses) do line = line .. " " .. s .. "=" .. total[s] end
  print(line)
  print(string.format("CLASS 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=%d",
    classes["2xx"], classes["3xx"], classes["4xx"], classes["5xx"], classes.other))
end

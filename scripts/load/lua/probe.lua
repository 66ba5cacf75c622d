-- GET /users/me/ with the token in $TOKEN, each connection pausing PROBE_DELAY_MS (default 2)
-- between requests, so the probe measures latency at a light load instead of saturating the
-- server. wrk starts each request's clock when it writes the request, so the pause is not
-- part of the latency.
dofile(os.getenv("LOAD_LUA_DIR") .. "/counts.lua")

wrk.method = "GET"
wrk.path = "/users/me/"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

local pause = tonumber(os.getenv("PROBE_DELAY_MS") or "2")

function delay()
  return pause
end

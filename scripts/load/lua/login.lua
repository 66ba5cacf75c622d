-- POST /token, by default with johndoe's correct credentials on every request, counting the
-- answers: 200 (a token) or 429 (the client already had a login under way, or no hashing slot
-- came in time). Only failures count toward the login limits, so these never trip them.
-- LOGIN_BODY replaces the form body. LOGIN_CLIENTS=many sends each request with an
-- X-Forwarded-For address of its own, so that a server trusting one proxy hop
-- (TRUSTED_PROXY_HOPS=1) sees many clients rather than one.
dofile(os.getenv("LOAD_LUA_DIR") .. "/counts.lua")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = os.getenv("LOGIN_BODY") or "grant_type=password&username=johndoe&password=secret"

if os.getenv("LOGIN_CLIENTS") == "many" then
  local n = 0
  request = function()
    n = n + 1
    return wrk.format(nil, nil, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256),
    })
  end
end

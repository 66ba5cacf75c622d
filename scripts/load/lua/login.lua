-- POST /token, by default with johndoe's correct credentials on every request, counting the
-- answers: 200 (a token) or 429 (the hashing bound was full). Only failures count toward the
-- login throttle, so these never trip it. LOGIN_BODY replaces the form body.
dofile(os.getenv("LOAD_LUA_DIR") .. "/counts.lua")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = os.getenv("LOGIN_BODY") or "grant_type=password&username=johndoe&password=secret"

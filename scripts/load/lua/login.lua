-- POST /token with johndoe's correct credentials on every request, counting the answers:
-- 200 (a token) or 429 (the hashing bound was full). Only failures count toward the login
-- throttle, so these never trip it.
dofile(os.getenv("LOAD_LUA_DIR") .. "/counts.lua")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=password&username=johndoe&password=secret"

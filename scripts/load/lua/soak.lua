-- Hostile mix for the soak: each request is drawn at random from the table below. Tokens come
-- from the environment: VALID_TOKEN (issued by the server), EXPIRED_TOKEN, OTHER_KEY_TOKEN
-- (signed with another key), NONE_TOKEN (alg "none"). Statuses are counted by class; a 5xx or
-- a socket error is a failure.
dofile(os.getenv("LOAD_LUA_DIR") .. "/counts.lua")

local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }

local function bearer(token)
  return { Authorization = "Bearer " .. token }
end

local function get(path, headers)
  return wrk.format("GET", path, headers)
end

local function post(body)
  return wrk.format("POST", "/token", form, body)
end

local kinds

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  local valid = os.getenv("VALID_TOKEN")
  local unknown_users = {}
  for i = 1, 50 do
    unknown_users[i] = post("grant_type=password&username=mallory" .. i .. "&password=guess")
  end
  kinds = {
    -- weight, request(s)
    { 35, { get("/users/me/", bearer(valid)) } },
    { 5,  { get("/users/me/items/", bearer(valid)) } },
    { 5,  { get("/items/", bearer(valid)) } },
    { 10, { get("/users/me/", bearer(os.getenv("EXPIRED_TOKEN"))) } },
    { 8,  { get("/users/me/", bearer(os.getenv("OTHER_KEY_TOKEN"))) } },
    { 3,  { get("/users/me/", bearer(os.getenv("NONE_TOKEN"))) } },
    { 3,  { get("/users/me/", bearer(valid:sub(1, -2) .. (valid:sub(-1) == "A" and "B" or "A"))) } },
    { 3,  { get("/users/me/", bearer("not.a.jwt")), get("/users/me/", bearer("")),
            get("/users/me/", { Authorization = "Basic am9obmRvZTpzZWNyZXQ=" }) } },
    { 2,  { get("/users/me/", bearer(string.rep("a", 9000))) } },
    { 3,  { get("/users/me/") } },
    { 8,  { post("grant_type=password&username=johndoe&password=secret") } },
    { 8,  unknown_users },
    { 3,  { post("username=johndoe&password=" .. string.rep("x", 2000)),
            post("username=%zz&password=secret"), post("grant_type=client_credentials"),
            post("username=johndoe&password=") } },
    { 2,  { post("username=johndoe&password=" .. string.rep("y", 20000)) } },
    { 2,  { get("/users/me"), get("/nope"), wrk.format("DELETE", "/token") } },
  }
  local sum = 0
  for _, k in ipairs(kinds) do sum = sum + k[1] end
  total_weight = sum
end

function request()
  local r = math.random(total_weight)
  for _, k in ipairs(kinds) do
    if r <= k[1] then
      local list = k[2]
      return list[math.random(#list)]
    end
    r = r - k[1]
  end
end

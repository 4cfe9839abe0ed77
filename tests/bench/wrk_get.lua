-- wrk script for GET <BENCH_PATH><BENCH_ID_PREFIX><12 digits>: a random id of the loaded
-- reservations on each request (tests/bench/bench.py sets the environment). With
-- BENCH_TOKEN set, the request carries it as a bearer token (the sidecar needs one, the
-- bench's own gateway none).
local n = tonumber(os.getenv("BENCH_IDS") or "1000")
local path = os.getenv("BENCH_PATH") or "/api/v1/integrations/reservation/"
local prefix = os.getenv("BENCH_ID_PREFIX") or "RES-"
local token = os.getenv("BENCH_TOKEN") or ""
local headers = {}
if token ~= "" then headers["Authorization"] = "Bearer " .. token end
math.randomseed(os.time())
request = function()
    return wrk.format("GET", string.format("%s%s%012d", path, prefix, math.random(0, n - 1)),
        headers)
end

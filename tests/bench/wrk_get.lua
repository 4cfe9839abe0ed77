-- wrk script for GET /api/v1/integrations/reservation/{id}: a random id of the first
-- store's loaded reservations on each request (tests/bench/run.sh sets BENCH_IDS).
local n = tonumber(os.getenv("BENCH_IDS") or "1000")
local token = os.getenv("BENCH_TOKEN") or ""
math.randomseed(os.time())
request = function()
    local path = string.format("/api/v1/integrations/reservation/RES-%012d", math.random(0, n - 1))
    return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

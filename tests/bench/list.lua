-- The work of RESV.LIST store [STATUS s] [LIMIT n] by a Lua script (baseline of
-- tests/bench/run.sh): one ZRANGEBYSCORE with LIMIT on the status index (or the
-- all-index), one more item to know whether there is a next page, and HGETALL of each
-- reservation. Reply: {next_cursor, {reservation, ...}}, next_cursor "score:id" or "0".
-- (FROM/TO/CURSOR are not needed by the benchmark and left out.)
--   EVALSHA sha 1 <store> [STATUS s] [LIMIT n]
local pre = 'resv:{' .. KEYS[1] .. '}:'
local status, limit = nil, 100
for i = 1, #ARGV, 2 do
    local k = string.upper(ARGV[i])
    if k == 'STATUS' then
        status = ARGV[i + 1]
    elseif k == 'LIMIT' then
        limit = tonumber(ARGV[i + 1])
        if not limit or limit < 1 or limit > 1000 or limit % 1 ~= 0 then
            return redis.error_reply('ERR invalid LIMIT: must be an integer from 1 to 1000')
        end
    else
        return redis.error_reply("ERR syntax error at '" .. ARGV[i] .. "'")
    end
end
local idx = pre .. 'i:' .. (status or 'all')
local ids = redis.call('ZRANGEBYSCORE', idx, '-inf', '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
local out, n = {}, math.min(#ids / 2, limit)
for i = 1, n do
    out[i] = redis.call('HGETALL', pre .. 'r:' .. ids[2 * i - 1])
end
local cursor = '0'
if #ids / 2 > limit then cursor = ids[2 * limit + 2] .. ':' .. ids[2 * limit + 1] end
return {cursor, out}

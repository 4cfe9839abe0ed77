-- The work of RESV.LIST store [STATUS s] [LIMIT n] by a Lua script (baseline of
-- tests/bench/run.sh), on the module's keys (docs/keys.md): the days of resv:{S}:days
-- in order (read four at a time), and in each day the partition
-- resv:{S}:i:<status>:<day> of the STATUS (or the seven partitions, merged by score
-- then id), ZRANGE ... WITHSCORES of as many members as are still wanted, until LIMIT
-- items and one more (to know whether there is a next page) are found; HGETALL of each
-- reservation. Reply: {next_cursor, {reservation, ...}}, next_cursor "score:id" or "0".
-- (FROM/TO/CURSOR are not needed by the benchmark and left out.)
--   EVALSHA sha 1 <store> [STATUS s] [LIMIT n]
local pre = 'resv:{' .. KEYS[1] .. '}:'
local ALL = {'pending', 'confirmed', 'arrived', 'seated', 'completed', 'cancelled', 'no_show'}
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
local statuses = status and {status} or ALL
local found, off = {}, 0
while #found <= limit do
    local days = redis.call('ZRANGE', pre .. 'days', off, off + 3)
    if #days == 0 then break end
    off = off + #days
    for _, day in ipairs(days) do
        local got = {}
        for _, st in ipairs(statuses) do
            local r = redis.call('ZRANGE', pre .. 'i:' .. st .. ':' .. day, 0, limit - #found,
                'WITHSCORES')
            for i = 1, #r, 2 do got[#got + 1] = {tonumber(r[i + 1]), r[i]} end
        end
        if #statuses > 1 then
            table.sort(got, function(a, b)
                if a[1] ~= b[1] then return a[1] < b[1] end
                return a[2] < b[2]
            end)
        end
        for _, x in ipairs(got) do
            if #found > limit then break end
            found[#found + 1] = x
        end
        if #found > limit then break end
    end
end
local out, n = {}, math.min(#found, limit)
for i = 1, n do
    out[i] = redis.call('HGETALL', pre .. 'r:' .. found[i][2])
end
local cursor = '0'
if #found > limit then cursor = string.format('%d', found[limit + 1][1]) .. ':' .. found[limit + 1][2] end
return {cursor, out}

-- The work of RESV.LIST store [STATUS s] [FROM t] [TO t] [LIMIT n] by a Lua script
-- (baseline of tests/bench/run.sh), on the module's keys (docs/keys.md): the days of
-- resv:{S}:days that can hold [FROM, TO] in order (read four at a time), and in each day
-- the partition resv:{S}:i:<status>:<day> of the STATUS (or the seven partitions,
-- merged by score then id), ZRANGEBYSCORE ... WITHSCORES of as many members as are still
-- wanted, until LIMIT items and one more (to know whether there is a next page) are
-- found; HGETALL of each reservation. Reply: {next_cursor, {reservation, ...}},
-- next_cursor "score:id" or "0". (CURSOR is not needed by the benchmark and left out.)
--   EVALSHA sha 1 <store> [STATUS s] [FROM t] [TO t] [LIMIT n]
local pre = 'resv:{' .. KEYS[1] .. '}:'
local ALL = {'pending', 'confirmed', 'arrived', 'seated', 'completed', 'cancelled', 'no_show'}
-- days since 1970-01-01 of a civil date (H. Hinnant's algorithm)
local function days(y, m, d)
    if m <= 2 then y = y - 1 end
    local era = math.floor(y / 400)
    local yoe = y - era * 400
    local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
    return era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
end
-- 'YYYY-MM-DDTHH:MM:SS', or a date as its first or last second -> seconds, or nil
local function instant(v, endOfDay)
    local y, mo, d, h, mi, s = string.match(v, '^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)$')
    if not y then
        y, mo, d = string.match(v, '^(%d%d%d%d)%-(%d%d)%-(%d%d)$')
        if not y then return nil end
        h, mi, s = endOfDay and 23 or 0, endOfDay and 59 or 0, endOfDay and 59 or 0
    end
    return days(tonumber(y), tonumber(mo), tonumber(d)) * 86400 + tonumber(h) * 3600 +
        tonumber(mi) * 60 + tonumber(s)
end
local status, limit, lo, hi = nil, 100, '-inf', '+inf'
for i = 1, #ARGV, 2 do
    local k = string.upper(ARGV[i])
    if k == 'STATUS' then
        status = ARGV[i + 1]
    elseif k == 'FROM' or k == 'TO' then
        local t = instant(ARGV[i + 1], k == 'TO')
        if not t then return redis.error_reply('ERR invalid ' .. k) end
        if k == 'FROM' then lo = t else hi = t end
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
-- a day's score is its first instant: the day of FROM starts at or before FROM
local dlo = lo == '-inf' and lo or lo - lo % 86400
while #found <= limit do
    local dl = redis.call('ZRANGEBYSCORE', pre .. 'days', dlo, hi, 'LIMIT', off, 4)
    if #dl == 0 then break end
    off = off + #dl
    for _, day in ipairs(dl) do
        local got = {}
        for _, st in ipairs(statuses) do
            local r = redis.call('ZRANGEBYSCORE', pre .. 'i:' .. st .. ':' .. day, lo, hi,
                'WITHSCORES', 'LIMIT', 0, limit - #found + 1)
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

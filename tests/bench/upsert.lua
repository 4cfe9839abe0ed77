-- The work of RESV.UPSERT (ORIGIN api, no options), done by a Lua script, as the
-- baseline of the module benchmark (tests/bench/run.sh). Same keys as the module
-- (docs/keys.md), same decisions, same writes:
--   validate every field (model field, settable, type and length), read the record,
--   creating: needs reservation_date, status defaults to pending, id/created_at set,
--     owner checked and set (resv:owner:{R});
--   updating: only changed fields written, `unchanged` when none, `stale` for an older
--     updated_at, status moves checked against the transition table;
--   HSET the record; when the start instant or status moved, ZREM from the old
--   partition resv:{S}:i:<status>:<day> and ZADD to the new one, ZADD the new day to
--   resv:{S}:days when it is not there, ZREM the old day when its seven partitions are
--   empty (ZCARD each); RPUSH the audit entry (one NUL-joined
--   element, LTRIM when the list grows past 200) and XADD the store's change feed
--   (MAXLEN ~ 10000).
-- Left out (so the module does strictly more): UTF-8 validation of text, options
-- (ORIGIN ACTOR EVENT PAYLOAD MSGID), table holds of seated reservations, the push
-- outbox for api status changes, INFO counters, and the MULTI/EXEC propagation (a
-- script's effects are replicated as one transaction too).
--
--   EVALSHA sha 1 <store> <reservation_id> field value [field value ...]
local S, R = KEYS[1], ARGV[1]
local pre = 'resv:{' .. S .. '}:'

local ORDER = {'id', 'system_id', 'store_id', 'reservation_id', 'external_reservation_id',
    'reservation_number', 'customer_name', 'customer_phone', 'customer_count',
    'reservation_date', 'reservation_time', 'arrival_time', 'table_type', 'table_number',
    'area', 'status', 'special_requirements', 'notes', 'deposit_required', 'deposit_amount',
    'deposit_paid', 'source', 'channel', 'sync_status', 'synced_at', 'created_at',
    'updated_at', 'sync_error'}
local TYPE = {
    id = 'server', store_id = 'server', reservation_id = 'server', created_at = 'server',
    sync_error = 'server',
    system_id = {'id', 128}, table_number = {'id', 32},
    external_reservation_id = {'text', 128}, reservation_number = {'text', 128},
    customer_name = {'text', 128}, table_type = {'text', 64}, area = {'text', 64},
    special_requirements = {'text', 2000}, notes = {'text', 2000}, source = {'text', 64},
    channel = {'text', 64},
    customer_phone = {'phone', 32}, customer_count = {'int'},
    reservation_date = {'datetime'}, arrival_time = {'datetime'}, synced_at = {'datetime'},
    updated_at = {'datetime'}, reservation_time = {'slot'}, status = {'status'},
    deposit_required = {'bool'}, deposit_paid = {'bool'}, deposit_amount = {'money'},
    sync_status = {'enum', {pending = true, success = true, failed = true}},
}
local STATUS = {pending = 1, confirmed = 2, arrived = 3, seated = 4, completed = 5,
    cancelled = 6, no_show = 7}
local MOVES = {
    pending = {confirmed = true, arrived = true, cancelled = true, no_show = true},
    confirmed = {arrived = true, seated = true, cancelled = true, no_show = true},
    arrived = {seated = true, completed = true, cancelled = true},
    seated = {completed = true}, no_show = {arrived = true}, completed = {}, cancelled = {},
}
local MDAYS = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

local function err(msg) return redis.error_reply('ERR ' .. msg) end

local function validId(v, max)
    return #v >= 1 and #v <= max and not string.find(v, '[^%w%-_%.:@\128-\255]')
end

-- days since 1970-01-01 of a civil date (H. Hinnant's algorithm)
local function days(y, m, d)
    if m <= 2 then y = y - 1 end
    local era = math.floor(y / 400)
    local yoe = y - era * 400
    local mp = (m + 9) % 12
    local doy = math.floor((153 * mp + 2) / 5) + d - 1
    local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
    return era * 146097 + doe - 719468
end

-- 'YYYY-MM-DDTHH:MM:SS' or 'YYYY-MM-DD' -> canonical string, seconds; nil when invalid
local function datetime(v)
    local y, mo, d, h, mi, s = string.match(v, '^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)$')
    if not y then
        y, mo, d = string.match(v, '^(%d%d%d%d)%-(%d%d)%-(%d%d)$')
        h, mi, s = '00', '00', '00'
    end
    if not y then return nil end
    y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
    local hh, mm, ss = tonumber(h), tonumber(mi), tonumber(s)
    if y < 1970 or mo < 1 or mo > 12 or d < 1 or hh > 23 or mm > 59 or ss > 59 then return nil end
    local md = MDAYS[mo]
    if mo == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then md = 29 end
    if d > md then return nil end
    return string.format('%04d-%02d-%02dT%s:%s:%s', y, mo, d, h, mi, s),
        days(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss
end

-- 'HH:MM-HH:MM' or 'HH:MM' -> start in seconds; nil when invalid
local function slot(v)
    local h1, m1, h2, m2 = string.match(v, '^(%d%d):(%d%d)%-(%d%d):(%d%d)$')
    if not h1 then h1, m1 = string.match(v, '^(%d%d):(%d%d)$') end
    if not h1 then return nil end
    local a = tonumber(h1) * 60 + tonumber(m1)
    if tonumber(h1) > 23 or tonumber(m1) > 59 then return nil end
    if h2 then
        local b = tonumber(h2) * 60 + tonumber(m2)
        if tonumber(m2) > 59 or b > 1440 or a == b then return nil end
    end
    return a * 60
end

local function check(name, v)
    local t = TYPE[name]
    if t == nil then return nil, "unknown field '" .. name .. "'" end
    if t == 'server' then return nil, "field '" .. name .. "' is set by the server" end
    local k = t[1]
    if k == 'id' then
        if validId(v, t[2]) then return v end
    elseif k == 'text' then
        if #v <= t[2] and not string.find(v, '[%z\1-\8\11-\31\127]') then return v end
    elseif k == 'phone' then
        if #v >= 1 and #v <= 32 and not string.find(v, '[^%d %+%-%(%)]') then return v end
    elseif k == 'int' then
        local n = string.match(v, '^%d+$') and tonumber(v)
        if n and n >= 1 and n <= 9999 then return v end
    elseif k == 'datetime' then
        local c = datetime(v)
        if c then return c end
    elseif k == 'slot' then
        if slot(v) then return v end
    elseif k == 'status' then
        if STATUS[v] then return v end
    elseif k == 'bool' then
        if v == 'true' or v == '1' then return 'true' end
        if v == 'false' or v == '0' then return 'false' end
    elseif k == 'money' then
        local n = string.match(v, '^%d+$') or string.match(v, '^%d+%.%d%d?$')
        n = n and tonumber(v)
        if n and n <= 999999999.99 then return string.format('%.2f', n) end
    elseif k == 'enum' then
        if t[2][v] then return v end
    end
    return nil, 'invalid ' .. name
end

local function start(date, tslot)
    if not date then return 0 end
    local _, t = datetime(date)
    local s = tslot and slot(tslot)
    if s then return t + s end
    return t
end

-- validate every field first: a refused command changes nothing
if #ARGV < 3 or #ARGV % 2 == 0 then return err('wrong number of arguments') end
if not validId(S, 128) then return err('invalid store') end
if not validId(R, 128) then return err('invalid reservation_id') end
local new, given = {}, 0
for i = 2, #ARGV, 2 do
    local name = ARGV[i]
    if new[name] then return err("field '" .. name .. "' given twice") end
    local c, why = check(name, ARGV[i + 1])
    if not c then return err(why) end
    new[name] = c
    given = given + 1
end

local rkey = pre .. 'r:' .. R
local flat = redis.call('HGETALL', rkey)
local old = {}
for i = 1, #flat, 2 do old[flat[i]] = flat[i + 1] end
local creating = #flat == 0

local t = redis.call('TIME')
local secs = tonumber(t[1])
local function fmt(x)
    local d = math.floor(x / 86400)
    local r = x - d * 86400
    -- civil from days (Hinnant)
    local z = d + 719468
    local era = math.floor(z / 146097)
    local doe = z - era * 146097
    local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
    local y = yoe + era * 400
    local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
    local mp = math.floor((5 * doy + 2) / 153)
    local dd = doy - math.floor((153 * mp + 2) / 5) + 1
    local m = mp < 10 and mp + 3 or mp - 9
    if m <= 2 then y = y + 1 end
    return string.format('%04d-%02d-%02dT%02d:%02d:%02d', y, m, dd, math.floor(r / 3600),
        math.floor(r % 3600 / 60), r % 60)
end
local now = fmt(secs)

local oldStatus = old.status or 'pending'
local set, changed = {}, {}
if creating then
    if not new.reservation_date then return err('missing reservation_date: needed to create') end
    local owner = redis.call('GET', 'resv:owner:{' .. R .. '}')
    if owner and owner ~= S then
        return redis.error_reply('CONFLICT reservation_id ' .. R .. ' belongs to store ' .. owner)
    end
    new.status = new.status or 'pending'
    local r = {}
    for i = 1, 8 do r[i] = math.random(0, 65535) end
    set.id = string.format('%04x%04x-%04x-4%03x-%04x-%04x%04x%04x', r[1], r[2], r[3],
        r[4] % 4096, 32768 + r[5] % 16384, r[6], r[7], r[8])
    set.store_id, set.reservation_id, set.created_at = S, R, now
else
    if new.updated_at and old.updated_at and new.updated_at < old.updated_at then
        return redis.status_reply('stale')
    end
end
for name, v in pairs(new) do
    if old[name] ~= v then set[name] = v; changed[#changed + 1] = name end
end
if not creating and #changed == 0 then return redis.status_reply('unchanged') end
local newStatus = new.status or oldStatus
if not creating and newStatus ~= oldStatus then
    if not MOVES[oldStatus][newStatus] then
        return redis.error_reply('CONFLICT cannot move from ' .. oldStatus .. ' to ' .. newStatus)
    end
    if newStatus == 'arrived' and not new.arrival_time then set.arrival_time = now end
    if newStatus == 'seated' and not (new.table_number or old.table_number) then
        return err('missing table_number: status seated needs a table')
    end
end
if not new.updated_at then set.updated_at = now end

-- write: record, indexes, owner, audit entry, change feed
local args, names = {rkey}, {}
for _, name in ipairs(ORDER) do
    if set[name] then
        args[#args + 1] = name
        args[#args + 1] = set[name]
    end
end
redis.call('HSET', unpack(args))
local oldScore = not creating and start(old.reservation_date, old.reservation_time)
local newScore = start(new.reservation_date or old.reservation_date,
    new.reservation_time or old.reservation_time)
if creating or oldStatus ~= newStatus or oldScore ~= newScore then
    local function dayOf(x) return string.sub(fmt(x - x % 86400), 1, 10) end
    local nd, od = dayOf(newScore), not creating and dayOf(oldScore)
    if od and not (od == nd and oldStatus == newStatus) then
        redis.call('ZREM', pre .. 'i:' .. oldStatus .. ':' .. od, R)
    end
    redis.call('ZADD', pre .. 'i:' .. newStatus .. ':' .. nd, newScore, R)
    if od ~= nd then
        if not redis.call('ZSCORE', pre .. 'days', nd) then
            redis.call('ZADD', pre .. 'days', newScore - newScore % 86400, nd)
        end
        if od then
            local left = 0
            for st in pairs(STATUS) do left = left + redis.call('ZCARD', pre .. 'i:' .. st .. ':' .. od) end
            if left == 0 then redis.call('ZREM', pre .. 'days', od) end
        end
    end
end
if creating then redis.call('SET', 'resv:owner:{' .. R .. '}', S) end
for _, name in ipairs(ORDER) do
    if new[name] and set[name] then names[#names + 1] = name end
end
local event = creating and 'created' or 'updated'
local hlen = redis.call('RPUSH', pre .. 'h:' .. R,
    table.concat({now, 'api', '', event, table.concat(names, ','), newStatus, ''}, '\0'))
if hlen > 200 then redis.call('LTRIM', pre .. 'h:' .. R, -200, -1) end
local feed = creating and 'created' or (new.status and newStatus ~= oldStatus and
    (newStatus == 'cancelled' and 'cancelled' or 'status')) or 'updated'
redis.call('XADD', pre .. 'changes', 'MAXLEN', '~', 10000, '*', 'reservation_id', R,
    'event', feed, 'status', newStatus, 'at', now)
return redis.status_reply(event)

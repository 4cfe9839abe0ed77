-- The work of RESV.GET by a Lua script (baseline of tests/bench/run.sh): the record
-- hash as field/value pairs, nil when there is none. (The module replies in model
-- order; HGETALL gives the hash's own order, which is less work.)
--   EVALSHA sha 1 <store> <reservation_id>
local flat = redis.call('HGETALL', 'resv:{' .. KEYS[1] .. '}:r:' .. ARGV[1])
if #flat == 0 then return false end
return flat

-- The lean way to do the read of RESV.LIST in plain Redis, the baseline issue 7 names:
-- one ZRANGEBYSCORE of a per-store status set, HGETALL of each member. No validation,
-- no cursor, no merge of days or statuses. tests/bench/bench.py builds the status set
-- (lean:{S}:st:<status>) from the module's partitions.
--   EVALSHA sha 1 <status set> <min> <max> <limit> <record key prefix>
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
local out = {}
for i = 1, #ids do out[i] = redis.call('HGETALL', ARGV[4] .. ids[i]) end
return out

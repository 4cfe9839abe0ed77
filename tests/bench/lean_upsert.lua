-- The lean way to create a reservation in plain Redis, the baseline issue 7 names for
-- RESV.UPSERT (create): HSET of the record and two ZADD (the store's set and its status
-- set). No validation, no owner, no audit, no change feed; the caller computes the score.
--   EVALSHA sha 3 <record> <store set> <status set> <score> <id> field value [...]
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
return redis.status_reply('created')

-- expire: an OFFERED case whose offer time passed -> QUEUED, counselor excluded.
-- Entries of `offers` that are no longer offered are dropped.
-- KEYS: case, history, offers, queue, excluded, counselor cases (of the
--       counselor the caller read), outbox, outbox_due
-- ARGV: case id, expected counselor, now ms, case.offer_expired event,
--       its StatusCallback ('' = none)
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'offer_expires', 'created')
if tonumber(f[1]) ~= 2 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return {'err', 'wrong_state'}
end
if f[2] ~= ARGV[2] then return {'retry'} end
if tonumber(f[3]) > tonumber(ARGV[3]) then return {'err', 'not_due'} end
redis.call('HSET', KEYS[1], 'state', 1)
redis.call('HDEL', KEYS[1], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], f[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('SREM', KEYS[6], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[4])
-- status callback to the platform (SPEC 4.2), in the same step; '' = none
if ARGV[5] ~= '' then
  redis.call('RPUSH', KEYS[7], ARGV[5])
  redis.call('ZADD', KEYS[8], 'NX', ARGV[3], ARGV[1])
end
return {'ok'}

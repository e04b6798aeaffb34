-- cancel: any non-final state -> CANCELLED; the case leaves every index. The
-- counselor field stays, to show who held it.
-- KEYS: case, history, queue, offers, open, counselor cases (of the counselor
--       the caller read), stats, closed, outbox, outbox_due
-- ARGV: case id, expected counselor, now ms, case.cancelled event,
--       its StatusCallback ('' = none), key base (the open offers of a
--       broadcast are dropped from their counselors' cases)
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state >= 4 then return {'err', 'wrong_state'} end
local holder = f[2] or ''
if holder ~= ARGV[2] then return {'retry'} end
redis.call('HSET', KEYS[1], 'state', 5, 'cancelled', ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
if holder ~= '' then redis.call('SREM', KEYS[6], ARGV[1]) end
for _, o in ipairs(broadcast_offers(KEYS[1])) do
  redis.call('HDEL', KEYS[1], 'offer:' .. o[1])
  redis.call('SREM', ARGV[6] .. 'counselor:' .. o[1] .. ':cases', ARGV[1])
end
redis.call('HINCRBY', KEYS[7], 'cancelled', 1)
-- closed cases by close time: retention purges them (purge.lua)
redis.call('ZADD', KEYS[8], ARGV[3], ARGV[1])
emit(KEYS[2], ARGV[4], KEYS[9], KEYS[10], ARGV[5], ARGV[3], ARGV[1])
return {'ok'}

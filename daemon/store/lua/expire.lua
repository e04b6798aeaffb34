-- expire: an OFFERED case whose offer time passed -> QUEUED, counselor excluded.
-- Entries of `offers` that are no longer offered are dropped.
-- KEYS: case, history, offers, queue, excluded, counselor cases (of the
--       counselor the caller read), outbox, outbox_due, counselor
-- ARGV: case id, expected counselor, now ms, case.offer_expired event,
--       its StatusCallback ('' = none), max missed offers (0 = no limit)
-- Counts the counselor's consecutive missed offers; at the limit they are
-- signed out (reply {'ok', 'signed_out'}) until they sign in again.
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'offer_expires', 'created')
if tonumber(f[1]) ~= 2 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return {'err', 'wrong_state'}
end
if f[2] ~= ARGV[2] then return {'retry'} end
if tonumber(f[3]) > tonumber(ARGV[3]) then return {'err', 'not_due'} end
requeue(KEYS[1], KEYS[4], ARGV[1], f[4], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('SREM', KEYS[6], ARGV[1])
emit(KEYS[2], ARGV[4], KEYS[7], KEYS[8], ARGV[5], ARGV[3], ARGV[1])
local missed = redis.call('HINCRBY', KEYS[9], 'missed_offers', 1)
local limit = tonumber(ARGV[6]) or 0
if limit > 0 and missed >= limit and redis.call('HGET', KEYS[9], 'available') ~= '0' then
  redis.call('HSET', KEYS[9], 'available', 0, 'available_at', ARGV[3])
  return {'ok', 'signed_out'}
end
return {'ok'}

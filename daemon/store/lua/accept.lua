-- accept: OFFERED -> ACTIVE for the offered counselor before expiry. A late
-- accept expires the offer right here (back to QUEUED, counselor excluded).
-- KEYS: case, history, offers, queue, excluded, counselor cases, outbox, outbox_due,
--       counselor (its missed-offer count resets on an accept)
-- ARGV: case id, counselor, now ms, case.accepted event, case.offer_expired event,
--       StatusCallbacks ('' = none): case.accepted, case.offer_expired; now ms
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'offer_expires', 'created')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
local mine = f[2] == ARGV[2]
if state == 2 and mine then
  if tonumber(f[3]) <= tonumber(ARGV[3]) then
    requeue(KEYS[1], KEYS[4], ARGV[1], f[4], 'counselor', 'site', 'offered', 'offer_expires')
    redis.call('ZREM', KEYS[3], ARGV[1])
    redis.call('SADD', KEYS[5], ARGV[2])
    redis.call('SREM', KEYS[6], ARGV[1])
    emit(KEYS[2], ARGV[5], KEYS[7], KEYS[8], ARGV[7], ARGV[8], ARGV[1])
    return {'err', 'offer_expired'}
  end
  redis.call('HSET', KEYS[1], 'state', 3, 'accepted', ARGV[3])
  redis.call('HSET', KEYS[9], 'missed_offers', 0)
  redis.call('ZREM', KEYS[3], ARGV[1])
  emit(KEYS[2], ARGV[4], KEYS[7], KEYS[8], ARGV[6], ARGV[8], ARGV[1])
  return {'ok'}
end
-- a retried accept (the first answer was lost) succeeds without a second event
if state == 3 and mine then return {'ok', 'already'} end
if mine then return {'err', 'wrong_state'} end
if redis.call('SISMEMBER', KEYS[5], ARGV[2]) == 1 then return {'err', 'offer_expired'} end
return {'err', 'not_yours'}

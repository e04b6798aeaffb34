-- accept: OFFERED -> ACTIVE for the offered counselor before expiry. A late
-- accept of a single offer expires it right here (back to QUEUED, counselor
-- excluded); a late accept of a broadcast offer is refused and left to the
-- expiry pass, which expires every offer of the broadcast at once. The first
-- accept of a broadcast wins and withdraws every other offer of it.
-- KEYS: case, history, offers, queue, excluded, counselor cases, outbox, outbox_due,
--       counselor (its missed-offer count resets on an accept), counselor's
--       crisis acceptances (welfare: routing.max_crisis_per_shift)
-- ARGV: case id, counselor, now ms, case.accepted event, case.offer_expired event,
--       StatusCallbacks ('' = none): case.accepted, case.offer_expired; now ms,
--       key base, case.offer_withdrawn event (for the other offers of a
--       broadcast; the counselor is stamped here)
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'offer_expires', 'created', 'risk',
  'offer:' .. ARGV[2])
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
local mine = f[2] == ARGV[2]
local broadcast = state == 2 and not f[2] and f[6]

local function take()
  redis.call('HSET', KEYS[9], 'missed_offers', 0)
  redis.call('ZREM', KEYS[3], ARGV[1])
  if tonumber(f[5]) == 4 then
    redis.call('ZADD', KEYS[10], ARGV[3], ARGV[1])
    redis.call('ZREMRANGEBYSCORE', KEYS[10], '-inf', tonumber(ARGV[3]) - 2 * 86400000)
  end
  emit(KEYS[2], ARGV[4], KEYS[7], KEYS[8], ARGV[6], ARGV[8], ARGV[1])
end

if broadcast then
  if tonumber(f[3]) <= tonumber(ARGV[3]) then return {'err', 'offer_expired'} end
  redis.call('HSET', KEYS[1], 'state', 3, 'counselor', ARGV[2], 'site', f[6], 'accepted', ARGV[3])
  take()
  for _, o in ipairs(broadcast_offers(KEYS[1])) do
    redis.call('HDEL', KEYS[1], 'offer:' .. o[1])
    if o[1] ~= ARGV[2] then
      redis.call('SREM', ARGV[9] .. 'counselor:' .. o[1] .. ':cases', ARGV[1])
      mark_withdrawn(KEYS[1], o[1], ARGV[3])
      emit(KEYS[2], with_counselor(ARGV[10], o[1]), KEYS[7], KEYS[8], '', ARGV[8], ARGV[1])
    end
  end
  return {'ok'}
end
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
  take()
  return {'ok'}
end
-- a retried accept (the first answer was lost) succeeds without a second event
if state == 3 and mine then return {'ok', 'already'} end
if mine then return {'err', 'wrong_state'} end
if redis.call('SISMEMBER', KEYS[5], ARGV[2]) == 1 then return {'err', 'offer_expired'} end
if was_withdrawn(KEYS[1], ARGV[2]) then return {'err', 'offer_withdrawn'} end
return {'err', 'not_yours'}

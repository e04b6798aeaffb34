-- decline: OFFERED -> QUEUED; the declining counselor is excluded (rule 5).
-- Declining one offer of a broadcast leaves the case OFFERED to the others
-- (the event says so, no status callback) until the last one declines.
-- KEYS: case, history, offers, queue, excluded, counselor cases, outbox, outbox_due
-- ARGV: case id, counselor, case.declined event, its StatusCallback ('' = none), now ms
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'created', 'offer:' .. ARGV[2])
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state == 2 and not f[2] and f[4] then
  redis.call('SADD', KEYS[5], ARGV[2])
  end_broadcast_offer(KEYS[1], ARGV[2], KEYS[6], KEYS[4], KEYS[3], f[3], KEYS[2], ARGV[3], KEYS[7], KEYS[8], ARGV[4],
    ARGV[5], ARGV[1])
  return {'ok'}
end
if f[2] ~= ARGV[2] then
  if was_withdrawn(KEYS[1], ARGV[2]) then return {'err', 'offer_withdrawn'} end
  return {'err', 'not_yours'}
end
if state ~= 2 then return {'err', 'wrong_state'} end
requeue(KEYS[1], KEYS[4], ARGV[1], f[3], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('SREM', KEYS[6], ARGV[1])
emit(KEYS[2], ARGV[3], KEYS[7], KEYS[8], ARGV[4], ARGV[5], ARGV[1])
return {'ok'}

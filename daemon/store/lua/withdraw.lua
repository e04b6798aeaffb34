-- withdraw: OFFERED -> QUEUED because the counselor left the roster (config
-- reload, shift end). Unlike decline, the counselor is not excluded (rule 5):
-- they did nothing wrong and may serve the case when back on duty.
-- Withdrawing one offer of a broadcast leaves the case OFFERED to the others
-- (no status callback) until the last one goes.
-- KEYS: case, history, offers, queue, counselor cases (of the expected counselor),
--       outbox, outbox_due
-- ARGV: case id, expected counselor, case.offer_withdrawn event,
--       its StatusCallback ('' = none), now ms
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'created', 'offer:' .. ARGV[2])
local state = tonumber(f[1])
if not state then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return {'err', 'not_found'}
end
if state ~= 2 then return {'err', 'wrong_state'} end
if not f[2] and f[4] then
  mark_withdrawn(KEYS[1], ARGV[2], ARGV[5])
  end_broadcast_offer(KEYS[1], ARGV[2], KEYS[5], KEYS[4], KEYS[3], f[3], KEYS[2], ARGV[3], KEYS[6], KEYS[7], ARGV[4],
    ARGV[5], ARGV[1])
  return {'ok'}
end
if f[2] ~= ARGV[2] then return {'err', 'not_yours'} end
mark_withdrawn(KEYS[1], ARGV[2], ARGV[5])
requeue(KEYS[1], KEYS[4], ARGV[1], f[3], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
emit(KEYS[2], ARGV[3], KEYS[6], KEYS[7], ARGV[4], ARGV[5], ARGV[1])
return {'ok'}

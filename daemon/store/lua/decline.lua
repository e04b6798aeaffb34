-- decline: OFFERED -> QUEUED; the declining counselor is excluded (rule 5).
-- Declining one offer of a broadcast leaves the case OFFERED to the others
-- (the event says so, no status callback) until the last one declines.
-- Input: 9 keys
--   keys  1-5 the transition head (common.lua); 6 offers, 7 queue, 8 excluded,
--         9 the counselor's cases
--   args  1-4 the transition head: event case.declined; 5 counselor id
-- Output: {'ok'}, or {'err', reason}: not_found, offer_withdrawn, not_yours,
--   wrong_state
transition()
local offers, queue, excluded, counselor_cases = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local counselor = ARGV[5]

local f = redis.call('HMGET', case_key, 'state', 'counselor', 'created', 'offer:' .. counselor)
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state == OFFERED and not f[2] and f[4] then
  redis.call('SADD', excluded, counselor)
  end_broadcast_offer(counselor, counselor_cases, queue, offers, f[3])
  return {'ok'}
end
if f[2] ~= counselor then
  if was_withdrawn(counselor) then return {'err', 'offer_withdrawn'} end
  return {'err', 'not_yours'}
end
if state ~= OFFERED then return {'err', 'wrong_state'} end
requeue(queue, f[3], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('ZREM', offers, case_id)
redis.call('SADD', excluded, counselor)
redis.call('SREM', counselor_cases, case_id)
emit(event, callback)
return {'ok'}

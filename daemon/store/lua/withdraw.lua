-- withdraw: OFFERED -> QUEUED because the counselor left the roster (config
-- reload, shift end). Unlike decline, the counselor is not excluded (rule 5):
-- they did nothing wrong and may serve the case when back on duty.
-- Withdrawing one offer of a broadcast leaves the case OFFERED to the others
-- (no status callback) until the last one goes.
-- Input: 8 keys
--   keys  1-5 the transition head (common.lua); 6 offers, 7 queue, 8 the
--         expected counselor's cases
--   args  1-4 the transition head: event case.offer_withdrawn; 5 expected
--         counselor
-- Output: {'ok'}, or {'err', reason}: not_found (entry dropped), wrong_state,
--   not_yours
transition()
local offers, queue, counselor_cases = KEYS[6], KEYS[7], KEYS[8]
local counselor = ARGV[5]

local f = redis.call('HMGET', case_key, 'state', 'counselor', 'created', 'offer:' .. counselor)
local state = tonumber(f[1])
if not state then
  redis.call('ZREM', offers, case_id)
  return {'err', 'not_found'}
end
if state ~= OFFERED then return {'err', 'wrong_state'} end
if not f[2] and f[4] then
  mark_withdrawn(counselor)
  end_broadcast_offer(counselor, counselor_cases, queue, offers, f[3])
  return {'ok'}
end
if f[2] ~= counselor then return {'err', 'not_yours'} end
mark_withdrawn(counselor)
requeue(queue, f[3], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('ZREM', offers, case_id)
redis.call('SREM', counselor_cases, case_id)
emit(event, callback)
return {'ok'}

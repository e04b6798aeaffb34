-- release: ACTIVE -> QUEUED by its counselor, who is then excluded (rule 5).
-- Input: 8 keys
--   keys  1-5 the transition head (common.lua); 6 the counselor's cases,
--         7 queue, 8 excluded
--   args  1-4 the transition head: event case.released; 5 counselor id
-- Output: {'ok'}, or {'err', reason}: not_found, not_yours, wrong_state
transition()
local counselor_cases, queue, excluded = KEYS[6], KEYS[7], KEYS[8]
local counselor = ARGV[5]

local f = redis.call('HMGET', case_key, 'state', 'counselor', 'created')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if f[2] ~= counselor then return {'err', 'not_yours'} end
if state ~= ACTIVE then return {'err', 'wrong_state'} end
requeue(queue, f[3], 'counselor', 'site', 'offered', 'offer_expires', 'accepted')
redis.call('SREM', counselor_cases, case_id)
redis.call('SADD', excluded, counselor)
emit(event, callback)
return {'ok'}

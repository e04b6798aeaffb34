-- reprioritise: a supervisor changes the risk of a queued or offered case;
-- the router ranks, times and escalates it by the new risk from its next
-- pass (an open offer keeps its expiry). No status callback: the state stays.
-- Input: 5 keys
--   keys  1-5 the transition head (common.lua)
--   args  1-4 the transition head: event case.reprioritised; 5 the new risk
--         (a caseroute.v1.Risk number)
-- Output: {'ok', 1} when changed, {'ok', 0} when the case already had that
--   risk, or {'err', reason}: not_found, wrong_state
transition()
local risk = ARGV[5]

-- CaseRecord field 4: appended, the last occurrence wins when protobuf parses it.
local RECORD_RISK = 4

local f = redis.call('HMGET', case_key, 'state', 'risk', 'record')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state ~= QUEUED and state ~= OFFERED then return {'err', 'wrong_state'} end
if tonumber(f[2]) == tonumber(risk) then return {'ok', 0} end
redis.call('HSET', case_key, 'risk', risk, 'record', (f[3] or '') .. pb_enum(RECORD_RISK, tonumber(risk)))
emit(event, callback)
return {'ok', 1}

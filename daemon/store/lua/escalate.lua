-- escalate: raises escalation_level of an open case; never lowers it.
-- Input: 5 keys
--   keys  1-5 the transition head (common.lua)
--   args  1-4 the transition head: event case.escalated; 5 level
-- Output: {'ok', 1} when raised, {'ok', 0} when not (closed, or already as
--   high), or {'err', 'not_found'}
transition()
local level = ARGV[5]

local f = redis.call('HMGET', case_key, 'state', 'escalation')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if is_closed(state) or (tonumber(f[2]) or 0) >= tonumber(level) then return {'ok', 0} end
redis.call('HSET', case_key, 'escalation', level)
emit(event, callback)
return {'ok', 1}

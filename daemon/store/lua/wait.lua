-- wait: records once that a QUEUED case waits for its continuity counselor's
-- next shift: case field 'waiting_for' = '<counselor>@<until ms>' and a
-- case.waiting event. Changes nothing else (the case stays queued, no status
-- callback); nothing at all when this wait is already recorded. offer.lua
-- and broadcast.lua drop the field when the case is offered, so a later wait
-- is recorded again.
-- Input: 5 keys
--   keys  1-5 the transition head (common.lua)
--   args  1-4 the transition head: event case.waiting (no StatusCallback:
--         the state does not change); 5 waiting_for value
-- Output: {'ok', 1} when recorded now, {'ok', 0} when already recorded, or
--   {'err', reason}: not_found, wrong_state
transition()
local waiting_for = ARGV[5]

local f = redis.call('HMGET', case_key, 'state', 'waiting_for')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state ~= QUEUED then return {'err', 'wrong_state'} end
if f[2] == waiting_for then return {'ok', 0} end
redis.call('HSET', case_key, 'waiting_for', waiting_for)
emit(event, '')
return {'ok', 1}

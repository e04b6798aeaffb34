-- wait: records once that a QUEUED case waits for its continuity counselor's
-- next shift (issue 3 point 4): case field 'waiting_for' = '<counselor>@<until
-- ms>' and a case.waiting event. Changes nothing else (the case stays queued,
-- no status callback); nothing at all when this wait is already recorded.
-- offer.lua and broadcast.lua drop the field when the case is offered, so a
-- later wait is recorded again.
-- KEYS: case, history
-- ARGV: waiting_for value, case.waiting event
-- Returns {'ok', 1} when recorded now, {'ok', 0} when already recorded.
local f = redis.call('HMGET', KEYS[1], 'state', 'waiting_for')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state ~= 1 then return {'err', 'wrong_state'} end
if f[2] == ARGV[1] then return {'ok', 0} end
redis.call('HSET', KEYS[1], 'waiting_for', ARGV[1])
emit(KEYS[2], ARGV[2], nil, nil, '')  -- no callback: the state does not change
return {'ok', 1}

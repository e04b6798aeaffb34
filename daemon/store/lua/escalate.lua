-- escalate: raises escalation_level of an open case; never lowers it.
-- KEYS: case, history
-- ARGV: level, case.escalated event
local f = redis.call('HMGET', KEYS[1], 'state', 'escalation')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state >= 4 or (tonumber(f[2]) or 0) >= tonumber(ARGV[1]) then return {'ok', 0} end
redis.call('HSET', KEYS[1], 'escalation', ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
return {'ok', 1}

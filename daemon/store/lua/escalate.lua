-- escalate: raises escalation_level of an open case; never lowers it.
-- KEYS: case, history, outbox, outbox_due
-- ARGV: level, case.escalated event, its StatusCallback ('' = none), now ms, case id
local f = redis.call('HMGET', KEYS[1], 'state', 'escalation')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if state >= 4 or (tonumber(f[2]) or 0) >= tonumber(ARGV[1]) then return {'ok', 0} end
redis.call('HSET', KEYS[1], 'escalation', ARGV[1])
emit(KEYS[2], ARGV[2], KEYS[3], KEYS[4], ARGV[3], ARGV[4], ARGV[5])
return {'ok', 1}

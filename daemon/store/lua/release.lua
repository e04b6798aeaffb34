-- release: ACTIVE -> QUEUED by its counselor, who is then excluded (rule 5).
-- KEYS: case, history, counselor cases, queue, excluded, outbox, outbox_due
-- ARGV: case id, counselor, case.released event, its StatusCallback ('' = none), now ms
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'created')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if f[2] ~= ARGV[2] then return {'err', 'not_yours'} end
if state ~= 3 then return {'err', 'wrong_state'} end
requeue(KEYS[1], KEYS[4], ARGV[1], f[3], 'counselor', 'site', 'offered', 'offer_expires', 'accepted')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[2])
emit(KEYS[2], ARGV[3], KEYS[6], KEYS[7], ARGV[4], ARGV[5], ARGV[1])
return {'ok'}

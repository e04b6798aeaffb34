-- release: ACTIVE -> QUEUED by its counselor, who is then excluded (rule 5).
-- KEYS: case, history, counselor cases, queue, excluded, outbox, outbox_due
-- ARGV: case id, counselor, case.released event, its StatusCallback ('' = none), now ms
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'created')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if f[2] ~= ARGV[2] then return {'err', 'not_yours'} end
if state ~= 3 then return {'err', 'wrong_state'} end
redis.call('HSET', KEYS[1], 'state', 1)
redis.call('HDEL', KEYS[1], 'counselor', 'site', 'offered', 'offer_expires', 'accepted')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], f[3], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
-- status callback to the platform (SPEC 4.2), in the same step; '' = none
if ARGV[4] ~= '' then
  redis.call('RPUSH', KEYS[6], ARGV[4])
  redis.call('ZADD', KEYS[7], 'NX', ARGV[5], ARGV[1])
end
return {'ok'}

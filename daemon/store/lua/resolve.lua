-- resolve: ACTIVE -> RESOLVED by its counselor; records continuity for the
-- youth and, for the counselor's wrap-up (welfare), when they last resolved a
-- case and a RISK_CRISIS case.
-- KEYS: case, history, counselor cases, open, youth, stats, closed, outbox, outbox_due,
--       counselor
-- ARGV: case id, counselor, now ms, outcome, has youth ref (0/1), case.resolved event,
--       its StatusCallback ('' = none)
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'risk')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if f[2] ~= ARGV[2] then return {'err', 'not_yours'} end
-- a retried resolve (the first answer was lost) succeeds without a second event
if state == 4 then return {'ok', 'already'} end
if state ~= 3 then return {'err', 'wrong_state'} end
redis.call('HSET', KEYS[1], 'state', 4, 'resolved', ARGV[3], 'outcome', ARGV[4])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
if ARGV[5] == '1' then redis.call('ZADD', KEYS[5], ARGV[3], ARGV[2]) end
redis.call('HINCRBY', KEYS[6], 'resolved', 1)
redis.call('HSET', KEYS[10], 'last_resolved', ARGV[3])
if tonumber(f[3]) == 4 then redis.call('HSET', KEYS[10], 'last_crisis_resolved', ARGV[3]) end
-- closed cases by close time: retention purges them (purge.lua)
redis.call('ZADD', KEYS[7], ARGV[3], ARGV[1])
emit(KEYS[2], ARGV[6], KEYS[8], KEYS[9], ARGV[7], ARGV[3], ARGV[1])
return {'ok'}

-- resolve: ACTIVE -> RESOLVED by its counselor; records continuity for the
-- youth and, for the counselor's wrap-up (welfare), when they last resolved a
-- case and a RISK_CRISIS case.
-- Input: 10 keys
--   keys  1-5 the transition head (common.lua); 6 the counselor's cases,
--         7 open, 8 stats, 9 closed, 10 counselor
--   args  1-4 the transition head: event case.resolved; 5 counselor id,
--         6 outcome, 7 key base (the youth keys of the case's 'youth' field:
--         the case leaves its youth's open cases, youth_open, and the
--         counselor joins its youth's continuity, youth)
-- Output: {'ok', HGETALL of the case after the resolve}, {'ok', HGETALL,
--   'already'} (a retried resolve), or {'err', reason}: not_found, not_yours,
--   wrong_state. The caller builds its answer from the hash (read_case.lua's),
--   with no second read.
transition()
local counselor_cases, open, stats, closed, counselor_key = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local counselor, outcome, keys = ARGV[5], ARGV[6], keys_from(ARGV[7])

local f = redis.call('HMGET', case_key, 'state', 'counselor', 'risk', 'youth')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if f[2] ~= counselor then return {'err', 'not_yours'} end
-- a retried resolve (the first answer was lost) succeeds without a second event
if state == RESOLVED then return {'ok', redis.call('HGETALL', case_key), 'already'} end
if state ~= ACTIVE then return {'err', 'wrong_state'} end
redis.call('HSET', case_key, 'state', RESOLVED, 'resolved', now, 'outcome', outcome)
redis.call('SREM', counselor_cases, case_id)
redis.call('SREM', open, case_id)
local youth = f[4] or ''
if youth ~= '' then
  redis.call('SREM', keys.youth_open(youth), case_id)
  redis.call('ZADD', keys.youth(youth), now, counselor)
end
redis.call('HINCRBY', stats, 'resolved', 1)
redis.call('HSET', counselor_key, 'last_resolved', now)
if tonumber(f[3]) == RISK_CRISIS then redis.call('HSET', counselor_key, 'last_crisis_resolved', now) end
-- closed cases by close time: retention purges them (purge.lua)
redis.call('ZADD', closed, now, case_id)
emit(event, callback)
return {'ok', redis.call('HGETALL', case_key)}

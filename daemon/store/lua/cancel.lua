-- cancel: any non-final state -> CANCELLED; the case leaves every index. The
-- counselor field stays, to show who held it.
-- Input: 11 keys
--   keys  1-5 the transition head (common.lua); 6 queue, 7 offers, 8 open,
--         9 the cases of the counselor the caller read, 10 stats, 11 closed
--   args  1-4 the transition head: event case.cancelled; 5 expected counselor
--         ('' = none), 6 key base (the open offers of a broadcast are dropped
--         from their counselors' cases; the case leaves its youth's open
--         cases, youth_open of its 'youth' field)
-- Output: {'ok'}, {'retry'} (the counselor changed), or {'err', reason}:
--   not_found, wrong_state
transition()
local queue, offers, open, counselor_cases, stats, closed = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local expected, keys = ARGV[5], keys_from(ARGV[6])

local f = redis.call('HMGET', case_key, 'state', 'counselor', 'youth')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
if is_closed(state) then return {'err', 'wrong_state'} end
local holder = f[2] or ''
if holder ~= expected then return {'retry'} end
redis.call('HSET', case_key, 'state', CANCELLED, 'cancelled', now)
redis.call('ZREM', queue, case_id)
redis.call('ZREM', offers, case_id)
redis.call('SREM', open, case_id)
if f[3] and f[3] ~= '' then redis.call('SREM', keys.youth_open(f[3]), case_id) end
if holder ~= '' then redis.call('SREM', counselor_cases, case_id) end
local facts = nil  -- risk, concerns and youth, read for the first holder
for _, o in ipairs(broadcast_offers()) do
  redis.call('HDEL', case_key, 'offer:' .. o[1])
  redis.call('SREM', keys.counselor_cases(o[1]), case_id)
  -- each holder of an open offer hears of it on the feed (their long poll wakes)
  facts = facts or redis.call('HMGET', case_key, 'risk', 'concerns', 'youth')
  announce(feed_key, with_case_facts(with_counselor(event, o[1]), facts))
end
redis.call('HINCRBY', stats, 'cancelled', 1)
-- closed cases by close time: retention purges them (purge.lua)
redis.call('ZADD', closed, now, case_id)
emit(event, callback)
return {'ok'}

-- purge: retention for one closed (resolved or cancelled) case. Folds it into
-- the anonymous monthly counters, then deletes the case, its history, its
-- exclusions, its referral idempotency key and its index entries. Counters get
-- enum names and codes only: no case id, referral id, youth ref or personal data.
-- KEYS: case, history, excluded, referral, cases, closed, open, stats month, youth,
--       outbox
-- ARGV: case id, cutoff ms, continuity cutoff ms, stat field names...
local id = ARGV[1]
local closed_at = redis.call('ZSCORE', KEYS[6], id)
if not closed_at then return {'ok', 'gone'} end
if tonumber(closed_at) > tonumber(ARGV[2]) then return {'ok', 'young'} end
-- status callbacks still owed to the platform go first (they drain or park
-- within max_attempts); purge on a later pass
if redis.call('EXISTS', KEYS[10]) == 1 then return {'ok', 'pending'} end
local f = redis.call('HMGET', KEYS[1], 'state', 'referral')
local state = tonumber(f[1])
if state and state ~= 4 and state ~= 5 then
  -- not closed after all (a stale index entry): keep the case, drop the entry
  redis.call('ZREM', KEYS[6], id)
  return {'ok', 'open'}
end
if state then
  for i = 4, #ARGV do redis.call('HINCRBY', KEYS[8], ARGV[i], 1) end
  redis.call('HINCRBY', KEYS[8], 'purged', 1)
end
-- the referral key names this case only if the platform never reused it
if redis.call('GET', KEYS[4]) == id then redis.call('DEL', KEYS[4]) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[5], id)
redis.call('ZREM', KEYS[6], id)
redis.call('SREM', KEYS[7], id)
-- continuity older than routing.continuity_days is no longer used: trim it
redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', '(' .. ARGV[3])
return {'ok', 'purged'}

-- purge: retention for one closed (resolved or cancelled) case. Folds it into
-- the anonymous monthly counters, then deletes the case, its history, its
-- exclusions, its referral idempotency key and its index entries. Counters get
-- enum names and codes only: no case id, referral id, youth ref or personal data.
-- Input: 11 keys
--   keys  1 case, 2 history, 3 excluded, 4 referral, 5 cases, 6 closed, 7 open,
--         8 stats month, 9 youth, 10 the case's outbox, 11 the youth's open
--         cases (a closed case left it already: dropped again, defensively)
--   args  1 case id, 2 cutoff ms, 3 continuity cutoff ms, then from 4 on the
--         stats month's field names to count
-- Output: {'ok', outcome}: purged, gone (not in closed), young (closed after
--   the cutoff), pending (callbacks still owed), open (a stale closed entry)
local case_key, history, excluded, referral, cases = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local closed, open, stats_month, youth, outbox, youth_open = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local id, cutoff, continuity_cutoff = ARGV[1], ARGV[2], ARGV[3]
local first_counter = 4

local closed_at = redis.call('ZSCORE', closed, id)
if not closed_at then return {'ok', 'gone'} end
if tonumber(closed_at) > tonumber(cutoff) then return {'ok', 'young'} end
-- status callbacks still owed to the platform go first (they drain or park
-- within max_attempts); purge on a later pass
if redis.call('EXISTS', outbox) == 1 then return {'ok', 'pending'} end
local f = redis.call('HMGET', case_key, 'state', 'referral')
local state = tonumber(f[1])
if state and not is_closed(state) then
  -- not closed after all (a stale index entry): keep the case, drop the entry
  redis.call('ZREM', closed, id)
  return {'ok', 'open'}
end
if state then
  for i = first_counter, #ARGV do redis.call('HINCRBY', stats_month, ARGV[i], 1) end
  redis.call('HINCRBY', stats_month, 'purged', 1)
end
-- the referral key names this case only if the platform never reused it
if redis.call('GET', referral) == id then redis.call('DEL', referral) end
redis.call('DEL', case_key, history, excluded)
redis.call('ZREM', cases, id)
redis.call('ZREM', closed, id)
redis.call('SREM', open, id)
redis.call('SREM', youth_open, id)
-- continuity older than routing.continuity_days is no longer used: trim it
redis.call('ZREMRANGEBYSCORE', youth, '-inf', '(' .. continuity_cutoff)
return {'ok', 'purged'}

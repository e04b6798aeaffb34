-- accept: OFFERED -> ACTIVE for the offered counselor before expiry. A late
-- accept of a single offer expires it right here (back to QUEUED, counselor
-- excluded); a late accept of a broadcast offer is refused and left to the
-- expiry pass, which expires every offer of the broadcast at once. The first
-- accept of a broadcast wins and withdraws every other offer of it.
-- Input: 11 keys
--   keys  1-5 the transition head (common.lua); 6 offers, 7 queue, 8 excluded,
--         9 the counselor's cases, 10 counselor (its missed-offer count resets
--         on an accept), 11 the counselor's crisis acceptances (welfare:
--         routing.max_crisis_per_shift)
--   args  1-4 the transition head: event case.accepted; 5 counselor id,
--         6 case.offer_expired event, 7 its StatusCallback ('' = none), 8 key
--         base, 9 case.offer_withdrawn event (for the other offers of a
--         broadcast; each counselor is stamped here)
-- Output: {'ok', HGETALL of the case after the accept}, {'ok', HGETALL,
--   'already'} (a retried accept), or {'err', reason}: not_found,
--   offer_expired, offer_withdrawn, wrong_state, not_yours. The caller builds
--   its answer from the hash (read_case.lua's), with no second read.
transition()
local offers, queue, excluded, counselor_cases = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local counselor_key, crisis_key = KEYS[10], KEYS[11]
local counselor, expired_event, expired_callback = ARGV[5], ARGV[6], ARGV[7]
local keys, withdrawn_event = keys_from(ARGV[8]), ARGV[9]

local f = redis.call('HMGET', case_key, 'state', 'counselor', 'offer_expires', 'created', 'risk',
  'offer:' .. counselor)
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
local mine = f[2] == counselor
local broadcast = state == OFFERED and not f[2] and f[6]

-- facts: the case's read_case_facts() row (common.lua), or nil
local function take(facts)
  redis.call('HSET', counselor_key, 'missed_offers', 0)
  redis.call('ZREM', offers, case_id)
  if tonumber(f[5]) == RISK_CRISIS then
    redis.call('ZADD', crisis_key, now, case_id)
    redis.call('ZREMRANGEBYSCORE', crisis_key, '-inf', tonumber(now) - 2 * 86400000)
  end
  emit(event, callback, facts)
end

if broadcast then
  if tonumber(f[3]) <= tonumber(now) then return {'err', 'offer_expired'} end
  redis.call('HSET', case_key, 'state', ACTIVE, 'counselor', counselor, 'site', f[6], 'accepted', now)
  -- one facts row for the accept and every withdrawal (none changes its fields)
  local facts = read_case_facts()
  take(facts)
  for _, o in ipairs(broadcast_offers()) do
    redis.call('HDEL', case_key, 'offer:' .. o[1])
    if o[1] ~= counselor then
      redis.call('SREM', keys.counselor_cases(o[1]), case_id)
      mark_withdrawn(o[1])
      emit(with_counselor(withdrawn_event, o[1]), '', facts)
    end
  end
  return {'ok', redis.call('HGETALL', case_key)}
end
if state == OFFERED and mine then
  if tonumber(f[3]) <= tonumber(now) then
    requeue(queue, f[4], 'counselor', 'site', 'offered', 'offer_expires')
    redis.call('ZREM', offers, case_id)
    redis.call('SADD', excluded, counselor)
    redis.call('SREM', counselor_cases, case_id)
    emit(expired_event, expired_callback)
    return {'err', 'offer_expired'}
  end
  redis.call('HSET', case_key, 'state', ACTIVE, 'accepted', now)
  take()
  return {'ok', redis.call('HGETALL', case_key)}
end
-- a retried accept (the first answer was lost) succeeds without a second event
if state == ACTIVE and mine then return {'ok', redis.call('HGETALL', case_key), 'already'} end
if mine then return {'err', 'wrong_state'} end
if redis.call('SISMEMBER', excluded, counselor) == 1 then return {'err', 'offer_expired'} end
if was_withdrawn(counselor) then return {'err', 'offer_withdrawn'} end
return {'err', 'not_yours'}

-- accept: OFFERED -> ACTIVE for the offered counselor before expiry. A late
-- accept of a single offer expires it right here (back to QUEUED, counselor
-- excluded); a late accept of a broadcast offer is refused and left to the
-- expiry pass, which expires every offer of the broadcast at once. The first
-- accept of a broadcast wins and withdraws every other offer of it.
-- Input: 12 keys
--   keys  1-5 the transition head (common.lua); 6 offers, 7 queue, 8 excluded,
--         9 the counselor's cases, 10 counselor (its missed-offer count resets
--         on an accept), 11 the counselor's crisis acceptances (welfare:
--         routing.max_crisis_per_shift), 12 the audit stream
--   args  1-4 the transition head: event case.accepted; 5 counselor id,
--         6 case.offer_expired event, 7 its StatusCallback ('' = none), 8 key
--         base, 9 case.offer_withdrawn event (for the other offers of a
--         broadcast; each counselor is stamped here), 10 who reads the answer
--         (the audit entry's principal; '' = the caller records the read),
--         11 their remote address, 12 the request id
-- Output: {'ok', HGETALL of the case after the accept, '' or 'already' (a
--   retried accept), the audit entry recording the read or ''}, or {'err',
--   reason}: not_found, offer_expired, offer_withdrawn, wrong_state,
--   not_yours. The caller builds its answer from the hash (read_case.lua's),
--   with no second read; the answer carries the sealed parts the case's
--   'sealed' field names (create.lua), recorded here as audit/trail.cpp
--   would, so the answer costs no second round trip. A case without that
--   field (made before it was kept) or no reader: '' (the caller records).
transition()
local offers, queue, excluded, counselor_cases = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local counselor_key, crisis_key, audit_key = KEYS[10], KEYS[11], KEYS[12]
local counselor, expired_event, expired_callback = ARGV[5], ARGV[6], ARGV[7]
local keys, withdrawn_event = keys_from(ARGV[8]), ARGV[9]
local reader, remote, request = ARGV[10], ARGV[11], ARGV[12]

-- The answer: the case as it stands, and its read recorded.
local function answer(again)
  local hash = redis.call('HGETALL', case_key)
  local sealed = reader ~= '' and redis.call('HGET', case_key, 'sealed')
  local entry = ''
  if sealed and sealed ~= '' then
    -- the accept stands if the stream refuses: '' then, and the caller
    -- records the read itself (or answers that it could not)
    local added = redis.pcall('XADD', audit_key, '*', 'principal', reader, 'case', case_id, 'fields', sealed,
      'remote', remote, 'request', request)
    if type(added) == 'string' then entry = added end
  end
  return {'ok', hash, again, entry}
end

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
  -- every offer field goes; each other counselor's offer is withdrawn
  -- (marked for their late answer), in counselor id order
  local offer_fields, marks, others = {}, {}, {}
  for _, o in ipairs(broadcast_offers()) do
    offer_fields[#offer_fields + 1] = 'offer:' .. o[1]
    if o[1] ~= counselor then
      redis.call('SREM', keys.counselor_cases(o[1]), case_id)
      marks[#marks + 1] = 'withdrawn:' .. o[1]
      marks[#marks + 1] = now
      others[#others + 1] = {o[1]}
    end
  end
  call_with_each('HDEL', case_key, offer_fields)
  call_with_each('HSET', case_key, marks)
  emit_to_each(withdrawn_event, others, '', facts)
  return answer('')
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
  return answer('')
end
-- a retried accept (the first answer was lost) succeeds without a second event
if state == ACTIVE and mine then return answer('already') end
if mine then return {'err', 'wrong_state'} end
if redis.call('SISMEMBER', excluded, counselor) == 1 then return {'err', 'offer_expired'} end
if was_withdrawn(counselor) then return {'err', 'offer_withdrawn'} end
return {'err', 'not_yours'}

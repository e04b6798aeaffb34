-- offer: QUEUED -> OFFERED to one counselor, within their capacity. A
-- supervisor may also re-offer an OFFERED case: the open offer (or every
-- open offer of a broadcast) is withdrawn.
-- Input: 12 keys
--   keys  1-5 the transition head (common.lua); 6 queue, 7 offers, 8 counselor,
--         9 the counselor's cases, 10 counselors, 11 excluded, 12 the previous
--         counselor's cases (the caller read who that is)
--   args  1-4 the transition head: event case.offered; 5 counselor id, 6 site,
--         7 expires ms, 8 capacity, 9 ignore exclusion (0/1), 10 may withdraw
--         (0/1), 11 expected previous counselor, 12 case.offer_withdrawn
--         event, 13 its StatusCallback ('' = none), 14 key base
-- Output: {'ok', feed id of its last event}, {'retry'} (the previous counselor changed), or {'err',
--   reason}: not_found, wrong_state, excluded, at_capacity
transition()
local queue, offers, counselor_key, counselor_cases = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local counselors, excluded, previous_cases = KEYS[10], KEYS[11], KEYS[12]
local counselor, site, expires, capacity = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local ignore_exclusion, may_withdraw, expected_previous = ARGV[9], ARGV[10], ARGV[11]
local withdrawn_event, withdrawn_callback, keys = ARGV[12], ARGV[13], keys_from(ARGV[14])

-- the case's facts row (common.lua), then its state, counselor and wait
local f = read_case_facts('state', 'counselor', 'waiting_for')
local state = tonumber(f[CASE_FACTS + 1])
if not state then return {'err', 'not_found'} end
local previous = f[CASE_FACTS + 2] or ''
if state == OFFERED and may_withdraw == '1' then
  if previous ~= expected_previous then return {'retry'} end
elseif state ~= QUEUED then
  return {'err', 'wrong_state'}
end
if ignore_exclusion ~= '1' and redis.call('SISMEMBER', excluded, counselor) == 1 then
  return {'err', 'excluded'}
end
local load = redis.call('SCARD', counselor_cases)
if state == OFFERED and redis.call('SISMEMBER', counselor_cases, case_id) == 1 then load = load - 1 end
if load >= tonumber(capacity) then return {'err', 'at_capacity'} end

if state == OFFERED and previous == '' then
  -- every broadcast offer ends, the assignee's too (theirs becomes a direct offer)
  local once = withdrawn_callback  -- the platform hears of the withdrawal once
  for _, o in ipairs(broadcast_offers()) do
    redis.call('HDEL', case_key, 'offer:' .. o[1])
    redis.call('SREM', keys.counselor_cases(o[1]), case_id)
    if o[1] ~= counselor then mark_withdrawn(o[1]) end
    emit(with_counselor(withdrawn_event, o[1]), once, f)
    once = ''
  end
elseif state == OFFERED and previous ~= counselor then
  redis.call('SREM', previous_cases, case_id)
  mark_withdrawn(previous)
  emit(withdrawn_event, withdrawn_callback)
end
redis.call('HSET', case_key, 'state', OFFERED, 'counselor', counselor, 'site', site,
  'offered', now, 'offer_expires', expires)
if f[CASE_FACTS + 3] then redis.call('HDEL', case_key, 'waiting_for') end  -- a continuity wait (wait.lua) is over
redis.call('ZREM', queue, case_id)
redis.call('ZADD', offers, expires, case_id)
redis.call('SADD', counselor_cases, case_id)
redis.call('HSET', counselor_key, 'last_offer', now)
redis.call('SADD', counselors, counselor)
-- A queued case's row still holds but for the site set above (a re-offer
-- emitted withdrawals since: emit reads the case again).
local facts = nil
if state == QUEUED then
  f[10] = site  -- the row's 'site'
  facts = f
end
emit(event, callback, facts)
return {'ok', announced}

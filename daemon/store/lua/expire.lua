-- expire: an OFFERED case whose offer time passed -> QUEUED, counselor excluded.
-- A broadcast (expected counselor '') expires every one of its offers at
-- once. Entries of `offers` that are no longer offered are dropped. Counts
-- each counselor's consecutive missed offers; at the limit they are signed
-- out until they sign in again.
-- Input: 10 keys
--   keys  1-5 the transition head (common.lua); 6 offers, 7 queue, 8 excluded,
--         9 the cases of the counselor the caller read, 10 that counselor
--   args  1-4 the transition head: event case.offer_expired (a broadcast
--         stamps each counselor on it); 5 expected counselor ('' = a
--         broadcast), 6 max missed offers (0 = no limit), 7 key base
-- Output: {'ok', {signed-out counselor ids}}, {'retry'} (the counselor
--   changed), or {'err', reason}: wrong_state (entry dropped), not_due
transition()
local offers, queue, excluded, counselor_cases, counselor_key = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local expected, limit, keys = ARGV[5], tonumber(ARGV[6]) or 0, keys_from(ARGV[7])

local f = redis.call('HMGET', case_key, 'state', 'counselor', 'offer_expires', 'created')
if tonumber(f[1]) ~= OFFERED then
  redis.call('ZREM', offers, case_id)
  return {'err', 'wrong_state'}
end
if (f[2] or '') ~= expected then return {'retry'} end
if tonumber(f[3]) > tonumber(now) then return {'err', 'not_due'} end

local signed_out = {}
local function missed(a_counselor_key, id)
  local n = redis.call('HINCRBY', a_counselor_key, 'missed_offers', 1)
  if limit > 0 and n >= limit and redis.call('HGET', a_counselor_key, 'available') ~= '0' then
    redis.call('HSET', a_counselor_key, 'available', 0, 'available_at', now)
    signed_out[#signed_out + 1] = id
    announce(feed_key, availability_event(id, 0, 'system', now))
  end
end

redis.call('ZREM', offers, case_id)
if expected == '' then
  local open_offers = broadcast_offers()
  requeue(queue, f[4], 'offered', 'offer_expires')
  local facts = read_case_facts()  -- one row for every offer's event (emit keeps it true)
  for i, o in ipairs(open_offers) do
    redis.call('HDEL', case_key, 'offer:' .. o[1])
    redis.call('SADD', excluded, o[1])
    redis.call('SREM', keys.counselor_cases(o[1]), case_id)
    -- one history event per offer; the platform hears of the case once
    local last_callback = ''
    if i == #open_offers then last_callback = callback end
    emit(with_counselor(event, o[1]), last_callback, facts)
    missed(keys.counselor(o[1]), o[1])
  end
  if #open_offers == 0 then emit(event, callback) end
  return {'ok', signed_out}
end
requeue(queue, f[4], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('SADD', excluded, expected)
redis.call('SREM', counselor_cases, case_id)
emit(event, callback)
missed(counselor_key, expected)
return {'ok', signed_out}

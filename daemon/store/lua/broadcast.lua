-- broadcast: QUEUED -> OFFERED to several crisis-trained counselors at once
-- (a RISK_CRISIS case; the first accept wins, see accept.lua). Counselors
-- excluded (rule 5, unless allowed) or at capacity are skipped; the case
-- stays queued when none is left. Counselor keys are built from the key base:
-- they share the city's hash tag (one cluster slot).
-- Input: 9 keys
--   keys  1-5 the transition head (common.lua); 6 queue, 7 offers, 8 counselors,
--         9 excluded
--   args  1-4 the transition head: event case.offered (counselor and site are
--         stamped here); 5 expires ms, 6 key base, then per counselor from 7
--         on: id, site, capacity, ignore exclusion (0/1)
-- Output: {'ok', {counselor ids offered}, feed id of its last event}, or
--   {'err', reason}: not_found, wrong_state, at_capacity
transition()
local queue, offers, counselors, excluded = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local expires, keys = ARGV[5], keys_from(ARGV[6])
local first_target = 7

local state = tonumber(redis.call('HGET', case_key, 'state'))
if not state then return {'err', 'not_found'} end
if state ~= QUEUED then return {'err', 'wrong_state'} end
local offered, targets, offer_fields = {}, {}, {}
for i = first_target, #ARGV, 4 do
  local id, site, capacity, ignore_exclusion = unpack(ARGV, i, i + 3)
  local cases = keys.counselor_cases(id)
  if (ignore_exclusion == '1' or redis.call('SISMEMBER', excluded, id) == 0)
      and redis.call('SCARD', cases) < tonumber(capacity) then
    redis.call('SADD', cases, case_id)
    redis.call('HSET', keys.counselor(id), 'last_offer', now)
    offered[#offered + 1] = id
    targets[#targets + 1] = {id, site}
    offer_fields[#offer_fields + 1] = 'offer:' .. id
    offer_fields[#offer_fields + 1] = site
  end
end
if #offered == 0 then return {'err', 'at_capacity'} end
call_with_each('HSET', case_key, offer_fields)
call_with_each('SADD', counselors, offered)
-- one history event per offer, in the order offered; the platform hears of
-- the case once
emit_to_each(event, targets, callback, read_case_facts())
redis.call('HSET', case_key, 'state', OFFERED, 'offered', now, 'offer_expires', expires)
redis.call('HDEL', case_key, 'counselor', 'site', 'waiting_for')
redis.call('ZREM', queue, case_id)
redis.call('ZADD', offers, expires, case_id)
return {'ok', offered, announced}

-- broadcast: QUEUED -> OFFERED to several crisis-trained counselors at once
-- (a RISK_CRISIS case; the first accept wins, see accept.lua). Counselors
-- excluded (rule 5, unless allowed) or at capacity are skipped; the case
-- stays queued when none is left. Counselor keys are built from the key base:
-- they share the city's hash tag (one cluster slot).
-- KEYS: case, history, queue, offers, counselors, excluded, outbox, outbox_due
-- ARGV: case id, now ms, expires ms, key base, case.offered event (counselor
--       and site are stamped here), its StatusCallback ('' = none), then per
--       counselor: id, site, capacity, ignore exclusion (0/1)
-- Returns {'ok', {counselor ids offered}}.
local state = tonumber(redis.call('HGET', KEYS[1], 'state'))
if not state then return {'err', 'not_found'} end
if state ~= 1 then return {'err', 'wrong_state'} end
local base = ARGV[4]
local offered = {}
for i = 7, #ARGV, 4 do
  local id, site = ARGV[i], ARGV[i + 1]
  local cases = base .. 'counselor:' .. id .. ':cases'
  if (ARGV[i + 3] == '1' or redis.call('SISMEMBER', KEYS[6], id) == 0)
      and redis.call('SCARD', cases) < tonumber(ARGV[i + 2]) then
    redis.call('HSET', KEYS[1], 'offer:' .. id, site)
    redis.call('SADD', cases, ARGV[1])
    redis.call('HSET', base .. 'counselor:' .. id, 'last_offer', ARGV[2])
    redis.call('SADD', KEYS[5], id)
    offered[#offered + 1] = id
    -- one history event per offer; the platform hears of the case once
    local callback = ''
    if #offered == 1 then callback = ARGV[6] end
    emit(KEYS[2], with_site(with_counselor(ARGV[5], id), site), KEYS[7], KEYS[8], callback, ARGV[2], ARGV[1])
  end
end
if #offered == 0 then return {'err', 'at_capacity'} end
redis.call('HSET', KEYS[1], 'state', 2, 'offered', ARGV[2], 'offer_expires', ARGV[3])
redis.call('HDEL', KEYS[1], 'counselor', 'site', 'waiting_for')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return {'ok', offered}

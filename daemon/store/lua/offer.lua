-- offer: QUEUED -> OFFERED to one counselor, within their capacity. A
-- supervisor may also re-offer an OFFERED case: the open offer (or every
-- open offer of a broadcast) is withdrawn.
-- KEYS: case, history, queue, offers, counselor, counselor cases, counselors,
--       excluded, previous counselor's cases (the caller read who that is),
--       outbox, outbox_due
-- ARGV: case id, counselor, site, now ms, expires ms, capacity,
--       ignore exclusion (0/1), may withdraw (0/1), expected previous counselor,
--       case.offered event, case.offer_withdrawn event,
--       StatusCallbacks ('' = none): case.offer_withdrawn, case.offered; now ms,
--       key base
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor')
local state = tonumber(f[1])
if not state then return {'err', 'not_found'} end
local previous = f[2] or ''
if state == 2 and ARGV[8] == '1' then
  if previous ~= ARGV[9] then return {'retry'} end
elseif state ~= 1 then
  return {'err', 'wrong_state'}
end
if ARGV[7] ~= '1' and redis.call('SISMEMBER', KEYS[8], ARGV[2]) == 1 then
  return {'err', 'excluded'}
end
local load = redis.call('SCARD', KEYS[6])
if state == 2 and redis.call('SISMEMBER', KEYS[6], ARGV[1]) == 1 then load = load - 1 end
if load >= tonumber(ARGV[6]) then return {'err', 'at_capacity'} end

if state == 2 and previous == '' then
  -- every broadcast offer ends, the assignee's too (theirs becomes a direct offer)
  local callback = ARGV[12]  -- the platform hears of the withdrawal once
  for _, o in ipairs(broadcast_offers(KEYS[1])) do
    redis.call('HDEL', KEYS[1], 'offer:' .. o[1])
    redis.call('SREM', ARGV[15] .. 'counselor:' .. o[1] .. ':cases', ARGV[1])
    if o[1] ~= ARGV[2] then mark_withdrawn(KEYS[1], o[1], ARGV[4]) end
    emit(KEYS[2], with_counselor(ARGV[11], o[1]), KEYS[10], KEYS[11], callback, ARGV[14], ARGV[1])
    callback = ''
  end
elseif state == 2 and previous ~= ARGV[2] then
  redis.call('SREM', KEYS[9], ARGV[1])
  mark_withdrawn(KEYS[1], previous, ARGV[4])
  emit(KEYS[2], ARGV[11], KEYS[10], KEYS[11], ARGV[12], ARGV[14], ARGV[1])
end
redis.call('HSET', KEYS[1], 'state', 2, 'counselor', ARGV[2], 'site', ARGV[3],
  'offered', ARGV[4], 'offer_expires', ARGV[5])
redis.call('HDEL', KEYS[1], 'waiting_for')  -- a continuity wait (wait.lua) is over
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
redis.call('SADD', KEYS[6], ARGV[1])
redis.call('HSET', KEYS[5], 'last_offer', ARGV[4])
redis.call('SADD', KEYS[7], ARGV[2])
emit(KEYS[2], ARGV[10], KEYS[10], KEYS[11], ARGV[13], ARGV[14], ARGV[1])
return {'ok'}

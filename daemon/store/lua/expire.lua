-- expire: an OFFERED case whose offer time passed -> QUEUED, counselor excluded.
-- A broadcast (expected counselor '') expires every one of its offers at
-- once. Entries of `offers` that are no longer offered are dropped.
-- KEYS: case, history, offers, queue, excluded, counselor cases (of the
--       counselor the caller read), outbox, outbox_due, counselor
-- ARGV: case id, expected counselor ('' = a broadcast), now ms,
--       case.offer_expired event (a broadcast stamps each counselor on it),
--       its StatusCallback ('' = none), max missed offers (0 = no limit), key base
-- Counts each counselor's consecutive missed offers; at the limit they are
-- signed out until they sign in again. Returns {'ok', {signed-out ids}}.
local f = redis.call('HMGET', KEYS[1], 'state', 'counselor', 'offer_expires', 'created')
if tonumber(f[1]) ~= 2 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return {'err', 'wrong_state'}
end
if (f[2] or '') ~= ARGV[2] then return {'retry'} end
if tonumber(f[3]) > tonumber(ARGV[3]) then return {'err', 'not_due'} end

local limit = tonumber(ARGV[6]) or 0
local signed_out = {}
local function missed(counselor_key, id)
  local n = redis.call('HINCRBY', counselor_key, 'missed_offers', 1)
  if limit > 0 and n >= limit and redis.call('HGET', counselor_key, 'available') ~= '0' then
    redis.call('HSET', counselor_key, 'available', 0, 'available_at', ARGV[3])
    signed_out[#signed_out + 1] = id
  end
end

redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] == '' then
  local offers = broadcast_offers(KEYS[1])
  requeue(KEYS[1], KEYS[4], ARGV[1], f[4], 'offered', 'offer_expires')
  for i, o in ipairs(offers) do
    local counselor_key = ARGV[7] .. 'counselor:' .. o[1]
    redis.call('HDEL', KEYS[1], 'offer:' .. o[1])
    redis.call('SADD', KEYS[5], o[1])
    redis.call('SREM', counselor_key .. ':cases', ARGV[1])
    -- one history event per offer; the platform hears of the case once
    local callback = ''
    if i == #offers then callback = ARGV[5] end
    emit(KEYS[2], with_counselor(ARGV[4], o[1]), KEYS[7], KEYS[8], callback, ARGV[3], ARGV[1])
    missed(counselor_key, o[1])
  end
  if #offers == 0 then emit(KEYS[2], ARGV[4], KEYS[7], KEYS[8], ARGV[5], ARGV[3], ARGV[1]) end
  return {'ok', signed_out}
end
requeue(KEYS[1], KEYS[4], ARGV[1], f[4], 'counselor', 'site', 'offered', 'offer_expires')
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('SREM', KEYS[6], ARGV[1])
emit(KEYS[2], ARGV[4], KEYS[7], KEYS[8], ARGV[5], ARGV[3], ARGV[1])
missed(KEYS[9], ARGV[2])
return {'ok', signed_out}

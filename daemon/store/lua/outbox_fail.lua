-- outbox_fail: a delivery of the head callback failed. Counts the attempt and
-- reschedules the case at the backoff time; at max attempts the head moves to
-- callbacks_parked (supervisors see it) and the case's next callback is due now.
-- KEYS: outbox, outbox_due, outbox_attempts, lease, callbacks_parked
-- ARGV: case id, head bytes, now ms, owner, retry at ms, max attempts,
--       last error, ParkedCallback record (for when it parks)
local result = 'retry'
if redis.call('LINDEX', KEYS[1], 0) == ARGV[2] then
  local n = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
  if n >= tonumber(ARGV[6]) then
    redis.call('LPOP', KEYS[1])
    redis.call('HDEL', KEYS[3], ARGV[1], ARGV[1] .. ':error')
    redis.call('RPUSH', KEYS[5], ARGV[8])
    result = 'parked'
  else
    redis.call('HSET', KEYS[3], ARGV[1] .. ':error', ARGV[7])
  end
end
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
elseif result == 'parked' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
end
if redis.call('GET', KEYS[4]) == ARGV[4] then redis.call('DEL', KEYS[4]) end
return {'ok', result}

-- outbox_fail: a delivery of the head callback failed. Counts the attempt and
-- reschedules the case at the backoff time; at max attempts the head moves to
-- callbacks_parked (supervisors see it) and the case's next callback is due now.
-- Input: 5 keys
--   keys  1 the case's outbox, 2 outbox_due, 3 outbox_attempts, 4 the case's
--         lease, 5 callbacks_parked
--   args  1 case id, 2 head bytes, 3 now ms, 4 owner (replica id), 5 retry at
--         ms, 6 max attempts, 7 last error, 8 ParkedCallback record (for when
--         it parks)
-- Output: {'ok', 'retry'} or {'ok', 'parked'}
local outbox, outbox_due, attempts, lease, parked = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local case_id, head, now, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local retry_at, max_attempts, last_error, record = ARGV[5], ARGV[6], ARGV[7], ARGV[8]

local result = 'retry'
if redis.call('LINDEX', outbox, 0) == head then
  local n = redis.call('HINCRBY', attempts, case_id, 1)
  if n >= tonumber(max_attempts) then
    redis.call('LPOP', outbox)
    redis.call('HDEL', attempts, case_id, case_id .. ':error')
    redis.call('RPUSH', parked, record)
    result = 'parked'
  else
    redis.call('HSET', attempts, case_id .. ':error', last_error)
  end
end
if redis.call('LLEN', outbox) == 0 then
  redis.call('ZREM', outbox_due, case_id)
elseif result == 'parked' then
  redis.call('ZADD', outbox_due, now, case_id)
else
  redis.call('ZADD', outbox_due, retry_at, case_id)
end
if redis.call('GET', lease) == owner then redis.call('DEL', lease) end
return {'ok', result}

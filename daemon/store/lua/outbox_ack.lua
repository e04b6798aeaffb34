-- outbox_ack: the platform acknowledged the head callback. Pops it only if it
-- is still that callback (at least once: never pop what was not delivered),
-- schedules the case's next callback at once and frees the lease if ours.
-- Input: 4 keys
--   keys  1 the case's outbox, 2 outbox_due, 3 outbox_attempts, 4 the case's lease
--   args  1 case id, 2 head bytes, 3 now ms, 4 owner (replica id)
-- Output: {'ok'}
local outbox, outbox_due, attempts, lease = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local case_id, head, now, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

if redis.call('LINDEX', outbox, 0) == head then
  redis.call('LPOP', outbox)
  redis.call('HDEL', attempts, case_id, case_id .. ':error')
end
if redis.call('LLEN', outbox) > 0 then
  redis.call('ZADD', outbox_due, now, case_id)
else
  redis.call('ZREM', outbox_due, case_id)
end
if redis.call('GET', lease) == owner then redis.call('DEL', lease) end
return {'ok'}

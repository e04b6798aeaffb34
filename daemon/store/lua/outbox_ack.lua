-- outbox_ack: the platform acknowledged the head callback. Pops it only if it
-- is still that callback (at least once: never pop what was not delivered),
-- schedules the case's next callback at once and frees the lease if ours.
-- KEYS: outbox, outbox_due, outbox_attempts, lease
-- ARGV: case id, head bytes, now ms, owner
if redis.call('LINDEX', KEYS[1], 0) == ARGV[2] then
  redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[3], ARGV[1], ARGV[1] .. ':error')
end
if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if redis.call('GET', KEYS[4]) == ARGV[4] then redis.call('DEL', KEYS[4]) end
return {'ok'}

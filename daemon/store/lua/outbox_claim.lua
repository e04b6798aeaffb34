-- outbox_claim: takes the delivery lease of one case and reads its next status
-- callback. A case whose outbox is empty leaves outbox_due here, atomically, so
-- a callback appended by a transition is never left unscheduled.
-- KEYS: lease, outbox, outbox_due, outbox_attempts
-- ARGV: case id, owner (replica id), lease ms
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'busy'} end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('DEL', KEYS[1])
  return {'empty'}
end
return {'ok', head, tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0')}

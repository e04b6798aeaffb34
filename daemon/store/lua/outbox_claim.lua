-- outbox_claim: takes the delivery lease of one case and reads its next status
-- callback. A case whose outbox is empty leaves outbox_due here, atomically, so
-- a callback appended by a transition is never left unscheduled.
-- Input: 4 keys
--   keys  1 the case's lease, 2 the case's outbox, 3 outbox_due, 4 outbox_attempts
--   args  1 case id, 2 owner (replica id), 3 lease ms
-- Output: {'ok', head bytes, failed attempts so far}, {'busy'} (another
--   replica holds the lease) or {'empty'}
local lease, outbox, outbox_due, attempts = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local case_id, owner, lease_ms = ARGV[1], ARGV[2], ARGV[3]

if not redis.call('SET', lease, owner, 'NX', 'PX', lease_ms) then return {'busy'} end
local head = redis.call('LINDEX', outbox, 0)
if not head then
  redis.call('ZREM', outbox_due, case_id)
  redis.call('DEL', lease)
  return {'empty'}
end
return {'ok', head, tonumber(redis.call('HGET', attempts, case_id) or '0')}

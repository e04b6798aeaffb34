-- outbox_retry: a supervisor requeues a parked callback. It goes to the end of
-- its case's outbox (callbacks after it may have been delivered already) and
-- the case is due at once.
-- Input: 3 keys
--   keys  1 callbacks_parked, 2 the case's outbox, 3 outbox_due
--   args  1 ParkedCallback record, 2 StatusCallback bytes, 3 case id, 4 now ms
-- Output: {'ok'}, or {'err', 'not_found'} (requeued meanwhile)
local parked, outbox, outbox_due = KEYS[1], KEYS[2], KEYS[3]
local record, status_callback, case_id, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

if redis.call('LREM', parked, 1, record) == 0 then return {'err', 'not_found'} end
redis.call('RPUSH', outbox, status_callback)
redis.call('ZADD', outbox_due, now, case_id)
return {'ok'}

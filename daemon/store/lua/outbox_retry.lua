-- outbox_retry: a supervisor requeues a parked callback. It goes to the end of
-- its case's outbox (callbacks after it may have been delivered already) and
-- the case is due at once.
-- KEYS: callbacks_parked, outbox, outbox_due
-- ARGV: ParkedCallback record, StatusCallback bytes, case id, now ms
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return {'err', 'not_found'} end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
return {'ok'}

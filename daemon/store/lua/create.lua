-- create: a new case for a referral, unless (platform, referral id) has one.
-- KEYS: referral, case, history, queue, cases, open, stats, outbox, outbox_due
-- ARGV: case id, risk, created ms, received ms, record, platform, referral id,
--       youth ref, primary concern, referral digest (hex), case.created event,
--       case.created StatusCallback ('' = none), now ms
local existing = redis.call('GET', KEYS[1])
if existing then
  -- the caller compares digests: same content is a duplicate, else a conflict
  return {'dup', existing}
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2],
  'state', 1, 'risk', ARGV[2], 'created', ARGV[3], 'received', ARGV[4],
  'escalation', 0, 'record', ARGV[5], 'platform', ARGV[6], 'referral', ARGV[7],
  'youth', ARGV[8], 'concern', ARGV[9], 'digest', ARGV[10])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
redis.call('SADD', KEYS[6], ARGV[1])
redis.call('HINCRBY', KEYS[7], 'created', 1)
emit(KEYS[3], ARGV[11], KEYS[8], KEYS[9], ARGV[12], ARGV[3], ARGV[1])
return {'ok', ARGV[1]}

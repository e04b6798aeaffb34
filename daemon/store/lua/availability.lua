-- availability: a counselor signs in (1) or out (0).
-- KEYS: counselor, counselors
-- ARGV: counselor id, available (0/1), now ms
redis.call('HSET', KEYS[1], 'available', ARGV[2], 'available_at', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return {'ok'}

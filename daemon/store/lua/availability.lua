-- availability: a counselor signs in (1) or out (0). Signing in clears the
-- count of consecutive missed offers.
-- KEYS: counselor, counselors
-- ARGV: counselor id, available (0/1), now ms
redis.call('HSET', KEYS[1], 'available', ARGV[2], 'available_at', ARGV[3])
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'missed_offers', 0) end
redis.call('SADD', KEYS[2], ARGV[1])
return {'ok'}

-- availability: a counselor signs in (1) or out (0). Signing in clears the
-- count of consecutive missed offers.
-- The change goes on the feed as a counselor.availability event.
-- Input: 3 keys
--   keys  1 counselor, 2 counselors, 3 feed
--   args  1 counselor id, 2 available (0/1), 3 now ms
-- Output: {'ok'}
local counselor_key, counselors, feed = KEYS[1], KEYS[2], KEYS[3]
local counselor, available, now = ARGV[1], ARGV[2], ARGV[3]

redis.call('HSET', counselor_key, 'available', available, 'available_at', now)
if available == '1' then redis.call('HSET', counselor_key, 'missed_offers', 0) end
redis.call('SADD', counselors, counselor)
announce(feed, availability_event(counselor, tonumber(available), 'counselor:' .. counselor, now))
return {'ok'}

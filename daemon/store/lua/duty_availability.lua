-- duty_availability: a supervisor signs a counselor in (1) or out (0). As the
-- counselor's own sign-in (availability.lua), signing in clears the count of
-- consecutive missed offers. The change goes in the duty history with the
-- availability before, and on the feed as a counselor.availability event
-- whose actor is the supervisor (the reason stays in the history).
-- Input: 4 keys
--   keys  1 counselor, 2 counselors, 3 duty changes, 4 feed
--   args  1 counselor id, 2 available (0/1), 3 now ms, 4 actor,
--         5 the DutyChange without `available_before`
-- Output: {'ok', before} ('1', '0', or '' when never set)
local counselor_key, counselors, changes, feed = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local counselor, available, now, actor, change = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

-- Field number of caseroute.v1.DutyChange.available_before (duty.proto).
local DUTY_CHANGE_AVAILABLE_BEFORE = 10

local before = redis.call('HGET', counselor_key, 'available')
if before then
  change = change .. pb_enum(DUTY_CHANGE_AVAILABLE_BEFORE, before == '0' and 0 or 1)
else
  before = ''
end
redis.call('HSET', counselor_key, 'available', available, 'available_at', now)
if available == '1' then redis.call('HSET', counselor_key, 'missed_offers', 0) end
redis.call('SADD', counselors, counselor)
redis.call('XADD', changes, '*', 'c', change)
announce(feed, availability_event(counselor, tonumber(available), actor, now))
return {'ok', before}

-- duty_exception: a supervisor stores (or deletes) the dated exception of one
-- site and date. The change goes in the duty history with what was stored
-- before, and on the feed as a duty.changed event, so every replica reads its
-- roster again at once. The caller has validated the exception.
-- Input: 3 keys
--   keys  1 duty exceptions, 2 duty changes, 3 feed
--   args  1 field "<site>|<date>", 2 the DutyShifts to store ('' = delete),
--         3 the DutyChange without `before`, 4 the duty.changed Event
-- Output: {'ok', before} (the DutyShifts stored until now, '' = none), or
--         {'none'} when deleting and nothing is stored (nothing changes)
local exceptions, changes, feed = KEYS[1], KEYS[2], KEYS[3]
local field, after, change, duty_event = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

-- Field number of caseroute.v1.DutyChange.before (duty.proto).
local DUTY_CHANGE_BEFORE = 7

local before = redis.call('HGET', exceptions, field)
if not before and after == '' then return {'none'} end
if before then
  change = change .. pb_string(DUTY_CHANGE_BEFORE, before)
else
  before = ''
end
if after == '' then
  redis.call('HDEL', exceptions, field)
else
  redis.call('HSET', exceptions, field, after)
end
redis.call('XADD', changes, '*', 'c', change)
announce(feed, duty_event)
return {'ok', before}

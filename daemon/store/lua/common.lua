-- Shared by every caseroute script (CMake prepends it to each one).
-- emit: append the case's history event and, when the platform wants status
-- callbacks (callback ~= ''), the callback to the case's outbox, due now.
local function emit(history, event, outbox, due, callback, now, case_id)
  redis.call('RPUSH', history, event)
  if callback ~= '' then
    redis.call('RPUSH', outbox, callback)
    redis.call('ZADD', due, 'NX', now, case_id)
  end
end

-- requeue: the case goes back to QUEUED (queue order by its created time),
-- dropping the given fields of its hash.
local function requeue(case_key, queue, case_id, created, ...)
  redis.call('HSET', case_key, 'state', 1)
  redis.call('HDEL', case_key, ...)
  redis.call('ZADD', queue, created, case_id)
end


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


-- Crisis broadcasts (several open offers of one case): each open offer is a
-- case field 'offer:<counselor>' = site, the case is in that counselor's
-- cases set (their load) and the case's 'counselor' field stays unset until
-- one of them accepts. Returns {{counselor, site}, ...} by counselor id (a
-- hash has no order; histories must not depend on it).
local function broadcast_offers(case_key)
  local out = {}
  local all = redis.call('HGETALL', case_key)
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 6) == 'offer:' then out[#out + 1] = {string.sub(all[i], 7), all[i + 1]} end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- A counselor whose offer was withdrawn (another accepted the broadcast, a
-- supervisor reassigned the case, their shift ended): their late accept or
-- decline is told so (offer_withdrawn) instead of "not yours".
local function mark_withdrawn(case_key, counselor, now)
  redis.call('HSET', case_key, 'withdrawn:' .. counselor, now)
end
local function was_withdrawn(case_key, counselor)
  return redis.call('HEXISTS', case_key, 'withdrawn:' .. counselor) == 1
end

-- One C++-built Event stamped per counselor: protobuf merges concatenated
-- encodings, the last value of a field winning, so appending a field to a
-- serialized Event sets it. Field numbers from caseroute.v1.Event.
local function pb_varint(n)
  local out = ''
  while n >= 128 do
    out = out .. string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  return out .. string.char(n)
end
local function with_counselor(event, id)  -- counselor_id = 5, length-delimited
  return event .. '\42' .. pb_varint(#id) .. id
end
local function with_site(event, site)  -- site_id = 6, length-delimited
  return event .. '\50' .. pb_varint(#site) .. site
end
local function with_state(event, state)  -- state = 12, varint
  return event .. '\96' .. pb_varint(state)
end

-- Ends one counselor's offer of a broadcast (decline, shift end): while
-- others still hold theirs the case stays OFFERED (the event says so, no
-- status callback); after the last one it goes back to the queue.
local function end_broadcast_offer(case_key, counselor, cases_key, queue, offers, created, history, event, outbox,
                                   due, callback, now, case_id)
  redis.call('HDEL', case_key, 'offer:' .. counselor)
  redis.call('SREM', cases_key, case_id)
  if #broadcast_offers(case_key) > 0 then
    emit(history, with_state(event, 2), outbox, due, '', now, case_id)
    return
  end
  requeue(case_key, queue, case_id, created, 'offered', 'offer_expires')
  redis.call('ZREM', offers, case_id)
  emit(history, event, outbox, due, callback, now, case_id)
end

-- queue_view (read-only): the facts behind GET /v1/queue and the queue
-- gauges for one slice of the open cases (the caller pages the open set with
-- SSCAN, reads the lifetime counters before the first page and merges
-- slices: store/case_store_queue.cpp). It answers sums, never a row per case.
-- Input: 1 key, read-only
--   keys  1 open
--   args  1 key base, 2.. case ids (from a page of open: a case missing now is skipped)
-- Output: {by_state, by_risk, by_site, by_concern, oldest_queued,
--   oldest_unaccepted, over_limit, oldest, escalated, closed}
--   by_state, by_risk, by_concern: flat {value, cases, ...} over the raw
--     'state', 'risk' ('0' when missing) and 'concern' fields ('' skipped);
--   by_site: the same over the 'site' of OFFERED and ACTIVE cases;
--   oldest_queued: flat {risk, created} with the earliest 'created' of the
--     QUEUED cases of each risk; oldest_unaccepted: the same over QUEUED and
--     OFFERED; over_limit: flat {risk, cases} of QUEUED and OFFERED cases
--     escalated at least once;
--   oldest: {} or {created, id, ...}: the earliest 'created' of any QUEUED
--     case and every id created then; escalated: ids with escalation > 0;
--   closed: {resolved, cancelled}: the ids no longer open that were resolved
--     or cancelled since the caller read the lifetime counters (an id that
--     is no longer open is counted there or nowhere)
local open = KEYS[1]
local keys = keys_from(ARGV[1])
local first_id = 2

local function count(sums, value)
  sums[value] = (sums[value] or 0) + 1
end

-- Keeps the field as stored: the caller compares slices as C++ integers.
local function earliest(times, risk, created, at)
  local known = times[risk]
  if not known or at < known[1] then times[risk] = {at, created} end
end

local function flat(sums)
  local out = {}
  for value, n in pairs(sums) do
    out[#out + 1] = value
    out[#out + 1] = n
  end
  return out
end

local function flat_times(times)
  local out = {}
  for risk, t in pairs(times) do
    out[#out + 1] = risk
    out[#out + 1] = t[2]
  end
  return out
end

local by_state, by_risk, by_site, by_concern, over_limit = {}, {}, {}, {}, {}
local oldest_queued, oldest_unaccepted = {}, {}
local oldest_at, oldest = nil, {}
local escalated = {}
local resolved, cancelled = 0, 0
for i = first_id, #ARGV do
  local id = ARGV[i]
  local f = redis.call('HMGET', keys.case_hash(id), 'state', 'risk', 'site', 'concern', 'created', 'escalation')
  local s = tonumber(f[1])
  -- An open state is in the open set (the scripts change both at once): only
  -- a closed one needs asking, to tell a case closed since the caller's page
  -- from a stale entry (counted by its state, like any member).
  local closed_since = is_closed(s) and redis.call('SISMEMBER', open, id) == 0
  if closed_since then
    if s == RESOLVED then
      resolved = resolved + 1
    else
      cancelled = cancelled + 1
    end
  elseif f[1] then
    local state, risk, site, concern, created = f[1], f[2] or '0', f[3] or '', f[4] or '', f[5] or '0'
    local at = tonumber(created) or 0
    local was_escalated = (tonumber(f[6] or '0') or 0) > 0
    count(by_state, state)
    count(by_risk, risk)
    if (s == OFFERED or s == ACTIVE) and site ~= '' then count(by_site, site) end
    if concern ~= '' then count(by_concern, concern) end
    if s == QUEUED then
      earliest(oldest_queued, risk, created, at)
      if not oldest_at or at < oldest_at then
        oldest_at, oldest = at, {created, id}
      elseif at == oldest_at then
        oldest[#oldest + 1] = id
      end
    end
    if s == QUEUED or s == OFFERED then
      earliest(oldest_unaccepted, risk, created, at)
      if was_escalated then count(over_limit, risk) end
    end
    if was_escalated then escalated[#escalated + 1] = id end
  end
end
return {flat(by_state), flat(by_risk), flat(by_site), flat(by_concern), flat_times(oldest_queued),
  flat_times(oldest_unaccepted), flat(over_limit), oldest, escalated, {resolved, cancelled}}

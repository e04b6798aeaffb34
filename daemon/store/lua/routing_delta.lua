-- routing_delta (read-only): what changed for the router since its last
-- read, given the cases and counselors the change feed named. Rows have
-- routing_state's shapes, so the dispatcher's cache takes either.
-- Input: 1 keys, read-only
--   keys  1 counselors (every counselor with live state)
--   args  1 key base, 2 continuity window start ms, 3 crisis acceptances
--         since ms, 4 number of case ids n, 5..4+n case ids, then
--         counselor ids
-- Output: {cases, counselors, continuity, gone}:
--   cases:       routing_state's row per named case still QUEUED
--   counselors:  routing_state's row per named counselor
--   continuity:  {youth ref, {counselor ids}} per youth ref of a named case
--                (whatever its state: a case leaving or joining a counselor
--                changes who counts for that youth's queued cases)
--   gone:        the named cases no longer QUEUED (or gone)
local counselors_set = KEYS[1]
local keys, continuity_since, crisis_since, case_count = keys_from(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])

local cases, gone, refs, any_ref = {}, {}, {}, false
for i = 5, 4 + case_count do
  local id = ARGV[i]
  local f = redis.call('HMGET', keys.case_hash(id), 'state', 'record', 'escalation', 'youth')
  if tonumber(f[1]) == QUEUED and f[2] then
    cases[#cases + 1] = {id, f[2], tonumber(f[3]) or 0, redis.call('SMEMBERS', keys.excluded(id)), f[4] or ''}
  else
    gone[#gone + 1] = id
  end
  if f[4] and f[4] ~= '' then
    refs[f[4]] = true
    any_ref = true
  end
end

local counselors = {}
for i = 5 + case_count, #ARGV do
  local cid = ARGV[i]
  local c = redis.call('HMGET', keys.counselor(cid), 'available', 'last_offer', 'available_at', 'missed_offers',
    'last_resolved', 'last_crisis_resolved')
  local crisis = redis.call('ZRANGEBYSCORE', keys.counselor_crisis(cid), crisis_since, '+inf', 'WITHSCORES')
  local crisis_at = {}
  for j = 2, #crisis, 2 do crisis_at[#crisis_at + 1] = crisis[j] end
  counselors[#counselors + 1] = {cid, c[1] or '1', c[2] or '0', redis.call('SCARD', keys.counselor_cases(cid)),
    c[3] or '0', c[4] or '0', c[5] or '0', c[6] or '0', crisis_at}
end

-- Who holds an open case of each named youth: only read when a named case
-- has a youth ref.
local holders = {}
if any_ref then
  for _, cid in ipairs(redis.call('SMEMBERS', counselors_set)) do
    for _, hid in ipairs(redis.call('SMEMBERS', keys.counselor_cases(cid))) do
      local ref = redis.call('HGET', keys.case_hash(hid), 'youth')
      if ref and refs[ref] then
        local list = holders[ref] or {}
        list[#list + 1] = cid
        holders[ref] = list
      end
    end
  end
end

local continuity = continuity_rows(keys, refs, holders, continuity_since)
return {cases, counselors, continuity, gone}

-- routing_state (read-only): everything the router needs in one round trip.
-- Case and counselor keys are built from the key base: they are read only,
-- and share the city's hash tag (one cluster slot).
-- Input: 2 keys, read-only
--   keys  1 queue, 2 counselors
--   args  1 key base, 2 continuity window start ms, 3 crisis acceptances
--         since ms ('+inf': none, the welfare limit is off), 4 (optional)
--         the one case to read ('' = none; absent = every queued case)
-- Output: {cases, counselors, continuity}:
--   cases:       {id, record, escalation, {excluded ids}, youth key} per queued case
--   counselors:  {id, available, last_offer ms, load, available_at ms, missed offers,
--                last resolved ms, last crisis resolved ms, {crisis accepted ms}}
--                per counselor with state
--   continuity:  {youth key, {counselor ids}} per queued youth key
local queue, counselors_set = KEYS[1], KEYS[2]
local keys, continuity_since, crisis_since, only_case = keys_from(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]

local cases, refs = {}, {}
local ids = {}
if only_case == nil then
  ids = redis.call('ZRANGE', queue, 0, -1)
elseif only_case ~= '' then
  ids = {only_case}
end
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', keys.case_hash(id), 'state', 'record', 'escalation', 'youth')
  if tonumber(f[1]) == QUEUED and f[2] then
    cases[#cases + 1] = {id, f[2], tonumber(f[3]) or 0, redis.call('SMEMBERS', keys.excluded(id)), f[4] or ''}
    if f[4] and f[4] ~= '' then refs[f[4]] = true end
  end
end

local counselors, holders = {}, {}
for _, cid in ipairs(redis.call('SMEMBERS', counselors_set)) do
  local c = redis.call('HMGET', keys.counselor(cid), 'available', 'last_offer', 'available_at', 'missed_offers',
    'last_resolved', 'last_crisis_resolved')
  local held = redis.call('SMEMBERS', keys.counselor_cases(cid))
  local crisis = crisis_since == '+inf' and {} or
    redis.call('ZRANGEBYSCORE', keys.counselor_crisis(cid), crisis_since, '+inf', 'WITHSCORES')
  local crisis_at = {}
  for i = 2, #crisis, 2 do crisis_at[#crisis_at + 1] = crisis[i] end
  counselors[#counselors + 1] = {cid, c[1] or '1', c[2] or '0', #held, c[3] or '0', c[4] or '0',
    c[5] or '0', c[6] or '0', crisis_at}
  -- a counselor holding an open case of a queued youth counts for continuity
  for _, hid in ipairs(held) do
    local ref = redis.call('HGET', keys.case_hash(hid), 'youth')
    if ref and refs[ref] then
      local list = holders[ref] or {}
      list[#list + 1] = cid
      holders[ref] = list
    end
  end
end

local continuity = continuity_rows(keys, refs, holders, continuity_since)
return {cases, counselors, continuity}

-- routing_delta (read-only): what changed for the router since its last
-- read, given the cases and counselors the change feed named. Rows have
-- routing_state's shapes, so the dispatcher's cache takes either.
-- Input: 1 keys, read-only
--   keys  1 counselors (every counselor with live state)
--   args  1 key base, 2 continuity window start ms, 3 crisis acceptances
--         since ms ('+inf': none, the welfare limit is off), 4 number of
--         case ids n, 5..4+n case ids, 5+n number of youth keys m, then m
--         youth keys (youths whose queued cases need their continuity row
--         again: another case of theirs left the queue or changed hands),
--         then counselor ids
-- Output: {cases, counselors, continuity, gone}:
--   cases:       routing_state's row per named case still QUEUED
--   counselors:  routing_state's row per named counselor
--   continuity:  {youth ref, {counselor ids}} per named youth key and per
--                youth ref of a named case that is still QUEUED or whose
--                youth has another open case
--                (a case leaving or joining a counselor changes who counts
--                for that youth's queued cases; a youth with no other open
--                case has no queued case that could use the row)
--   gone:        the named cases no longer QUEUED (or gone)
local counselors_set = KEYS[1]
local keys, continuity_since, crisis_since, case_count = keys_from(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])

-- Whether the youth of case `id` has an open case besides it (youth_open).
-- Two distinct members (all when fewer) tell it in one call.
local function another_open(ref, id)
  local some = redis.call('SRANDMEMBER', keys.youth_open(ref), 2)
  return #some == 2 or (#some == 1 and some[1] ~= id)
end

local cases, gone, refs, queued = {}, {}, {}, {}
for i = 5, 4 + case_count do
  local id = ARGV[i]
  local f = redis.call('HMGET', keys.case_hash(id), 'state', 'record', 'escalation', 'youth')
  local ref = f[4] or ''
  if tonumber(f[1]) == QUEUED and f[2] then
    cases[#cases + 1] = {id, f[2], tonumber(f[3]) or 0, redis.call('SMEMBERS', keys.excluded(id)), ref}
    queued[id] = true
    if ref ~= '' then refs[ref] = true end
  else
    gone[#gone + 1] = id
    if ref ~= '' and not refs[ref] and another_open(ref, id) then refs[ref] = true end
  end
end

local youth_count = tonumber(ARGV[5 + case_count])
for i = 6 + case_count, 5 + case_count + youth_count do refs[ARGV[i]] = true end

local counselors = {}
for i = 6 + case_count + youth_count, #ARGV do
  local cid = ARGV[i]
  local c = redis.call('HMGET', keys.counselor(cid), 'available', 'last_offer', 'available_at', 'missed_offers',
    'last_resolved', 'last_crisis_resolved')
  local crisis = crisis_since == '+inf' and {} or
    redis.call('ZRANGEBYSCORE', keys.counselor_crisis(cid), crisis_since, '+inf', 'WITHSCORES')
  local crisis_at = {}
  for j = 2, #crisis, 2 do crisis_at[#crisis_at + 1] = crisis[j] end
  counselors[#counselors + 1] = {cid, c[1] or '1', c[2] or '0', redis.call('SCARD', keys.counselor_cases(cid)),
    c[3] or '0', c[4] or '0', c[5] or '0', c[6] or '0', crisis_at}
end

local holders = {}
for ref in pairs(refs) do holders[ref] = holders_of(keys, ref, queued) end

local continuity = continuity_rows(keys, refs, holders, continuity_since)
return {cases, counselors, continuity, gone}

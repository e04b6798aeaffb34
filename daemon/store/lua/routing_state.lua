-- routing_state (read-only): everything the router needs in one round trip.
-- Case and counselor keys are built from the prefix: they are read only, and
-- share the city's hash tag (one cluster slot).
-- KEYS: queue, counselors
-- ARGV: key base "{P}:v1:", continuity window start ms, crisis acceptances since ms,
--       optional: the one case to read ('' = none; absent = every queued case)
-- Returns {cases, counselors, continuity}:
--   cases:       {id, record, escalation, {excluded ids}} per queued case
--   counselors:  {id, available, last_offer ms, load, available_at ms, missed offers,
--                last resolved ms, last crisis resolved ms, {crisis accepted ms}}
--                per counselor with state
--   continuity:  {youth ref, {counselor ids}} per queued youth ref
local base = ARGV[1]
local cases, refs = {}, {}
local ids = {}
if ARGV[4] == nil then
  ids = redis.call('ZRANGE', KEYS[1], 0, -1)
elseif ARGV[4] ~= '' then
  ids = {ARGV[4]}
end
for _, id in ipairs(ids) do
  local key = base .. 'case:' .. id
  local f = redis.call('HMGET', key, 'state', 'record', 'escalation', 'youth')
  if tonumber(f[1]) == 1 and f[2] then
    cases[#cases + 1] = {id, f[2], tonumber(f[3]) or 0, redis.call('SMEMBERS', key .. ':excluded')}
    if f[4] and f[4] ~= '' then refs[f[4]] = true end
  end
end

local counselors, holders = {}, {}
for _, cid in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local key = base .. 'counselor:' .. cid
  local c = redis.call('HMGET', key, 'available', 'last_offer', 'available_at', 'missed_offers',
    'last_resolved', 'last_crisis_resolved')
  local held = redis.call('SMEMBERS', key .. ':cases')
  local crisis = redis.call('ZRANGEBYSCORE', key .. ':crisis', ARGV[3], '+inf', 'WITHSCORES')
  local crisis_at = {}
  for i = 2, #crisis, 2 do crisis_at[#crisis_at + 1] = crisis[i] end
  counselors[#counselors + 1] = {cid, c[1] or '1', c[2] or '0', #held, c[3] or '0', c[4] or '0',
    c[5] or '0', c[6] or '0', crisis_at}
  -- a counselor holding an open case of a queued youth counts for continuity
  for _, hid in ipairs(held) do
    local ref = redis.call('HGET', base .. 'case:' .. hid, 'youth')
    if ref and refs[ref] then
      local list = holders[ref] or {}
      list[#list + 1] = cid
      holders[ref] = list
    end
  end
end

local continuity = {}
for ref in pairs(refs) do
  local ids = redis.call('ZRANGEBYSCORE', base .. 'youth:' .. ref, ARGV[2], '+inf')
  for _, cid in ipairs(holders[ref] or {}) do ids[#ids + 1] = cid end
  continuity[#continuity + 1] = {ref, ids}
end
return {cases, counselors, continuity}

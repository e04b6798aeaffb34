-- queue_view (read-only): the facts behind GET /v1/queue for every open case,
-- plus the lifetime counters.
-- Input: 2 keys, read-only
--   keys  1 open, 2 stats
--   args  1 key base
-- Output: {rows, stats}: rows are {id, state, risk, site, concern, created,
--   escalation}; stats is HGETALL of stats
local open, stats = KEYS[1], KEYS[2]
local keys = keys_from(ARGV[1])

local rows = {}
for _, id in ipairs(redis.call('SMEMBERS', open)) do
  local f = redis.call('HMGET', keys.case_hash(id), 'state', 'risk', 'site', 'concern', 'created', 'escalation')
  if f[1] then
    rows[#rows + 1] = {id, f[1], f[2] or '0', f[3] or '', f[4] or '', f[5] or '0', f[6] or '0'}
  end
end
return {rows, redis.call('HGETALL', stats)}

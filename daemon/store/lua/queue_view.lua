-- queue_view (read-only): the facts behind GET /v1/queue for every open case,
-- plus the lifetime counters.
-- KEYS: open, stats
-- ARGV: key base "{P}:v1:"
-- Returns {rows, stats}: rows are {id, state, risk, site, concern, created, escalation}.
local rows = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local f = redis.call('HMGET', ARGV[1] .. 'case:' .. id,
    'state', 'risk', 'site', 'concern', 'created', 'escalation')
  if f[1] then
    rows[#rows + 1] = {id, f[1], f[2] or '0', f[3] or '', f[4] or '', f[5] or '0', f[6] or '0'}
  end
end
return {rows, redis.call('HGETALL', KEYS[2])}

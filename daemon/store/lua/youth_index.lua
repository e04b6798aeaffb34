-- youth_index: the backfill of each youth's open cases (youth_open:<key>,
-- which create, resolve, cancel, purge and rewrap keep): adds every open case
-- that has a youth ref. Cases opened before the index existed have no entry;
-- the daemon runs this once at start. Idempotent.
-- Input: 1 key
--   keys  1 open
--   args  1 key base
-- Output: {open cases with a youth ref, entries added now}
local open = KEYS[1]
local keys = keys_from(ARGV[1])

local with_ref, added = 0, 0
for _, id in ipairs(redis.call('SMEMBERS', open)) do
  local f = redis.call('HMGET', keys.case_hash(id), 'state', 'youth')
  local state = tonumber(f[1])
  if state and not is_closed(state) and f[2] and f[2] ~= '' then
    with_ref = with_ref + 1
    added = added + redis.call('SADD', keys.youth_open(f[2]), id)
  end
end
return {with_ref, added}

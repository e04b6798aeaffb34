-- counselor_cases (read-only): a counselor's offered and active cases, each
-- case's hash beside its id, at one instant (GET /v1/me/offers and
-- GET /v1/me/cases read it instead of one read_case.lua call per case).
-- Input: 1 key, read-only
--   keys  1 the counselor's cases
--   args  1 key base
-- Output: {{id, HGETALL of the case}, ...}, one row per member of the set
--   (its HGETALL empty when the case is gone), in no particular order
local counselor_cases = KEYS[1]
local keys = keys_from(ARGV[1])

local rows = {}
for _, id in ipairs(redis.call('SMEMBERS', counselor_cases)) do
  rows[#rows + 1] = {id, redis.call('HGETALL', keys.case_hash(id))}
end
return rows

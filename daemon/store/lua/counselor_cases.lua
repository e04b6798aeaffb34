-- counselor_cases (read-only): the offered and active cases of one or more
-- counselors, at one instant, each case's hash once however many of them
-- hold it (GET /v1/me/offers and GET /v1/me/cases read it instead of one
-- read_case.lua call per case; the store reads together the counselors
-- whose requests come at once, such as those woken by a crisis broadcast).
-- Input: 1 key, read-only
--   keys  1 the first counselor's cases
--   args  1 key base, 2.. the counselor ids (the first is key 1's)
-- Output: {{case ids of each counselor, in argument order}, {{id, HGETALL of
--   the case}, ...}}: a member of a set in no particular order, the rows one
--   per case (its HGETALL empty when the case is gone)
local first_set, keys = KEYS[1], keys_from(ARGV[1])
local counselors = {unpack(ARGV, 2)}  -- at most a few hundred (case_store)

local sets, rows, seen = {}, {}, {}
for i, counselor in ipairs(counselors) do
  local ids = redis.call('SMEMBERS', i == 1 and first_set or keys.counselor_cases(counselor))
  sets[#sets + 1] = ids
  for _, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      rows[#rows + 1] = {id, redis.call('HGETALL', keys.case_hash(id))}
    end
  end
end
return {sets, rows}

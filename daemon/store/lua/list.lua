-- list (read-only): one page of cases, newest first, filtered by state and
-- risk. Members of one score come in reverse id order, so the page after
-- (ms, id) holds lower scores, or the same score and lower ids.
-- Input: 1 key, read-only
--   keys  1 cases
--   args  1 key base, 2 cursor ms ('+inf' for the first page), 3 cursor id
--         ('' for none), 4 state (0 = any), 5 risk (0 = any), 6 limit,
--         7 scan budget
-- Output: {rows, next ms, next id}: rows are {id, HGETALL of the case}; next
--   ms is '' when nothing is left.
local cases = KEYS[1]
local keys, after_ms_text, after_id = keys_from(ARGV[1]), ARGV[2], ARGV[3]
local want_state, want_risk = tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, budget = tonumber(ARGV[6]), tonumber(ARGV[7])
local ANY = 0  -- a state or risk filter of 0 (unspecified) lets every case through

local after_ms = tonumber(after_ms_text)
local rows, scanned, offset = {}, 0, 0
local last_ms, last_id = '', ''
while true do
  local batch = redis.call('ZREVRANGEBYSCORE', cases, after_ms_text, '-inf', 'WITHSCORES', 'LIMIT', offset, 200)
  if #batch == 0 then return {rows, '', ''} end
  offset = offset + #batch / 2
  for i = 1, #batch, 2 do
    local id, ms = batch[i], batch[i + 1]
    if not (after_id ~= '' and tonumber(ms) == after_ms and id >= after_id) then
      local key = keys.case_hash(id)
      local f = redis.call('HMGET', key, 'state', 'risk')
      if (want_state == ANY or tonumber(f[1]) == want_state) and (want_risk == ANY or tonumber(f[2]) == want_risk) then
        -- one match past the page only proves there is more
        if #rows == limit then return {rows, last_ms, last_id} end
        rows[#rows + 1] = {id, redis.call('HGETALL', key)}
      end
      last_ms, last_id = ms, id
      scanned = scanned + 1
      -- stop a long scan here; the client continues from this point
      if scanned >= budget then return {rows, last_ms, last_id} end
    end
  end
end

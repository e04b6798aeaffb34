-- read_case (read-only): a case hash and, when asked, its history, at one instant.
-- Input: 2 keys, read-only
--   keys  1 case, 2 history
--   args  1 with history (0/1)
-- Output: {'ok', HGETALL of the case, {history events}}, or {'err', 'not_found'}
local case_key, history_key = KEYS[1], KEYS[2]
local with_history = ARGV[1]

local h = redis.call('HGETALL', case_key)
if #h == 0 then return {'err', 'not_found'} end
local history = {}
if with_history == '1' then history = redis.call('LRANGE', history_key, 0, -1) end
return {'ok', h, history}

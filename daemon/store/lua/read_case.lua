-- read_case (read-only): a case hash and, when asked, its history, at one instant.
-- KEYS: case, history
-- ARGV: with history (0/1)
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {'err', 'not_found'} end
local history = {}
if ARGV[1] == '1' then history = redis.call('LRANGE', KEYS[2], 0, -1) end
return {'ok', h, history}

-- rewrap: `caseroute key rotate` replaces a case's wrapped data key (and, for
-- a case stored before per-case keys, its record and keyed youth ref) only if
-- nothing changed them since it read them: the daemon keeps running meanwhile.
-- Input: 1 key
--   keys  1 the case hash, or the keyring
--   args  1 field of the wrapped key ('key' in a case, 'pseudonym' in the
--         keyring), 2 the wrapped key read ('' = none), 3 the new wrapped key,
--         4 the record read ('' = leave the record alone), 5 the new record,
--         6 the new youth key ('' = leave it), 7 the case id ('' for the
--         keyring), 8 key base (with a new youth key, an open case moves from
--         its old youth's open cases to the new one's)
-- Output: {'ok'}, {'ok', 'gone'} (purged meanwhile), or {'retry'} (changed meanwhile)
local target = KEYS[1]
local key_field, old_key, new_key = ARGV[1], ARGV[2], ARGV[3]
local old_record, new_record, new_youth, id, keys = ARGV[4], ARGV[5], ARGV[6], ARGV[7], keys_from(ARGV[8])

if redis.call('EXISTS', target) == 0 then return {'ok', 'gone'} end
if (redis.call('HGET', target, key_field) or '') ~= old_key then return {'retry'} end
if old_record ~= '' then
  if (redis.call('HGET', target, 'record') or '') ~= old_record then return {'retry'} end
  redis.call('HSET', target, 'record', new_record)
  -- the unkeyed digest of a case stored before the seal held it
  redis.call('HDEL', target, 'digest')
end
if new_youth ~= '' then
  local f = redis.call('HMGET', target, 'youth', 'state')
  local old_youth = f[1] or ''
  if old_youth ~= new_youth then
    if old_youth ~= '' then redis.call('SREM', keys.youth_open(old_youth), id) end
    local state = tonumber(f[2])
    if state and not is_closed(state) then redis.call('SADD', keys.youth_open(new_youth), id) end
  end
  redis.call('HSET', target, 'youth', new_youth)
end
redis.call('HSET', target, key_field, new_key)
return {'ok'}

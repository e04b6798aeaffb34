-- create: a new case for a referral, unless (platform, referral id) has one.
-- Input: 11 keys
--   keys  1-5 the transition head (common.lua); 6 referral, 7 queue, 8 cases,
--         9 open, 10 stats, 11 the youth's open cases (youth_open of arg 10)
--   args  1-4 the transition head: the new case id, now ms (its created time),
--         event case.created; 5 risk, 6 received ms, 7 record, 8 platform,
--         9 referral id, 10 youth key (the keyed youth ref), 11 primary
--         concern, 12 the case's data key, wrapped, 13 every concern code,
--         comma-separated (the feed stamps them on the case's events), 14 the
--         priority groups (enum numbers, comma-separated: counted in the day's
--         report, never stored in clear), 15 county code, 16 contact mode
--         (enum number; both as in the record, kept in clear for the report),
--         17 the sealed parts an answer with personal data carries (audit
--         field names, comma-separated: what accept.lua records), 18 key
--         base, 19 start ms of the continuity window ('': no routing rows)
-- Output: {'ok', case id, its feed id, continuity}, or {'dup', existing case
--   id}: the caller compares the sealed digests (same content is a
--   duplicate, else a conflict). continuity is routing_delta's rows for the
--   case's youth ({} without a youth or arg 19): with the record the caller
--   wrote, the router's row of the new case, so the replica that queued it
--   routes it without reading it back.
transition()
local referral, queue, cases, open, stats, youth_open = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local risk, received, record, platform = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local referral_id, youth, concern, wrapped_key, concerns = ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local groups, county, mode, sealed = ARGV[14], ARGV[15], ARGV[16], ARGV[17]
local base, continuity_since = ARGV[18], ARGV[19]

-- one call claims the referral or answers who holds it (NX GET: no write then)
local existing = redis.call('SET', referral, case_id, 'NX', 'GET')
if existing then return {'dup', existing} end
redis.call('HSET', case_key,
  'state', QUEUED, 'risk', risk, 'created', now, 'received', received,
  'escalation', 0, 'record', record, 'platform', platform, 'referral', referral_id,
  'youth', youth, 'concern', concern, 'concerns', concerns, 'key', wrapped_key,
  'report_county', county, 'report_mode', mode, 'sealed', sealed)
redis.call('ZADD', queue, now, case_id)
redis.call('ZADD', cases, now, case_id)
redis.call('SADD', open, case_id)
if youth ~= '' then redis.call('SADD', youth_open, case_id) end
redis.call('HINCRBY', stats, 'created', '1')
-- every fact the report and the feed stamp is in hand: emit reads none
local facts = new_case_facts(risk, concern, platform, county, mode, now, concerns, youth)
tally_groups(groups, facts)
emit(event, callback, facts)
local continuity = {}
if youth ~= '' and continuity_since ~= '' then
  local keys = keys_from(base)
  continuity = continuity_rows(keys, {[youth] = true}, {[youth] = holders_of(keys, youth, {[case_id] = true})},
    continuity_since)
end
return {'ok', case_id, announced, continuity}

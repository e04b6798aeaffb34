-- The prelude of every caseroute script: CMake puts it once at the top of the
-- Redis Functions library that holds every script (daemon/store/CMakeLists.txt).
-- It names what scripts share: case states, the transition head, the keys a
-- script builds itself, and the Event fields a script stamps.
--
-- A script's own header says what it takes and answers, and its first
-- lines bind each KEYS/ARGV position to a named local; after that no
-- position and no bare state number appears. Its header holds one line
-- CMake reads (daemon/store/CMakeLists.txt), and the runner checks each
-- call against:
--   -- Input: <n> keys                (a script that writes)
--   -- Input: <n> keys, read-only     (never WAITs for a replica)

-- Case states, as caseroute.v1.CaseState (the 'state' field of a case hash).
local QUEUED, OFFERED, ACTIVE, RESOLVED, CANCELLED = 1, 2, 3, 4, 5
-- caseroute.v1.Risk (the 'risk' field): only a crisis changes what a script does.
local RISK_CRISIS = 4

local function is_closed(state)
  return state == RESOLVED or state == CANCELLED
end

-- The transition head: every script that changes a case takes these first
-- (store::transition_call in scripts.hpp pushes them), then its own from
-- key 6 and arg 5 on:
--   keys  1 case, 2 history, 3 outbox, 4 outbox_due, 5 feed
--   args  1 case id, 2 now ms, 3 the event, 4 its StatusCallback ('' = none)
-- transition() binds them to these names. The runner appends one key after
-- the script's own (not counted in its header): the report of the local day
-- of `now` ("Reports" below); report_key stays nil when it is missing.
local case_key, history_key, outbox_key, outbox_due_key, feed_key
local case_id, now, event, callback
local report_key
-- The feed id of the last event this call appended (announce), which
-- offer.lua and broadcast.lua answer with.
local announced
-- The last key transition() matched as a report key, and whether it is one
-- (it changes once a day: most calls skip the match).
local last_report_key, last_is_report = nil, false
local function transition()
  case_key, history_key, outbox_key, outbox_due_key, feed_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
  case_id, now, event, callback = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
  report_key = KEYS[#KEYS]
  if report_key ~= last_report_key then
    last_report_key = report_key
    last_is_report = string.find(report_key, ':report:%d%d%d%d%-%d%d%-%d%d$') ~= nil
  end
  if not last_is_report then report_key = nil end
end

-- The library loads this prelude once and its locals outlive a call: each
-- call starts with begin_call(), so what transition() bound for the last
-- call is nil for the next (a script that skips transition() sees no other
-- case's keys). Every other local here is set once, at load, but three
-- caches of what depends on a call's input only: transition()'s last report
-- key, keys_from()'s builders per key base and report_value()'s answers.
local function begin_call()
  case_key, history_key, outbox_key, outbox_due_key, feed_key = nil, nil, nil, nil, nil
  case_id, now, event, callback = nil, nil, nil, nil
  report_key = nil
  announced = nil
end

-- The keys a script builds from ids it learns inside (a broadcast's offers,
-- a listing's cases). base is the key base "{P}:v1:" the caller passes. The
-- only place outside store/keys.cpp that spells a key; the names match its
-- functions, and a store test checks both spell them alike.
-- Built once per base (a deployment has one) instead of once per call.
local keys_by_base = {}
local function keys_from(base)
  local keys = keys_by_base[base]
  if keys then return keys end
  keys = {
    case_hash = function(id) return base .. 'case:' .. id end,
    excluded = function(id) return base .. 'case:' .. id .. ':excluded' end,
    counselor = function(id) return base .. 'counselor:' .. id end,
    counselor_cases = function(id) return base .. 'counselor:' .. id .. ':cases' end,
    counselor_crisis = function(id) return base .. 'counselor:' .. id .. ':crisis' end,
    youth = function(ref) return base .. 'youth:' .. ref end,
    youth_open = function(ref) return base .. 'youth_open:' .. ref end,
  }
  keys_by_base[base] = keys
  return keys
end

-- The routing reads (routing_state, routing_delta): each youth ref's row
-- {ref, {counselor ids}}: who resolved one of its cases since `since` (the
-- youth's set) and who holds one now (`holders`: ref -> counselor ids).
local function continuity_rows(keys, refs, holders, since)
  local rows = {}
  for ref in pairs(refs) do
    local ids = redis.call('ZRANGEBYSCORE', keys.youth(ref), since, '+inf')
    for _, cid in ipairs(holders[ref] or {}) do ids[#ids + 1] = cid end
    rows[#rows + 1] = {ref, ids}
  end
  return rows
end

-- Who holds an open case of youth `ref` (routing_delta, create): for each
-- of the youth's open cases (youth_open), the counselors whose cases set
-- holds it: its counselor while OFFERED or ACTIVE, each open offer of a
-- crisis broadcast. Cases in `queued` (id -> true) are known to be QUEUED
-- and are not read. The same answer as scanning every counselor's cases
-- (routing_state does), sorted.
local function holders_of(keys, ref, queued)
  local list = {}
  for _, hid in ipairs(redis.call('SMEMBERS', keys.youth_open(ref))) do
    local case_hash = keys.case_hash(hid)
    local f = queued[hid] and {} or redis.call('HMGET', case_hash, 'state', 'counselor', 'youth')
    local state = tonumber(f[1])
    if f[3] == ref and (state == OFFERED or state == ACTIVE) then
      local who = {}
      if f[2] then who[f[2]] = true end
      if state == OFFERED then
        for _, field in ipairs(redis.call('HKEYS', case_hash)) do
          if string.sub(field, 1, 6) == 'offer:' then who[string.sub(field, 7)] = true end
        end
      end
      -- (no counselor leaves the counselors set: offer and broadcast add each)
      for cid in pairs(who) do
        if redis.call('SISMEMBER', keys.counselor_cases(cid), hid) == 1 then list[#list + 1] = cid end
      end
    end
  end
  table.sort(list)
  return list
end

-- requeue: the case goes back to QUEUED (queue order by its created time),
-- dropping the given fields of its hash.
local function requeue(queue, created, ...)
  redis.call('HSET', case_key, 'state', QUEUED)
  redis.call('HDEL', case_key, ...)
  redis.call('ZADD', queue, created, case_id)
end

-- Crisis broadcasts (several open offers of one case): each open offer is a
-- case field 'offer:<counselor>' = site, the case is in that counselor's
-- cases set (their load) and the case's 'counselor' field stays unset until
-- one of them accepts. Returns {{counselor, site}, ...} by counselor id (a
-- hash has no order; histories must not depend on it).
local function broadcast_offers()
  local out = {}
  local all = redis.call('HGETALL', case_key)
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 6) == 'offer:' then out[#out + 1] = {string.sub(all[i], 7), all[i + 1]} end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- A counselor whose offer was withdrawn (another accepted the broadcast, a
-- supervisor reassigned the case, their shift ended): their late accept or
-- decline is told so (offer_withdrawn) instead of "not yours".
local function mark_withdrawn(counselor)
  redis.call('HSET', case_key, 'withdrawn:' .. counselor, now)
end
local function was_withdrawn(counselor)
  return redis.call('HEXISTS', case_key, 'withdrawn:' .. counselor) == 1
end

-- One C++-built Event stamped per counselor: protobuf merges concatenated
-- encodings, the last value of a field winning, so appending a field to a
-- serialized Event sets it. Field numbers of caseroute.v1.Event (a store
-- test pins them to the .proto):
local EVENT_COUNSELOR_ID, EVENT_SITE_ID, EVENT_STATE = 5, 6, 12
local function pb_varint(n)
  local out = ''
  while n >= 128 do
    out = out .. string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  return out .. string.char(n)
end
local function pb_string(field, s)  -- wire type 2, length-delimited
  return pb_varint(field * 8 + 2) .. pb_varint(#s) .. s
end
local function pb_enum(field, n)  -- wire type 0, varint
  return pb_varint(field * 8) .. pb_varint(n)
end
local function with_counselor(an_event, id)
  return an_event .. pb_string(EVENT_COUNSELOR_ID, id)
end
local function with_site(an_event, site)
  return an_event .. pb_string(EVENT_SITE_ID, site)
end
local function with_state(an_event, state)
  return an_event .. pb_enum(EVENT_STATE, state)
end

-- The city's change feed (a Redis Stream every replica follows; see
-- docs/ARCHITECTURE.md "The change feed"): every event a script writes is
-- appended to it in the same atomic step, so nothing is announced that did
-- not commit and nothing committed goes unannounced. Retention trims it.
-- A case's events carry its risk and concern codes on the feed, so a
-- follower needs no read to route or filter them, and its youth key (the
-- keyed digest, never the ref), so a follower keeps the continuity of the
-- youth's other queued cases without reading this one (the event stream
-- never shows it).
local EVENT_RISK, EVENT_CONCERNS, EVENT_YOUTH_KEY = 16, 17, 20
-- Their tags, as pb_varint(EVENT_RISK * 8), pb_varint(EVENT_CONCERNS * 8 + 2)
-- and pb_varint(EVENT_YOUTH_KEY * 8 + 2) spell them (FUNCTION LOAD runs the
-- prelude without the string library).
local RISK_TAG, CONCERNS_TAG, YOUTH_KEY_TAG = '\128\1', '\138\1', '\162\1'
local function announce(a_feed_key, an_event)
  announced = redis.call('XADD', a_feed_key, '*', 'e', an_event)
end
-- The fields stamp_case_facts appends, alone (one case's events share them).
local function case_facts_stamp(risk, concerns, youth)
  local out = ''
  if risk then out = RISK_TAG .. pb_varint(tonumber(risk)) end
  if concerns and concerns ~= '' then
    for code in string.gmatch(concerns, '[^,]+') do out = out .. CONCERNS_TAG .. pb_varint(#code) .. code end
  end
  if youth and youth ~= '' then out = out .. YOUTH_KEY_TAG .. pb_varint(#youth) .. youth end
  return out
end
local function stamp_case_facts(an_event, risk, concerns, youth)
  return an_event .. case_facts_stamp(risk, concerns, youth)
end
local function with_case_facts(an_event, f)
  f = f or redis.call('HMGET', case_key, 'risk', 'concerns', 'youth')
  return stamp_case_facts(an_event, f[1], f[2], f[3])
end

-- A counselor.availability event built here (a sign-out after missed offers
-- happens inside a script): type, actor, counselor, available, at.
local EVENT_AT, EVENT_TYPE, EVENT_ACTOR, EVENT_AVAILABLE = 1, 2, 3, 13
local function availability_event(counselor, available, actor, at_ms)
  local ms = tonumber(at_ms)
  local at = pb_enum(1, math.floor(ms / 1000)) .. pb_enum(2, (ms % 1000) * 1000000)
  return pb_string(EVENT_AT, at) .. pb_string(EVENT_TYPE, 'counselor.availability') ..
    pb_string(EVENT_ACTOR, actor) .. pb_string(EVENT_COUNSELOR_ID, counselor) ..
    pb_enum(EVENT_AVAILABLE, available)
end

-- Reports (docs/ARCHITECTURE.md, "Reports"): every history event of a
-- reported type adds 1 to a field of the day's report hash, named
-- '<metric>|site=..|county=..|concern=..|risk=..|mode=..|outcome=..|platform=..'
-- (enum numbers, config codes; never a case id, youth ref or free text), and
-- a counselor's own events to '<metric>|counselor=<id>'. First offer, first
-- accept and accept->resolve add a duration bucket 't_offer_', 't_accept_',
-- 't_resolve_' .. 'le<seconds>' or 'inf'. daemon/reports/tally.cpp replays
-- histories the same way (caseroute reports rebuild/check): change both.
local REPORTED = {
  ['case.created'] = 'referrals', ['case.offered'] = 'offers', ['case.accepted'] = 'accepts',
  ['case.declined'] = 'declines', ['case.offer_expired'] = 'expiries', ['case.escalated'] = 'escalations',
  ['case.released'] = 'releases', ['case.resolved'] = 'resolutions', ['case.cancelled'] = 'cancellations',
}
local REPORT_BY_COUNSELOR = {offers = true, accepts = true, declines = true, expiries = true, releases = true,
  resolutions = true}
local REPORT_BUCKETS = {30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200}
local EVENT_OUTCOME, EVENT_ESCALATION_LEVEL = 8, 9
local RECORD_MODE, RECORD_COUNTY = 7, 8  -- caseroute.v1.CaseRecord, in clear

-- The varint at byte i of bytes: its value and the index after it.
local function pb_read_varint(bytes, i)
  local v, scale = 0, 1
  while true do
    local b = string.byte(bytes, i)
    i = i + 1
    v = v + (b % 128) * scale
    if b < 128 then return v, i end
    scale = scale * 128
  end
end

-- The last value of each field of a protobuf message (varints and
-- length-delimited bytes; fixed-width fields skipped). With `wanted` (a set
-- of field numbers) the bytes of other length-delimited fields are skipped,
-- not copied out.
local function pb_fields(bytes, wanted)
  local out, i, n = {}, 1, #bytes
  while i <= n do
    local tag
    tag, i = pb_read_varint(bytes, i)
    local field, wire = math.floor(tag / 8), tag % 8
    if wire == 0 then
      out[field], i = pb_read_varint(bytes, i)
    elseif wire == 2 then
      local len
      len, i = pb_read_varint(bytes, i)
      if not wanted or wanted[field] then out[field] = string.sub(bytes, i, i + len - 1) end
      i = i + len
    elseif wire == 1 then
      i = i + 8
    elseif wire == 5 then
      i = i + 4
    else
      break
    end
  end
  return out
end

-- report_value's answers, as pattern matching costs more than a lookup:
-- the values repeat (sites, counties, concerns, platforms, counselor ids);
-- emptied when they pass REPORT_VALUES_MAX.
local report_values, report_values_count, REPORT_VALUES_MAX = {}, 0, 4096
local function report_value(v)
  if not v then return '' end
  local out = report_values[v]
  if out then return out end
  out = string.gsub(tostring(v), '[|=%c]', '_')
  if report_values_count >= REPORT_VALUES_MAX then report_values, report_values_count = {}, 0 end
  report_values[v], report_values_count = out, report_values_count + 1
  return out
end
local function report_bucket(ms)
  for _, b in ipairs(REPORT_BUCKETS) do
    if ms <= b * 1000 then return 'le' .. b end
  end
  return 'inf'
end

-- A case's county and contact mode, as its report counts them: create.lua
-- stores them in clear as 'report_county' and 'report_mode' (they never
-- change), so a transition need not read and parse the record; a case
-- stored before those fields has them read off its record.
local function report_place(county, mode)
  if mode then return county or '', mode end
  local record = pb_fields(redis.call('HGET', case_key, 'record') or '')
  return record[RECORD_COUNTY] or '', record[RECORD_MODE] or 0
end

-- The case fields an event needs, read once per emit: the report's (tally,
-- tally_groups) and the feed's (risk, concerns, youth), in this order,
-- CASE_FACTS of them. A script that reads its case anyway may ask for its own fields
-- after them (from index CASE_FACTS + 1 on) and hand the row to emit.
local CASE_FACTS = 14
local function read_case_facts(...)
  return redis.call('HMGET', case_key, 'risk', 'concern', 'platform', 'report_county', 'report_mode',
    'report_site', 'created', 'accepted', 'escalation', 'site', 'report_offered', 'report_accepted', 'concerns',
    'youth', ...)
end
-- The same row for a case create.lua has just written, without the read.
local function new_case_facts(risk, concern, platform, county, mode, created, concerns, youth)
  return {risk, concern, platform, county, mode, nil, created, nil, '0', nil, nil, nil, concerns, youth}
end

-- The case's report fields: 'report_site' (the site of its latest offer or
-- accept), 'report_offered' and 'report_accepted' (set once, at the first).
-- f: the case's read_case_facts() row.
local TALLIED_FIELDS = {[EVENT_TYPE] = true, [EVENT_COUNSELOR_ID] = true, [EVENT_SITE_ID] = true,
  [EVENT_OUTCOME] = true, [EVENT_ESCALATION_LEVEL] = true}
-- e: the event's TALLIED_FIELDS when the caller has them (emit_to_each
-- parses its event once for every counselor), else parsed here.
local function tally(an_event, f, e)
  if not report_key then return end
  e = e or pb_fields(an_event, TALLIED_FIELDS)
  local metric = REPORTED[e[EVENT_TYPE]]
  if not metric then return end
  local county, mode = report_place(f[4], f[5])
  local site = f[6] or ''
  if metric == 'offers' then site = e[EVENT_SITE_ID] or '' end
  if metric == 'accepts' then site = f[10] or site end
  -- the first offer and first accept are timed: one HSET sets whichever of
  -- the report fields changed
  local first_offer = metric == 'offers' and not f[11]
  local first_accept = metric == 'accepts' and not f[12]
  local changed = {}
  if site ~= (f[6] or '') then changed[#changed + 1] = 'report_site'; changed[#changed + 1] = site end
  if first_offer then changed[#changed + 1] = 'report_offered'; changed[#changed + 1] = now end
  if first_accept then changed[#changed + 1] = 'report_accepted'; changed[#changed + 1] = now end
  if #changed > 0 then redis.call('HSET', case_key, unpack(changed)) end
  -- the row stays true for the caller's next emit (a broadcast's offers)
  f[6] = site
  if first_offer then f[11] = now end
  if first_accept then f[12] = now end
  local risk = tonumber(f[1]) or 0
  local dims = '|site=' .. report_value(site) .. '|county=' .. report_value(county) ..
    '|concern=' .. report_value(f[2]) .. '|risk=' .. risk .. '|mode=' .. mode ..
    '|outcome=' .. (e[EVENT_OUTCOME] or 0) .. '|platform=' .. report_value(f[3])
  local now_ms = tonumber(now)
  -- (increments as text: Redis would format a Lua number with printf)
  local function add(name) redis.call('HINCRBY', report_key, name .. dims, '1') end
  if metric == 'escalations' then
    add('escalations_' .. (e[EVENT_ESCALATION_LEVEL] or 0))
  else
    add(metric)
  end
  if first_offer then
    add('t_offer_' .. report_bucket(now_ms - tonumber(f[7])))
  elseif first_accept then
    add('t_accept_' .. report_bucket(now_ms - tonumber(f[7])))
    if risk == RISK_CRISIS then
      if (tonumber(f[9]) or 0) > 0 then add('crisis_accepts_escalated') else add('crisis_accepts_direct') end
    end
  elseif metric == 'resolutions' and f[8] then
    add('t_resolve_' .. report_bucket(now_ms - tonumber(f[8])))
  end
  local counselor = e[EVENT_COUNSELOR_ID] or ''
  if REPORT_BY_COUNSELOR[metric] and counselor ~= '' then
    local who = '|counselor=' .. report_value(counselor)
    redis.call('HINCRBY', report_key, metric .. who, '1')
    if metric == 'accepts' and risk == RISK_CRISIS then
      redis.call('HINCRBY', report_key, 'crisis_accepts' .. who, '1')
    end
  end
end

-- create.lua: a referral's priority groups (enum numbers, comma-separated;
-- sealed in the case, so counted here, at creation, only). f: the case's
-- new_case_facts() row.
local function tally_groups(groups, f)
  if not report_key or (groups or '') == '' then return end
  local county, mode = report_place(f[4], f[5])
  for g in string.gmatch(groups, '[0-9]+') do
    redis.call('HINCRBY', report_key, 'group_referrals|group=' .. g .. '|county=' ..
      report_value(county) .. '|concern=' .. report_value(f[2]) .. '|risk=' ..
      (tonumber(f[1]) or 0) .. '|mode=' .. mode .. '|platform=' .. report_value(f[3]), 1)
  end
end

-- emit: append an event to the case's history and the feed and, when the
-- platform wants status callbacks (a_callback ~= ''), the callback to the
-- case's outbox, due now. facts: the case's read_case_facts() row when the
-- caller already has it and nothing changed its fields since (create.lua,
-- offer.lua), else read here. emit keeps the row true for the report fields
-- it writes, so one row serves a script's several emits (one per counselor
-- of a broadcast).
-- The status callback of an emit ('' = none) to the case's outbox, due now.
local function queue_callback(a_callback)
  if a_callback == '' then return end
  redis.call('RPUSH', outbox_key, a_callback)
  redis.call('ZADD', outbox_due_key, 'NX', now, case_id)
end
local function emit(an_event, a_callback, facts)
  redis.call('RPUSH', history_key, an_event)
  local f = facts or read_case_facts()
  tally(an_event, f)
  announce(feed_key, stamp_case_facts(an_event, f[1], f[13], f[14]))
  queue_callback(a_callback)
end

-- Commands that take a key and any number of values, in chunks (Lua's
-- unpack has a limit far above a city's counselors, but not unbounded); a
-- chunk's even size keeps HSET's field-value pairs together.
local function call_with_each(command, key, values)
  for i = 1, #values, 1000 do
    redis.call(command, key, unpack(values, i, math.min(i + 999, #values)))
  end
end

-- emit for each of several counselors at once (a broadcast's offers, the
-- withdrawals of its other offers): each target {counselor, site or nil}
-- gets an_event stamped with them, in order, as emit would one by one, but
-- the history takes them in one RPUSH and an_event is parsed for the report
-- once. a_callback ('' = none) goes to the outbox once. facts as for emit.
local function emit_to_each(an_event, targets, a_callback, facts)
  if #targets == 0 then return end
  local f = facts or read_case_facts()
  local events = {}
  for i, t in ipairs(targets) do
    local e = with_counselor(an_event, t[1])
    if t[2] then e = with_site(e, t[2]) end
    events[i] = e
  end
  call_with_each('RPUSH', history_key, events)
  local parsed = report_key and pb_fields(an_event, TALLIED_FIELDS)
  local stamp = case_facts_stamp(f[1], f[13], f[14])
  for i, t in ipairs(targets) do
    if parsed then
      local e = {}
      for field, value in pairs(parsed) do e[field] = value end
      e[EVENT_COUNSELOR_ID] = t[1]
      if t[2] then e[EVENT_SITE_ID] = t[2] end
      tally(events[i], f, e)
    end
    announce(feed_key, events[i] .. stamp)
  end
  queue_callback(a_callback)
end

-- Ends one counselor's offer of a broadcast (decline, shift end): while
-- others still hold theirs the case stays OFFERED (the event says so, no
-- status callback); after the last one it goes back to the queue.
local function end_broadcast_offer(counselor, counselor_cases, queue, offers, created)
  redis.call('HDEL', case_key, 'offer:' .. counselor)
  redis.call('SREM', counselor_cases, case_id)
  if #broadcast_offers() > 0 then
    emit(with_state(event, OFFERED), '')
    return
  end
  requeue(queue, created, 'offered', 'offer_expires')
  redis.call('ZREM', offers, case_id)
  emit(event, callback)
end

--[[
  Opens an incident, or extends / reopens the one that already owns one of the evidence's keys,
  unless a silence matches the evidence or, for a new incident, a graver live incident on one of
  its keys inhibits it. Atomic, so racing workers and replays after a crash never open a
  duplicate, and a silence set just before the evidence arrives always wins.

  KEYS[1]  dedupe index (hash): "<type>|<tag>" → incident id, "closed:<id>" → resolution ms
  KEYS[2]  incident hash of ARGV[1]
  KEYS[3]  incident timeline (list)
  KEYS[4]  outbox (stream) of incident events to publish
  KEYS[5]  all incidents by opening time (sorted set)
  KEYS[6]  silences by end (sorted set, score = endsAt ms; the expiry time once ended early)
  KEYS[7]  suppressed openings by time (sorted set: evidence reference → ms)
  KEYS[8]  suppressed openings' records (hash: evidence reference → JSON)
  ARGV[1]  incident id to open or extend
  ARGV[2]  now, ms
  ARGV[3]  cool-down, ms: a resolved incident younger than this is reopened, an older one is left be
  ARGV[4]  evidence reference (spike stream id, fault episode): applied at most once per incident
  ARGV[5]  incident type
  ARGV[6]  JSON object of the fields a new incident starts with (all string values, "grade" among them)
  ARGV[7]  actor
  ARGV[8]  timeline text
  ARGV[9]  key prefix of one silence (the silence id follows; a JSON string)
  ARGV[10] JSON {carried: [tags], types: [incident types], inhibitingGrade, inhibitedFrom, keep, retainMs}:
           more window tags a key silence matches (carried by the evidence's posts), the other
           incident types that may inhibit, the least severe inhibiting grade, the most severe grade
           inhibited, and how many suppressed openings to keep and for how long (ms)
  ARGV[11..] the evidence's keys (hash tags): the opening key and its near-duplicate cluster

  Reply: {outcome, id, event JSON}. outcome is
    "opened" | "extended" | "reopened"  — done, event recorded;
    "duplicate"                         — this reference was applied before (a replay);
    "moved"                              — another live incident owns a key: retry with id = reply[2];
    "stale"                              — ARGV[1] is closed for good: retry with a fresh id;
    "silenced" | "inhibited"             — nothing changed; reply[2] is the silence / the inhibiting
                                           incident, reply[3] the suppressed opening's record JSON
                                           ('' when this reference was suppressed before).
]]
local now, cool, itype = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5]
local id = ARGV[1]
local ctx = cjson.decode(ARGV[10])
local fields = cjson.decode(ARGV[6])
local FIRST_TAG = 11

if redis.call('HEXISTS', KEYS[2], 'ref:' .. ARGV[4]) == 1 then
  return {'duplicate', id, ''}
end

-- The opening's kind and key are the fields; key silences match any of its tags.
local tags = {}
for i = FIRST_TAG, #ARGV do tags[ARGV[i]] = true end
for _, t in ipairs(ctx.carried) do tags[t] = true end

local function suppress(reason, by)
  local record = {
    ref = ARGV[4], at = now, reason = reason, type = itype, source = fields.source,
    kind = fields.kind, key = fields.key, grade = tonumber(fields.grade), text = ARGV[8],
  }
  if reason == 'silenced' then record.silenceId = by else record.incidentId = by end
  if redis.call('ZADD', KEYS[7], 'NX', now, ARGV[4]) == 0 then
    return {reason, by, ''}
  end
  local json = cjson.encode(record)
  redis.call('HSET', KEYS[8], ARGV[4], json)
  -- Bounded: the newest `keep`, none older than `retainMs`; both keys expire when nothing is suppressed.
  local old = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', '(' .. (now - tonumber(ctx.retainMs)), 'LIMIT', 0, 100)
  local over = redis.call('ZCARD', KEYS[7]) - tonumber(ctx.keep)
  if over > #old then old = redis.call('ZRANGE', KEYS[7], 0, over - 1) end
  if #old > 0 then
    redis.call('ZREM', KEYS[7], unpack(old))
    redis.call('HDEL', KEYS[8], unpack(old))
  end
  redis.call('PEXPIRE', KEYS[7], ctx.retainMs)
  redis.call('PEXPIRE', KEYS[8], ctx.retainMs)
  return {reason, by, json}
end

-- Silences that have not ended (their end is the score).
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. now, '+inf')) do
  local raw = redis.call('GET', ARGV[9] .. sid)
  if raw then
    local s = cjson.decode(raw)
    local m = s.matcher
    local ok = (not s.expiredAt) and tonumber(s.endsAt) > now
    if ok and m.type and m.type ~= itype then ok = false end
    if ok and s.tag then
      ok = tags[s.tag] == true
    elseif ok and m.kind and m.kind ~= fields.kind then
      ok = false
    end
    if ok then return suppress('silenced', sid) end
  end
end

for i = FIRST_TAG, #ARGV do
  local cur = redis.call('HGET', KEYS[1], itype .. '|' .. ARGV[i])
  if cur and cur ~= id then
    local closed = redis.call('HGET', KEYS[1], 'closed:' .. cur)
    if (not closed) or (now - tonumber(closed) < cool) then
      return {'moved', cur, ''}
    end
  end
end

local outcome
local state = redis.call('HGET', KEYS[2], 'state')
if state then
  if state == 'reviewed' then
    return {'stale', id, ''}
  end
  if state == 'resolved' then
    local closed = tonumber(redis.call('HGET', KEYS[2], 'resolvedAt') or '0')
    if now - closed >= cool then
      return {'stale', id, ''}
    end
    redis.call('HSET', KEYS[2], 'state', 'open')
    redis.call('HDEL', KEYS[2], 'resolvedAt')
    redis.call('HINCRBY', KEYS[2], 'reopenCount', 1)
    redis.call('HDEL', KEYS[1], 'closed:' .. id)
    outcome = 'reopened'
  else
    outcome = 'extended'
  end
  redis.call('HDEL', KEYS[2], 'resolveProposedAt')
else
  -- A new incident: a graver live incident of another type on one of its keys inhibits it.
  local g = tonumber(fields.grade)
  if g >= tonumber(ctx.inhibitedFrom) then
    local prefix = string.sub(KEYS[2], 1, #KEYS[2] - #id)
    for i = FIRST_TAG, #ARGV do
      for _, other in ipairs(ctx.types) do
        local cur = redis.call('HGET', KEYS[1], other .. '|' .. ARGV[i])
        if cur then
          local h = redis.call('HMGET', prefix .. cur, 'state', 'grade')
          local st, og = h[1], tonumber(h[2] or '9')
          if (st == 'open' or st == 'assessing' or st == 'responding') and og <= tonumber(ctx.inhibitingGrade) and og < g then
            return suppress('inhibited', cur)
          end
        end
      end
    end
  end
  for k, v in pairs(fields) do
    redis.call('HSET', KEYS[2], k, v)
  end
  redis.call('HSET', KEYS[2], 'id', id, 'type', itype, 'state', 'open', 'openedAt', now, 'reopenCount', 0)
  redis.call('ZADD', KEYS[5], now, id)
  outcome = 'opened'
end
redis.call('HSET', KEYS[2], 'ref:' .. ARGV[4], now, 'updatedAt', now, 'lastActivityAt', now)

local aliases = cjson.decode(redis.call('HGET', KEYS[2], 'aliases') or '[]')
local have = {}
for _, a in ipairs(aliases) do have[a] = true end
for i = FIRST_TAG, #ARGV do
  if not have[ARGV[i]] then
    table.insert(aliases, ARGV[i])
    have[ARGV[i]] = true
  end
  redis.call('HSET', KEYS[1], itype .. '|' .. ARGV[i], id)
end
redis.call('HSET', KEYS[2], 'aliases', cjson.encode(aliases))

local event = {
  incidentId = id, kind = outcome, at = now, actor = ARGV[7], type = itype,
  grade = tonumber(redis.call('HGET', KEYS[2], 'grade')), state = redis.call('HGET', KEYS[2], 'state'),
  text = ARGV[8],
}
if outcome == 'opened' then
  event.figures = cjson.decode(redis.call('HGET', KEYS[2], 'figures') or '{}')
end
local json = cjson.encode(event)
redis.call('RPUSH', KEYS[3], json)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', 10000, '*', 'event', json)
return {outcome, id, json}

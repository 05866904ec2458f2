--[[
  Opens an incident, or extends / reopens the one that already owns one of the evidence's keys.
  Atomic, so racing workers and replays after a crash never open a duplicate.

  KEYS[1]  dedupe index (hash): "<type>|<tag>" → incident id, "closed:<id>" → resolution ms
  KEYS[2]  incident hash of ARGV[1]
  KEYS[3]  incident timeline (list)
  KEYS[4]  outbox (stream) of incident events to publish
  KEYS[5]  all incidents by opening time (sorted set)
  ARGV[1]  incident id to open or extend
  ARGV[2]  now, ms
  ARGV[3]  cool-down, ms: a resolved incident younger than this is reopened, an older one is left be
  ARGV[4]  evidence reference (spike stream id, fault episode): applied at most once per incident
  ARGV[5]  incident type
  ARGV[6]  JSON object of the fields a new incident starts with (all string values)
  ARGV[7]  actor
  ARGV[8]  timeline text
  ARGV[9..] the evidence's keys (hash tags): the opening key and its near-duplicate cluster

  Reply: {outcome, id, event JSON}. outcome is
    "opened" | "extended" | "reopened"  — done, event recorded;
    "duplicate"                         — this reference was applied before (a replay);
    "moved"                              — another live incident owns a key: retry with id = reply[2];
    "stale"                              — ARGV[1] is closed for good: retry with a fresh id.
]]
local now, cool, itype = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5]
local id = ARGV[1]

for i = 9, #ARGV do
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
  if redis.call('HEXISTS', KEYS[2], 'ref:' .. ARGV[4]) == 1 then
    return {'duplicate', id, ''}
  end
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
  local fields = cjson.decode(ARGV[6])
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
for i = 9, #ARGV do
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

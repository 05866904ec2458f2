--[[
  Moves an incident from one lifecycle state to another, if it is still in the expected state
  (the allowed moves are checked in src/incidents/lifecycle.ts; this script makes them atomic).

  KEYS[1]  incident hash
  KEYS[2]  incident timeline (list)
  KEYS[3]  outbox (stream)
  KEYS[4]  dedupe index (hash): resolution marks "closed:<id>"
  ARGV[1]  incident id
  ARGV[2]  expected current state
  ARGV[3]  new state
  ARGV[4]  now, ms
  ARGV[5]  actor
  ARGV[6]  assignee ("" keeps the current one)
  ARGV[7]  note for the timeline
  ARGV[8]  event kind ("state", or "reopened")

  Reply: {"ok", event JSON} | {"missing", ""} | {"conflict", current state}.
]]
local id, to, now = ARGV[1], ARGV[3], tonumber(ARGV[4])
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', ''} end
if state ~= ARGV[2] then return {'conflict', state} end

redis.call('HSET', KEYS[1], 'state', to, to .. 'At', now, 'updatedAt', now)
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'assignee', ARGV[6]) end
if to == 'resolved' then
  redis.call('HSET', KEYS[4], 'closed:' .. id, now)
  redis.call('HDEL', KEYS[1], 'resolveProposedAt')
elseif to == 'reviewed' then
  -- closed for good: a flare after review opens a new incident, whatever the cool-down
  redis.call('HSET', KEYS[4], 'closed:' .. id, 0)
elseif to == 'open' then
  redis.call('HDEL', KEYS[4], 'closed:' .. id)
  redis.call('HDEL', KEYS[1], 'resolvedAt', 'resolveProposedAt')
  redis.call('HINCRBY', KEYS[1], 'reopenCount', 1)
  redis.call('HSET', KEYS[1], 'lastActivityAt', now)
end

local event = cjson.encode({
  incidentId = id, kind = ARGV[8], at = now, actor = ARGV[5], type = redis.call('HGET', KEYS[1], 'type'),
  grade = tonumber(redis.call('HGET', KEYS[1], 'grade')), state = to, from = state, text = ARGV[7],
})
redis.call('RPUSH', KEYS[2], event)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, '*', 'event', event)
return {'ok', event}

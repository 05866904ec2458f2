--[[
  Records one timeline event on an incident (re-grade, statement, resolve proposal, action),
  optionally guarded by a field's current value so concurrent graders cannot interleave.

  KEYS[1]  incident hash
  KEYS[2]  incident timeline (list)
  KEYS[3]  outbox (stream)
  ARGV[1]  now, ms
  ARGV[2]  event kind
  ARGV[3]  actor
  ARGV[4]  guard field ("" = no guard)
  ARGV[5]  guard value: the field must equal it ("" = the field must be absent)
  ARGV[6]  JSON object of fields to set on the incident
  ARGV[7]  JSON object merged into the event (from, figures, text)

  Reply: {"ok", event JSON} | {"missing", ""} | {"guarded", current value}.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
if ARGV[4] ~= '' then
  local cur = redis.call('HGET', KEYS[1], ARGV[4])
  if (ARGV[5] == '' and cur) or (ARGV[5] ~= '' and cur ~= ARGV[5]) then
    return {'guarded', cur or ''}
  end
end
for k, v in pairs(cjson.decode(ARGV[6])) do
  redis.call('HSET', KEYS[1], k, v)
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])

local event = cjson.decode(ARGV[7])
event.incidentId = redis.call('HGET', KEYS[1], 'id')
event.kind = ARGV[2]
event.at = tonumber(ARGV[1])
event.actor = ARGV[3]
event.type = redis.call('HGET', KEYS[1], 'type')
event.grade = tonumber(redis.call('HGET', KEYS[1], 'grade'))
event.state = redis.call('HGET', KEYS[1], 'state')
local json = cjson.encode(event)
redis.call('RPUSH', KEYS[2], json)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, '*', 'event', json)
return {'ok', json}

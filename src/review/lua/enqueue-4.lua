-- Adds an item to its queue, or refreshes it (new grade / priority) if it is already there.
-- A new single post is shed instead when its queue already holds ARGV[8] waiting items (0: no
-- bound): recorded in the capped shed stream, so a queue nobody works cannot grow without bound.
-- Incidents are never shed.
-- KEYS[1] item hash, KEYS[2] queue (sorted set), KEYS[3] audit stream, KEYS[4] shed stream
-- ARGV[1] item id, ARGV[2] priority score, ARGV[3] item JSON, ARGV[4] now, ARGV[5] audit prefix,
-- ARGV[6] incident id or "", ARGV[7] reason, ARGV[8] most waiting items before posts are shed,
-- ARGV[9] entries the shed stream keeps
-- Reply: 1 queued, 2 refreshed, 0 left alone (already decided), 3 shed
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'decided' then return 0 end
if state then
  redis.call('HSET', KEYS[1], 'data', ARGV[3], 'score', ARGV[2])
  if state == 'queued' and redis.call('HGET', KEYS[1], 'escalated') ~= '1' then
    redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  end
  return 2
end
local most = tonumber(ARGV[8])
if ARGV[6] == '' and most > 0 and redis.call('ZCARD', KEYS[2]) >= most then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', 'clientAt', ARGV[4], 'itemId', ARGV[1], 'why', ARGV[7])
  return 3
end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'score', ARGV[2], 'state', 'queued', 'incidentId', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
audit(KEYS[3], ARGV[5], ARGV[4], 'system', 'enqueue', ARGV[1], ARGV[6], ARGV[7], '')
return 1

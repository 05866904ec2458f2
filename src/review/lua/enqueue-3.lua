-- Adds an item to its queue, or refreshes it (new grade / priority) if it is already there.
-- KEYS[1] item hash, KEYS[2] queue (sorted set), KEYS[3] audit stream
-- ARGV[1] item id, ARGV[2] priority score, ARGV[3] item JSON, ARGV[4] now, ARGV[5] audit prefix,
-- ARGV[6] incident id or "", ARGV[7] reason
-- Reply: 1 queued, 2 refreshed, 0 left alone (already decided)
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'decided' then return 0 end
if state then
  redis.call('HSET', KEYS[1], 'data', ARGV[3], 'score', ARGV[2])
  if state == 'queued' and redis.call('HGET', KEYS[1], 'escalated') ~= '1' then
    redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  end
  return 2
end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'score', ARGV[2], 'state', 'queued', 'incidentId', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
audit(KEYS[3], ARGV[5], ARGV[4], 'system', 'enqueue', ARGV[1], ARGV[6], ARGV[7], '')
return 1

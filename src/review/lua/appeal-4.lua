-- Queues an appeal in the appeals queue, once per appeal id and once per decision: a redelivery of
-- the same appeal (same id, same fingerprint) changes nothing; the same id with other content, or
-- a second appeal of the same decision, is refused. The item records the moderator who made the
-- contested decision (`notFor`): claim-4.lua never hands it to them, decide-4.lua refuses them.
-- KEYS[1] item hash, KEYS[2] appeals queue (sorted set), KEYS[3] appeals index (hash), KEYS[4] audit stream
-- ARGV[1] appeal id, ARGV[2] decision id, ARGV[3] fingerprint, ARGV[4] item id, ARGV[5] priority score,
-- ARGV[6] item JSON, ARGV[7] now, ARGV[8] audit prefix, ARGV[9] the contested decision's moderator,
-- ARGV[10] actor (who filed it), ARGV[11] incident id or "", ARGV[12] what, ARGV[13] why
-- Reply: { "queued" | "same" | "duplicate_id" | "duplicate_decision", the other appeal id or "" }
local prior = redis.call('HGET', KEYS[3], 'id:' .. ARGV[1])
if prior then
  if prior == ARGV[3] then return { 'same', '' } end
  return { 'duplicate_id', '' }
end
local other = redis.call('HGET', KEYS[3], 'd:' .. ARGV[2])
if other then return { 'duplicate_decision', other } end
redis.call('HSET', KEYS[3], 'id:' .. ARGV[1], ARGV[3], 'd:' .. ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], 'data', ARGV[6], 'score', ARGV[5], 'state', 'queued', 'incidentId', ARGV[11],
  'notFor', ARGV[9])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
audit(KEYS[4], ARGV[8], ARGV[7], ARGV[10], 'appeal', ARGV[4], ARGV[11], ARGV[12], ARGV[13])
return { 'queued', '' }

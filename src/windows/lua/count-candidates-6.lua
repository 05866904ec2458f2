--[[
  Heavy-hitter candidates of one key kind in one time bucket: posts and flagged posts per
  category, as sorted sets, so the detector reads the keys that are moving instead of scanning.
  At most once per (partition, batch); each set is trimmed back to its top `keep` members when it
  grows past twice that, which bounds memory however many distinct keys the stream carries
  (the long tail of one-off keys is what gets dropped).

  KEYS[1]     guard hash                  {cand:<kind>}:g:<bucket>
  KEYS[2]     posts per key               {cand:<kind>}:z:posts:<bucket>
  KEYS[3..6]  flagged posts per key, one per category (rumour, abuse, attack, data_leak)
  ARGV[1]  guard field "g:<topic>:<partition>"
  ARGV[2]  last offset of the batch
  ARGV[3]  TTL, seconds
  ARGV[4]  keep
  ARGV[5..]  for each of KEYS[2..6] in order: n, then n pairs of member, increment

  Reply: 1 when applied, 0 when this bucket already holds this batch.
]]
local seen = redis.call('HGET', KEYS[1], ARGV[1])
if seen and tonumber(seen) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local keep = tonumber(ARGV[4])
local i = 5
for k = 2, 6 do
  local n = tonumber(ARGV[i])
  i = i + 1
  if n > 0 then
    for j = 1, n do
      redis.call('ZINCRBY', KEYS[k], ARGV[i + 1], ARGV[i])
      i = i + 2
    end
    redis.call('EXPIRE', KEYS[k], ARGV[3])
    if redis.call('ZCARD', KEYS[k]) > 2 * keep then
      redis.call('ZREMRANGEBYRANK', KEYS[k], 0, -keep - 1)
    end
  end
end
return 1

--[[
  Adds one batch's counts to one key's time bucket, at most once per (partition, batch).

  KEYS[1]  bucket hash (counters)            {tag}:b:<bucketStart>
  KEYS[2]  bucket HyperLogLog (authors)      {tag}:a:<bucketStart>
  ARGV[1]  guard field, "g:<topic>:<partition>"
  ARGV[2]  last offset of the batch in that partition
  ARGV[3]  TTL of both keys, seconds
  ARGV[4]  n, the number of counter pairs that follow
  ARGV[5 .. 4+2n]   field, integer increment, ...
  ARGV[5+2n ..]     author ids to add to the HyperLogLog

  Reply: 1 when applied, 0 when this bucket already holds this batch (a replay).
  The guard lives in the bucket itself, so the check and the counts change together.
]]
local seen = redis.call('HGET', KEYS[1], ARGV[1])
if seen and tonumber(seen) >= tonumber(ARGV[2]) then
  return 0
end
local n = tonumber(ARGV[4])
for i = 5, 4 + 2 * n, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
-- PFADD in slices: unpack() of thousands of arguments would overflow Lua's stack.
local first = 5 + 2 * n
for i = first, #ARGV, 500 do
  redis.call('PFADD', KEYS[2], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
if #ARGV >= first then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return 1

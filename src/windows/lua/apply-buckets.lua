--[[
  Adds one batch's counts to many keys' time buckets, each at most once per (partition, batch).
  One call carries a chunk of the step's buckets: the per-call cost of a script is most of the
  cost of a small one (measured with INFO commandstats: 53 µs per call against 19 µs of commands
  inside it), so one call per bucket made Redis the pipeline's bottleneck. The keys of one call
  may belong to different hash tags on a single Redis. On a Redis Cluster every call carries the
  buckets of one hash tag only (one slot; store.ts `scriptRuns`), so it needs no cross-slot flag.

  KEYS[2i-1]  bucket hash (counters)         {tag}:b:<bucketStart>, for the i-th bucket
  KEYS[2i]    bucket HyperLogLog (authors)   {tag}:a:<bucketStart>
  ARGV[1]  guard field, "g:<topic>:<partition>"
  ARGV[2]  last offset of the batch in that partition
  ARGV[3]  TTL of every key, seconds
  ARGV[4..] for each bucket in KEYS order: n (counter pairs), m (authors), then n pairs of
            field and integer increment, then m author ids

  Reply: how many buckets were applied; a bucket that already holds this batch (a replay) is
  skipped. Each guard lives in its bucket, so a bucket's check and counts change together.
]]
local field, offset, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local applied = 0
local a = 4
for k = 1, #KEYS, 2 do
  local bucket, hll = KEYS[k], KEYS[k + 1]
  local n, m = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local first = a + 2
  local authors = first + 2 * n
  a = authors + m
  local seen = redis.call('HGET', bucket, field)
  if not (seen and tonumber(seen) >= offset) then
    for i = first, authors - 1, 2 do
      redis.call('HINCRBY', bucket, ARGV[i], ARGV[i + 1])
    end
    redis.call('HSET', bucket, field, ARGV[2])
    redis.call('EXPIRE', bucket, ttl)
    -- PFADD in slices: unpack() of thousands of arguments would overflow Lua's stack.
    for i = authors, a - 1, 500 do
      redis.call('PFADD', hll, unpack(ARGV, i, math.min(i + 499, a - 1)))
    end
    if m > 0 then
      redis.call('EXPIRE', hll, ttl)
    end
    applied = applied + 1
  end
end
return applied

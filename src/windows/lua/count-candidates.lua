--[[
  Heavy-hitter candidates of key kinds in time buckets: posts and flagged posts per category, as
  sorted sets, so the detector reads the keys that are moving instead of scanning. Each group of
  six keys (one kind's sub-set in one bucket) is updated at most once per (partition, batch), and
  each set is trimmed back to its top `keep` members when it grows past twice that, which bounds
  memory however many distinct keys the stream carries (the long tail is what gets dropped).
  One call carries many groups on a single Redis (a script call costs about as much as the
  commands inside a small one); on a Redis Cluster the groups of one sub-set only, one hash tag
  (store.ts `candidateRuns`).

  Called with the key count first (a multiple of six).

  KEYS[6g+1]     guard hash                  {cand:<kind>:<n>}:g:<bucket>, for group g (from 0)
  KEYS[6g+2]     posts per key               {cand:<kind>:<n>}:z:posts:<bucket>
  KEYS[6g+3..6]  flagged posts per key, one per category (rumour, abuse, attack, data_leak)
  ARGV[1]  guard field "g:<topic>:<partition>"
  ARGV[2]  last offset of the batch
  ARGV[3]  TTL, seconds
  ARGV[4]  keep
  ARGV[5..]  for each group in KEYS order, for each of its five sets in order: n, then n pairs
             of member, increment

  Reply: how many groups were applied; a group that already holds this batch (a replay) is skipped.
]]
local offset, ttl, keep = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local applied = 0
local i = 5
for g = 0, #KEYS / 6 - 1 do
  local guard = KEYS[6 * g + 1]
  local seen = redis.call('HGET', guard, ARGV[1])
  local skip = seen and tonumber(seen) >= offset
  if not skip then
    redis.call('HSET', guard, ARGV[1], ARGV[2])
    redis.call('EXPIRE', guard, ttl)
    applied = applied + 1
  end
  for k = 6 * g + 2, 6 * g + 6 do
    local n = tonumber(ARGV[i])
    i = i + 1
    if n > 0 and not skip then
      for j = 1, n do
        redis.call('ZINCRBY', KEYS[k], ARGV[i + 1], ARGV[i])
        i = i + 2
      end
      redis.call('EXPIRE', KEYS[k], ttl)
      if redis.call('ZCARD', KEYS[k]) > 2 * keep then
        redis.call('ZREMRANGEBYRANK', KEYS[k], 0, -keep - 1)
      end
    else
      i = i + 2 * n
    end
  end
end
return applied

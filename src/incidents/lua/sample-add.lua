--[[
  Offers one post to the evidence samples of every window key it was counted under: reservoir
  sampling (Algorithm R) per key, so each sample stays a uniform, bounded draw from every flagged
  post the key has seen. One call per post, not per key: the post's JSON crosses once (on a
  Redis Cluster, one call per key, since a script's keys must share a slot).

  KEYS[k]  sample hash of the k-th key: "n" = posts offered, "i<slot>" = post id, "p<slot>" = JSON
  ARGV[1]  capacity (slots)
  ARGV[2]  TTL, seconds
  ARGV[3]  post id
  ARGV[4]  post JSON
  ARGV[4+k]  a uniform random number in [0, 1) for the k-th key, drawn by the caller (scripts
             must be deterministic)

  Reply: how many samples the post took a slot in (a key that already holds it, a replay, or
  that did not draw it, gives none).
]]
local cap = tonumber(ARGV[1])
local ids = {}
for i = 0, cap - 1 do ids[#ids + 1] = 'i' .. i end
local taken = 0
for k, key in ipairs(KEYS) do
  local held = false
  for _, v in ipairs(redis.call('HMGET', key, unpack(ids))) do
    if v == ARGV[3] then held = true end
  end
  if not held then
    local n = redis.call('HINCRBY', key, 'n', 1)
    local slot = n - 1
    if n > cap then slot = math.floor(tonumber(ARGV[4 + k]) * n) end
    redis.call('EXPIRE', key, ARGV[2])
    if slot < cap then
      redis.call('HSET', key, 'i' .. slot, ARGV[3], 'p' .. slot, ARGV[4])
      taken = taken + 1
    end
  end
end
return taken

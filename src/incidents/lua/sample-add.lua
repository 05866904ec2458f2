--[[
  Offers one post to the evidence samples of every window key it was counted under: reservoir
  sampling (Algorithm R) per key, so each sample stays a uniform, bounded draw from every flagged
  post the key has seen. A slot holds the post's id; the post itself is kept once, beside the
  samples (Keys.evidencePost, written by the caller), however many samples take it. One call per
  post, not per key (on a Redis Cluster, one call per key, since a script's keys must share a slot).

  KEYS[k]  sample hash of the k-th key: "n" = posts offered, "i<slot>" = post id, "h<id>" = its slot
  ARGV[1]  capacity (slots)
  ARGV[2]  TTL, seconds
  ARGV[3]  post id
  ARGV[3+k]  a uniform random number in [0, 1) for the k-th key, drawn by the caller (scripts
             must be deterministic)

  Reply: how many samples the post took a slot in (a key that already holds it, a replay, or
  that did not draw it, gives none).
]]
local cap = tonumber(ARGV[1])
local id = ARGV[3]
local taken = 0
for k, key in ipairs(KEYS) do
  -- "h<id>" = the slot a post holds: a replay is found in one lookup, not by reading every slot.
  if redis.call('HEXISTS', key, 'h' .. id) == 0 then
    local n = redis.call('HINCRBY', key, 'n', 1)
    local slot = n - 1
    if n > cap then slot = math.floor(tonumber(ARGV[3 + k]) * n) end
    redis.call('EXPIRE', key, ARGV[2])
    if slot < cap then
      local old = redis.call('HGET', key, 'i' .. slot)
      -- A slot written before the posts were shared carried the JSON itself ("p<slot>"): drop it.
      if old then redis.call('HDEL', key, 'h' .. old, 'p' .. slot) end
      redis.call('HSET', key, 'i' .. slot, id, 'h' .. id, slot)
      taken = taken + 1
    end
  end
end
return taken

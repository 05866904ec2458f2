--[[
  Adds a post to one window key's evidence sample: reservoir sampling (Algorithm R), so the
  sample stays a uniform, bounded draw from every flagged post the key has seen.

  KEYS[1]  sample hash: "n" = posts offered, "i<slot>" = post id, "p<slot>" = post JSON
  ARGV[1]  capacity (slots)
  ARGV[2]  TTL, seconds
  ARGV[3]  a uniform random number in [0, 1), drawn by the caller (scripts must be deterministic)
  ARGV[4]  post id
  ARGV[5]  post JSON

  Reply: 1 when the post took a slot, 0 otherwise (not drawn, or already sampled: a replay).
]]
local cap = tonumber(ARGV[1])
local ids = {}
for i = 0, cap - 1 do ids[#ids + 1] = 'i' .. i end
for _, v in ipairs(redis.call('HMGET', KEYS[1], unpack(ids))) do
  if v == ARGV[4] then return 0 end
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local slot = n - 1
if n > cap then slot = math.floor(tonumber(ARGV[3]) * n) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
if slot >= cap then return 0 end
redis.call('HSET', KEYS[1], 'i' .. slot, ARGV[4], 'p' .. slot, ARGV[5])
return 1

-- The lock holder gives an item back (release) or keeps it longer (renew).
-- KEYS[1] item hash, KEYS[2] held, KEYS[3] queue, KEYS[4] lead queue, KEYS[5] audit stream
-- ARGV[1] item id, ARGV[2] lock token, ARGV[3] actor, ARGV[4] now, ARGV[5] audit prefix,
-- ARGV[6] "release" | "renew", ARGV[7] lease ms
-- Reply: "ok" (or the new lease end for renew) | "missing" | "not_claimed" | "not_holder" | "expired"
local state, token, leaseUntil, score, esc, inc =
  unpack(redis.call('HMGET', KEYS[1], 'state', 'token', 'leaseUntil', 'score', 'escalated', 'incidentId'))
if not state then return 'missing' end
if state ~= 'claimed' then return 'not_claimed' end
if token ~= ARGV[2] then return 'not_holder' end
if tonumber(leaseUntil) < tonumber(ARGV[4]) then return 'expired' end
if ARGV[6] == 'renew' then
  local untilMs = tonumber(ARGV[4]) + tonumber(ARGV[7])
  redis.call('HSET', KEYS[1], 'leaseUntil', untilMs)
  redis.call('ZADD', KEYS[2], untilMs, ARGV[1])
  return tostring(untilMs)
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'holder', 'token', 'leaseUntil')
redis.call('ZADD', esc == '1' and KEYS[4] or KEYS[3], score, ARGV[1])
audit(KEYS[5], ARGV[5], ARGV[4], ARGV[3], 'release', ARGV[1], inc, '', '')
return 'ok'

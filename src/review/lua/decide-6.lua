-- Records a decision on a claimed item, once per decision id: checks the lock, stores the
-- decision, queues the moderation action in the outbox and audits it, atomically. Escalation
-- puts the item in the lead queue instead of closing it.
-- KEYS[1] item hash, KEYS[2] held, KEYS[3] decisions (hash), KEYS[4] outbox (stream),
-- KEYS[5] audit stream, KEYS[6] lead queue
-- ARGV[1] item id, ARGV[2] lock token, ARGV[3] moderator, ARGV[4] decision id, ARGV[5] now,
-- ARGV[6] action JSON, ARGV[7] decision kind, ARGV[8] audit prefix, ARGV[9] why, ARGV[10] what
-- Reply: { "ok" | "duplicate" | "missing" | "not_claimed" | "not_holder" | "expired", action JSON }
local prior = redis.call('HGET', KEYS[3], ARGV[4])
if prior then return { 'duplicate', prior } end
local state, token, leaseUntil, score, inc =
  unpack(redis.call('HMGET', KEYS[1], 'state', 'token', 'leaseUntil', 'score', 'incidentId'))
if not state then return { 'missing', '' } end
if state ~= 'claimed' then return { 'not_claimed', '' } end
if token ~= ARGV[2] then return { 'not_holder', '' } end
if tonumber(leaseUntil) < tonumber(ARGV[5]) then return { 'expired', '' } end
redis.call('HSET', KEYS[3], ARGV[4], ARGV[6])
redis.call('XADD', KEYS[4], '*', 'action', ARGV[6])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], 'holder', 'token', 'leaseUntil')
if ARGV[7] == 'escalate' then
  redis.call('HSET', KEYS[1], 'state', 'queued', 'escalated', '1')
  redis.call('ZADD', KEYS[6], score, ARGV[1])
else
  redis.call('HSET', KEYS[1], 'state', 'decided', 'decision', ARGV[4], 'decidedBy', ARGV[3], 'decidedAt', ARGV[5])
end
audit(KEYS[5], ARGV[8], ARGV[5], ARGV[3], 'decide', ARGV[1], inc, ARGV[10], ARGV[9])
return { 'ok', ARGV[6] }

-- A lead hands an item (waiting or claimed by someone else) to a moderator, with a new lock.
-- KEYS[1] item hash, KEYS[2] held, KEYS[3] queue, KEYS[4] lead queue, KEYS[5] audit stream
-- ARGV[1] item id, ARGV[2] new holder, ARGV[3] new lock token, ARGV[4] now, ARGV[5] lease ms,
-- ARGV[6] lead, ARGV[7] audit prefix, ARGV[8] why
-- Reply: "ok" | "missing" | "decided" | "own_decision" (an appeal, to the moderator whose decision it contests)
local state, holder, inc, notFor = unpack(redis.call('HMGET', KEYS[1], 'state', 'holder', 'incidentId', 'notFor'))
if not state then return 'missing' end
if state == 'decided' then return 'decided' end
if notFor == ARGV[2] then return 'own_decision' end
local leaseUntil = tonumber(ARGV[4]) + tonumber(ARGV[5])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'claimed', 'holder', ARGV[2], 'token', ARGV[3], 'leaseUntil', leaseUntil)
redis.call('ZADD', KEYS[2], leaseUntil, ARGV[1])
audit(KEYS[5], ARGV[7], ARGV[4], ARGV[6], 'reassign', ARGV[1], inc, 'from ' .. (holder or 'queue') .. ' to ' .. ARGV[2], ARGV[8])
return 'ok'

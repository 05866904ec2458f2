-- Records a decision on a claimed item, once per decision id: checks the item supports the
-- decision, then the lock, stores the decision, queues the moderation action in the outbox and
-- audits it, atomically, in one round trip (the item is read here, not by the caller). Escalation
-- puts the item in the lead queue instead of closing it. The item's held set and lead queue are
-- named from prefixes plus the item's queue (like item hashes from the item prefix; same slot).
-- KEYS[1] item hash, KEYS[2] decisions (hash), KEYS[3] outbox (stream), KEYS[4] audit stream
-- ARGV[1] item id, ARGV[2] lock token, ARGV[3] moderator, ARGV[4] decision id, ARGV[5] now,
-- ARGV[6] decision kind, ARGV[7] audit prefix, ARGV[8] why, ARGV[9] held-set prefix,
-- ARGV[10] lead-queue prefix, ARGV[11] post id or "" (the item's post), ARGV[12] account id or ""
-- (the item's post author), ARGV[13] what the kind acts on: "post" | "account" | "",
-- ARGV[14] the only queue where the kind needs no rebuttal, or "" (no such rule),
-- ARGV[15] the action's JSON up to its item fields: {"decisionId":…,"action":…,"itemId":…
-- ARGV[16] the rest of it: ,"reason":…,"moderator":…,"at":…}
-- Reply: { "ok" | "duplicate", action JSON } or { "missing" | "needs_post" | "needs_account" |
-- "needs_rebuttal" | "own_decision" | "not_claimed" | "not_holder" | "expired", "" }
-- (own_decision: the moderator made the decision this appeal contests; see appeal-4.lua)
local state, token, leaseUntil, score, inc, data, notFor =
  unpack(redis.call('HMGET', KEYS[1], 'state', 'token', 'leaseUntil', 'score', 'incidentId', 'data', 'notFor'))
if not data then return { 'missing', '' } end
local item = cjson.decode(data)
local queue = item.queue
local post = type(item.post) == 'table' and item.post or {}
local postId = ARGV[11] ~= '' and ARGV[11] or post.id
local accountId = ARGV[12] ~= '' and ARGV[12] or post.authorId
if ARGV[13] == 'post' and not postId then return { 'needs_post', '' } end
if ARGV[13] == 'account' and not accountId then return { 'needs_account', '' } end
if ARGV[14] ~= '' and queue ~= ARGV[14] then return { 'needs_rebuttal', '' } end
local prior = redis.call('HGET', KEYS[2], ARGV[4])
if prior then return { 'duplicate', prior } end
if notFor == ARGV[3] then return { 'own_decision', '' } end
if state ~= 'claimed' then return { 'not_claimed', '' } end
if token ~= ARGV[2] then return { 'not_holder', '' } end
if tonumber(leaseUntil) < tonumber(ARGV[5]) then return { 'expired', '' } end

local function field(name, value)
  if value == nil or value == '' then return '' end
  return ',"' .. name .. '":' .. cjson.encode(value)
end
local action = ARGV[15] .. field('queue', queue) .. field('incidentId', inc) .. field('postId', postId)
  .. field('accountId', accountId) .. ARGV[16]
redis.call('HSET', KEYS[2], ARGV[4], action)
redis.call('XADD', KEYS[3], '*', 'action', action)
redis.call('ZREM', ARGV[9] .. queue, ARGV[1])
redis.call('HDEL', KEYS[1], 'holder', 'token', 'leaseUntil')
if ARGV[6] == 'escalate' then
  redis.call('HSET', KEYS[1], 'state', 'queued', 'escalated', '1')
  redis.call('ZADD', ARGV[10] .. queue, score, ARGV[1])
else
  redis.call('HSET', KEYS[1], 'state', 'decided', 'decision', ARGV[4], 'decidedBy', ARGV[3], 'decidedAt', ARGV[5])
end
local what = ARGV[6] .. (postId and (' post ' .. postId) or '')
  .. (ARGV[13] == 'account' and (' account ' .. accountId) or '')
audit(KEYS[4], ARGV[7], ARGV[5], ARGV[3], 'decide', ARGV[1], inc, what, ARGV[8])
return { 'ok', action }

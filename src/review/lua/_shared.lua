-- Shared by every review script (prepended by scripts.ts; not a script by itself).
-- All keys live under one {review} hash tag: item hashes and audit copies are named from
-- prefixes passed in ARGV, like bullmq's key prefix, and stay on the same Cluster slot.

-- Appends one audit entry to the log and to its per-incident and per-actor copies (same id).
-- The entry's time is its stream id (Redis's clock), so time-range queries are range reads; `now`
-- (the caller's clock) is kept as `clientAt`.
local function audit(auditKey, auditPrefix, now, actor, kind, itemId, incidentId, what, why)
  local f = { 'clientAt', now, 'actor', actor, 'kind', kind }
  if itemId and itemId ~= '' then table.insert(f, 'itemId'); table.insert(f, itemId) end
  if incidentId and incidentId ~= '' then table.insert(f, 'incidentId'); table.insert(f, incidentId) end
  if what and what ~= '' then table.insert(f, 'what'); table.insert(f, what) end
  if why and why ~= '' then table.insert(f, 'why'); table.insert(f, why) end
  local id = redis.call('XADD', auditKey, '*', unpack(f))
  if incidentId and incidentId ~= '' then
    redis.call('XADD', auditPrefix .. 'i:' .. incidentId, id, unpack(f))
  end
  redis.call('XADD', auditPrefix .. 'm:' .. actor, id, unpack(f))
  return id
end

-- Returns every item of a queue whose lease ended to its queue; returns how many.
local function requeueExpired(queueKey, leadKey, heldKey, auditKey, itemPrefix, auditPrefix, now)
  local expired = redis.call('ZRANGEBYSCORE', heldKey, '-inf', '(' .. now, 'LIMIT', 0, 100)
  for _, id in ipairs(expired) do
    local item = itemPrefix .. id
    local holder, score, esc, inc = unpack(redis.call('HMGET', item, 'holder', 'score', 'escalated', 'incidentId'))
    redis.call('ZREM', heldKey, id)
    if redis.call('HGET', item, 'state') == 'claimed' then
      redis.call('HSET', item, 'state', 'queued')
      redis.call('HDEL', item, 'holder', 'token', 'leaseUntil')
      redis.call('ZADD', esc == '1' and leadKey or queueKey, score, id)
      audit(auditKey, auditPrefix, now, holder or 'system', 'lease_expired', id, inc, 'lease ended, back in the queue', '')
    end
  end
  return #expired
end

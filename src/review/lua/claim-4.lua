-- Claims the next item of a queue: first returns expired leases to the queue, then pops the
-- highest-priority waiting item (a lead takes escalated items first) and leases it. An appeal is
-- never handed to the moderator whose decision it contests (its `notFor`): it stays queued.
-- KEYS[1] queue, KEYS[2] lead queue, KEYS[3] held (sorted set by lease end), KEYS[4] audit stream
-- ARGV[1] now, ARGV[2] lease ms, ARGV[3] moderator, ARGV[4] lock token, ARGV[5] "1" if a lead,
-- ARGV[6] item prefix, ARGV[7] audit prefix
-- Reply: false when nothing waits, else { id, field, value, ... } of the item hash
local now = tonumber(ARGV[1])
requeueExpired(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[6], ARGV[7], ARGV[1])
local sources = { KEYS[1] }
if ARGV[5] == '1' then sources = { KEYS[2], KEYS[1] } end
-- Items skipped as the claimer's own decision's appeal go back where they were.
local function restore(q, skipped)
  for _, s in ipairs(skipped) do redis.call('ZADD', q, s[1], s[2]) end
end
for _, q in ipairs(sources) do
  local skipped = {}
  for _ = 1, 50 do
    local popped = redis.call('ZPOPMIN', q)
    if #popped == 0 then break end
    local id = popped[1]
    local item = ARGV[6] .. id
    local state, notFor = unpack(redis.call('HMGET', item, 'state', 'notFor'))
    if state == 'queued' and notFor == ARGV[3] then
      table.insert(skipped, { popped[2], id })
    elseif state == 'queued' then
      restore(q, skipped)
      local leaseUntil = now + tonumber(ARGV[2])
      redis.call('HSET', item, 'state', 'claimed', 'holder', ARGV[3], 'token', ARGV[4], 'leaseUntil', leaseUntil)
      redis.call('ZADD', KEYS[3], leaseUntil, id)
      audit(KEYS[4], ARGV[7], ARGV[1], ARGV[3], 'claim', id, redis.call('HGET', item, 'incidentId'), '', '')
      local out = { id }
      for _, v in ipairs(redis.call('HGETALL', item)) do table.insert(out, v) end
      return out
    end
  end
  restore(q, skipped)
end
return false

-- Collapses near-duplicate single posts into one queue item: finds the waiting (not decided) item
-- of any of the post's MinHash bands and adds the post to its group, or, with ARGV[6] = itemId,
-- starts the group of that freshly queued item. The group's members (post → author) and accounts
-- live beside the item; the item's `group` field (JSON) is what readers show.
-- KEYS[1] groups index (hash band → item id)
-- ARGV[1] item prefix, ARGV[2] group prefix, ARGV[3] post id, ARGV[4] author id,
-- ARGV[5] index TTL (s), ARGV[6] item id to start a group for, or "" (join one),
-- ARGV[7..] the post's band keys
-- Reply: { 1, item id } when the post is in a group (joined or started), { 0, "" } otherwise.
local itemPrefix, groupPrefix, postId, authorId = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local target = ARGV[6]
if target == '' then
  for i = 7, #ARGV do
    local id = redis.call('HGET', KEYS[1], ARGV[i])
    if id then
      local state = redis.call('HGET', itemPrefix .. id, 'state')
      if state and state ~= 'decided' then target = id; break end
    end
  end
  if target == '' then return { 0, '' } end
end
local members = groupPrefix .. target
local accounts = members .. ':a'
redis.call('HSETNX', members, postId, authorId)
redis.call('SADD', accounts, authorId)
local copies = redis.call('HLEN', members)
local n = redis.call('SCARD', accounts)
local group = { copies = copies, accounts = n,
  authors = redis.call('SRANDMEMBER', accounts, 20),
  postIds = redis.call('HKEYS', members) }
if #group.postIds > 50 then
  local first = {}
  for i = 1, 50 do first[i] = group.postIds[i] end
  group.postIds = first
end
if copies > 1 then redis.call('HSET', itemPrefix .. target, 'group', cjson.encode(group)) end
local ttl = tonumber(ARGV[5])
for i = 7, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], target) end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', members, ttl)
redis.call('EXPIRE', accounts, ttl)
return { 1, target }

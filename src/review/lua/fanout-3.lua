-- Applies one decision to more posts or accounts (a group of copies, an incident's evidence):
-- each derived action is recorded under its own decision id once, queued in the outbox and
-- audited, so a retry (after a timeout or a crash between the decision and this) adds nothing twice.
-- KEYS[1] decisions (hash), KEYS[2] outbox (stream), KEYS[3] audit stream
-- ARGV[1] audit prefix, ARGV[2] now, ARGV[3] moderator, ARGV[4] item id, ARGV[5] incident id or "",
-- ARGV[6] why, ARGV[7..] (decision id, action JSON, what) triples
-- Reply: how many actions were new.
local added = 0
for i = 7, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'action', ARGV[i + 1])
    audit(KEYS[3], ARGV[1], ARGV[2], ARGV[3], 'decide', ARGV[4], ARGV[5], ARGV[i + 2], ARGV[6])
    added = added + 1
  end
end
return added

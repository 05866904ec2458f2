-- Appends one audit entry (logins, tokens, incident changes) with its per-incident/actor copies.
-- KEYS[1] audit stream
-- ARGV[1] now, ARGV[2] actor, ARGV[3] kind, ARGV[4] item id, ARGV[5] incident id, ARGV[6] what,
-- ARGV[7] why, ARGV[8] audit prefix
-- Reply: the entry id
return audit(KEYS[1], ARGV[8], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])

-- Returns a queue's expired leases to it (the periodic sweep; claims also do it first).
-- KEYS[1] queue, KEYS[2] lead queue, KEYS[3] held, KEYS[4] audit stream
-- ARGV[1] now, ARGV[2] item prefix, ARGV[3] audit prefix
-- Reply: number of leases that had ended
return requeueExpired(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[2], ARGV[3], ARGV[1])

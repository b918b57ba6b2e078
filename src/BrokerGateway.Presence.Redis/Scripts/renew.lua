-- Renews a node's lease. ARGV: P, node, ttl ms, address, connections, started-at ms, instance.
-- The node hash is the lease marker: it expires with the lease, and FLUSHALL or a restart that comes
-- back empty loses it too. Returns 1 if it was there, 0 if the node must write its state back, and -1
-- (writing nothing) when another instance holds the unexpired lease: the same node id given to two
-- processes must not let one take over the other's lease and entries.
local d, ttl = ARGV[2], tonumber(ARGV[3])
local key = k_node(d)
local holder = redis.call('HGET', key, 'inst')
if holder and holder ~= ARGV[7] then return -1 end
local known = redis.call('EXISTS', key)
redis.call('HSET', key, 'addr', ARGV[4], 'conns', ARGV[5], 'start', ARGV[6], 'inst', ARGV[7])
redis.call('PEXPIRE', key, ttl)
redis.call('ZADD', k_nodes(), now_ms() + ttl, d)
return known

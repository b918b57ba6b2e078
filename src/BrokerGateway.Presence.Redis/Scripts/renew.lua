-- Renews a node's lease. ARGV: P, node, ttl ms, address, connections, started-at ms.
-- The node hash is the lease marker: it expires with the lease, and FLUSHALL or a restart that comes
-- back empty loses it too. Returns 1 if it was there, 0 if the node must write its state back.
local d, ttl = ARGV[2], tonumber(ARGV[3])
local key = k_node(d)
local known = redis.call('EXISTS', key)
redis.call('HSET', key, 'addr', ARGV[4], 'conns', ARGV[5], 'start', ARGV[6])
redis.call('PEXPIRE', key, ttl)
redis.call('ZADD', k_nodes(), now_ms() + ttl, d)
return known

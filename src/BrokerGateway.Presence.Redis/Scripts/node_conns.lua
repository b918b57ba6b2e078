-- A node's connections, as nsp:conn tokens (a restore compares them with what the node holds).
return redis.call('SMEMBERS', k_node_conns(ARGV[2]))

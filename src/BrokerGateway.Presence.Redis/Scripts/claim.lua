-- Claims a node and removes all its entries. ARGV: P, node, mode ('sweep' | 'remove').
-- sweep claims only a node whose lease lapsed; removing it from the registry is the claim, and this
-- script is atomic, so among any number of sweepers exactly one gets the node's connections.
-- Returns false if not claimed, else { nsp, conn, fields } for each connection removed.
local d, mode = ARGV[2], ARGV[3]
if mode == 'sweep' then
  local expires = redis.call('ZSCORE', k_nodes(), d)
  if not expires or tonumber(expires) > now_ms() then return false end
end
redis.call('ZREM', k_nodes(), d)
redis.call('DEL', k_node(d))
local out = {}
for _, m in ipairs(redis.call('SMEMBERS', k_node_conns(d))) do
  local sep = string.find(m, ':', 1, true)
  local n, c = string.sub(m, 1, sep - 1), string.sub(m, sep + 1)
  local h = remove_conn(n, c)
  if h then out[#out + 1] = { n, c, h } end
end
redis.call('DEL', k_node_conns(d))
return out

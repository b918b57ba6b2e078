-- Nodes by lease. ARGV: P, mode ('live' | 'dead').
-- live: node, address, connections, started-at ms, instance for each unexpired lease. dead: the lapsed nodes.
local now = now_ms()
if ARGV[2] == 'dead' then return redis.call('ZRANGEBYSCORE', k_nodes(), '-inf', now) end
local out = {}
for _, d in ipairs(redis.call('ZRANGEBYSCORE', k_nodes(), '(' .. now, '+inf')) do
  local v = redis.call('HMGET', k_node(d), 'addr', 'conns', 'start', 'inst')
  if v[1] then
    out[#out + 1] = d
    out[#out + 1] = v[1]
    out[#out + 1] = v[2] or '0'
    out[#out + 1] = v[3] or '0'
    out[#out + 1] = v[4] or ''
  end
end
return out

-- Adds or replaces connections (connect, restore). ARGV[2]: the node they are written for (each carries it),
-- ARGV[3]: the writing instance ('' unchecked), checked against that node's lease first. Per connection,
-- from ARGV[4] on: nsp, conn, uid ('' for a guest), node, connected-at ms, room count, rooms..., topic count,
-- topics..., session pair count, key, value, ...
check_lease(ARGV[2], ARGV[3])
local i = 4
while i <= #ARGV do
  local n, c, u, d, at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  i = i + 5
  remove_conn(n, c)
  local ck = k_conn(n, c)
  redis.call('HSET', ck, 'n', d, 'a', at)
  if u ~= '' then redis.call('HSET', ck, 'u', u) end
  bind_user(n, c, u)
  group_add(k_ns(n, 'conns'), k_nsps(), n, c)
  redis.call('SADD', k_node_conns(d), n .. ':' .. c)
  for _, kind in ipairs({ 'r', 't' }) do
    local count = tonumber(ARGV[i])
    for j = i + 1, i + count do
      local name = ARGV[j]
      if redis.call('HSETNX', ck, kind .. name, '1') == 1 then
        local key, index = group_of(n, kind .. name)
        group_add(key, index, name, c)
      end
    end
    i = i + 1 + count
  end
  local pairs_count = tonumber(ARGV[i])
  for j = i + 1, i + 2 * pairs_count, 2 do
    redis.call('HSET', ck, 's' .. ARGV[j], ARGV[j + 1])
  end
  i = i + 1 + 2 * pairs_count
end
return 1

-- Clears a room or deletes a topic. ARGV: P, nsp, kind ('r' | 't'), name.
-- Returns conn, uid ('' for a guest), node for each member it removed.
local n, kind, name = ARGV[2], ARGV[3], ARGV[4]
local key, index = group_of(n, kind .. name)
local out = {}
for _, c in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  local ck = k_conn(n, c)
  redis.call('HDEL', ck, kind .. name)
  local v = redis.call('HMGET', ck, 'u', 'n')
  out[#out + 1] = c
  out[#out + 1] = v[1] or ''
  out[#out + 1] = v[2] or ''
end
redis.call('DEL', key)
redis.call('ZREM', index, name)
return out

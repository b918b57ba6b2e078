-- Reads connections. ARGV: P, nsp, mode ('conn' | 'user'), id.
-- Returns conn, fields pairs: one for a connection, each of a user's connections.
local n, mode, id = ARGV[2], ARGV[3], ARGV[4]
local conns = mode == 'user' and redis.call('SMEMBERS', k_user(n, id)) or { id }
local out = {}
for _, c in ipairs(conns) do
  local h = redis.call('HGETALL', k_conn(n, c))
  if #h > 0 then
    out[#out + 1] = c
    out[#out + 1] = h
  end
end
return out

-- Join, leave, subscribe, unsubscribe. ARGV: P, nsp, conn, kind ('r' room | 't' topic), name, op ('+' | '-'),
-- writing instance ('' unchecked). Returns 1 when it changed something, 0 when it was already so (or the
-- connection is unknown).
local n, c, kind, name, op = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
check_conn_lease(n, c, ARGV[7])
local ck, field = k_conn(n, c), kind .. name
local key, index = group_of(n, field)
if op == '+' then
  if redis.call('EXISTS', ck) == 0 or redis.call('HSETNX', ck, field, '1') == 0 then return 0 end
  group_add(key, index, name, c)
else
  if redis.call('HDEL', ck, field) == 0 then return 0 end
  group_remove(key, index, name, c)
end
return 1

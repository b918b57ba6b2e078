-- Binds a connection to a user, or to none. ARGV: P, nsp, conn, uid ('' for a guest), writing instance ('' unchecked).
local n, c, u = ARGV[2], ARGV[3], ARGV[4]
local ck = k_conn(n, c)
if redis.call('EXISTS', ck) == 0 then return 0 end
check_conn_lease(n, c, ARGV[5])
local old = redis.call('HGET', ck, 'u') or ''
if old == u then return 1 end
unbind_user(n, c, old)
bind_user(n, c, u)
if u == '' then redis.call('HDEL', ck, 'u') else redis.call('HSET', ck, 'u', u) end
return 1

-- Sets session data. ARGV: P, nsp, conn, writing instance ('' unchecked), replace ('1' | '0'), then op
-- ('s' set | 'd' delete), key, value triples. Returns 0 if the connection is unknown.
local ck = k_conn(ARGV[2], ARGV[3])
if redis.call('EXISTS', ck) == 0 then return 0 end
check_conn_lease(ARGV[2], ARGV[3], ARGV[4])
if ARGV[5] == '1' then
  for _, f in ipairs(redis.call('HKEYS', ck)) do
    if string.sub(f, 1, 1) == 's' then redis.call('HDEL', ck, f) end
  end
end
for i = 6, #ARGV, 3 do
  if ARGV[i] == 's' then redis.call('HSET', ck, 's' .. ARGV[i + 1], ARGV[i + 2])
  else redis.call('HDEL', ck, 's' .. ARGV[i + 1]) end
end
return 1

-- Counts, each O(1). ARGV: P, nsp, what, name (for room, topic, user).
local n, what, name = ARGV[2], ARGV[3], ARGV[4]
if what == 'conns' or what == 'users' or what == 'rooms' or what == 'topics' then return redis.call('ZCARD', k_ns(n, what)) end
if what == 'guests' then return redis.call('SCARD', k_ns(n, 'guests')) end
if what == 'room' then return redis.call('ZCARD', k_room(n, name)) end
if what == 'topic' then return redis.call('ZCARD', k_topic(n, name)) end
if what == 'user' then return redis.call('SCARD', k_user(n, name)) end
return redis.error_reply('unknown count: ' .. what)

-- One page of a sorted set, in byte order, after a cursor (the last token of the previous page).
-- ARGV: P, nsp, what ('nsps' | 'users' | 'rooms' | 'topics' | 'conns' | 'room' | 'topic'), name, cursor
-- ('' for the first page), limit. Asks for limit + 1 so the caller knows whether another page follows.
-- For connection lists each item is conn, uid ('' for a guest), node; otherwise just the name.
local n, what, name, cursor, limit = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local key
if what == 'nsps' then key = k_nsps()
elseif what == 'room' then key = k_room(n, name)
elseif what == 'topic' then key = k_topic(n, name)
else key = k_ns(n, what) end
local min = cursor == '' and '-' or ('(' .. cursor)
local names = redis.call('ZRANGEBYLEX', key, min, '+', 'LIMIT', 0, limit + 1)
if what ~= 'conns' and what ~= 'room' and what ~= 'topic' then return names end
local out = {}
for _, c in ipairs(names) do
  local v = redis.call('HMGET', k_conn(n, c), 'u', 'n')
  out[#out + 1] = c
  out[#out + 1] = v[1] or ''
  out[#out + 1] = v[2] or ''
end
return out

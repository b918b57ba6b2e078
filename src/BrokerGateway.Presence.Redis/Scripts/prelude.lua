-- Shared by every presence script: the key layout (docs/presence.md) and the index upkeep.
-- ARGV[1] is the key prefix. Every id below is already a key token: [A-Za-z0-9_-]{1,128} as is, any
-- other id as '~' + base64url. A token never holds ':', so each key parses one way only and no id can
-- reach another room's or namespace's keys.
local P = ARGV[1]
local function k_nsps() return P .. 'nsps' end
local function k_nodes() return P .. 'nodes' end
local function k_node(d) return P .. 'node:' .. d end
local function k_node_conns(d) return P .. 'node:' .. d .. ':conns' end
local function k_node_claim(d, id) return P .. 'node:' .. d .. ':claim:' .. id end
local function k_ns(n, what) return P .. 'ns:' .. n .. ':' .. what end
local function k_conn(n, c) return P .. 'ns:' .. n .. ':conn:' .. c end
local function k_user(n, u) return P .. 'ns:' .. n .. ':user:' .. u end
local function k_user_order(n, u) return P .. 'ns:' .. n .. ':user:' .. u .. ':order' end
local function k_room(n, r) return P .. 'ns:' .. n .. ':room:' .. r end
local function k_topic(n, t) return P .. 'ns:' .. n .. ':topic:' .. t end

-- Redis's own clock, so nodes with skewed clocks agree on leases.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Refuses a write by instance i to node d's entries while another instance holds d's unexpired lease (the
-- node hash expires with it), before the write changes anything: the store throws NodeIdInUseException, as
-- for a renewal renew.lua refuses. A process whose lapsed lease another process with the same node id took
-- must not remove or overwrite the holder's entries before its own next renewal notices. i == '': unchecked.
local function check_lease(d, i)
  if i == '' then return end
  local holder = redis.call('HGET', k_node(d), 'inst')
  if holder and holder ~= i then error({ err = 'NODEIDINUSE ' .. d }) end
end

-- The same check against the node a connection is tagged with; a connection that is not there has nothing to change.
local function check_conn_lease(n, c, i)
  if i == '' then return end
  local d = redis.call('HGET', k_conn(n, c), 'n')
  if d then check_lease(d, i) end
end

-- A member joins a group (sorted set, score 0, ordered by bytes for paging); the group's name goes into
-- the index of non-empty groups when it gets its first member.
local function group_add(key, index, name, member)
  if redis.call('ZADD', key, 0, member) == 1 and redis.call('ZCARD', key) == 1 then
    redis.call('ZADD', index, 0, name)
  end
end

local function group_remove(key, index, name, member)
  if redis.call('ZREM', key, member) == 1 and redis.call('ZCARD', key) == 0 then
    redis.call('ZREM', index, name)
  end
end

-- u == '' is a guest. The per-namespace users index holds a uid while it has at least one connection,
-- so counting users is one ZCARD. Each binding takes the next number of the user's counter (field 'o'):
-- the user's connections in the order they were written, which ranks connects that race for the
-- per-user limit. The counter lives while the user has a connection.
local function bind_user(n, c, u)
  if u == '' then redis.call('SADD', k_ns(n, 'guests'), c) return end
  local key = k_user(n, u)
  if redis.call('SADD', key, c) == 1 and redis.call('SCARD', key) == 1 then
    redis.call('ZADD', k_ns(n, 'users'), 0, u)
  end
  redis.call('HSET', k_conn(n, c), 'o', redis.call('INCR', k_user_order(n, u)))
end

local function unbind_user(n, c, u)
  if u == '' then redis.call('SREM', k_ns(n, 'guests'), c) return end
  local key = k_user(n, u)
  redis.call('HDEL', k_conn(n, c), 'o')
  if redis.call('SREM', key, c) == 1 and redis.call('SCARD', key) == 0 then
    redis.call('ZREM', k_ns(n, 'users'), u)
    redis.call('DEL', k_user_order(n, u))
  end
end

-- Connection hash fields: 'u' uid, 'o' order among the user's, 'n' node, 'a' connected-at ms, 'r'..room, 't'..topic, 's'..session key.
local function group_of(n, field)
  local kind, name = string.sub(field, 1, 1), string.sub(field, 2)
  if kind == 'r' then return k_room(n, name), k_ns(n, 'rooms'), name end
  if kind == 't' then return k_topic(n, name), k_ns(n, 'topics'), name end
  return nil
end

-- Removes one connection and every index entry it has; returns its fields (HGETALL) or false.
local function remove_conn(n, c)
  local ck = k_conn(n, c)
  local h = redis.call('HGETALL', ck)
  if #h == 0 then return false end
  local uid, node = '', ''
  for i = 1, #h, 2 do
    local f = h[i]
    if f == 'u' then uid = h[i + 1]
    elseif f == 'n' then node = h[i + 1]
    else
      local key, index, name = group_of(n, f)
      if key then group_remove(key, index, name, c) end
    end
  end
  unbind_user(n, c, uid)
  group_remove(k_ns(n, 'conns'), k_nsps(), n, c)
  redis.call('SREM', k_node_conns(node), n .. ':' .. c)
  redis.call('DEL', ck)
  return h
end

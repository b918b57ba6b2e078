-- Claims a node and removes all its entries. ARGV: P, node, mode ('sweep' | 'remove'); in sweep mode also
-- the claim's id and how long (ms) Redis keeps its reply; in remove mode the removing instance ('' unchecked),
-- refused while another instance holds the node's lease (a drain must not remove the holder's entries).
-- sweep claims only a node whose lease lapsed; removing it from the registry is the claim, and this
-- script is atomic, so among any number of sweepers exactly one gets the node's connections.
-- Returns false if not claimed, else { nsp, conn, fields } for each connection removed.
local d, mode = ARGV[2], ARGV[3]
local kept
if mode == 'sweep' then
  -- The sweeper may have lost the answer (a timeout, a dropped link) after this script ran: the same claim
  -- id gets the same reply back, and nothing else happens. Another id finds the node gone from the registry.
  kept = k_node_claim(d, ARGV[4])
  local reply = redis.call('GET', kept)
  if reply then return cmsgpack.unpack(reply) end
  local expires = redis.call('ZSCORE', k_nodes(), d)
  if not expires or tonumber(expires) > now_ms() then return false end
else
  check_lease(d, ARGV[4])
end
-- Every entry is read before anything changes. Redis keeps what a script wrote before an error, so a
-- claim failing half way (on an entry it cannot read, such as a key of another type) would take the node
-- out of the registry and strand its remaining connections where no sweep finds them; failing here, it
-- leaves the node whole for the next sweep.
local conns = {}
for _, m in ipairs(redis.call('SMEMBERS', k_node_conns(d))) do
  local sep = string.find(m, ':', 1, true)
  local n, c = string.sub(m, 1, sep - 1), string.sub(m, sep + 1)
  redis.call('HLEN', k_conn(n, c))
  conns[#conns + 1] = { n, c }
end
redis.call('ZREM', k_nodes(), d)
redis.call('DEL', k_node(d))
local out = {}
for _, e in ipairs(conns) do
  local h = remove_conn(e[1], e[2])
  if h then out[#out + 1] = { e[1], e[2], h } end
end
redis.call('DEL', k_node_conns(d))
-- msgpack keeps the reply's nesting and its bytes as they are (session values are arbitrary strings).
if kept then redis.call('SET', kept, cmsgpack.pack(out), 'PX', ARGV[5]) end
return out

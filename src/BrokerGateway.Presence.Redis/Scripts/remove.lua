-- Removes connections (disconnect; a restore dropping stale ones). ARGV[2]: the node they must belong to
-- ('' for any): a restore drops only its own, never a connection another node wrote since it listed them.
-- ARGV[3]: the writing instance ('' unchecked), checked against that node's lease, or with ARGV[2] '' against
-- the lease of each connection's node, before anything is removed. ARGV[4..]: nsp, conn pairs.
-- Returns { nsp, conn, fields } for each one removed.
local owner, inst = ARGV[2], ARGV[3]
if owner ~= '' then
  check_lease(owner, inst)
else
  for i = 4, #ARGV, 2 do check_conn_lease(ARGV[i], ARGV[i + 1], inst) end
end
local out = {}
for i = 4, #ARGV, 2 do
  local n, c = ARGV[i], ARGV[i + 1]
  if owner ~= '' and redis.call('HGET', k_conn(n, c), 'n') ~= owner then
    redis.call('SREM', k_node_conns(owner), n .. ':' .. c) -- the owner's stale index entry only
  else
    local h = remove_conn(n, c)
    if h then out[#out + 1] = { n, c, h } end
  end
end
return out

-- Removes connections (disconnect; a restore dropping stale ones). ARGV[2..]: nsp, conn pairs.
-- Returns { nsp, conn, fields } for each one that was there.
local out = {}
for i = 2, #ARGV, 2 do
  local h = remove_conn(ARGV[i], ARGV[i + 1])
  if h then out[#out + 1] = { ARGV[i], ARGV[i + 1], h } end
end
return out

--[[
  Records how many connections one node has bound to a user, refusing an
  increase that would take the user past their limit across all nodes.
  Absolute, not a delta: setting the same count again changes nothing, so a
  write whose reply was lost can be repeated.

  KEYS[1] {users}:nodes   SET of node ids that may hold records
  KEYS[2] {users}:conns   HASH "<node>|<user uuid>" -> connections bound on that node

  ARGV[1] node id
  ARGV[2] user uuid
  ARGV[3] connections bound on this node now
  ARGV[4] most connections the user may have on all nodes (0: no limit)

  Returns 1 when recorded, 0 when refused (the count is left as it was)
]]
local nodes_key = KEYS[1]
local conns_key = KEYS[2]
local node_id = ARGV[1]
local user_uuid = ARGV[2]
local wanted = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])

local field = node_id .. '|' .. user_uuid
local current = tonumber(redis.call('HGET', conns_key, field) or '0')
if limit > 0 and wanted > current then
  local total = wanted
  for _, other in ipairs(redis.call('SMEMBERS', nodes_key)) do
    if other ~= node_id then
      total = total + tonumber(redis.call('HGET', conns_key, other .. '|' .. user_uuid) or '0')
    end
  end
  if total > limit then
    return 0
  end
end
if wanted == 0 then
  redis.call('HDEL', conns_key, field)
else
  redis.call('HSET', conns_key, field, wanted)
end
return 1

--[[
  A node's heartbeat: (re)sets its liveness key with a TTL and lists it among
  the known nodes. A node whose key ran out may have been swept by another
  node, so it is told to record its users again.

  KEYS[1] {users}:node:<id>   STRING, exists while the node is alive (PX TTL)
  KEYS[2] {users}:nodes       SET of node ids that may hold records

  ARGV[1] node id
  ARGV[2] TTL, milliseconds

  Returns 1 when the key was still there, 0 when it had run out (or is new)
]]
local alive_key = KEYS[1]
local nodes_key = KEYS[2]
local node_id = ARGV[1]
local ttl_ms = ARGV[2]

if redis.call('SET', alive_key, '1', 'PX', ttl_ms, 'XX') then
  return 1
end
redis.call('SET', alive_key, '1', 'PX', ttl_ms)
redis.call('SADD', nodes_key, node_id)
return 0

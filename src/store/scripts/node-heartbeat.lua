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
local alive = redis.call('SET', KEYS[1], '1', 'PX', ARGV[2], 'XX')
if alive then
  return 1
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 0

--[[
  Cleans up after a node whose liveness key ran out: takes its users out of
  presence and moves it to the set of gone nodes, whose channel memberships
  are then ended one channel at a time (mailbox-member.lua, kind 'g').
  Does nothing if the node is alive again.

  KEYS[1] {users}:node:<id>     STRING, exists while the node is alive
  KEYS[2] {users}:online:<id>   SET of user uuids online on that node
  KEYS[3] {users}:online        HASH uuid -> nodes where the user is online
  KEYS[4] {users}:nodes         SET of node ids that may hold records
  KEYS[5] {users}:nodes:gone    SET of swept node ids whose channel
                                memberships are still to be ended

  ARGV[1] node id

  Returns 1 when the node was swept, 0 when it is alive
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
for _, uuid in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HINCRBY', KEYS[3], uuid, -1) <= 0 then
    redis.call('HDEL', KEYS[3], uuid)
  end
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
return 1

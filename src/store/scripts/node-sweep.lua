--[[
  Cleans up after a node whose liveness key ran out: takes its users out of
  presence and moves it to the set of gone nodes, whose channel memberships
  are then ended one channel at a time (feed-membership.lua, kind 'g').
  Does nothing if the node is alive again.

  KEYS[1] {users}:node:<id>     STRING, exists while the node is alive
  KEYS[2] {users}:online:<id>   SET of user uuids online on that node
  KEYS[3] {users}:online        HASH uuid -> nodes where the user is online
  KEYS[4] {users}:nodes         SET of node ids that may hold records
  KEYS[5] {users}:nodes:gone    SET of swept node ids whose channel
                                memberships are still to be ended
  KEYS[6] {users}:conns         HASH "<node>|<user uuid>" -> connections
                                bound on that node (connections-set.lua)

  ARGV[1] node id

  Returns 1 when the node was swept, 0 when it is alive
]]
local alive_key = KEYS[1]
local node_set_key = KEYS[2]
local online_key = KEYS[3]
local nodes_key = KEYS[4]
local gone_key = KEYS[5]
local conns_key = KEYS[6]
local node_id = ARGV[1]

-- @include presence-decrement

if redis.call('EXISTS', alive_key) == 1 then
  return 0
end
for _, user_uuid in ipairs(redis.call('SMEMBERS', node_set_key)) do
  presence_decrement(online_key, user_uuid)
  redis.call('HDEL', conns_key, node_id .. '|' .. user_uuid)
end
redis.call('DEL', node_set_key)
redis.call('SREM', nodes_key, node_id)
redis.call('SADD', gone_key, node_id)
return 1

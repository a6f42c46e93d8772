--[[
  Marks a user present (online) on one node.
  Idempotent per node: a second add from the same node changes nothing.

  KEYS[1] {users}:online         HASH uuid -> number of nodes where the user is present
  KEYS[2] {users}:online:<node>  SET of uuids present on this node

  ARGV[1] user uuid

  Returns 1 when the node had not counted the user yet, else 0
]]
local online_key = KEYS[1]
local node_set_key = KEYS[2]
local user_uuid = ARGV[1]

if redis.call('SADD', node_set_key, user_uuid) == 0 then
  return 0
end
redis.call('HINCRBY', online_key, user_uuid, 1)
return 1

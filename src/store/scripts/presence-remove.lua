--[[
  Undoes presence-add: the user is no longer present on this node.
  Idempotent per node.

  KEYS[1] {users}:online         HASH uuid -> number of nodes where the user is present
  KEYS[2] {users}:online:<node>  SET of uuids present on this node

  ARGV[1] user uuid

  Returns 1 when the node had counted the user, else 0
]]
local online_key = KEYS[1]
local node_set_key = KEYS[2]
local user_uuid = ARGV[1]

-- @include presence-decrement

if redis.call('SREM', node_set_key, user_uuid) == 0 then
  return 0
end
presence_decrement(online_key, user_uuid)
return 1

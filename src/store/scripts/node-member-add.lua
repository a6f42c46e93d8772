--[[
  Marks a user present (online) on one node.
  Idempotent per node: a second add from the same node changes nothing.

  KEYS[1] {users}:online         HASH uuid -> number of nodes where the user is present
  KEYS[2] {users}:online:<node>  SET of uuids present on this node

  ARGV[1] user uuid

  Returns 1 when the node had not counted the user yet, else 0
]]
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1

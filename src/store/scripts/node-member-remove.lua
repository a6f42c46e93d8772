--[[
  Undoes node-member-add: the user is no longer present on this node.
  Idempotent per node.

  KEYS[1] HASH uuid -> number of nodes where the user is present
  KEYS[2] SET of uuids present on this node

  ARGV[1] user uuid

  Returns 1 when the node had counted the user, else 0
]]
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then
  return 0
end
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1

--[[
  Marks a user present on one node: online (presence) or joined to a channel.
  Idempotent per node: a second add from the same node changes nothing.

  KEYS[1] HASH uuid -> number of nodes where the user is present
          ({users}:online or {c:<id>}:members)
  KEYS[2] SET of uuids present on this node
          ({users}:online:<node> or {c:<id>}:members:<node>)

  ARGV[1] user uuid

  Returns 1 when the node had not counted the user yet, else 0
]]
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1

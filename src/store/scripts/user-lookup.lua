--[[
  Finds a user by normalized name for sign-in, with the name's recent
  failed sign-ins.

  KEYS[1] {users}:byname           HASH normalized name -> uuid
  KEYS[2] {users}:passwords        HASH uuid -> bcrypt hash
  KEYS[3] {users}:fails:<name>     STRING failed sign-ins in the current window

  ARGV[1] normalized name

  Returns { uuid or false, bcrypt hash or false, failures (integer) }
]]
local uuid = redis.call('HGET', KEYS[1], ARGV[1])
local hash = false
if uuid then
  hash = redis.call('HGET', KEYS[2], uuid)
end
local failures = tonumber(redis.call('GET', KEYS[3]) or '0')
return { uuid, hash, failures }

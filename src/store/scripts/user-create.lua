--[[
  Registers a user, unless the normalized name is taken.

  KEYS[1] {users}:byname     HASH normalized name -> uuid
  KEYS[2] {users}:names      HASH uuid -> display name
  KEYS[3] {users}:passwords  HASH uuid -> bcrypt hash
  KEYS[4] {users}:index      ZSET '<normalized name>\0<uuid>', score 0

  ARGV[1] normalized name
  ARGV[2] new user's uuid
  ARGV[3] display name
  ARGV[4] bcrypt hash

  Returns { 1, uuid }          created
          { 0, existing uuid } the name is taken; nothing written
]]
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  return { 0, existing }
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[4], 0, ARGV[1] .. '\0' .. ARGV[2])
return { 1, ARGV[2] }

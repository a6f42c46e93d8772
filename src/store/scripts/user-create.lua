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
local by_name_key = KEYS[1]
local names_key = KEYS[2]
local passwords_key = KEYS[3]
local index_key = KEYS[4]
local normalized_name = ARGV[1]
local user_uuid = ARGV[2]
local display_name = ARGV[3]
local password_hash = ARGV[4]

local existing = redis.call('HGET', by_name_key, normalized_name)
if existing then
  return { 0, existing }
end
redis.call('HSET', by_name_key, normalized_name, user_uuid)
redis.call('HSET', names_key, user_uuid, display_name)
redis.call('HSET', passwords_key, user_uuid, password_hash)
redis.call('ZADD', index_key, 0, normalized_name .. '\0' .. user_uuid)
return { 1, user_uuid }

--[[
  One page of the users list, sorted by normalized name: O(log N + limit).

  KEYS[1] {users}:index   ZSET '<normalized name>\0<uuid>', score 0
  KEYS[2] {users}:names   HASH uuid -> display name
  KEYS[3] {users}:online  HASH uuid -> nodes where the user is online

  ARGV[1] offset (>= 0)
  ARGV[2] limit (>= 1)

  Returns { total, uuid1, name1, online1, uuid2, … } with onlineN 1 or 0
]]
local index_key = KEYS[1]
local names_key = KEYS[2]
local online_key = KEYS[3]
local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])

local total = redis.call('ZCARD', index_key)
if offset >= total then
  return { total }
end
local reply = { total }
for _, member in ipairs(redis.call('ZRANGE', index_key, offset, offset + limit - 1)) do
  local user_uuid = string.sub(member, string.find(member, '\0', 1, true) + 1)
  local online = tonumber(redis.call('HGET', online_key, user_uuid) or '0')
  reply[#reply + 1] = user_uuid
  reply[#reply + 1] = redis.call('HGET', names_key, user_uuid)
  reply[#reply + 1] = online > 0 and 1 or 0
end
return reply

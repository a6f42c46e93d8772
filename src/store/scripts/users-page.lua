--[[
  One page of the users list, sorted by normalized name: O(log N + limit).

  KEYS[1] {users}:index   ZSET '<normalized name>\0<uuid>', score 0
  KEYS[2] {users}:names   HASH uuid -> display name
  KEYS[3] {users}:online  HASH uuid -> nodes where the user is online

  ARGV[1] offset (>= 0)
  ARGV[2] limit (>= 1)

  Returns { total, uuid1, name1, online1, uuid2, … } with onlineN 1 or 0
]]
local total = redis.call('ZCARD', KEYS[1])
local first = tonumber(ARGV[1])
if first >= total then
  return { total }
end
local members = redis.call('ZRANGE', KEYS[1], first, first + tonumber(ARGV[2]) - 1)
local reply = { total }
for _, member in ipairs(members) do
  local uuid = string.sub(member, string.find(member, '\0', 1, true) + 1)
  local online = tonumber(redis.call('HGET', KEYS[3], uuid) or '0')
  reply[#reply + 1] = uuid
  reply[#reply + 1] = redis.call('HGET', KEYS[2], uuid)
  reply[#reply + 1] = online > 0 and 1 or 0
end
return reply

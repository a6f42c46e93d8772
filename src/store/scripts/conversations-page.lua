--[[
  One page of a user's private conversations, newest message first, and
  the conversations marked as possibly behind their channels (which the
  caller repairs, then reads the page again): O(log n + limit).

  KEYS[1] {u:<uuid>}:channels           ZSET other participant, score -(ms of the newest message)
  KEYS[2] {u:<uuid>}:channels:pending   HASH other participant -> '<sends in flight>:<ms of the last mark>'

  ARGV[1] offset into the conversations (>= 0)
  ARGV[2] how many (>= 0)

  Returns { total, { other participant, … }, { marked other participant, … } }
]]
local index_key = KEYS[1]
local pending_key = KEYS[2]
local offset = tonumber(ARGV[1])
local count = tonumber(ARGV[2])

local page = {}
if count > 0 then
  page = redis.call('ZRANGE', index_key, offset, offset + count - 1)
end
return { redis.call('ZCARD', index_key), page, redis.call('HKEYS', pending_key) }

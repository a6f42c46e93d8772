--[[
  Marks a user's conversation as possibly behind its channel, before a
  message is stored in it: a node that dies after storing the message and
  before indexing it leaves the mark, and the user's next conversation list
  repairs the entry from the channel itself (conversation-repair.lua).
  Counted, so that two sends in flight at once each leave one.

  KEYS[1] {u:<uuid>}:channels:pending   HASH other participant -> '<sends in flight>:<ms of the last mark>'

  ARGV[1] the other participant's uuid (the user's own, for their notes)
  ARGV[2] now, milliseconds since the epoch

  Returns the sends in flight in that conversation, this one included
]]
local pending_key = KEYS[1]
local other_uuid = ARGV[1]
local now = ARGV[2]

local mark = redis.call('HGET', pending_key, other_uuid)
local count = 1
if mark then
  count = tonumber(string.sub(mark, 1, string.find(mark, ':', 1, true) - 1)) + 1
end
redis.call('HSET', pending_key, other_uuid, count .. ':' .. now)
return count

--[[
  Puts a user's conversation in its place after a message was stored in it:
  ordered by its newest message (the score is minus its creation time, so
  the newest comes first and ties go by the other participant's uuid,
  ascending), moving only forward by seq; one send fewer in flight; and,
  for the recipient of someone else's message, the inbox push published to
  every node.

  KEYS[1] {u:<uuid>}:channels           ZSET other participant, score -(ms of the newest message)
  KEYS[2] {u:<uuid>}:channels:seq       HASH other participant -> seq of the newest message indexed
  KEYS[3] {u:<uuid>}:channels:pending   HASH other participant -> '<sends in flight>:<ms of the last mark>'

  ARGV[1] the other participant's uuid (the user's own, for their notes)
  ARGV[2] the message's seq
  ARGV[3] the message's creation time, milliseconds since the epoch
  ARGV[4] the user's inbox topic ({u:<uuid>}:inbox)
  ARGV[5] the inbox push ('' for none: the sender's own index)

  Returns 1 when the index moved, 0 when it already held a newer message
]]
local index_key = KEYS[1]
local seqs_key = KEYS[2]
local pending_key = KEYS[3]
local other_uuid = ARGV[1]
local seq = tonumber(ARGV[2])
local created_at = tonumber(ARGV[3])
local inbox_topic = ARGV[4]
local inbox_push = ARGV[5]

-- @include conversation-advance

local moved = conversation_advance(index_key, seqs_key, other_uuid, seq, created_at)
local mark = redis.call('HGET', pending_key, other_uuid)
if mark then
  local colon = string.find(mark, ':', 1, true)
  local count = tonumber(string.sub(mark, 1, colon - 1)) - 1
  if count <= 0 then
    redis.call('HDEL', pending_key, other_uuid)
  else
    redis.call('HSET', pending_key, other_uuid, count .. string.sub(mark, colon))
  end
end
if inbox_push ~= '' then
  redis.call('PUBLISH', inbox_topic, inbox_push)
end
return moved

--[[
  Puts a marked conversation of a user in its place from what its channel
  holds (read by channel-summary.lua): forward only, by seq. The mark goes
  once it is older than the grace — every send marked then has ended by now,
  or will index its message itself when it does.

  KEYS[1] {u:<uuid>}:channels           ZSET other participant, score -(ms of the newest message)
  KEYS[2] {u:<uuid>}:channels:seq       HASH other participant -> seq of the newest message indexed
  KEYS[3] {u:<uuid>}:channels:pending   HASH other participant -> '<sends in flight>:<ms of the last mark>'

  ARGV[1] the other participant's uuid
  ARGV[2] the channel's newest seq (0: no message)
  ARGV[3] the newest message's creation time, milliseconds since the epoch
  ARGV[4] now, milliseconds since the epoch
  ARGV[5] the grace, milliseconds

  Returns 1 when the index moved, else 0
]]
local index_key = KEYS[1]
local seqs_key = KEYS[2]
local pending_key = KEYS[3]
local other_uuid = ARGV[1]
local seq = tonumber(ARGV[2])
local created_at = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local grace_ms = tonumber(ARGV[5])

-- @include conversation-advance

local moved = conversation_advance(index_key, seqs_key, other_uuid, seq, created_at)
local mark = redis.call('HGET', pending_key, other_uuid)
if mark and now - tonumber(string.sub(mark, string.find(mark, ':', 1, true) + 1)) > grace_ms then
  redis.call('HDEL', pending_key, other_uuid)
end
return moved

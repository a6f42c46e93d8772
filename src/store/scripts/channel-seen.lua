--[[
  Moves a user's read marker in a channel: to max(current, min(seq, newest
  seq)) — it never moves back, nor past the newest message. When it moved
  and a receipt is given, publishes the receipt on the channel's topic as a
  signal (not a feed entry: nothing is stored but the marker).

  KEYS[1] {c:<id>}:log    STREAM, the history's older form (lib/history.lua)
  KEYS[2] {c:<id>}:count  STRING, messages in the history
  KEYS[3] {c:<id>}:seen   HASH user uuid -> seq of the last message the user has seen

  ARGV[1] the reader's uuid
  ARGV[2] the seq the reader has seen (>= 0)
  ARGV[3] pub/sub topic of the channel ({c:<id>}:push)
  ARGV[4] the receipt frame up to the marker ('' for no receipt)
  ARGV[5] the receipt frame after the marker

  Returns the marker as it is now

  The signal is 'e|channelSeen|<reader uuid>|<frame>'.
]]
local log_key = KEYS[1]
local count_key = KEYS[2]
local seen_key = KEYS[3]
local reader_uuid = ARGV[1]
local seq = tonumber(ARGV[2])
local topic = ARGV[3]
local receipt_before = ARGV[4]
local receipt_after = ARGV[5]

-- @include history

local current = tonumber(redis.call('HGET', seen_key, reader_uuid) or '0')
local marker = math.max(current, math.min(seq, (history_size(log_key, count_key))))
if marker > current then
  redis.call('HSET', seen_key, reader_uuid, marker)
  if receipt_before ~= '' then
    redis.call('PUBLISH', topic, 'e|channelSeen|' .. reader_uuid .. '|' .. receipt_before .. marker .. receipt_after)
  end
end
return marker

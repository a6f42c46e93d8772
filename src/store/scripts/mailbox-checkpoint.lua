--[[
  A reader's checkpoint: records how far this node has read, saves its
  snapshot of the channel's state when it is newer than the stored one, and
  trims the mailbox of what every live reader and the snapshot have passed.
  History ({c:<id>}:log) is a different stream and is never trimmed.

  KEYS[1] {c:<id>}:snapshot  STRING '<seq>|<state JSON>'
  KEYS[2] {c:<id>}:readers   HASH node id -> '<seq read>:<ms when recorded>'
  KEYS[3] {c:<id>}:mailbox   STREAM, entry ID '<seq>-0'

  ARGV[1] node id
  ARGV[2] now, milliseconds since the epoch
  ARGV[3] seq this node has read up to, and the seq its state is at
  ARGV[4] the state as JSON
  ARGV[5] a reader that has not recorded for this long (ms) is dropped

  Returns the seq the mailbox was trimmed up to (entries <= it are gone)
]]
local now = tonumber(ARGV[2])
local seq = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], seq .. ':' .. now)

local stored = redis.call('GET', KEYS[1])
local storedSeq = 0
if stored then
  storedSeq = tonumber(string.sub(stored, 1, string.find(stored, '|', 1, true) - 1))
end
if seq > storedSeq then
  redis.call('SET', KEYS[1], seq .. '|' .. ARGV[4])
  storedSeq = seq
end

local passed = storedSeq
local readers = redis.call('HGETALL', KEYS[2])
for i = 1, #readers, 2 do
  local value = readers[i + 1]
  local colon = string.find(value, ':', 1, true)
  local readerSeq = tonumber(string.sub(value, 1, colon - 1))
  local recordedAt = tonumber(string.sub(value, colon + 1))
  if now - recordedAt > tonumber(ARGV[5]) then
    redis.call('HDEL', KEYS[2], readers[i])
  elseif readerSeq < passed then
    passed = readerSeq
  end
end
if passed > 0 then
  redis.call('XTRIM', KEYS[3], 'MINID', (passed + 1) .. '-0')
end
return passed

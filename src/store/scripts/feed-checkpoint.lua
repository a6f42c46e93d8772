--[[
  A reader's checkpoint: records how far this node has read, saves its
  snapshot of the channel's state when it is newer than the stored one, and
  trims the feed of what every live reader and the snapshot have passed.
  History ({c:<id>}:log) is a different stream and is never trimmed.

  KEYS[1] {c:<id>}:snapshot  STRING '<entry id>|<state JSON>'
  KEYS[2] {c:<id>}:readers   HASH node id -> '<entry id read>:<ms when recorded>'
  KEYS[3] {c:<id>}:mailbox   STREAM (the feed), entry ID '<entry id>-0'

  ARGV[1] node id
  ARGV[2] now, milliseconds since the epoch
  ARGV[3] entry id this node has read up to, and the one its state is at
  ARGV[4] the state as JSON
  ARGV[5] a reader that has not recorded for this long (ms) is dropped

  Returns the entry id the feed was trimmed up to (entries <= it are gone)
]]
local snapshot_key = KEYS[1]
local readers_key = KEYS[2]
local feed_key = KEYS[3]
local node_id = ARGV[1]
local now = tonumber(ARGV[2])
local entry_id = tonumber(ARGV[3])
local state_json = ARGV[4]
local stale_ms = tonumber(ARGV[5])

-- @include snapshot-entry-id

redis.call('HSET', readers_key, node_id, entry_id .. ':' .. now)

local stored = redis.call('GET', snapshot_key)
local stored_id = 0
if stored then
  stored_id = snapshot_entry_id(stored)
end
if entry_id > stored_id then
  redis.call('SET', snapshot_key, entry_id .. '|' .. state_json)
  stored_id = entry_id
end

local passed = stored_id
local readers = redis.call('HGETALL', readers_key)
for i = 1, #readers, 2 do
  local value = readers[i + 1]
  local colon = string.find(value, ':', 1, true)
  local reader_id = tonumber(string.sub(value, 1, colon - 1))
  local recorded_at = tonumber(string.sub(value, colon + 1))
  if now - recorded_at > stale_ms then
    redis.call('HDEL', readers_key, readers[i])
  elseif reader_id < passed then
    passed = reader_id
  end
end
if passed > 0 then
  redis.call('XTRIM', feed_key, 'MINID', (passed + 1) .. '-0')
end
return passed

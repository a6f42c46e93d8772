--[[
  Appends a membership entry to a channel's feed and publishes it: a user
  joined on a node ('j'), left it ('l'), or a node is gone with all of its
  users ('g').

  KEYS[1] {c:<id>}:mailbox   STREAM (the feed), entry ID '<entry id>-0'
  KEYS[2] {c:<id>}:seq       STRING, the last feed entry id handed out

  ARGV[1] pub/sub topic of the channel ({c:<id>}:push)
  ARGV[2] kind: 'j', 'l' or 'g'
  ARGV[3] user uuid ('' for 'g')
  ARGV[4] node id

  Returns the entry's id

  The topic payload is '<entry id>|<kind>|<user>|<node>'.
]]
local feed_key = KEYS[1]
local counter_key = KEYS[2]
local topic = ARGV[1]
local kind = ARGV[2]
local user_uuid = ARGV[3]
local node_id = ARGV[4]

local entry_id = redis.call('INCR', counter_key)
redis.call('XADD', feed_key, entry_id .. '-0', 'k', kind, 'u', user_uuid, 'n', node_id)
redis.call('PUBLISH', topic, entry_id .. '|' .. kind .. '|' .. user_uuid .. '|' .. node_id)
return entry_id

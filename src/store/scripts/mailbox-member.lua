--[[
  Appends a membership entry to a channel's mailbox and publishes it: a user
  joined on a node ('j'), left it ('l'), or a node is gone with all of its
  users ('g').

  KEYS[1] {c:<id>}:mailbox   STREAM, entry ID '<seq>-0'
  KEYS[2] {c:<id>}:seq       STRING, the last mailbox seq handed out

  ARGV[1] pub/sub topic of the channel ({c:<id>}:push)
  ARGV[2] kind: 'j', 'l' or 'g'
  ARGV[3] user uuid ('' for 'g')
  ARGV[4] node id

  Returns the entry's seq

  The topic payload is '<seq>|<kind>|<user>|<node>'.
]]
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], seq .. '-0', 'k', ARGV[2], 'u', ARGV[3], 'n', ARGV[4])
redis.call('PUBLISH', ARGV[1], seq .. '|' .. ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4])
return seq

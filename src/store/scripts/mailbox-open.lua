--[[
  Opens a channel's mailbox for a node's reader: returns the latest snapshot
  and registers the node as a reader at the snapshot's seq, so nothing after
  it is trimmed before the reader has passed it.

  KEYS[1] {c:<id>}:snapshot  STRING '<seq>|<state JSON>'
  KEYS[2] {c:<id>}:readers   HASH node id -> '<seq read>:<ms when recorded>'

  ARGV[1] node id
  ARGV[2] now, milliseconds since the epoch

  Returns the snapshot, or '0|' when there is none yet
]]
local snapshot = redis.call('GET', KEYS[1]) or '0|'
local seq = string.sub(snapshot, 1, string.find(snapshot, '|', 1, true) - 1)
redis.call('HSET', KEYS[2], ARGV[1], seq .. ':' .. ARGV[2])
return snapshot

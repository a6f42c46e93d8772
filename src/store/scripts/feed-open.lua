--[[
  Opens a channel's feed for a node's reader: returns the latest snapshot
  and the last entry id handed out, and registers the node as a reader at
  the snapshot's entry, so nothing after it is trimmed before the reader
  has passed it.

  KEYS[1] {c:<id>}:snapshot  STRING '<entry id>|<state JSON>'
  KEYS[2] {c:<id>}:readers   HASH node id -> '<entry id read>:<ms when recorded>'
  KEYS[3] {c:<id>}:seq       STRING, the last feed entry id handed out

  ARGV[1] node id
  ARGV[2] now, milliseconds since the epoch

  Returns { snapshot or '0|' when there is none yet, last entry id (0: none) }
]]
local snapshot_key = KEYS[1]
local readers_key = KEYS[2]
local counter_key = KEYS[3]
local node_id = ARGV[1]
local now = ARGV[2]

-- @include snapshot-entry-id

local snapshot = redis.call('GET', snapshot_key) or '0|'
redis.call('HSET', readers_key, node_id, snapshot_entry_id(snapshot) .. ':' .. now)
return { snapshot, tonumber(redis.call('GET', counter_key) or '0') }

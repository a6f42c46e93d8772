--[[
  One page of a channel's history, newest first: O(log N + limit) at any
  offset, because the seq-th message has the entry ID '<seq>-0' and the
  page starts at a computed ID instead of walking over `offset` entries.

  KEYS[1] {c:<id>}:log   STREAM

  ARGV[1] offset: how many of the newest messages to skip (>= 0)
  ARGV[2] limit (>= 1)

  Returns { total, entries } where entries is XREVRANGE's reply:
          { { '<seq>-0', { 'id', uuid, 's', sender, 'r', recipient, 'm', text, 't', ms } }, … }
]]
local history_key = KEYS[1]
local offset = tonumber(ARGV[1])
local limit = ARGV[2]

local total = redis.call('XLEN', history_key)
local newest = total - offset
if newest < 1 then
  return { total, {} }
end
return { total, redis.call('XREVRANGE', history_key, newest .. '-0', '-', 'COUNT', limit) }

--[[
  One page of a channel's history, newest first: O(log N + limit) at any
  offset, because the n-th message has the entry ID '<n>-0' and the page
  starts at a computed ID instead of walking over `offset` entries.

  KEYS[1] {c:<id>}:log   STREAM

  ARGV[1] offset: how many of the newest messages to skip (>= 0)
  ARGV[2] limit (>= 1)

  Returns { total, entries } where entries is XREVRANGE's reply:
          { { '<n>-0', { 'id', uuid, 's', sender, 'r', recipient, 'm', text, 't', ms } }, … }
]]
local total = redis.call('XLEN', KEYS[1])
local newest = total - tonumber(ARGV[1])
if newest < 1 then
  return { total, {} }
end
return { total, redis.call('XREVRANGE', KEYS[1], newest .. '-0', '-', 'COUNT', ARGV[2]) }

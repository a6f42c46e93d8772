--[[
  One page of a channel's history, newest first: O(log N + limit) at any
  depth, because the seq-th message has the entry ID '<seq>-0' and the page
  starts at a computed ID instead of walking over the entries before it.

  KEYS[1] {c:<id>}:log   STREAM

  ARGV[1] where the page is: 'offset' (skip that many of the newest),
          'before' (the newest below that seq) or 'after' (the oldest above
          that seq)
  ARGV[2] the offset (>= 0) or the seq (>= 0)
  ARGV[3] limit (>= 1)

  Returns { total, entries } with entries newest first, as XREVRANGE gives them:
          { { '<seq>-0', { 'id', uuid, 's', sender, 'r', recipient, 'm', text, 't', ms } }, … }
]]
local history_key = KEYS[1]
local mode = ARGV[1]
local at = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])

local total = redis.call('XLEN', history_key)
if mode == 'after' then
  if at >= total then
    return { total, {} }
  end
  local oldest_first = redis.call('XRANGE', history_key, (at + 1) .. '-0', '+', 'COUNT', limit)
  local newest_first = {}
  for i = #oldest_first, 1, -1 do
    newest_first[#newest_first + 1] = oldest_first[i]
  end
  return { total, newest_first }
end
local newest
if mode == 'before' then
  newest = math.min(at - 1, total)
else
  newest = total - at
end
if newest < 1 then
  return { total, {} }
end
return { total, redis.call('XREVRANGE', history_key, newest .. '-0', '-', 'COUNT', limit) }

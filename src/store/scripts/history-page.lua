--[[
  One page of a channel's history, newest first: O(log N + limit) at any
  depth, because the seq-th message has the entry ID '<seq>-0' and the page
  starts at a computed ID instead of walking over the entries before it.

  The page comes back as one JSON string rather than as nested entries: a
  client's reply decoder pays per element, and a page of 50 entries is over
  600 of them (measured: most of the page's cost in the worker).

  KEYS[1] {c:<id>}:log   STREAM

  ARGV[1] where the page is: 'offset' (skip that many of the newest),
          'before' (the newest below that seq) or 'after' (the oldest above
          that seq)
  ARGV[2] the offset (>= 0) or the seq (>= 0)
  ARGV[3] limit (>= 1)

  Returns { total, page } with page a JSON array, newest first, of one array
          per message: '[["<seq>-0",uuid,sender,recipient,text,ms],…]'
          (a field the entry lacks is '')
]]
local history_key = KEYS[1]
local mode = ARGV[1]
local at = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])

local FIELD_POSITIONS = { id = 2, s = 3, r = 4, m = 5, t = 6 }

-- The entries as the page's JSON, in the order given.
local function page_json(entries, first, last, step)
  local parts = {}
  for i = first, last, step do
    local fields = entries[i][2]
    local message = { entries[i][1], '', '', '', '', '' }
    for f = 1, #fields - 1, 2 do
      local position = FIELD_POSITIONS[fields[f]]
      if position then
        message[position] = fields[f + 1]
      end
    end
    parts[#parts + 1] = cjson.encode(message)
  end
  return '[' .. table.concat(parts, ',') .. ']'
end

local total = redis.call('XLEN', history_key)
if mode == 'after' then
  if at >= total then
    return { total, '[]' }
  end
  local oldest_first = redis.call('XRANGE', history_key, (at + 1) .. '-0', '+', 'COUNT', limit)
  return { total, page_json(oldest_first, #oldest_first, 1, -1) }
end
local newest
if mode == 'before' then
  newest = math.min(at - 1, total)
else
  newest = total - at
end
if newest < 1 then
  return { total, '[]' }
end
local newest_first = redis.call('XREVRANGE', history_key, newest .. '-0', '-', 'COUNT', limit)
return { total, page_json(newest_first, 1, #newest_first, 1) }

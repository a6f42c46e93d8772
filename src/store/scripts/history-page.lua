--[[
  One page of a channel's history, newest first: the messages of a seq range,
  at most limit of them, O(limit) at any depth (lib/history.lua).

  Messages in the new form come back as their JSON objects, ready for a
  frame. Those of the older form (a stream's entries) come back as one JSON
  string rather than as nested entries: a client's reply decoder pays per
  element, and 50 entries are over 600 of them.

  KEYS[1] {c:<id>}:log     STREAM, the history's older form
  KEYS[2] {c:<id>}:count   STRING, messages in the history

  ARGV[1] prefix of the history's lists ({c:<id>}:msgs:), same slot
  ARGV[2] where the page is: 'offset' (skip that many of the newest),
          'before' (the newest below that seq) or 'after' (the oldest above
          that seq)
  ARGV[3] the offset (>= 0) or the seq (>= 0)
  ARGV[4] limit (>= 1)

  Returns { total, objects, older } with objects the new form's JSON
          objects, newest first, and older (the page's older messages, after
          them) a JSON array, newest first, of one array per message:
          '[["<seq>-0",uuid,sender,recipient,text,ms],…]' (a field the
          entry lacks is '')
]]
local log_key = KEYS[1]
local count_key = KEYS[2]
local bucket_prefix = ARGV[1]
local mode = ARGV[2]
local at = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])

-- @include history

local FIELD_POSITIONS = { id = 2, s = 3, r = 4, m = 5, t = 6 }

-- Stream entries as the page's JSON.
local function entries_json(entries)
  local parts = {}
  for i = 1, #entries do
    local fields = entries[i][2]
    local message = { entries[i][1], '', '', '', '', '' }
    for f = 1, #fields - 1, 2 do
      local position = FIELD_POSITIONS[fields[f]]
      if position then
        message[position] = fields[f + 1]
      end
    end
    parts[i] = cjson.encode(message)
  end
  return '[' .. table.concat(parts, ',') .. ']'
end

local total, legacy = history_size(log_key, count_key)
local lo, hi
if mode == 'after' then
  lo, hi = at + 1, math.min(total, at + limit)
else
  hi = mode == 'before' and math.min(at - 1, total) or total - at
  lo = math.max(1, hi - limit + 1)
end
if hi < lo then
  return { total, {}, '[]' }
end
local objects, entries = history_range(log_key, bucket_prefix, legacy, lo, hi)
return { total, objects, entries_json(entries) }

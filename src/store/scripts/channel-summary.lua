--[[
  What a conversation list shows of one channel for one user: how many
  messages it holds, the newest one, and the user's read marker.

  KEYS[1] {c:<id>}:log    STREAM, the history's older form (lib/history.lua)
  KEYS[2] {c:<id>}:count  STRING, messages in the history
  KEYS[3] {c:<id>}:seen   HASH user uuid -> seq of the last message the user has seen

  ARGV[1] prefix of the history's lists ({c:<id>}:msgs:), same slot
  ARGV[2] the user's uuid

  Returns { total, marker, newest message's JSON object or false, or in the
          older form false and its entry as XREVRANGE gives it }; an empty
          channel's newest is false, false
]]
local log_key = KEYS[1]
local count_key = KEYS[2]
local seen_key = KEYS[3]
local bucket_prefix = ARGV[1]
local user_uuid = ARGV[2]

-- @include history

local total, legacy = history_size(log_key, count_key)
local marker = tonumber(redis.call('HGET', seen_key, user_uuid) or '0')
if total == 0 then
  return { total, marker, false, false }
end
local objects, entries = history_range(log_key, bucket_prefix, legacy, total, total)
return { total, marker, objects[1] or false, entries[1] or false }

--[[
  What a conversation list shows of one channel for one user: how many
  messages it holds, the newest one, and the user's read marker.

  KEYS[1] {c:<id>}:log    STREAM (history), entry ID '<seq>-0'
  KEYS[2] {c:<id>}:seen   HASH user uuid -> seq of the last message the user has seen

  ARGV[1] the user's uuid

  Returns { total, marker, newest entry as XREVRANGE gives it or false }
]]
local history_key = KEYS[1]
local seen_key = KEYS[2]
local user_uuid = ARGV[1]

local newest = redis.call('XREVRANGE', history_key, '+', '-', 'COUNT', 1)[1] or false
return { redis.call('XLEN', history_key), tonumber(redis.call('HGET', seen_key, user_uuid) or '0'), newest }

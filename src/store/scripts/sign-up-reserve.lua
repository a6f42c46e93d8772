--[[
  Reserves one sign-up (one bcrypt hash, one new user) for an address
  against its limit per window.

  KEYS[1] {users}:signups:<address>   STRING sign-ups in the window

  ARGV[1] sign-ups allowed per window
  ARGV[2] window length, milliseconds

  Returns 1 reserved, 0 refused (the limit is reached)
]]
local signups_key = KEYS[1]
local allowed = tonumber(ARGV[1])
local window_ms = ARGV[2]

if tonumber(redis.call('GET', signups_key) or '0') >= allowed then
  return 0
end
if redis.call('INCR', signups_key) == 1 then
  redis.call('PEXPIRE', signups_key, window_ms)
end
return 1

--[[
  Gives back an attempt reserved by user-lookup.lua after the password
  proved right: only failures count against the limit.

  KEYS[1] {users}:fails:<name>   STRING attempts not given back in the window

  Returns the attempts left counted (integer); 0 when the window had closed
]]
local failures_key = KEYS[1]

if redis.call('EXISTS', failures_key) == 0 then
  return 0
end
return redis.call('DECR', failures_key)

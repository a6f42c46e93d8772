--[[
  Gives back an attempt reserved by user-lookup.lua after the password
  proved right: only failures count against the limits.

  KEYS[1] {users}:fails:<address>|<name>   STRING attempts not given back in the window
  KEYS[2] {users}:failsfrom:<address>      STRING the same, for every name

  Returns the attempts left counted for the name and address (integer); 0
  when the window had closed
]]
local pair_key = KEYS[1]
local address_key = KEYS[2]

if redis.call('EXISTS', address_key) == 1 then
  redis.call('DECR', address_key)
end
if redis.call('EXISTS', pair_key) == 0 then
  return 0
end
return redis.call('DECR', pair_key)

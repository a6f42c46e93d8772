--[[
  Counts one failed sign-in; the first failure opens the window.

  KEYS[1] {users}:fails:<name>   STRING counter

  ARGV[1] window length, milliseconds

  Returns the failures in the window, this one included (integer)
]]
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return failures

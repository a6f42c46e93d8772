--[[
  Finds a user by normalized name and, for a sign-in, reserves one attempt
  against the name's limit before the password is checked — so concurrent
  guesses can not all pass a check made before any of them failed.

  KEYS[1] {users}:byname           HASH normalized name -> uuid
  KEYS[2] {users}:passwords        HASH uuid -> bcrypt hash
  KEYS[3] {users}:fails:<name>     STRING attempts not given back in the window

  ARGV[1] normalized name
  ARGV[2] attempts allowed per window (0: a lookup only, nothing reserved)
  ARGV[3] window length, milliseconds

  Returns { uuid or false, bcrypt hash or false, attempt }
          attempt: 1 reserved, 0 refused (the limit is reached), -1 none
          (no such user, or no reservation asked)
]]
local uuid = redis.call('HGET', KEYS[1], ARGV[1])
if not uuid then
  return { false, false, -1 }
end
local hash = redis.call('HGET', KEYS[2], uuid)
local allowed = tonumber(ARGV[2])
if allowed == 0 then
  return { uuid, hash, -1 }
end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= allowed then
  return { uuid, hash, 0 }
end
if redis.call('INCR', KEYS[3]) == 1 then
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return { uuid, hash, 1 }

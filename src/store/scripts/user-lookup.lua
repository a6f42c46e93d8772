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
local by_name_key = KEYS[1]
local passwords_key = KEYS[2]
local failures_key = KEYS[3]
local normalized_name = ARGV[1]
local allowed = tonumber(ARGV[2])
local window_ms = ARGV[3]

local user_uuid = redis.call('HGET', by_name_key, normalized_name)
if not user_uuid then
  return { false, false, -1 }
end
local password_hash = redis.call('HGET', passwords_key, user_uuid)
if allowed == 0 then
  return { user_uuid, password_hash, -1 }
end
if tonumber(redis.call('GET', failures_key) or '0') >= allowed then
  return { user_uuid, password_hash, 0 }
end
if redis.call('INCR', failures_key) == 1 then
  redis.call('PEXPIRE', failures_key, window_ms)
end
return { user_uuid, password_hash, 1 }

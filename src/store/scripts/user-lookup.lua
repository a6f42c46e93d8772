--[[
  Finds a user by normalized name and, for a sign-in, reserves one attempt
  against two limits before the password is checked — failures for this
  name from this address, and failures from this address across names — so
  concurrent guesses can not all pass a check made before any of them
  failed, and guessing from one address never locks the owner out from
  another.

  KEYS[1] {users}:byname                      HASH normalized name -> uuid
  KEYS[2] {users}:passwords                   HASH uuid -> bcrypt hash
  KEYS[3] {users}:fails:<address>|<name>      STRING attempts not given back in the window
  KEYS[4] {users}:failsfrom:<address>         STRING the same, for every name

  ARGV[1] normalized name
  ARGV[2] attempts allowed per name and address per window (0: a lookup only, nothing reserved)
  ARGV[3] attempts allowed per address per window
  ARGV[4] window length, milliseconds

  Returns { uuid or false, bcrypt hash or false, attempt }
          attempt: 1 reserved, 0 refused (a limit is reached), -1 none
          (no such user, or no reservation asked)
]]
local by_name_key = KEYS[1]
local passwords_key = KEYS[2]
local pair_key = KEYS[3]
local address_key = KEYS[4]
local normalized_name = ARGV[1]
local allowed_pair = tonumber(ARGV[2])
local allowed_address = tonumber(ARGV[3])
local window_ms = ARGV[4]

local user_uuid = redis.call('HGET', by_name_key, normalized_name)
if not user_uuid then
  return { false, false, -1 }
end
local password_hash = redis.call('HGET', passwords_key, user_uuid)
if allowed_pair == 0 then
  return { user_uuid, password_hash, -1 }
end
if tonumber(redis.call('GET', pair_key) or '0') >= allowed_pair
  or tonumber(redis.call('GET', address_key) or '0') >= allowed_address then
  return { user_uuid, password_hash, 0 }
end
for _, key in ipairs({ pair_key, address_key }) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, window_ms)
  end
end
return { user_uuid, password_hash, 1 }

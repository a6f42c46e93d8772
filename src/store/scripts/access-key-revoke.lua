--[[
  Revokes an access key and tells every node to forget it, atomically:
  a node that caches the key hears of the revocation, or the key was not
  revoked at all.

  KEYS[1] {u:<uuid>}:key:<keyId>   STRING sha256 of the key's secret

  ARGV[1] control topic
  ARGV[2] notice: 'revoke <user uuid> <keyId>'

  Returns 1 when the key existed, else 0
]]
local key = KEYS[1]
local control_topic = ARGV[1]
local notice = ARGV[2]

local existed = redis.call('DEL', key)
redis.call('PUBLISH', control_topic, notice)
return existed

--[[
  Stores a message in its channel's history and publishes its push, in one
  round trip and one atomic step: the push order is the history order.

  KEYS[1] {c:<id>}:log   STREAM, entry ID '<n>-0' for the n-th message

  ARGV[1] pub/sub topic of the channel ({c:<id>}:push)
  ARGV[2] message uuid
  ARGV[3] sender uuid
  ARGV[4] recipient: '0' (public) or the recipient's uuid
  ARGV[5] message text
  ARGV[6] created at, milliseconds since the epoch
  ARGV[7] the push frame, serialized once by the sender's node
  ARGV[8] the sending session's UUID, so no node pushes back to it

  Returns n, the message's position in history (1 = oldest)

  The topic payload is '<n>|<session uuid>|<frame>'.
  History is never trimmed, so XLEN + 1 is the next position.
]]
local n = redis.call('XLEN', KEYS[1]) + 1
redis.call('XADD', KEYS[1], n .. '-0',
  'id', ARGV[2], 's', ARGV[3], 'r', ARGV[4], 'm', ARGV[5], 't', ARGV[6])
redis.call('PUBLISH', ARGV[1], n .. '|' .. ARGV[8] .. '|' .. ARGV[7])
return n

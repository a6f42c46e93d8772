--[[
  Stores a message in its channel's history and appends its push to the
  channel's mailbox, publishing that mailbox entry to every node: one round
  trip and one atomic step, so the mailbox order is the history order.

  KEYS[1] {c:<id>}:log       STREAM, entry ID '<n>-0' for the n-th message
  KEYS[2] {c:<id>}:mailbox   STREAM, entry ID '<seq>-0' for the seq-th entry
  KEYS[3] {c:<id>}:seq       STRING, the last mailbox seq handed out
  KEYS[4] {c:<id>}:sent:<message uuid>  STRING '<n>:<seq>' for a minute: a
          second run of the same send (its first reply was lost) returns
          the first one's result instead of storing the message again

  ARGV[1] pub/sub topic of the channel ({c:<id>}:push)
  ARGV[2] message uuid
  ARGV[3] sender uuid
  ARGV[4] recipient: '0' (public) or the recipient's uuid
  ARGV[5] message text
  ARGV[6] created at, milliseconds since the epoch
  ARGV[7] the push frame, serialized once by the sender's node
  ARGV[8] the sending session's UUID, so no node pushes back to it
  ARGV[9] W3C traceparent of the send ('' when not traced)

  ARGV[10] how long the dedupe record (KEYS[4]) is kept, milliseconds

  Returns { n, seq }: the message's position in history (1 = oldest) and
  its mailbox entry's seq.

  The topic payload is the entry itself: '<seq>|m|<n>|<session>|<traceparent>|<frame>'.
  History is never trimmed, so XLEN + 1 is the next position.
]]
local sent = redis.call('GET', KEYS[4])
if sent then
  local colon = string.find(sent, ':', 1, true)
  return { tonumber(string.sub(sent, 1, colon - 1)), tonumber(string.sub(sent, colon + 1)) }
end
local n = redis.call('XLEN', KEYS[1]) + 1
redis.call('XADD', KEYS[1], n .. '-0',
  'id', ARGV[2], 's', ARGV[3], 'r', ARGV[4], 'm', ARGV[5], 't', ARGV[6])
local seq = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[2], seq .. '-0',
  'k', 'm', 'p', n, 'o', ARGV[8], 'tp', ARGV[9], 'f', ARGV[7])
redis.call('PUBLISH', ARGV[1], seq .. '|m|' .. n .. '|' .. ARGV[8] .. '|' .. ARGV[9] .. '|' .. ARGV[7])
redis.call('SET', KEYS[4], n .. ':' .. seq, 'PX', ARGV[10])
return { n, seq }

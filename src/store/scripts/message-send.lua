--[[
  Stores a message in its channel's history and appends its push to the
  channel's feed, publishing that feed entry to every node: one round trip
  and one atomic step, so the feed's order is the history's order.

  KEYS[1] {c:<id>}:log       STREAM (history), entry ID '<seq>-0' for the seq-th message
  KEYS[2] {c:<id>}:mailbox   STREAM (the feed), entry ID '<entry id>-0'
  KEYS[3] {c:<id>}:seq       STRING, the last feed entry id handed out
  KEYS[4] {c:<id>}:sent:<message uuid>  STRING '<seq>:<entry id>' for a
          minute: a second run of the same send (its first reply was lost)
          returns the first one's result instead of storing the message again

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

  Returns { seq, entry id }: the message's position in history (1 = oldest)
  and its feed entry's id.

  The topic payload is the entry itself: '<entry id>|m|<seq>|<session>|<traceparent>|<frame>'.
  History is never trimmed, so XLEN + 1 is the next seq.
]]
local history_key = KEYS[1]
local feed_key = KEYS[2]
local counter_key = KEYS[3]
local sent_key = KEYS[4]
local topic = ARGV[1]
local message_uuid = ARGV[2]
local sender_uuid = ARGV[3]
local recipient = ARGV[4]
local text = ARGV[5]
local created_at = ARGV[6]
local push_frame = ARGV[7]
local origin_session = ARGV[8]
local traceparent = ARGV[9]
local sent_ttl_ms = ARGV[10]

local sent = redis.call('GET', sent_key)
if sent then
  local colon = string.find(sent, ':', 1, true)
  return { tonumber(string.sub(sent, 1, colon - 1)), tonumber(string.sub(sent, colon + 1)) }
end
local seq = redis.call('XLEN', history_key) + 1
redis.call('XADD', history_key, seq .. '-0',
  'id', message_uuid, 's', sender_uuid, 'r', recipient, 'm', text, 't', created_at)
local entry_id = redis.call('INCR', counter_key)
redis.call('XADD', feed_key, entry_id .. '-0',
  'k', 'm', 'p', seq, 'o', origin_session, 'tp', traceparent, 'f', push_frame)
redis.call('PUBLISH', topic, entry_id .. '|m|' .. seq .. '|' .. origin_session .. '|' .. traceparent .. '|' .. push_frame)
redis.call('SET', sent_key, seq .. ':' .. entry_id, 'PX', sent_ttl_ms)
return { seq, entry_id }

--[[
  Stores a message in its channel's history and appends its push to the
  channel's feed, publishing that feed entry to every node: one round trip
  and one atomic step, so the feed's order is the history's order — unless
  the same send was stored before, which then changes nothing and answers
  with the message stored the first time.

  KEYS[1] {c:<id>}:log       STREAM (history), entry ID '<seq>-0' for the seq-th message
  KEYS[2] {c:<id>}:mailbox   STREAM (the feed), entry ID '<entry id>-0'
  KEYS[3] {c:<id>}:seq       STRING, the last feed entry id handed out
  KEYS[4] the send's dedupe record, STRING '<seq>:<entry id>': with a
          clientMessageId {c:<id>}:cmid:<sender uuid>:<clientMessageId>, kept
          for the idempotency window; without one {c:<id>}:sent:<message uuid>,
          kept a minute (a run again after a lost reply)
  KEYS[5] {c:<id>}:seen      HASH user uuid -> seq of the last message the user has seen

  ARGV[1] pub/sub topic of the channel ({c:<id>}:push)
  ARGV[2] message uuid
  ARGV[3] sender uuid
  ARGV[4] recipient: '0' (public) or the recipient's uuid
  ARGV[5] message text
  ARGV[6] created at, milliseconds since the epoch
  ARGV[7] the push frame up to the message's seq, serialized once by the sender's node
  ARGV[8] the push frame after the seq
  ARGV[9] the sending session's UUID, so no node pushes back to it
  ARGV[10] W3C traceparent of the send ('' when not traced)
  ARGV[11] how long the dedupe record (KEYS[4]) is kept, milliseconds

  Returns { seq, entry id, 0, recipient's marker } when stored now: the
          message's position in history (1 = oldest), its feed entry's id,
          and the recipient's read marker in the channel (0 for the public
          channel); the sender's marker moves to the message;
          { seq, entry id, 1, uuid, created at, text } when it was stored
          before: the first one's, as stored.

  The topic payload is the entry itself: '<entry id>|m|<seq>|<session>|<traceparent>|<frame>'.
  History is never trimmed, so XLEN + 1 is the next seq.
]]
local history_key = KEYS[1]
local feed_key = KEYS[2]
local counter_key = KEYS[3]
local dedupe_key = KEYS[4]
local seen_key = KEYS[5]
local topic = ARGV[1]
local message_uuid = ARGV[2]
local sender_uuid = ARGV[3]
local recipient = ARGV[4]
local text = ARGV[5]
local created_at = ARGV[6]
local push_before = ARGV[7]
local push_after = ARGV[8]
local origin_session = ARGV[9]
local traceparent = ARGV[10]
local dedupe_ttl_ms = ARGV[11]

local stored = redis.call('GET', dedupe_key)
if stored then
  local colon = string.find(stored, ':', 1, true)
  local seq = tonumber(string.sub(stored, 1, colon - 1))
  local entry_id = tonumber(string.sub(stored, colon + 1))
  local first = redis.call('XRANGE', history_key, seq .. '-0', seq .. '-0')[1][2]
  local fields = {}
  for i = 1, #first, 2 do
    fields[first[i]] = first[i + 1]
  end
  return { seq, entry_id, 1, fields['id'], fields['t'], fields['m'] }
end
local seq = redis.call('XLEN', history_key) + 1
redis.call('XADD', history_key, seq .. '-0',
  'id', message_uuid, 's', sender_uuid, 'r', recipient, 'm', text, 't', created_at)
local entry_id = redis.call('INCR', counter_key)
local push_frame = push_before .. seq .. push_after
redis.call('XADD', feed_key, entry_id .. '-0',
  'k', 'm', 'p', seq, 'o', origin_session, 'tp', traceparent, 'f', push_frame)
redis.call('PUBLISH', topic, entry_id .. '|m|' .. seq .. '|' .. origin_session .. '|' .. traceparent .. '|' .. push_frame)
redis.call('SET', dedupe_key, seq .. ':' .. entry_id, 'PX', dedupe_ttl_ms)
-- One's own messages are never unread.
redis.call('HSET', seen_key, sender_uuid, seq)
local recipient_seen = 0
if recipient ~= '0' then
  recipient_seen = tonumber(redis.call('HGET', seen_key, recipient) or '0')
end
return { seq, entry_id, 0, recipient_seen }

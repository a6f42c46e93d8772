--[[
  Stores a message in its channel's history and appends its push to the
  channel's feed, publishing that feed entry to every node: one round trip
  and one atomic step, so the feed's order is the history's order — unless
  the same send was stored before, which then changes nothing and answers
  with the message stored the first time.

  KEYS[1] {c:<id>}:log       STREAM, the history's older form (lib/history.lua): read, never written
  KEYS[2] {c:<id>}:count     STRING, messages in the history
  KEYS[3] {c:<id>}:mailbox   STREAM (the feed), entry ID '<entry id>-0'
  KEYS[4] {c:<id>}:seq       STRING, the last feed entry id handed out
  KEYS[5] the send's dedupe record, STRING '<seq>:<entry id>': with a
          clientMessageId {c:<id>}:cmid:<sender uuid>:<clientMessageId>, kept
          for the idempotency window; without one {c:<id>}:sent:<message uuid>,
          kept a minute (a run again after a lost reply)
  KEYS[6] {c:<id>}:seen      HASH user uuid -> seq of the last message the user has seen

  ARGV[1] pub/sub topic of the channel ({c:<id>}:push)
  ARGV[2] prefix of the history's lists ({c:<id>}:msgs:), same slot
  ARGV[3] sender uuid
  ARGV[4] recipient: '0' (public) or the recipient's uuid
  ARGV[5] the message's JSON object up to its seq, serialized once by the sender's node
  ARGV[6] the object after the seq
  ARGV[7] the push frame before the object
  ARGV[8] the push frame after the object
  ARGV[9] the sending session's UUID, so no node pushes back to it
  ARGV[10] W3C traceparent of the send ('' when not traced)
  ARGV[11] how long the dedupe record (KEYS[5]) is kept, milliseconds

  Returns { seq, entry id, 0, recipient's marker } when stored now: the
          message's position in history (1 = oldest), its feed entry's id,
          and the recipient's read marker in the channel (0 for the public
          channel); the sender's marker moves to the message;
          { seq, entry id, 1, object, false } when it was stored before: the
          first one's, its JSON object as stored — or, stored in the older
          form, { seq, entry id, 1, false, its entry as XRANGE gives it }.

  The topic payload is the entry itself: '<entry id>|m|<seq>|<session>|<traceparent>|<frame>'.
]]
local log_key = KEYS[1]
local count_key = KEYS[2]
local feed_key = KEYS[3]
local counter_key = KEYS[4]
local dedupe_key = KEYS[5]
local seen_key = KEYS[6]
local topic = ARGV[1]
local bucket_prefix = ARGV[2]
local sender_uuid = ARGV[3]
local recipient = ARGV[4]
local message_head = ARGV[5]
local message_tail = ARGV[6]
local push_before = ARGV[7]
local push_after = ARGV[8]
local origin_session = ARGV[9]
local traceparent = ARGV[10]
local dedupe_ttl_ms = ARGV[11]

-- @include history

local stored = redis.call('GET', dedupe_key)
if stored then
  local colon = string.find(stored, ':', 1, true)
  local seq = tonumber(string.sub(stored, 1, colon - 1))
  local entry_id = tonumber(string.sub(stored, colon + 1))
  local _, legacy = history_size(log_key, count_key)
  local objects, entries = history_range(log_key, bucket_prefix, legacy, seq, seq)
  return { seq, entry_id, 1, objects[1] or false, entries[1] or false }
end
local seq, message = history_append(log_key, count_key, bucket_prefix, message_head, message_tail)
local entry_id = redis.call('INCR', counter_key)
local push_frame = push_before .. message .. push_after
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

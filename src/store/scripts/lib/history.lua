-- A channel's history in two forms (docs/redis-schema.md). Messages 1 to
-- `legacy` are entries of the stream {c:<id>}:log, ID '<seq>-0' — the form
-- of every message stored before the lists came; nothing writes it now, so
-- its XLEN stays. Every later message is its JSON object, ready for a frame, in the
-- lists {c:<id>}:msgs:<n> of HISTORY_BUCKET each: a page is one or two
-- LRANGEs of at most HISTORY_BUCKET / 2 steps in, at any depth. The count,
-- both forms together, is {c:<id>}:count, absent until the first message in
-- the new form (then it is the stream's length).
local HISTORY_BUCKET = 1024

-- Messages in the channel and how many of them are in the stream.
local function history_size(log_key, count_key)
  local legacy = redis.call('XLEN', log_key)
  return tonumber(redis.call('GET', count_key) or legacy), legacy
end

-- The bucket of a message in the new form and its index there.
local function history_slot(seq, legacy)
  local n = seq - legacy - 1
  return math.floor(n / HISTORY_BUCKET), n % HISTORY_BUCKET
end

-- Appends the object `head .. seq .. tail` as the next message; returns its seq and the object.
local function history_append(log_key, count_key, bucket_prefix, head, tail)
  local total, legacy = history_size(log_key, count_key)
  local seq = total + 1
  local message = head .. seq .. tail
  redis.call('RPUSH', bucket_prefix .. history_slot(seq, legacy), message)
  redis.call('SET', count_key, seq)
  return seq, message
end

-- Messages lo..hi (1 <= lo <= hi), newest first: { objects in the new form },
-- then the stream's entries as XREVRANGE gives them (the older ones).
local function history_range(log_key, bucket_prefix, legacy, lo, hi)
  local objects = {}
  local seq = hi
  while seq >= lo and seq > legacy do
    local bucket, last = history_slot(seq, legacy)
    -- A list's index 0 is the message after the stream's last, so no clamp below legacy is needed.
    local first = math.max(0, last - (seq - lo))
    local part = redis.call('LRANGE', bucket_prefix .. bucket, first, last)
    for i = #part, 1, -1 do
      objects[#objects + 1] = part[i]
    end
    seq = seq - (last - first + 1)
  end
  local entries = {}
  if seq >= lo then
    entries = redis.call('XREVRANGE', log_key, seq .. '-0', lo .. '-0')
  end
  return objects, entries
end

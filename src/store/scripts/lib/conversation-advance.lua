-- Moves one conversation forward in a user's index: only a newer message
-- (a higher seq) reorders it, so the index never goes back. Returns 1 when
-- it moved, else 0.
local function conversation_advance(index_key, seqs_key, other_uuid, seq, created_at)
  if seq > tonumber(redis.call('HGET', seqs_key, other_uuid) or '0') then
    redis.call('ZADD', index_key, -created_at, other_uuid)
    redis.call('HSET', seqs_key, other_uuid, seq)
    return 1
  end
  return 0
end

-- One node fewer counts the user present: the count goes down, and the
-- user's field goes when it reaches zero (absent = offline).
local function presence_decrement(online_key, user_uuid)
  if redis.call('HINCRBY', online_key, user_uuid, -1) <= 0 then
    redis.call('HDEL', online_key, user_uuid)
  end
end

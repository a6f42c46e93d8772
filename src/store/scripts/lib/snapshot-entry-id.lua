-- The feed entry id a snapshot '<entry id>|<state JSON>' was taken at.
local function snapshot_entry_id(snapshot)
  return tonumber(string.sub(snapshot, 1, string.find(snapshot, '|', 1, true) - 1))
end

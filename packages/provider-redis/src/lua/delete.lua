-- Remove an entry, and with it the key's load lock and load markers: a load in flight in any
-- process then cannot store its result (its fenced or marked write finds its token gone).
-- Returns {removed (0|1)} inline, or on a cluster {removed, index set keys...} for the caller to
-- drop the member from (they live in other slots).
-- A_channel, A_message: a bus message published with the removal, whether or not it found the
-- entry (another process may still hold a copy of it), so the two are one step.
local key = K_entry
if A_message and A_message ~= '' then redis.call('PUBLISH', A_channel, A_message) end
redis.call('UNLINK', K_lock, K_marker)
if redis.call('EXISTS', key) == 0 then return {0} end
if redis.call('TYPE', key).ok ~= 'hash' then
  redis.call('UNLINK', key)
  return {1}
end
--#include prelude.lua
helpers()
local refs = refs_of(key, true)
local member = member_of(key)
redis.call('UNLINK', key)
if A_inline == '1' then
  for _, idx in ipairs(refs) do redis.call('ZREM', idx, member) end
  return {1}
end
local out = {1}
for _, r in ipairs(refs) do out[#out + 1] = r end
return out

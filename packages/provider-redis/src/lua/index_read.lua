-- Prune expired members and return the rest; inline, also drop members whose entry is gone or no
-- longer references the set (repair) and return only live ones.
--#include prelude.lua
helpers()
idx_touch(K_index, now_ms())
local members = redis.call('ZRANGE', K_index, 0, -1)
if A_inline ~= '1' then return members end
local live = {}
for _, m in ipairs(members) do
  if live_created(A_entryPrefix, K_index, m) then live[#live + 1] = m else redis.call('ZREM', K_index, m) end
end
return live

-- Drop the back-reference to index set A_index (and, inline, the member from the set).
--#include prelude.lua
helpers()
if redis.call('EXISTS', K_entry) == 1 and redis.call('TYPE', K_entry).ok == 'hash' then
  redis.call('HDEL', K_entry, F_REF_PREFIX .. A_index)
  -- A derived membership taken away by hand: out of the derived list too, so the next write
  -- re-derives it.
  local d = redis.call('HGET', K_entry, F_DERIVED)
  local ipre = ns_of(K_entry) .. KIND_INDEX .. ':'
  if d and string.sub(A_index, 1, #ipre) == ipre then
    local s, e = string.find(d, ' ' .. string.sub(A_index, #ipre + 1) .. ' ', 1, true)
    if s then redis.call('HSET', K_entry, F_DERIVED, string.sub(d, 1, s) .. string.sub(d, e + 1)) end
  end
end
if A_inline == '1' then redis.call('ZREM', A_index, member_of(K_entry)) end
return 1

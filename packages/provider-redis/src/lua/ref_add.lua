-- Add the back-reference to index set A_index (and, inline, the member to the set). Returns false
-- when the entry is absent, else the member's score (its expiry, '+inf' for none).
if redis.call('HEXISTS', K_entry, F_VERSION) == 0 then return false end
--#include prelude.lua
helpers()
local x = score_of(redis.call('PEXPIRETIME', K_entry))
redis.call('HSET', K_entry, F_REF_PREFIX .. A_index, '1', F_HAS_REFS, '1')
if A_inline == '1' then
  redis.call('ZADD', A_index, x, member_of(K_entry))
  idx_touch(A_index, now_ms())
end
return x

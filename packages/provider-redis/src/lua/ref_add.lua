-- Add the back-reference to index set A_index (and, inline, the member to the set). Returns false
-- when the entry is absent, else the member's score: the entry's membership bound (F_DERIVED_SCORE,
-- at or above its expiry; see write.lua), established here as the exact expiry when it has none.
if redis.call('HEXISTS', K_entry, F_VERSION) == 0 then return false end
--#include prelude.lua
helpers()
local x = redis.call('PEXPIRETIME', K_entry)
local e = redis.call('HGET', K_entry, F_DERIVED_SCORE)
local score
if x == -1 then
  score = '+inf'
  if e ~= 'inf' then redis.call('HSET', K_entry, F_DERIVED_SCORE, 'inf') end
elseif e and e ~= 'inf' and tonumber(e) >= x then
  score = e
else
  score = fmt(x)
  redis.call('HSET', K_entry, F_DERIVED_SCORE, score)
end
redis.call('HSET', K_entry, F_REF_PREFIX .. A_index, '1', F_HAS_REFS, '1')
if A_inline == '1' then
  redis.call('ZADD', A_index, score, member_of(K_entry))
  idx_touch(A_index, now_ms())
end
return score

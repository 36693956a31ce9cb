-- A new expiry for a live entry: value, version, createdAt and updatedAt stay as they are. Index
-- memberships (explicit and derived) keep their score while it still bounds the new expiry within
-- the slack a write allows (see write.lua), else they are re-scored.
-- A_ttl: ms, '' = no expiry; A_expires: the toucher's clock plus A_ttl, '-1' without expiry. Returns 0 on a miss (creating nothing), 1 when done, or on a cluster
-- {1, score, index set keys...} for the caller to re-score.
-- A_channel, A_message: a bus message published with the new expiry (none on a miss), so the two
-- are one step.
local key, ttl = K_entry, A_ttl
local head = redis.pcall('HMGET', key, F_VERSION, F_HAS_REFS, F_DERIVED, F_DERIVED_SCORE, F_EXPIRES)
if head.err or not head[1] then return 0 end
if A_message and A_message ~= '' then redis.call('PUBLISH', A_channel, A_message) end
if ttl == '' then
  if head[5] ~= '-1' then
    redis.call('PERSIST', key)
    redis.call('HSET', key, F_EXPIRES, '-1')
  end
else
  redis.call('PEXPIRE', key, ttl)
  redis.call('HSET', key, F_EXPIRES, A_expires)
end
if not head[2] and not head[3] then return 1 end
local exp = redis.call('PEXPIRETIME', key)
local old_e, e_new, rescore = head[4], nil, false
if exp == -1 then
  rescore = old_e ~= 'inf'
  e_new = 'inf'
else
  local slack = math.min(math.floor(tonumber(ttl) / 4), 60000)
  local bound = tonumber(old_e)
  rescore = not bound or bound < exp or bound > exp + 2 * slack
  e_new = string.format('%.0f', exp + slack)
end
if not rescore then return 1 end
redis.call('HSET', key, F_DERIVED_SCORE, e_new)
local score = e_new
if score == 'inf' then score = '+inf' end
--#include prelude.lua
helpers()
local refs = refs_of(key, true)
if A_inline ~= '1' then
  local out = {1, score}
  for _, r in ipairs(refs) do out[#out + 1] = r end
  return out
end
local member = member_of(key)
local from_unbounded = old_e == 'inf' or (not old_e and (not head[5] or head[5] == '-1'))
for _, idx in ipairs(refs) do
  if redis.call('ZADD', idx, score, member) == 1 then
    idx_touch(idx, now_ms())
  elseif score ~= '+inf' and not from_unbounded then
    -- A shorter expiry may lower the set's: fitted to its highest score again.
    idx_fit(idx)
  else
    keep_alive(idx, from_unbounded, score)
  end
end
return 1

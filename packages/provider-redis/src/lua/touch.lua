-- A new expiry for a live entry: value, version, createdAt and updatedAt stay as they are; its
-- index scores follow (explicit back-references exactly, derived memberships within their slack).
-- A_ttl: ms, '' = no expiry. Returns 0 on a miss (creating nothing), 1 when done, or on a cluster
-- {1, expiry, index set keys...} for the caller to re-score.
local key, ttl = K_entry, A_ttl
local head = redis.pcall('HMGET', key, F_VERSION, F_HAS_REFS, F_DERIVED, F_DERIVED_SCORE, F_UNBOUNDED)
if head.err or not head[1] then return 0 end
if ttl == '' then
  if head[5] ~= '1' then
    redis.call('PERSIST', key)
    redis.call('HSET', key, F_UNBOUNDED, '1')
  end
else
  redis.call('PEXPIRE', key, ttl)
  if head[5] ~= '0' then redis.call('HSET', key, F_UNBOUNDED, '0') end
end
if not head[2] and not head[3] then return 1 end
local exp = redis.call('PEXPIRETIME', key)
--#include prelude.lua
helpers()
local refs = refs_of(key, false)
if A_inline ~= '1' then
  local out = {1, exp}
  for _, r in ipairs(refs) do out[#out + 1] = r end
  return out
end
local member = member_of(key)
local score = score_of(exp)
for _, idx in ipairs(refs) do
  redis.call('ZADD', idx, score, member)
  idx_touch(idx, now_ms())
end
if head[3] then
  -- Derived memberships: re-scored when the bound no longer fits (as a write does).
  local old_e, e_new, rescore = head[4], nil, false
  if exp == -1 then
    rescore = old_e ~= 'inf'
    e_new = 'inf'
  else
    local slack = math.min(math.floor(tonumber(ttl) / 4), 60000)
    local bound = tonumber(old_e)
    rescore = not bound or bound < exp or bound > exp + 2 * slack
    e_new = fmt(exp + slack)
  end
  if rescore then
    redis.call('HSET', key, F_DERIVED_SCORE, e_new)
    local dscore = e_new
    if dscore == 'inf' then dscore = '+inf' end
    local ipre = ns_of(key) .. KIND_INDEX .. ':'
    for t in string.gmatch(head[3], '%S+') do
      local idx = ipre .. t
      redis.call('ZADD', idx, dscore, member)
      if dscore == '+inf' then redis.call('PERSIST', idx) else idx_fit(idx) end
    end
  end
end
return 1

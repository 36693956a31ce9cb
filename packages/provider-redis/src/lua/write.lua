-- Every write of an entry, in one call whatever the entry's state (plain, with back-references,
-- with derived memberships, foreign data under the key, expired).
-- A_mode: set | nx (only if absent) | xx (only if live) | cas (only if the version is A_expected;
-- '' = absent; '!foreign' = absent or foreign data, read as a miss) | fence (only while A_token
-- holds the lock K_guard) | mark (only while A_token is among the load markers K_guard; consumed).
-- A_ttl: ms, '' = no expiry. A_expires: A_now + A_ttl, '-1' without expiry (kept in F_EXPIRES).
-- A_now: the writer's clock (created/updated). A_inline: '1' on a single
-- server (index sets updated here), '0' on a cluster (they live in other slots: returned).
-- A_plan, A_sig: derived memberships (single server only; see derived-args.ts).
-- A_channel, A_message: a bus message, published once the write is certain (none without them),
-- so the write and its invalidation are one step; a write that does not write publishes nothing.
-- A_decisions: the index owner's limit decisions, one line per full limited set:
-- '<index set key> <fingerprint> <member to remove>...' (see "Limits" below).
-- Returns 0 not written, 1 written with nothing to report; {1, score, index set keys...} on a
-- cluster when the entry's memberships need the new score (its bound: '+inf' or epoch ms);
-- {1, score, removed members...} inline when a limit decision removed entries; {-2, {index set key,
-- fingerprint, member, created, member, created...}...} when limited sets the entry joins are full
-- and the call carries no valid decision for them: nothing was written or consumed.
-- A cas whose new version is already stored reports 1: a retry after an unknown outcome is safe.
local key, mode = K_entry, A_mode
-- One read answers "is it ours?", "does it exist?" (version), "since when?" (created), "has it
-- explicit back-references?", "did it last have no expiry?" (F_EXPIRES '-1') and "which derived index sets is it
-- in, scored how?".
local head = redis.pcall('HMGET', key, F_VERSION, F_CREATED, F_HAS_REFS, F_EXPIRES, F_DERIVED, F_DERIVED_SCORE)
local foreign = head.err ~= nil
if foreign then
  -- Foreign data: 'set' replaces it, and so do a load's store and a cas that read it as a miss
  -- (onDecodeError 'miss'); the other conditional writes refuse it.
  if not (mode == 'set' or mode == 'fence' or mode == 'mark' or (mode == 'cas' and A_expected == '!foreign')) then
    return redis.error_reply('WRONGTYPE foreign data under the key')
  end
  head = {false, false, false, false, false, false}
end
local cur = head[1]
local ttl, sig = A_ttl, A_sig
-- Derived memberships (single server): A_plan ('L' when some index has a limit, else '-', then
-- '<index> <max or ->' per derived index), A_sig (the value's memberships, '<index>:<index key>'
-- each between spaces: what F_DERIVED keeps). Only a write that changes them may join a limited
-- set; such a write checks limits before it consumes its guard (cas, mark) or anything else.
local old_d = false
if sig and cur then old_d = head[5] end
local changed = sig and sig ~= old_d
local any_limit = changed and string.byte(A_plan, 1) == 76
local consume = false
if mode == 'nx' then if cur then return 0 end
elseif mode == 'xx' then if not cur then return 0 end
elseif mode == 'cas' then
  if cur == A_version then return 1 end
  local holder = redis.call('GET', K_guard)
  if holder and holder ~= A_token then return 0 end
  local want = A_expected
  if want == '!foreign' then want = '' end
  if want == '' then if cur then return 0 end elseif cur ~= want then return 0 end
  if holder then
    if any_limit then consume = true else redis.call('DEL', K_guard) end
  end
elseif mode == 'fence' then
  if redis.call('GET', K_guard) ~= A_token then return 0 end
elseif mode == 'mark' then
  if any_limit then
    if redis.call('SISMEMBER', K_guard, A_token) == 0 then return 0 end
    consume = true
  elseif redis.call('SREM', K_guard, A_token) == 0 then return 0 end
end
if foreign and not any_limit then redis.call('UNLINK', key) end
-- From here on every path writes, except a write into full limited sets without a decision, which
-- publishes once decided (below).
local publish = A_message and A_message ~= ''
if publish and not any_limit then redis.call('PUBLISH', A_channel, A_message) end
-- The usual write: no memberships of any kind. HMGET, HSET, PEXPIRE and a bare number for a reply
-- (every redis.call, closure, table or string a script makes costs Redis time).
if not sig and not head[3] and not head[5] then
  redis.call('HSET', key, F_VALUE, A_value, F_CREATED, head[2] or A_now, F_UPDATED, A_now, F_SIZE, #A_value, F_VERSION, A_version, F_EXPIRES, A_expires)
  if ttl ~= '' then redis.call('PEXPIRE', key, ttl) elseif cur and head[4] ~= '-1' then redis.call('PERSIST', key) end
  return 1
end
-- Everything below is for entries with memberships of some kind: helpers are created from here on.
--#include prelude.lua
local member = nil
local old_e = false
if cur then old_e = head[6] end
-- Limits. The rule (refuse, or which members go) is the index owner's, not this script's: for
-- each limited set the entry newly joins whose live members other than the entry number max or
-- more, the write needs a decision taken on exactly those members. Without one (or with one taken
-- on other members: its fingerprint no longer matches) it replies -2 with every such set, its
-- fingerprint and live members, having written nothing; the caller asks the owner and calls again
-- with A_decisions. Dead members found on the way are pruned (as every read does).
local victims = nil
if any_limit then
  helpers()
  member = member_of(key)
  local ns = ns_of(key)
  local pre, ipre = ns .. KIND_ENTRY .. ':{', ns .. KIND_INDEX .. ':'
  local decided = nil
  if A_decisions then
    decided = {}
    for line in string.gmatch(A_decisions, '[^\n]+') do
      local d, idx = {}, nil
      for w in string.gmatch(line, '%S+') do if idx then d[#d + 1] = w else idx = w end end
      if idx then decided[idx] = d end
    end
  end
  local asks, gone = nil, {}
  for t in string.gmatch(sig, '%S+') do
    local max = limit_of(t)
    local idx = ipre .. t
    if max and not (old_d and in_list(old_d, t)) then
      idx_touch(idx, now_ms())
      if redis.call('ZCARD', idx) >= max then
        -- Scores bound expiry from above, so some members may be gone already: count the live.
        local others, created = {}, {}
        for _, m in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
          if m ~= member then
            local c = live_created(pre, idx, m)
            if c then
              others[#others + 1] = m
              created[m] = c
            else
              redis.call('ZREM', idx, m)
            end
          end
        end
        if #others >= max then
          table.sort(others)
          local seen = {}
          for i = 1, #others do
            seen[2 * i - 1] = others[i]
            seen[2 * i] = created[others[i]]
          end
          local fp = redis.sha1hex(table.concat(seen, ' '))
          local d = decided and decided[idx]
          if d and d[1] == fp then
            -- Only live others of this set go (never the entry itself), each once.
            for i = 2, #d do
              local m = d[i]
              if created[m] and not gone[m] then
                gone[m] = true
                victims = victims or {}
                victims[#victims + 1] = m
              end
            end
          else
            local ask = {idx, fp}
            for i = 1, #seen do ask[i + 2] = seen[i] end
            asks = asks or {-2}
            asks[#asks + 1] = ask
          end
        end
      end
    end
  end
  if asks then return asks end
  -- Decided: now the write is certain, consume the guard.
  if consume then
    if mode == 'cas' then redis.call('DEL', K_guard) else redis.call('SREM', K_guard, A_token) end
  end
  if foreign then redis.call('UNLINK', key) end
  if publish then redis.call('PUBLISH', A_channel, A_message) end
end
local has_refs = cur and head[3]
-- Derived memberships written by a cache that declared them, re-written by one that does not:
-- kept, and scored like explicit back-references.
local foreign_d = not sig and cur and head[5]
-- Whether the old entry may have had no expiry (unknown counts as yes: it only costs a prune).
local was_unbounded = not head[4] or head[4] == '-1'
-- The expiry first where it can be (an existing key), so that one HSET writes every field.
local exp, exp_known = -1, ttl == ''
if not exp_known and cur then
  redis.call('PEXPIRE', key, ttl)
  exp = redis.call('PEXPIRETIME', key)
  exp_known = true
end
-- Memberships of every kind (explicit back-references, derived) are scored with one bound,
-- F_DERIVED_SCORE: the entry's expiry plus slack (a quarter of the TTL, at most a minute), so
-- that re-writes that stay within it (a session refreshed on every request) leave the index sets
-- alone: no HKEYS, no ZADD. A bound more than twice the slack above the expiry (a shortened TTL)
-- is re-scored, so a dead member does not linger long; readers check members against entries.
local rescore, e_new = false, old_e
local slack = 0
if ttl ~= '' then slack = math.min(math.floor(tonumber(ttl) / 4), 60000) end
if exp_known then
  if exp == -1 then
    rescore = old_e ~= 'inf'
    e_new = 'inf'
  else
    local bound = tonumber(old_e)
    rescore = not bound or bound < exp or bound > exp + 2 * slack
    if rescore then e_new = string.format('%.0f', exp + slack) end
  end
end
local c = head[2] or A_now
if sig and (changed or rescore or not exp_known) then
  if exp_known then
    redis.call('HSET', key, F_VALUE, A_value, F_CREATED, c, F_UPDATED, A_now, F_SIZE, #A_value, F_VERSION, A_version, F_EXPIRES, A_expires, F_DERIVED, sig, F_DERIVED_SCORE, e_new)
  else
    redis.call('HSET', key, F_VALUE, A_value, F_CREATED, c, F_UPDATED, A_now, F_SIZE, #A_value, F_VERSION, A_version, F_EXPIRES, A_expires, F_DERIVED, sig)
  end
elseif rescore then
  redis.call('HSET', key, F_VALUE, A_value, F_CREATED, c, F_UPDATED, A_now, F_SIZE, #A_value, F_VERSION, A_version, F_EXPIRES, A_expires, F_DERIVED_SCORE, e_new)
else
  redis.call('HSET', key, F_VALUE, A_value, F_CREATED, c, F_UPDATED, A_now, F_SIZE, #A_value, F_VERSION, A_version, F_EXPIRES, A_expires)
end
if not exp_known then
  redis.call('PEXPIRE', key, ttl)
  exp = redis.call('PEXPIRETIME', key)
  if sig then
    -- A new entry: nothing to compare with.
    rescore = true
    e_new = string.format('%.0f', exp + slack)
    redis.call('HSET', key, F_DERIVED_SCORE, e_new)
  end
elseif ttl == '' and cur and head[4] ~= '-1' then
  redis.call('PERSIST', key)
end
-- The usual re-write of an entry with memberships: the same ones, bound still good.
if not changed and not rescore then return 1 end
local dscore = e_new
if dscore == 'inf' then dscore = '+inf' end
local out = {1, dscore}
if rescore and (has_refs or foreign_d) then
  helpers()
  local refs = refs_of(key, foreign_d)
  if A_inline ~= '1' then
    -- Cluster: the sets live in other slots; the caller re-scores them with out[2].
    for _, r in ipairs(refs) do out[#out + 1] = r end
    return out
  end
  -- A member that joins prunes the set and fits its expiry to its highest score; one that stays
  -- only extends it (never shortens: a late expiry of the set is harmless, an early one is not),
  -- unless this entry was the unbounded member that kept the set alive.
  member = member or member_of(key)
  local from_unbounded = old_e == 'inf' or (not old_e and was_unbounded)
  for _, idx in ipairs(refs) do
    if redis.call('ZADD', idx, dscore, member) == 1 then
      idx_touch(idx, now_ms())
    else
      keep_alive(idx, from_unbounded, dscore)
    end
  end
end
if not sig or not (changed or rescore) then
  if #out == 2 then return 1 end
  return out
end
helpers()
member = member or member_of(key)
local ns = ns_of(key)
local ipre = ns .. KIND_INDEX .. ':'
-- Memberships as lists, split by hand (no pattern iterator).
local olds, news, pos = {}, {}, 2
if old_d then
  while true do
    local sp = string.find(old_d, ' ', pos, true)
    if not sp then break end
    olds[#olds + 1] = string.sub(old_d, pos, sp - 1)
    pos = sp + 1
  end
end
pos = 2
while true do
  local sp = string.find(sig, ' ', pos, true)
  if not sp then break end
  news[#news + 1] = string.sub(sig, pos, sp - 1)
  pos = sp + 1
end
for i = 1, #olds do
  local t, kept = olds[i], false
  for j = 1, #news do if news[j] == t then kept = true end end
  if not kept then redis.call('ZREM', ipre .. t, member) end
end
-- One join in eight (by the writer's clock) also prunes members scored below the server's clock,
-- so a set that is only ever joined cannot grow with dead members; reads and limits always prune.
local prune = tonumber(A_now) % 8 == 0
for i = 1, #news do
  local t, stays = news[i], false
  for j = 1, #olds do if olds[j] == t then stays = true end end
  local idx = ipre .. t
  if not stays then
    -- Joins (a member left behind by an expired entry joins all the same).
    redis.call('ZADD', idx, dscore, member)
    if prune then redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now_ms())) end
    -- A new set has no expiry yet: its expiry is set from its highest score, not extended.
    if dscore == '+inf' then redis.call('PERSIST', idx) else idx_fit(idx) end
  elseif rescore then
    redis.call('ZADD', idx, dscore, member)
    keep_alive(idx, old_e == 'inf', dscore)
  end
end
-- The members the limit decisions named leave, with all their memberships (reported: deleted).
if victims then
  local pre = ns .. KIND_ENTRY .. ':{'
  for _, m in ipairs(victims) do
    local e = pre .. m .. '}'
    for _, r in ipairs(refs_of(e, true)) do redis.call('ZREM', r, m) end
    redis.call('UNLINK', e)
    out[#out + 1] = m
  end
end
if #out == 2 then return 1 end
return out

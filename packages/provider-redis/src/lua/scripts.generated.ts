// Generated from src/lua/*.lua and src/protocol.ts by src/lua/codegen.ts: do not edit.
// Regenerate with `pnpm --filter @gocache/provider-redis generate`.

/** The full Lua source of each script (header, helpers where used, body). */
export const LUA_SOURCES = {
  write: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_VALUE, F_CREATED, F_UPDATED, F_SIZE, F_VERSION, F_EXPIRES, F_HAS_REFS, F_DERIVED, F_DERIVED_SCORE, F_REF_PREFIX = 'v', 'c', 'u', 's', 'n', 'x', 'r', 'd', 'e', 'i:'
local K_entry, K_guard = KEYS[1], KEYS[2]
local A_value, A_channel, A_message, A_expected, A_token, A_plan, A_sig, A_decisions = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local A_mode, A_ttl, A_expires, A_version, A_now, A_inline = string.match(ARGV[2], '^(%S*) (%S*) (%S*) (%S*) (%S*) (%S*)$')
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
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
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
    for line in string.gmatch(A_decisions, '[^\\n]+') do
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
`,
  touch: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_CREATED, F_VERSION, F_EXPIRES, F_HAS_REFS, F_DERIVED, F_DERIVED_SCORE, F_REF_PREFIX = 'c', 'n', 'x', 'r', 'd', 'e', 'i:'
local K_entry = KEYS[1]
local A_ttl, A_expires, A_inline, A_channel, A_message = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
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
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
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
`,
  delete: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_CREATED, F_DERIVED, F_REF_PREFIX = 'c', 'd', 'i:'
local K_entry, K_lock, K_marker = KEYS[1], KEYS[2], KEYS[3]
local A_inline, A_channel, A_message = ARGV[1], ARGV[2], ARGV[3]
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
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
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
`,
  meta: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_CREATED, F_UPDATED, F_SIZE, F_EXPIRES, F_DERIVED, F_REF_PREFIX = 'c', 'u', 's', 'x', 'd', 'i:'
local K_entry = KEYS[1]
-- Returns {created, updated, stored expiry ('' if none), size, the key's own expiry (-1 never),
-- index set keys...} or {} when absent; the caller decides which expiry counts (entry-reads.ts).
local key = K_entry
local m = redis.call('HMGET', key, F_CREATED, F_UPDATED, F_SIZE, F_EXPIRES)
if not m[1] then return {} end
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
helpers()
local out = {m[1], m[2], m[4] or '', m[3], redis.call('PEXPIRETIME', key)}
for _, r in ipairs(refs_of(key, true)) do out[#out + 1] = r end
return out
`,
  refAdd: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_CREATED, F_VERSION, F_HAS_REFS, F_DERIVED, F_DERIVED_SCORE, F_REF_PREFIX = 'c', 'n', 'r', 'd', 'e', 'i:'
local K_entry = KEYS[1]
local A_index, A_inline = ARGV[1], ARGV[2]
-- Add the back-reference to index set A_index (and, inline, the member to the set). Returns false
-- when the entry is absent, else the member's score: the entry's membership bound (F_DERIVED_SCORE,
-- at or above its expiry; see write.lua), established here as the exact expiry when it has none.
if redis.call('HEXISTS', K_entry, F_VERSION) == 0 then return false end
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
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
`,
  refRemove: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_CREATED, F_DERIVED, F_REF_PREFIX = 'c', 'd', 'i:'
local K_entry = KEYS[1]
local A_index, A_inline = ARGV[1], ARGV[2]
-- Drop the back-reference to index set A_index (and, inline, the member from the set).
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
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
`,
  indexAdd: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_CREATED, F_DERIVED, F_REF_PREFIX = 'c', 'd', 'i:'
local K_index = KEYS[1]
local A_score, A_member = ARGV[1], ARGV[2]
-- Add (or re-score) a member and prune expired ones (the cluster path, after the entry's script).
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
helpers()
redis.call('ZADD', K_index, A_score, A_member)
idx_touch(K_index, now_ms())
return 1
`,
  indexRead: `-- generated header: names from src/protocol.ts
local KIND_ENTRY, KIND_INDEX = 'e', 'i'
local F_CREATED, F_DERIVED, F_REF_PREFIX = 'c', 'd', 'i:'
local K_index = KEYS[1]
local A_entryPrefix, A_inline = ARGV[1], ARGV[2]
-- Prune expired members and return the rest; inline, also drop members whose entry is gone or no
-- longer references the set (repair) and return only live ones.
-- Helpers shared by the scripts, created by a call of helpers() where a script first needs them
-- (each closure a script creates costs Redis time, and the usual write needs none).
-- Layout (see src/protocol.ts): an entry key is <ns><KIND_ENTRY>:{<member>}; index set keys are
-- <ns><KIND_INDEX>:<index>:<index key>, and the derived field names an entry's derived sets by
-- '<index>:<index key>' each between spaces.
local now_ms, fmt, ns_of, member_of, refs_of, in_list, live_created, idx_fit, idx_touch, score_of, keep_alive, limit_of
local function helpers()
  if now_ms then return end
  now_ms = function()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  fmt = function(n) return string.format('%.0f', n) end
  ns_of = function(key) return string.sub(key, 1, string.find(key, '{', 1, true) - #KIND_ENTRY - 2) end
  member_of = function(key) return string.sub(key, string.find(key, '{', 1, true) + 1, -2) end
  -- The index sets an entry is in: its explicit back-references and, with derived = true, its
  -- derived memberships.
  refs_of = function(key, derived)
    local out = {}
    local has_d = false
    local rp = #F_REF_PREFIX
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, rp) == F_REF_PREFIX then out[#out + 1] = string.sub(f, rp + 1)
      elseif f == F_DERIVED then has_d = true end
    end
    if derived and has_d then
      local ipre = ns_of(key) .. KIND_INDEX .. ':'
      for t in string.gmatch(redis.call('HGET', key, F_DERIVED), '%S+') do out[#out + 1] = ipre .. t end
    end
    return out
  end
  in_list = function(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
  -- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
  -- <ns><KIND_ENTRY>:{); its created time when so, else nil. A derived member's score bounds its
  -- entry's expiry from above, so a member scored in the future may still be gone.
  live_created = function(pre, idx, m)
    local f = redis.pcall('HMGET', pre .. m .. '}', F_CREATED, F_DERIVED, F_REF_PREFIX .. idx)
    if f.err or not f[1] then return nil end
    local ipre = string.sub(pre, 1, #pre - #KIND_ENTRY - 2) .. KIND_INDEX .. ':'
    if f[3] or (f[2] and in_list(f[2], string.sub(idx, #ipre + 1))) then return f[1] end
    return nil
  end
  -- An index set's expiry is its highest score (members with an infinite score keep it forever).
  idx_fit = function(idx)
    local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
    if #top == 0 then return end
    if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
  end
  idx_touch = function(idx, now)
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
    idx_fit(idx)
  end
  score_of = function(x) if tonumber(x) == -1 then return '+inf' end return x end
  -- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
  -- member that kept the set alive: then the expiry is fitted to the highest score again.
  keep_alive = function(idx, from_unbounded, score)
    if from_unbounded and score ~= '+inf' then idx_fit(idx)
    elseif score == '+inf' then redis.call('PERSIST', idx)
    else redis.call('PEXPIREAT', idx, score, 'GT') end
  end
  -- The write's plan (A_plan): the limit (max) of a derived membership '<index>:<index key>', nil
  -- when its index has none. What happens past it is the index owner's decision (A_decisions).
  local plan_limits
  limit_of = function(t)
    if not plan_limits then
      plan_limits = {}
      for name, max in string.gmatch(A_plan, '\\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end
helpers()
idx_touch(K_index, now_ms())
local members = redis.call('ZRANGE', K_index, 0, -1)
if A_inline ~= '1' then return members end
local live = {}
for _, m in ipairs(members) do
  if live_created(A_entryPrefix, K_index, m) then live[#live + 1] = m else redis.call('ZREM', K_index, m) end
end
return live
`,
  lockRelease: `-- generated header: names from src/protocol.ts
local K_lock = KEYS[1]
local A_token = ARGV[1]
-- Delete the lock only if this token still holds it.
if redis.call('GET', K_lock) == A_token then return redis.call('DEL', K_lock) end
return 0
`,
  lockExtend: `-- generated header: names from src/protocol.ts
local K_lock = KEYS[1]
local A_token, A_ttl = ARGV[1], ARGV[2]
-- Extend the lease only if this token still holds the lock.
if redis.call('GET', K_lock) == A_token then return redis.call('PEXPIRE', K_lock, A_ttl) end
return 0
`,
  markBegin: `-- generated header: names from src/protocol.ts
local K_marker = KEYS[1]
local A_token, A_ttl = ARGV[1], ARGV[2]
-- A load starts without the lock: its token joins the key's markers, whose lease covers the
-- longest load in flight. Every removal of the key deletes the markers.
redis.call('SADD', K_marker, A_token)
redis.call('PEXPIRE', K_marker, A_ttl, 'GT')
if redis.call('PTTL', K_marker) < 0 then redis.call('PEXPIRE', K_marker, A_ttl) end
return 1
`,
  markExtend: `-- generated header: names from src/protocol.ts
local K_marker = KEYS[1]
local A_token, A_ttl, A_end = ARGV[1], ARGV[2], ARGV[3]
-- While the token is among the markers: extend their lease (A_end ~= '1') or drop the token.
-- Returns 1 while the token was there, 0 once a removal took it.
if redis.call('SISMEMBER', K_marker, A_token) == 0 then return 0 end
if A_end == '1' then
  redis.call('SREM', K_marker, A_token)
else
  redis.call('PEXPIRE', K_marker, A_ttl, 'GT')
end
return 1
`,
  flightsAdd: `-- generated header: names from src/protocol.ts
local K_flights = KEYS[1]
local A_score, A_member, A_stale, A_ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
-- Register (or extend) a load in flight: member A_member scored A_score (the end of its lease).
-- Entries of loads that ended without unregistering (a crashed process) are pruned once their
-- lease is A_stale ms past, and the registry expires on its own A_ttl ms after its last load.
redis.call('ZADD', K_flights, A_score, A_member)
redis.call('ZREMRANGEBYSCORE', K_flights, '-inf', '(' .. A_stale)
-- Only ever extended (another process may use a longer lease); a new registry has no expiry yet.
if redis.call('PEXPIRE', K_flights, A_ttl, 'GT') == 0 and redis.call('PTTL', K_flights) == -1 then
  redis.call('PEXPIRE', K_flights, A_ttl)
end
return 1
`,
  mget: `-- generated header: names from src/protocol.ts
local F_VALUE = 'v'
-- Each entry's value: nil for a missing one, 0 for foreign data (not a hash). One command and one
-- reply for a whole getMany (single server; KEYS are entry keys).
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.pcall('HGET', k, F_VALUE)
  if type(v) == 'table' then out[i] = 0 else out[i] = v end
end
return out
`,
} as const;

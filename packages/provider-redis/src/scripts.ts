import { createHash } from 'node:crypto';

/** A Lua script, run by SHA (`EVALSHA`) and re-sent in full (`EVAL`) on `NOSCRIPT`. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, body: string, prelude = PRELUDE): LuaScript {
  const source = prelude + body;
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

// Entry hash fields: v value, c created, u updated, s size, n version, p 1 when it has no expiry
// (else 0); explicit back-references `i:<index set key>` (addIndex) and, once an entry has had
// any, the marker `r` (so the small script can tell without listing fields); value-derived
// memberships (single server only) as `d`, the set keys each between spaces, with `e`, the score
// the entry has in those sets: its expiry plus some slack ('inf' when it never expires), an upper
// bound that lets re-writes keep the sets as they are. Expiry is the key's own (PEXPIRETIME, the
// server's clock); created and updated are the writing process's clock (ARGV), which costs no TIME
// call per write. On a standalone server (ARGV "inline" = 1) scripts also maintain the index sets
// named by the back-references, atomically; on a cluster those live in other slots, so scripts
// return them and the store updates the sets afterwards (reads repair what a crash leaves behind).
// Index sets prune members scored below the server's clock; readers check the rest are alive.
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.0f', n) end
-- An entry key is <ns>e:{<member>} (no '{' before the member's); index set keys are
-- <ns>i:<index>:<index key>, and 'd' names an entry's derived sets by '<index>:<index key>'.
local function ns_of(key) return string.sub(key, 1, string.find(key, '{', 1, true) - 3) end
-- The index sets an entry is in: its explicit back-references ('i:<set>' fields) and, with
-- derived = true, its derived memberships ('d').
local function refs_of(key, derived)
  local out = {}
  local has_d = false
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if string.sub(f, 1, 2) == 'i:' then out[#out + 1] = string.sub(f, 3)
    elseif f == 'd' then has_d = true end
  end
  if derived and has_d then
    local ipre = ns_of(key) .. 'i:'
    for t in string.gmatch(redis.call('HGET', key, 'd'), '%S+') do out[#out + 1] = ipre .. t end
  end
  return out
end
local function in_list(list, t) return string.find(list, ' ' .. t .. ' ', 1, true) ~= nil end
-- Whether member m of set idx is alive and still in it (entry key = pre .. m .. '}', pre =
-- <ns>e:{); its created time when so, else nil. A derived member's score bounds its entry's
-- expiry from above, so a member scored in the future may still be gone.
local function live_created(pre, idx, m)
  local f = redis.pcall('HMGET', pre .. m .. '}', 'c', 'd', 'i:' .. idx)
  if f.err or not f[1] then return nil end
  if f[3] or (f[2] and in_list(f[2], string.sub(idx, #pre))) then return f[1] end
  return nil
end
-- An index set's expiry is its highest score (members with an infinite score keep it forever).
local function idx_fit(idx)
  local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if #top == 0 then return end
  if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
end
local function idx_touch(idx, now)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
  idx_fit(idx)
end
local function score_of(x) if tonumber(x) == -1 then return '+inf' end return x end
-- A member that stays extends its set's expiry (never shortens it), unless it was the unbounded
-- member that kept the set alive: then the expiry is fitted to the highest score again.
local function keep_alive(idx, from_unbounded, score)
  if from_unbounded and score ~= '+inf' then idx_fit(idx)
  elseif score == '+inf' then redis.call('PERSIST', idx)
  else redis.call('PEXPIREAT', idx, score, 'GT') end
end
-- WRITE's plan (ARGV[10]): {max or nil, r|e} for a derived membership '<index>:<index key>', nil
-- for a membership of an index that is not derived.
local plan_limits
local function limit_of(t)
  if not plan_limits then
    plan_limits = {}
    for name, max, how in string.gmatch(ARGV[10], '(%S+) (%S+) (%S+)') do plan_limits[name] = {tonumber(max), how} end
  end
  return plan_limits[string.match(t, '^[^:]*')]
end
`;

/**
 * The prelude with its functions created by a call of `helpers()` instead of on every run: for
 * WRITE, whose usual path needs none of them (each closure a script creates costs Redis time).
 */
const PRELUDE_NAMES = [...PRELUDE.matchAll(/^local function (\w+)\(/gm)].map((m) => m[1]);
const LAZY_PRELUDE = `
local ${PRELUDE_NAMES.join(', ')}
local function helpers()
if now_ms then return end
${PRELUDE.replace(/^local function (\w+)\(/gm, '$1 = function(')}
end
`;

/**
 * KEYS: entry[, lock (fence) | update ticket (cas)]. ARGV: mode (set|nx|xx|cas|fence), value, ttl
 * ('' = none), new version, expected version (cas; '' = must be absent), inline, member, lock or
 * ticket token (a cas fails while another token holds the ticket), the writer's clock (epoch ms,
 * for created/updated); then, only for derived indexes (single server), the plan and the
 * membership signature (see `DerivedArgs`).
 * Returns {written(0|1), expires, refs...} on a cluster (the caller re-scores refs), or
 * {written, expires, evicted members...} inline, where a write that evicted nothing answers a bare
 * 1 (a reply table costs Redis more to build); {-1, index set key} when a reject limit refuses.
 * A cas whose new version is already stored reports 1: a retry after an unknown outcome is safe.
 * A cas expecting `!foreign` replaces foreign data (a non-hash) read as a miss.
 */
export const WRITE = script(
  'write',
  `
local key, mode, member = KEYS[1], ARGV[1], ARGV[7]
-- One read answers "is it ours?", "does it exist?" (version), "since when?" (created), "has it
-- explicit back-references?" (r), "did it last have no expiry?" (p; absent when a small write
-- made it), and "which derived index sets is it in, scored how?" (d, e).
local head = redis.pcall('HMGET', key, 'n', 'c', 'r', 'p', 'd', 'e')
if head.err then
  -- Foreign data: 'set' replaces it, and so do a lock holder's store and a cas that read it as a
  -- miss (onDecodeError 'miss'); conditional writes refuse it.
  if mode == 'set' or mode == 'fence' or (mode == 'cas' and ARGV[5] == '!foreign') then
    redis.call('UNLINK', key)
    head = {false, false, false, false, false, false}
  else
    return redis.error_reply('WRONGTYPE foreign data under the key')
  end
end
local cur = head[1]
if mode == 'nx' then if cur then return {0} end
elseif mode == 'xx' then if not cur then return {0} end
elseif mode == 'cas' then
  if cur == ARGV[4] then return {1} end
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[8] then return {0} end
  local want = ARGV[5]
  if want == '!foreign' then want = '' end
  if want == '' then if cur then return {0} end elseif cur ~= want then return {0} end
  if holder then redis.call('DEL', KEYS[2]) end
elseif mode == 'fence' then
  if redis.call('GET', KEYS[2]) ~= ARGV[8] then return {0} end
end
-- Derived memberships (single server): ARGV[10] the plan ('L' when some index has a limit, else
-- '-', then '<index> <max or -> <r|e>' per derived index), ARGV[11] the signature (the value's
-- memberships, '<index>:<index key>' each between spaces: what 'd' keeps). A script call costs
-- Redis about as much per closure, table or string it makes as per command, so the usual paths
-- below make none they can avoid: helpers are created where first needed.
local sig = ARGV[11]
local old_d, old_e = false, false
if sig and cur then old_d, old_e = head[5], head[6] end
local changed = sig and sig ~= old_d
local any_limit = changed and string.byte(ARGV[10], 1) == 76
if any_limit then
  -- Reject limits first, so a refused write leaves everything as it was.
  helpers()
  local ns = ns_of(key)
  local pre, ipre = ns .. 'e:{', ns .. 'i:'
  for t in string.gmatch(sig, '%S+') do
    local l = limit_of(t)
    local idx = ipre .. t
    if l and l[1] and l[2] == 'r' and not (old_d and in_list(old_d, t)) and not redis.call('ZSCORE', idx, member) then
      idx_touch(idx, now_ms())
      if redis.call('ZCARD', idx) >= l[1] then
        -- Scores bound expiry from above, so some members may be gone already: count the live.
        local n = 0
        for _, m in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
          if live_created(pre, idx, m) then n = n + 1 else redis.call('ZREM', idx, m) end
        end
        if n >= l[1] then return {-1, idx} end
      end
    end
  end
end
-- Only an entry marked 'r' has explicit back-references: skip HKEYS for the rest.
local has_refs = cur and head[3]
-- Whether the old entry may have had no expiry (unknown counts as yes: it only costs a prune).
local was_unbounded = head[4] ~= '0'
local ttl = ARGV[3]
local unbounded = '0'
if ttl == '' then unbounded = '1' end
-- The expiry first where it can be (an existing key), so that one HSET writes every field.
local exp, exp_known = -1, ttl == ''
if not exp_known and cur then
  redis.call('PEXPIRE', key, ttl)
  exp = redis.call('PEXPIRETIME', key)
  exp_known = true
end
-- Derived memberships: the score 'e' of the entry in its sets bounds its expiry from above, with
-- slack (a quarter of the TTL, at most a minute), so that re-writes that keep their memberships
-- and stay within that bound (a session refreshed on every request) leave the index sets alone.
-- A bound more than twice the slack above the expiry (a shortened TTL) is re-scored, so a dead
-- member does not linger long.
local rescore, e_new = false, old_e
local slack = 0
if ttl ~= '' then slack = math.min(math.floor(tonumber(ttl) / 4), 60000) end
if sig and exp_known then
  if exp == -1 then
    rescore = old_e ~= 'inf'
    e_new = 'inf'
  else
    local bound = tonumber(old_e)
    rescore = not bound or bound < exp or bound > exp + 2 * slack
    if rescore then e_new = string.format('%.0f', exp + slack) end
  end
end
local c = head[2] or ARGV[9]
if not (changed or rescore or (sig and not exp_known)) then
  redis.call('HSET', key, 'v', ARGV[2], 'c', c, 'u', ARGV[9], 's', #ARGV[2], 'n', ARGV[4], 'p', unbounded)
elseif exp_known then
  redis.call('HSET', key, 'v', ARGV[2], 'c', c, 'u', ARGV[9], 's', #ARGV[2], 'n', ARGV[4], 'p', unbounded, 'd', sig, 'e', e_new)
else
  redis.call('HSET', key, 'v', ARGV[2], 'c', c, 'u', ARGV[9], 's', #ARGV[2], 'n', ARGV[4], 'p', unbounded, 'd', sig)
end
if not exp_known then
  redis.call('PEXPIRE', key, ttl)
  exp = redis.call('PEXPIRETIME', key)
  if sig then
    -- A new entry: nothing to compare with.
    rescore = true
    e_new = string.format('%.0f', exp + slack)
    redis.call('HSET', key, 'e', e_new)
  end
elseif ttl == '' and cur and head[4] ~= '1' then
  -- (An entry written without expiry has none: p = 1.)
  redis.call('PERSIST', key)
end
-- The usual re-write: same memberships, bound still good. Nothing else to do (and a bare number
-- for a reply: a table costs Redis more to convert).
if sig and not changed and not rescore and not has_refs then return 1 end
-- Derived memberships written by a cache that declared them, re-written by one that does not:
-- kept, and scored like explicit back-references (exactly), with 'e' saying so.
local foreign_d = not sig and cur and head[5]
local out = {1, exp}
if has_refs or foreign_d then
  helpers()
  local refs = refs_of(key, foreign_d)
  if foreign_d then
    if exp == -1 then redis.call('HSET', key, 'e', 'inf') else redis.call('HSET', key, 'e', fmt(exp)) end
  end
  if ARGV[6] ~= '1' then
    for _, r in ipairs(refs) do out[#out + 1] = r end
    return out
  end
  -- Explicit back-references are scored with the exact expiry: a member that joins prunes the set
  -- and fits its expiry to its highest score; one that stays only extends it (never shortens: a
  -- late expiry of the set is harmless, an early one is not), unless this entry was the unbounded
  -- member that kept the set alive. Ones under a derived index's prefix were left by an older
  -- layout (derived memberships now live in 'd'): dropped here, and re-added below if the value
  -- still derives them.
  local score = score_of(exp)
  local ipre = ns_of(key) .. 'i:'
  for _, idx in ipairs(refs) do
    if sig and string.sub(idx, 1, #ipre) == ipre and limit_of(string.sub(idx, #ipre + 1)) then
      redis.call('HDEL', key, 'i:' .. idx)
      redis.call('ZREM', idx, member)
    elseif redis.call('ZADD', idx, score, member) == 1 then
      idx_touch(idx, now_ms())
    else
      keep_alive(idx, was_unbounded, score)
    end
  end
end
-- Inline, the caller only needs evicted members: a bare 1 when there are none.
if not changed and not rescore then
  if #out == 2 then return 1 end
  return out
end
local b = string.find(key, '{', 1, true)
local ns = string.sub(key, 1, b - 3)
local ipre = ns .. 'i:'
local dscore = e_new
if dscore == 'inf' then dscore = '+inf' end
-- Memberships as lists, split by hand (no pattern iterator, no helper).
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
local prune = tonumber(ARGV[9]) % 8 == 0
for i = 1, #news do
  local t, stays = news[i], false
  for j = 1, #olds do if olds[j] == t then stays = true end end
  local idx = ipre .. t
  if not stays then
    -- Joins (a member left behind by an expired entry joins all the same).
    redis.call('ZADD', idx, dscore, member)
    if prune then
      helpers()
      redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now_ms()))
    end
    -- A new set has no expiry yet: its expiry is set from its highest score, not extended.
    if dscore == '+inf' then
      redis.call('PERSIST', idx)
    else
      helpers()
      idx_fit(idx)
    end
    local l
    if any_limit then
      helpers()
      l = limit_of(t)
    end
    if l and l[1] and l[2] == 'e' then
      local pre = ns .. 'e:{'
      local others = {}
      for _, m in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
        if m ~= member then
          local created = live_created(pre, idx, m)
          if created then others[#others + 1] = {m, tonumber(created)} else redis.call('ZREM', idx, m) end
        end
      end
      local excess = #others + 1 - l[1]
      if excess > 0 then
        table.sort(others, function(x, y) if x[2] ~= y[2] then return x[2] < y[2] end return x[1] < y[1] end)
        for k = 1, excess do
          local m = others[k][1]
          local e = pre .. m .. '}'
          for _, r in ipairs(refs_of(e, true)) do redis.call('ZREM', r, m) end
          redis.call('UNLINK', e)
          out[#out + 1] = m
        end
      end
    end
  elseif rescore then
    redis.call('ZADD', idx, dscore, member)
    helpers()
    keep_alive(idx, old_e == 'inf', dscore)
  end
end
if #out == 2 then return 1 end
return out
`,
  LAZY_PRELUDE,
);

/**
 * The common write, kept as small as possible: every \`redis.call\` costs Redis about a
 * microsecond, so this is one HMGET, one HSET and one PEXPIRE (no TIME, no prelude of helper
 * functions, no reply table). For an entry without index memberships and no derived indexes.
 * KEYS: entry[, lock (fence) | update ticket (cas)]. ARGV: mode (set|nx|xx|cas|fence), value, ttl
 * ('' = none), new version, expected version (cas; '' = must be absent), lock or ticket token, the
 * writer's clock (epoch ms). Returns 1 written, 0 not, or -2 without touching anything when the
 * entry has back-references or foreign data is stored under the key: the caller then runs
 * \`WRITE\`, which handles both.
 */
export const WRITE_PLAIN = script(
  'write_plain',
  `
local key, mode = KEYS[1], ARGV[1]
local head = redis.pcall('HMGET', key, 'n', 'c', 'r', 'd')
if head.err or head[3] or head[4] then return -2 end
local cur = head[1]
if mode == 'nx' then if cur then return 0 end
elseif mode == 'xx' then if not cur then return 0 end
elseif mode == 'cas' then
  if cur == ARGV[4] then return 1 end
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[6] then return 0 end
  if ARGV[5] == '' then if cur then return 0 end elseif cur ~= ARGV[5] then return 0 end
  if holder then redis.call('DEL', KEYS[2]) end
elseif mode == 'fence' then
  if redis.call('GET', KEYS[2]) ~= ARGV[6] then return 0 end
end
local now, ttl = ARGV[7], ARGV[3]
-- p: whether the entry has no expiry (WRITE needs it once the entry has index memberships).
local unbounded = '0'
if ttl == '' then unbounded = '1' end
redis.call('HSET', key, 'v', ARGV[2], 'c', head[2] or now, 'u', now, 's', #ARGV[2], 'n', ARGV[4], 'p', unbounded)
if ttl ~= '' then redis.call('PEXPIRE', key, ttl) elseif cur then redis.call('PERSIST', key) end
return 1
`,
  '',
);

/** KEYS: entry. ARGV: inline, member. Returns {removed(0|1), refs...}; refs only when not inline. */
export const DELETE = script(
  'delete',
  `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {0} end
if redis.call('TYPE', key).ok ~= 'hash' then redis.call('UNLINK', key) return {1} end
local refs = refs_of(key, true)
redis.call('UNLINK', key)
if ARGV[1] == '1' then
  for _, idx in ipairs(refs) do redis.call('ZREM', idx, ARGV[2]) end
  return {1}
end
local out = {1}
for _, r in ipairs(refs) do out[#out + 1] = r end
return out
`,
);

/** KEYS: entry. Returns {created, updated, expires (-1 never), size, refs...} or {} when absent. */
export const META = script(
  'meta',
  `
local key = KEYS[1]
local m = redis.call('HMGET', key, 'c', 'u', 's')
if not m[1] then return {} end
local out = {m[1], m[2], redis.call('PEXPIRETIME', key), m[3]}
for _, r in ipairs(refs_of(key, true)) do out[#out + 1] = r end
return out
`,
);

/**
 * KEYS: entry. ARGV: index set key, member, inline. Adds the back-reference (and, inline, the
 * member). Returns false when the entry is absent, else the index score for the member.
 */
export const REF_ADD = script(
  'ref_add',
  `
if redis.call('HEXISTS', KEYS[1], 'n') == 0 then return false end
local x = redis.call('PEXPIRETIME', KEYS[1])
redis.call('HSET', KEYS[1], 'i:' .. ARGV[1], '1', 'r', '1')
if ARGV[3] == '1' then
  redis.call('ZADD', ARGV[1], score_of(x), ARGV[2])
  idx_touch(ARGV[1], now_ms())
end
return score_of(x)
`,
);

/** KEYS: entry. ARGV: index set key, member, inline. Drops the back-reference (and, inline, the member). */
export const REF_REMOVE = script(
  'ref_remove',
  `
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('TYPE', KEYS[1]).ok == 'hash' then
  redis.call('HDEL', KEYS[1], 'i:' .. ARGV[1])
  -- A derived membership taken away by hand: out of 'd' too, so the next write re-derives it.
  local d = redis.call('HGET', KEYS[1], 'd')
  local ipre = ns_of(KEYS[1]) .. 'i:'
  if d and string.sub(ARGV[1], 1, #ipre) == ipre then
    local s, e = string.find(d, ' ' .. string.sub(ARGV[1], #ipre + 1) .. ' ', 1, true)
    if s then redis.call('HSET', KEYS[1], 'd', string.sub(d, 1, s) .. string.sub(d, e + 1)) end
  end
end
if ARGV[3] == '1' then redis.call('ZREM', ARGV[1], ARGV[2]) end
return 1
`,
);

/** KEYS: index set. ARGV: score, member. Adds a member and prunes expired ones (cluster path). */
export const INDEX_ADD = script(
  'index_add',
  `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
idx_touch(KEYS[1], now_ms())
return 1
`,
);

/**
 * KEYS: index set. ARGV: entry key prefix, inline. Prunes expired members and returns the rest;
 * inline, it also drops members whose entry is gone or no longer references the set (repair) and
 * returns only live ones.
 */
export const INDEX_READ = script(
  'index_read',
  `
local idx = KEYS[1]
idx_touch(idx, now_ms())
local members = redis.call('ZRANGE', idx, 0, -1)
if ARGV[2] ~= '1' then return members end
local live = {}
for _, m in ipairs(members) do
  if live_created(ARGV[1], idx, m) then live[#live + 1] = m else redis.call('ZREM', idx, m) end
end
return live
`,
);

/** KEYS: lock. ARGV: token. Deletes the lock only if this token still holds it. */
export const LOCK_RELEASE = script(
  'lock_release',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/** KEYS: lock. ARGV: token, ttl ms. Extends the lease only if this token still holds it. */
export const LOCK_EXTEND = script(
  'lock_extend',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
);

/**
 * KEYS: entries (single server; up to `BATCH_CHUNK` per call). Returns each entry's value, nil for
 * a missing one and 0 for foreign data (not a hash): one command and one reply for a whole
 * `getMany`, instead of one HGET (and one client-side command object) per key.
 */
export const MGET = script(
  'mget',
  `
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.pcall('HGET', k, 'v')
  if type(v) == 'table' then out[i] = 0 else out[i] = v end
end
return out
`,
);

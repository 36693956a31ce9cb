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
`;

/**
 * The prelude with its functions created by a call of `helpers()` instead of on every run: for
 * WRITE, whose usual path needs none of them (each closure a script creates costs Redis time).
 */
const PRELUDE_NAMES = [...PRELUDE.matchAll(/^local function (\w+)\(/gm)].map((m) => m[1]);
const LAZY_PRELUDE = `
local ${PRELUDE_NAMES.join(', ')}
local function helpers()
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
-- memberships, '<index>:<index key>' each between spaces: what 'd' keeps). Lua string work costs
-- as much as a command here, so lists are split only when memberships change, and the plan is
-- parsed only when a limit may apply.
local sig = ARGV[11]
local old_d, old_e = false, false
local any_limit = sig and string.byte(ARGV[10], 1) == 76
local pre, ipre, limits, olds, news
local split, has, prepare, limit_of
-- Everything past the usual re-write: the prelude's functions and these.
local function slow_path()
  if split then return end
  helpers()
  split = function(list)
    local out, pos = {}, 2
    while true do
      local sp = string.find(list, ' ', pos, true)
      if not sp then return out end
      out[#out + 1] = string.sub(list, pos, sp - 1)
      pos = sp + 1
    end
  end
  has = function(list, t)
    for i = 1, #list do if list[i] == t then return true end end
    return false
  end
  prepare = function()
    if news then return end
    local ns = ns_of(key)
    pre, ipre = ns .. 'e:{', ns .. 'i:'
    news = split(sig)
    if old_d then olds = split(old_d) else olds = {} end
  end
  -- The plan's {max or nil, r|e} for a membership; nil for an index that is not derived.
  limit_of = function(t)
    if not limits then
      limits = {}
      for name, max, how in string.gmatch(ARGV[10], '(%S+) (%S+) (%S+)') do limits[name] = {tonumber(max), how} end
    end
    return limits[string.match(t, '^[^:]*')]
  end
end
if sig then
  if cur then old_d, old_e = head[5], head[6] end
  -- Reject limits first, so a refused write leaves everything as it was.
  if sig ~= old_d and any_limit then
    slow_path()
    prepare()
    for _, t in ipairs(news) do
      local l = limit_of(t)
      local idx = ipre .. t
      if l and l[1] and l[2] == 'r' and not has(olds, t) and not redis.call('ZSCORE', idx, member) then
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
-- slack, so that re-writes that keep their memberships and stay within that bound (a session
-- refreshed on every request) leave the index sets alone. A bound more than twice the slack
-- above the expiry (a shortened TTL) is re-scored, so a dead member does not linger long.
local rescore, e_new = false, old_e
local function bound_for(x)
  if x == -1 then
    rescore = old_e ~= 'inf'
    e_new = 'inf'
  else
    local slack = math.min(math.floor(tonumber(ttl) / 4), 60000)
    local bound = tonumber(old_e)
    rescore = not bound or bound < x or bound > x + 2 * slack
    if rescore then e_new = string.format('%.0f', x + slack) else e_new = old_e end
  end
end
local fields = {'v', ARGV[2], 'c', head[2] or ARGV[9], 'u', ARGV[9], 's', #ARGV[2], 'n', ARGV[4], 'p', unbounded}
local e_written = true
if sig then
  if exp_known then bound_for(exp) end
  if sig ~= old_d or rescore or not exp_known then
    fields[#fields + 1] = 'd'
    fields[#fields + 1] = sig
    if exp_known then
      fields[#fields + 1] = 'e'
      fields[#fields + 1] = e_new
    else
      e_written = false
    end
  end
end
redis.call('HSET', key, unpack(fields))
if not exp_known then
  redis.call('PEXPIRE', key, ttl)
  exp = redis.call('PEXPIRETIME', key)
  if sig then
    bound_for(exp)
    redis.call('HSET', key, 'e', e_new)
  end
elseif ttl == '' and cur and head[4] ~= '1' then
  -- (An entry written without expiry has none: p = 1.)
  redis.call('PERSIST', key)
end
-- The usual re-write: same memberships, bound still good. Nothing else to do (and a bare number
-- for a reply: a table costs Redis more to convert).
if sig and sig == old_d and not rescore and not has_refs then return 1 end
slow_path()
-- Derived memberships written by a cache that declared them, re-written by one that does not:
-- kept, and scored like explicit back-references (exactly), with 'e' saying so.
local foreign_d = not sig and cur and head[5]
local refs = {}
if has_refs or foreign_d then refs = refs_of(key, foreign_d) end
if foreign_d then
  if exp == -1 then redis.call('HSET', key, 'e', 'inf') else redis.call('HSET', key, 'e', fmt(exp)) end
end
local out = {1, exp}
if ARGV[6] ~= '1' then
  for _, r in ipairs(refs) do out[#out + 1] = r end
  return out
end
-- An index set must outlive its members: its expiry is its highest score. A member that stays
-- only extends it (never shortens: a late expiry of the set is harmless, an early one is not),
-- unless this entry was the unbounded member that kept the set alive.
local function keep_alive(idx, from_unbounded, score)
  if from_unbounded and score ~= '+inf' then idx_fit(idx)
  elseif score == '+inf' then redis.call('PERSIST', idx)
  else redis.call('PEXPIREAT', idx, score, 'GT') end
end
-- Explicit back-references are scored with the exact expiry. Ones under a derived index's prefix
-- were left by an older layout (derived memberships now live in 'd'): dropped here, and re-added
-- below if the value still derives them.
local score = score_of(exp)
if sig then prepare() end
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
-- Inline, the caller only needs evicted members: a bare 1 when there are none.
if not sig or (sig == old_d and not rescore) then
  if #out == 2 then return 1 end
  return out
end
local dscore = e_new
if dscore == 'inf' then dscore = '+inf' end
for _, t in ipairs(olds) do
  if not has(news, t) then redis.call('ZREM', ipre .. t, member) end
end
-- One join in eight (by the writer's clock) also prunes members scored below the server's clock,
-- so a set that is only ever joined cannot grow with dead members; reads and limits always prune.
local prune = tonumber(ARGV[9]) % 8 == 0
for _, t in ipairs(news) do
  local idx = ipre .. t
  if not has(olds, t) then
    -- Joins (a member left behind by an expired entry joins all the same).
    redis.call('ZADD', idx, dscore, member)
    if prune then redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now_ms())) end
    -- A new set has no expiry yet: its expiry is set from its highest score, not extended.
    if dscore == '+inf' then redis.call('PERSIST', idx) else idx_fit(idx) end
    local l = any_limit and limit_of(t)
    if l and l[1] and l[2] == 'e' then
      local others = {}
      for _, m in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
        if m ~= member then
          local c = live_created(pre, idx, m)
          if c then others[#others + 1] = {m, tonumber(c)} else redis.call('ZREM', idx, m) end
        end
      end
      local excess = #others + 1 - l[1]
      if excess > 0 then
        table.sort(others, function(a, b) if a[2] ~= b[2] then return a[2] < b[2] end return a[1] < b[1] end)
        for i = 1, excess do
          local m = others[i][1]
          local e = pre .. m .. '}'
          for _, r in ipairs(refs_of(e, true)) do redis.call('ZREM', r, m) end
          redis.call('UNLINK', e)
          out[#out + 1] = m
        end
      end
    end
  elseif rescore then
    redis.call('ZADD', idx, dscore, member)
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

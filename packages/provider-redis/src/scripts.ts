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
// (else 0); `i:<index set key>`
// back-references and, once an entry has had any, the marker `r` (so the small script can tell
// without listing fields). Expiry is the key's own (PEXPIRETIME, the server's clock); created and
// updated are the writing process's clock (ARGV), which costs no TIME call per write. On a standalone server (ARGV "inline" = 1) scripts also maintain the index sets named by
// the back-references, atomically; on a cluster those live in other slots, so scripts return them
// and the store updates the sets afterwards (reads repair what a crash leaves behind).
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.0f', n) end
local function refs_of(key)
  local out = {}
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if string.sub(f, 1, 2) == 'i:' then out[#out + 1] = string.sub(f, 3) end
  end
  return out
end
local function idx_touch(idx, now)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. fmt(now))
  local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if #top == 0 then return end
  if top[2] == 'inf' then redis.call('PERSIST', idx) else redis.call('PEXPIREAT', idx, top[2]) end
end
local function score_of(x) if tonumber(x) == -1 then return '+inf' end return x end
`;

/**
 * KEYS: entry[, lock (fence) | update ticket (cas)]. ARGV: mode (set|nx|xx|cas|fence), value, ttl
 * ('' = none), new version, expected version (cas; '' = must be absent), inline, member, lock or
 * ticket token (a cas fails while another token holds the ticket), the writer's clock (epoch ms,
 * for created/updated); then, only for derived indexes (single server): entry key prefix, count of managed index prefixes, the
 * prefixes, count of derived memberships, and per membership (index set key, max or '', r|e).
 * Returns {written(0|1), expires, refs...} on a cluster (the caller re-scores refs), or
 * {written, expires, evicted members...} inline; {-1, index set key} when a reject limit refuses.
 * A cas whose new version is already stored reports 1: a retry after an unknown outcome is safe.
 * A cas expecting `!foreign` replaces foreign data (a non-hash) read as a miss.
 */
export const WRITE = script(
  'write',
  `
local key, mode, member = KEYS[1], ARGV[1], ARGV[7]
-- One read answers "is it ours?", "does it exist?" (version), "since when?" (created), "has it
-- back-references?" (r) and "did it last have no expiry?" (p; absent when a small write made it).
local head = redis.pcall('HMGET', key, 'n', 'c', 'r', 'p')
if head.err then
  -- Foreign data: 'set' replaces it, and so do a lock holder's store and a cas that read it as a
  -- miss (onDecodeError 'miss'); conditional writes refuse it.
  if mode == 'set' or mode == 'fence' or (mode == 'cas' and ARGV[5] == '!foreign') then
    redis.call('UNLINK', key)
    head = {false, false, false, false}
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
-- Derived memberships are read straight from ARGV (no table per membership): the one at j is
-- ARGV[j] (index set key), ARGV[j + 1] (max or ''), ARGV[j + 2] (r|e), for j = first, first + 3, ...
local managed, dset = {}, {}
local pre = ARGV[10]
local first, last = 1, 0
if pre then
  local nm = tonumber(ARGV[11])
  for i = 1, nm do managed[i] = ARGV[11 + i] end
  first = 13 + nm
  last = first + 3 * (tonumber(ARGV[12 + nm]) - 1)
  for j = first, last, 3 do dset[ARGV[j]] = true end
  -- Reject limits first, so a refused write leaves everything as it was.
  for j = first, last, 3 do
    local idx = ARGV[j]
    if ARGV[j + 1] ~= '' and ARGV[j + 2] == 'r' and not redis.call('ZSCORE', idx, member) then
      idx_touch(idx, now_ms())
      if redis.call('ZCARD', idx) >= tonumber(ARGV[j + 1]) then return {-1, idx} end
    end
  end
end
-- Only an entry marked 'r' has back-references: skip HKEYS for the rest.
local has_refs = cur and head[3]
-- Whether the old entry may have had no expiry (unknown counts as yes: it only costs a prune).
local was_unbounded = head[4] ~= '0'
local ttl = ARGV[3]
local unbounded = '0'
if ttl == '' then unbounded = '1' end
redis.call('HSET', key, 'v', ARGV[2], 'c', head[2] or ARGV[9], 'u', ARGV[9], 's', #ARGV[2], 'n', ARGV[4], 'p', unbounded)
local exp = -1
if ttl ~= '' then
  redis.call('PEXPIRE', key, ttl)
  exp = redis.call('PEXPIRETIME', key)
elseif cur then
  redis.call('PERSIST', key)
end
local refs = {}
if has_refs then refs = refs_of(key) end
local out = {1, exp}
if ARGV[6] ~= '1' then
  for _, r in ipairs(refs) do out[#out + 1] = r end
  return out
end
local score = score_of(exp)
-- An index set must outlive its members. A member that joins prunes the set and recomputes its
-- expiry; one that stays only extends it (never shortens: a late expiry of the set is harmless,
-- an early one is not), unless this entry was the unbounded member that kept the set alive.
local function keep_alive(idx, joined)
  if joined or (was_unbounded and exp ~= -1) then idx_touch(idx, now_ms())
  elseif exp == -1 then redis.call('PERSIST', idx)
  else redis.call('PEXPIREAT', idx, exp, 'GT') end
end
local had = {}
for _, idx in ipairs(refs) do
  had[idx] = true
  if not dset[idx] then
    local managed_ref = false
    for _, mp in ipairs(managed) do
      if string.sub(idx, 1, #mp) == mp then managed_ref = true end
    end
    if managed_ref then
      redis.call('HDEL', key, 'i:' .. idx)
      redis.call('ZREM', idx, member)
    else
      keep_alive(idx, redis.call('ZADD', idx, score, member) == 1)
    end
  end
end
local new_refs = {}
for j = first, last, 3 do
  local idx = ARGV[j]
  -- A member left behind by an expired entry still has a score: it joins all the same.
  local joined = redis.call('ZADD', idx, score, member) == 1 or not had[idx]
  if not had[idx] then
    new_refs[#new_refs + 1] = 'i:' .. idx
    new_refs[#new_refs + 1] = '1'
  end
  keep_alive(idx, joined)
  if joined and ARGV[j + 1] ~= '' and ARGV[j + 2] == 'e' then
    local others = {}
    for _, m in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
      if m ~= member then
        local c = redis.pcall('HGET', pre .. m .. '}', 'c')
        if type(c) == 'string' then others[#others + 1] = {m, tonumber(c)} else redis.call('ZREM', idx, m) end
      end
    end
    local excess = #others + 1 - tonumber(ARGV[j + 1])
    if excess > 0 then
      table.sort(others, function(a, b) if a[2] ~= b[2] then return a[2] < b[2] end return a[1] < b[1] end)
      for i = 1, excess do
        local m = others[i][1]
        local e = pre .. m .. '}'
        for _, r in ipairs(refs_of(e)) do redis.call('ZREM', r, m) end
        redis.call('UNLINK', e)
        out[#out + 1] = m
      end
    end
  end
end
if #new_refs > 0 then redis.call('HSET', key, 'r', '1', unpack(new_refs)) end
return out
`,
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
local head = redis.pcall('HMGET', key, 'n', 'c', 'r')
if head.err or head[3] then return -2 end
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
local refs = refs_of(key)
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
for _, r in ipairs(refs_of(key)) do out[#out + 1] = r end
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
  local ok = redis.pcall('HEXISTS', ARGV[1] .. m .. '}', 'i:' .. idx)
  if ok == 1 then live[#live + 1] = m else redis.call('ZREM', idx, m) end
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

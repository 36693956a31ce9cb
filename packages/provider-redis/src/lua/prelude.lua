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
      for name, max in string.gmatch(A_plan, '\n(%S+) (%S+)') do plan_limits[name] = tonumber(max) end
    end
    return plan_limits[string.match(t, '^[^:]*')]
  end
end

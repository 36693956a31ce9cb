-- Returns {created, updated, stored expiry ('' if none), size, the key's own expiry (-1 never),
-- index set keys...} or {} when absent; the caller decides which expiry counts (entry-reads.ts).
local key = K_entry
local m = redis.call('HMGET', key, F_CREATED, F_UPDATED, F_SIZE, F_EXPIRES)
if not m[1] then return {} end
--#include prelude.lua
helpers()
local out = {m[1], m[2], m[4] or '', m[3], redis.call('PEXPIRETIME', key)}
for _, r in ipairs(refs_of(key, true)) do out[#out + 1] = r end
return out

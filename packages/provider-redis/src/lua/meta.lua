-- Returns {created, updated, expires (-1 never), size, index set keys...} or {} when absent.
local key = K_entry
local m = redis.call('HMGET', key, F_CREATED, F_UPDATED, F_SIZE, F_EXPIRES)
if not m[1] then return {} end
--#include prelude.lua
helpers()
-- The expiry as the entry's writer put it (what getEntry reads); Redis's own for an entry without
-- it (or with something else there: not written by these scripts).
local x = m[4]
if not (x and string.match(x, '^%-?%d+$')) then x = redis.call('PEXPIRETIME', key) end
local out = {m[1], m[2], x, m[3]}
for _, r in ipairs(refs_of(key, true)) do out[#out + 1] = r end
return out

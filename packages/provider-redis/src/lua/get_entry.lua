-- An entry's value and expiry in one step (Store.getEntry): {value, expires (epoch ms, -1 never)},
-- nil when absent, 0 for foreign data (not a hash), as mget.lua reads a value.
local v = redis.pcall('HGET', K_entry, F_VALUE)
if type(v) == 'table' then return 0 end
if not v then return false end
return {v, redis.call('PEXPIRETIME', K_entry)}

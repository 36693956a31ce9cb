-- Each entry's value: nil for a missing one, 0 for foreign data (not a hash). One command and one
-- reply for a whole getMany (single server; KEYS are entry keys).
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.pcall('HGET', k, F_VALUE)
  if type(v) == 'table' then out[i] = 0 else out[i] = v end
end
return out

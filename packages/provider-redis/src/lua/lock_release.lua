-- Delete the lock only if this token still holds it.
if redis.call('GET', K_lock) == A_token then return redis.call('DEL', K_lock) end
return 0

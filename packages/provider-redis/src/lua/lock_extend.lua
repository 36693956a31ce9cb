-- Extend the lease only if this token still holds the lock.
if redis.call('GET', K_lock) == A_token then return redis.call('PEXPIRE', K_lock, A_ttl) end
return 0

-- Register (or extend) a load in flight: member A_member scored A_score (the end of its lease).
-- Entries of loads that ended without unregistering (a crashed process) are pruned once their
-- lease is A_stale ms past, and the registry expires on its own A_ttl ms after its last load.
redis.call('ZADD', K_flights, A_score, A_member)
redis.call('ZREMRANGEBYSCORE', K_flights, '-inf', '(' .. A_stale)
-- Only ever extended (another process may use a longer lease); a new registry has no expiry yet.
if redis.call('PEXPIRE', K_flights, A_ttl, 'GT') == 0 and redis.call('PTTL', K_flights) == -1 then
  redis.call('PEXPIRE', K_flights, A_ttl)
end
return 1

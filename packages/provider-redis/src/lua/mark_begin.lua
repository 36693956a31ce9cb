-- A load starts without the lock: its token joins the key's markers, whose lease covers the
-- longest load in flight. Every removal of the key deletes the markers.
redis.call('SADD', K_marker, A_token)
redis.call('PEXPIRE', K_marker, A_ttl, 'GT')
if redis.call('PTTL', K_marker) < 0 then redis.call('PEXPIRE', K_marker, A_ttl) end
return 1

-- While the token is among the markers: extend their lease (A_end ~= '1') or drop the token.
-- Returns 1 while the token was there, 0 once a removal took it.
if redis.call('SISMEMBER', K_marker, A_token) == 0 then return 0 end
if A_end == '1' then
  redis.call('SREM', K_marker, A_token)
else
  redis.call('PEXPIRE', K_marker, A_ttl, 'GT')
end
return 1

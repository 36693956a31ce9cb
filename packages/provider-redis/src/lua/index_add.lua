-- Add (or re-score) a member and prune expired ones (the cluster path, after the entry's script).
--#include prelude.lua
helpers()
redis.call('ZADD', K_index, A_score, A_member)
idx_touch(K_index, now_ms())
return 1

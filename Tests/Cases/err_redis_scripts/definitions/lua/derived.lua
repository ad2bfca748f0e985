-- Builds keys of its own: neither is declared.
local k = KEYS[1]
redis.call('INCR', k .. ':seq')  -- the counter beside it
redis.call('SET', KEYS[1] .. ":copy", 1)
-- KEYS[1] .. ':in-a-comment' is not code
return redis.call('GET', KEYS[2])

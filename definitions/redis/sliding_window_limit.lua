-- Sliding-window rate limit over a sorted set of request times.
-- KEYS[1]: the window's sorted set; KEYS[2]: the counter that makes each
-- member unique. ARGV: now (ms), window (s), limit. Both keys expire with
-- the window.
local key, seq = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2]) * 1000
local limit = tonumber(ARGV[3])

redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window_ms)
if redis.call('ZCARD', key) >= limit then
  return 0
end
redis.call('ZADD', key, now, now .. '-' .. redis.call('INCR', seq))
redis.call('PEXPIRE', key, window_ms)
redis.call('PEXPIRE', seq, window_ms)
return 1

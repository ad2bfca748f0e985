-- Sliding-window rate limit over a sorted set of request times.
-- KEYS[1]: the window's sorted set. ARGV: now (ms), window (s), limit.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2]) * 1000
local limit = tonumber(ARGV[3])

redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window_ms)
if redis.call('ZCARD', key) >= limit then
  return 0
end
redis.call('ZADD', key, now, now .. '-' .. redis.call('INCR', key .. ':seq'))
redis.call('PEXPIRE', key, window_ms)
return 1

#!lua name=ratelimit
-- The sliding-window limiter as Redis Functions: loaded once with
-- FUNCTION LOAD, kept by the server across restarts and replicated, unlike
-- the script cache. keys[1]: the window's sorted set; keys[2]: the counter
-- that makes each member unique. Times are in milliseconds.

-- Admits a request when fewer than `limit` fell in the window: 1, else 0.
local function admit(keys, args)
  local window, seq = keys[1], keys[2]
  local now = tonumber(args[1])
  local window_ms = tonumber(args[2]) * 1000
  local limit = tonumber(args[3])
  redis.call('ZREMRANGEBYSCORE', window, '-inf', now - window_ms)
  if redis.call('ZCARD', window) >= limit then
    return 0
  end
  redis.call('ZADD', window, now, now .. '-' .. redis.call('INCR', seq))
  redis.call('PEXPIRE', window, window_ms)
  redis.call('PEXPIRE', seq, window_ms)
  return 1
end

-- How many requests fell in the window, without changing it.
local function in_window(keys, args)
  local now = tonumber(args[1])
  return redis.call('ZCOUNT', keys[1], now - tonumber(args[2]) * 1000, '+inf')
end

redis.register_function('ratelimit_admit', admit)
redis.register_function{function_name = 'ratelimit_count', callback = in_window, flags = {'no-writes'}}

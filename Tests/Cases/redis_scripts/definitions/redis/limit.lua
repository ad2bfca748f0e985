local n = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], ARGV[1], n)
return redis.call('ZCARD', KEYS[1])

return redis.call('LPOP', KEYS[1])

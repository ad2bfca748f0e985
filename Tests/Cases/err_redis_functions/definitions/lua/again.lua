#!lua name=again
redis.register_function("both", function(keys) return 1 end)

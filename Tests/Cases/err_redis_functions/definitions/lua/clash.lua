#!lua name=clash
redis.register_function("both", function() return 1 end)
redis.register_function("own", function() return 1 end)

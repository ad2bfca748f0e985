redis.register_function("x", function() return 1 end)

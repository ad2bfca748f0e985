#!lua name=eq =
redis.register_function("eqf", function() return 1 end)

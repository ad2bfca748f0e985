#!lua name=good
-- redis.register_function('commented_out', f)
local function both(keys, args)
  return redis.call('GET', keys[1]) .. redis.call('GET', keys[2])
end

redis.register_function('both', both)
redis.register_function('cross', function(keys, args) return keys[2] end)
redis.register_function{function_name = 'cross_allowed', callback = function(keys) return 1 end, flags = {'no-cluster'}}
redis.register_function{function_name = 'wrong_flags', callback = function(keys) return redis.call('GET', keys[1]) end}
redis.register_function{function_name = 'unflagged', callback = function(keys) return 1 end, flags = {'allow-stale'}}
redis.register_function('derives', function(keys, args)
  local k = keys[1]
  redis.call('SET', k .. ':copy', 1)
  return redis.call('INCR', keys[1] .. ":seq")
end)
redis.register_function('reads_more', function(ks, args)
  local s = "keys[9]"
  return redis.call('GET', ks[3])
end)
redis.register_function('nokey', function() return 1 end)
redis.register_function('bad_flag', function() return 1 end)
redis.register_function('extra', function() return 1 end)

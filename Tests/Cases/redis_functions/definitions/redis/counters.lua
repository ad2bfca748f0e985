#!lua NAME=counters
-- The header is read as Redis reads it: blanks between words, NAME in any case;
-- a backslash before a line end continues a string (Lua 5.1, which Redis runs).
redis.register_function{
  function_name = "move_units",
  description = "moves units\
between two stock hashes",
  callback = function(keys, args)
    local from, to = keys[1], keys[2]
    redis.call("HINCRBY", from, "available", -1)
    return redis.call("HINCRBY", to, "available", 1)
  end,
}

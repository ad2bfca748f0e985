#!lua name=inventory
--[[ Stock of one SKU in a hash: available and reserved units.
redis.register_function('not_this', f) is inside a comment. ]]

local function reserve(keys, args)
  local stock, reservation = keys[1], keys[2]
  local quantity = tonumber(args[1])
  local available = tonumber(redis.call('HGET', stock, 'available') or '0')
  if available < quantity then return -1 end
  redis.call('HINCRBY', stock, 'available', -quantity)
  redis.call('HINCRBY', stock, 'reserved', quantity)
  redis.call('SET', reservation, args[2], 'EX', 900)
  return available - quantity
end

redis.register_function('reserve_stock', reserve)
redis.register_function{
  function_name = 'available',
  callback = function(keys) return tonumber(redis.call('HGET', keys[1], 'available') or '0') end,
  flags = { 'no-writes' },
  description = [[units that can still be reserved]],
}
redis.register_function{function_name='ping', callback=function() return 'PONG' end, flags={'no-writes', 'allow-stale'}}

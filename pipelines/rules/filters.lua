-- Business filters: a candidate is dropped when a filter returns false.
filter("in_stock", function(u, item)
  return item.stock > 0
end)

filter("not_purchased", function(u, item)
  return not u:purchased(item.item_id)
end)

-- Business filters: a candidate is dropped when a filter returns false.
filter("in_stock", function(u, item)
  return item.stock > 0
end)

-- Bought items need no filter here: exclude_seen (on by default) already drops every item a user
-- viewed, carted or bought. A shop that shows viewed items again sets `exclude_seen: false` on the
-- rank stage and keeps bought ones out with
--   filter("not_purchased", function(u, item) return not u:purchased(item.item_id) end)

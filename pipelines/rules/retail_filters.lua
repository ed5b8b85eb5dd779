-- A candidate is dropped when a filter returns false.
-- Big-ticket items (furniture, display stands) are sold by the sales team, not by the list.
filter("list_priced", function(u, item)
  return item.price <= 50
end)

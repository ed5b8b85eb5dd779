-- Baskets for the demo shop, which has no order ids: a customer's purchases on one day form a
-- basket. Other events are dropped (counted in the run summary as rows dropped by map).
map{
  name = "baskets",
  columns = { "basket:string", "item_id:string" },
  fn = function(row)
    if row.event ~= "purchase" then return nil end
    return { basket = row.user_id .. "@" .. row.timestamp // 86400, item_id = row.item_id }
  end,
}

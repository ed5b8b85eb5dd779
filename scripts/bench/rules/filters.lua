-- Two business filters: keep items in stock, and no clearance items above 100.
filter("in_stock", function(u, item) return item.stock ~= nil and item.stock > 0 end)
filter("no_premium_clearance", function(u, item) return not (item.clearance and item.price > 100) end)

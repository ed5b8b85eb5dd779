-- Used by scripts/bench_plugins.sh: the same map as plugin_map.lua, written with `out`, the
-- output table the host hands every call and empties after reading it (no table per row).
map{
  name = "amounts",
  columns = { "invoice:string", "item_id:string", "amount:float" },
  fn = function(row, out)
    if row.Quantity <= 0 then return nil end
    out.invoice, out.item_id, out.amount = row.InvoiceNo, row.StockCode, row.Quantity * row.UnitPrice
    return out
  end,
}

-- Used by scripts/bench_plugins.sh: a simple map over the Online Retail lines (the same work as
-- the pandas and Python peers): drop non-positive quantities, compute the line amount.
map{
  name = "amounts",
  columns = { "invoice:string", "item_id:string", "amount:float" },
  fn = function(row)
    if row.Quantity <= 0 then return nil end
    return { invoice = row.InvoiceNo, item_id = row.StockCode, amount = row.Quantity * row.UnitPrice }
  end,
}

-- Merchandisers' file: edit, then `recpipe run pipelines/demo.yaml --diff` to see what changed.
-- Windows are judged against the pipeline's as_of date, so runs are reproducible.
promote{ name = "winter-coats", boost = 1.3, from = "2026-10-15", to = "2026-12-31",
         when = function(u, item) return item.category == "coats" end }

pin{ name = "welcome", items = { "SKU-1001" }, position = 1,
     when = function(u) return u:has_tag("new_user") end }

bury{ name = "clearance-last", when = function(u, item) return item.clearance end }

-- The Christmas push: windows are judged against the pipeline's as_of (2011-12-10).
promote{ name = "christmas", boost = 1.3, from = "2011-11-01", to = "2011-12-24",
         when = function(u, item) return string.find(item.description, "CHRISTMAS", 1, true) ~= nil end }

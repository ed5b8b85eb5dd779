-- Three promotions: winter coats, a sports week, and cheap books (lower priority).
promote{ name = "winter-coats", boost = 1.3, from = "2026-10-01", to = "2027-02-28", priority = 10,
  when = function(u, item) return item.category == "coats" end }
promote{ name = "sports-week", boost = 1.2, from = "2026-10-28", to = "2026-11-05",
  when = function(u, item) return item.category == "sports" and item.price < 60 end }
promote{ name = "cheap-books", boost = 1.1, priority = -1,
  when = function(u, item) return item.category == "books" and item.price < 15 end }

-- Tags for the Online Retail customers (pipelines/online-retail.yaml). `u` is the profile row:
-- the features `recpipe columns pipelines/online-retail.yaml features` lists, plus the segment.
tag("big_spender", function(u)
  return u.m_score == 5
end)

-- Bought before, nothing for half a year.
tag("lapsed", function(u)
  return u.orders >= 2 and u.recency_days > 180
end)

-- Trade buyers: large baskets, most of them wholesale quantities.
tag("wholesaler", function(u)
  return u.avg_basket_size >= 500
end)

tag("returner", function(u)
  return u.returns >= 3 and u.return_rate >= 0.1
end)

tag("regular", function(u)
  return u.orders_per_month >= 1 and u.tenure_days >= 180
end)

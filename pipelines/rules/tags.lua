-- Tagging rules: one call per user. `u` is a read-only view of the user's profile row
-- (features + segment); errors name this file, the line, the rule and the user.
tag("vip", function(u)
  return u.monetary >= 500
end)

tag("churn_risk", function(u)
  return u.recency_days > 60 and u.frequency >= 2
end)

tag("new_user", function(u)
  return u.events < 5
end)

-- Buys below the category's average price (price_index is a geometric mean of price ÷ category mean).
tag("bargain_hunter", function(u)
  return u.purchases > 0 and u.price_index < 0.85
end)

-- Multi-valued: one tag per favourite category.
tag("likes", function(u)
  if u.top_category == nil then return nil end
  return { "likes_" .. u.top_category }
end)

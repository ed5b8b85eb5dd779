-- Tests for tags.lua: run with `recpipe rules test pipelines/rules/tags_test.lua`.
-- Each case gives a user's profile fields and the exact set of tags expected; profile columns a
-- case leaves out (e.g. top_category) read as nil, as for a real user without that value.
local base = { monetary = 120, recency_days = 10, frequency = 1, events = 12, purchases = 1,
               avg_basket = 120, price_index = 1.0, top_category = nil }

local function user(overrides)
  local u = {}
  for k, v in pairs(base) do u[k] = v end
  for k, v in pairs(overrides) do u[k] = v end
  return u
end

case{ name = "big spender is vip", user = user{ monetary = 650, avg_basket = 216.7, frequency = 3 },
      expect_tags = { "vip" } }
case{ name = "vip threshold is inclusive", user = user{ monetary = 500, avg_basket = 250, frequency = 2 },
      expect_tags = { "vip" } }
case{ name = "lapsed repeat buyer is a churn risk", user = user{ recency_days = 75, frequency = 4, avg_basket = 60 },
      expect_tags = { "churn_risk" } }
case{ name = "lapsed one-time buyer is not a churn risk", user = user{ recency_days = 75, frequency = 1 },
      expect_tags = {} }
case{ name = "few events is a new user", user = user{ events = 3 }, expect_tags = { "new_user" } }
case{ name = "buying below category prices is bargain hunting", user = user{ price_index = 0.7 },
      expect_tags = { "bargain_hunter" } }
case{ name = "no purchases is not bargain hunting", user = user{ purchases = 0, price_index = 0.7, frequency = 0 },
      expect_tags = {} }
case{ name = "favourite category", user = user{ top_category = "toys" }, expect_tags = { "likes_toys" } }
case{ name = "several tags at once", user = user{ monetary = 800, recency_days = 90, frequency = 5, avg_basket = 160,
                                                  top_category = "jewelry" },
      expect_tags = { "vip", "churn_risk", "likes_jewelry" } }
case{ name = "a profile without monetary is an error", user = { recency_days = 3 }, expect_error = "attempt to compare number with nil" }

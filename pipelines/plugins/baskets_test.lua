-- recpipe rules test pipelines/plugins/baskets_test.lua
case{ name = "a purchase joins its day's basket; other events are dropped",
      rows = { { user_id = "U1", item_id = "A", event = "view", timestamp = 90000 },
               { user_id = "U1", item_id = "B", event = "purchase", timestamp = 90000 } },
      expect_rows = { { basket = "U1@1", item_id = "B" } } }

-- recpipe rules test pipelines/plugins/sessionize_test.lua
case{ name = "a 30-minute gap starts a new session",
      rows = { { user_id = "U1", item_id = "A", timestamp = 0 },
               { user_id = "U1", item_id = "B", timestamp = 600 },
               { user_id = "U1", item_id = "A", timestamp = 1200 },
               { user_id = "U1", item_id = "C", timestamp = 3601 } },
      expect_rows = { { user_id = "U1", session = 1, start = 0, minutes = 20.0, events = 3, items = 2 },
                      { user_id = "U1", session = 2, start = 3601, minutes = 0.0, events = 1, items = 1 } } }
case{ name = "events out of order are sorted by time",
      rows = { { user_id = 7, item_id = "B", timestamp = 1000 }, { user_id = 7, item_id = "A", timestamp = 100 } },
      expect_rows = { { user_id = 7, session = 1, start = 100, minutes = 15.0, events = 2, items = 2 } } }
case{ name = "a missing timestamp is an error at its line",
      rows = { { user_id = "U1", item_id = "A" } },
      expect_error = "unknown field 'timestamp'" }

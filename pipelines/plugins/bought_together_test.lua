-- recpipe rules test pipelines/plugins/bought_together_test.lua
case{ name = "co-bought items, strongest first, without what the customer has",
      user = { user_id = "U1" }, seen = { "A", "B" },
      neighbors = { A = { { "B", 0.9 }, { "C", 0.5 } }, B = { { "C", 0.25 }, { "D", 0.6 } } },
      expect_candidates = { "C", "D" } }
case{ name = "nothing bought, nothing suggested",
      user = { user_id = "U2" }, seen = {}, neighbors = { A = { { "B", 1 } } },
      expect_candidates = {} }

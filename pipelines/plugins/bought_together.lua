-- Bought together: items that share baskets (orders) with what the customer bought, scored by how
-- strongly they co-occur (ctx.neighbors: per item, the items most often in the same basket, with
-- the cosine of their basket sets), summed over the customer's 30 strongest items. Items the
-- customer already has are left out; the host keeps the best `max`.
--
-- ctx.scores() is a score table kept by the host (item id -> number, like Python's Counter):
-- s:add(ids, scores) adds a whole neighbour list in one call. The same model with a plain Lua
-- table and u:seen(id) per neighbour is scripts/bench/bought_together_loop.lua (same output).
candidates{
  name = "bought_together",
  max = 50,
  fn = function(u, ctx)
    local score = ctx.scores()
    local mine = u.items
    local neighbors = ctx.neighbors
    for k = 1, math.min(#mine, 30) do
      local n = neighbors[mine[k]]
      if n then score:add(n.items, n.scores) end
    end
    score:remove(mine) -- what the customer already has
    return score
  end,
}

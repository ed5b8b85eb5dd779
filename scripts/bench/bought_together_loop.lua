-- The bought_together model (pipelines/plugins/bought_together.lua) written with a plain Lua table
-- and u:seen(id) per neighbour visited, as it shipped before ctx.scores(): scripts/bench_plugins.sh
-- measures both (they give the same candidates).
--
-- Bought together: items that share baskets (orders) with what the customer bought, scored by how
-- strongly they co-occur (ctx.neighbors: per item, the items most often in the same basket, with
-- the cosine of their basket sets), summed over the customer's 30 strongest items. Items the
-- customer already has are left out; the host keeps the best `max`.
candidates{
  name = "bought_together",
  max = 50,
  fn = function(u, ctx)
    local score = {}
    local mine = u.items
    local neighbors = ctx.neighbors
    for k = 1, math.min(#mine, 30) do
      local n = neighbors[mine[k]]
      if n then
        local ids, scores = n.items, n.scores
        for j = 1, #ids do
          local id = ids[j]
          if not u:seen(id) then score[id] = (score[id] or 0) + scores[j] end
        end
      end
    end
    local out = {}
    for id, s in pairs(score) do out[#out + 1] = { id, s } end
    return out
  end,
}

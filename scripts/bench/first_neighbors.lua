-- Used by scripts/bench_plugins.sh: the simplest candidates model, to measure what the host costs
-- per candidate: the neighbours of the customer's first item (ctx.neighbors, best first), as
-- returned {item, score} pairs. The plugin examines what it returns (about 50 per user).
candidates{
  name = "first_neighbors",
  max = 50,
  fn = function(u, ctx)
    local n = ctx.neighbors[u.items[1]]
    if not n then return nil end
    local out, ids, scores = {}, n.items, n.scores
    for j = 1, #ids do out[j] = { ids[j], scores[j] } end
    return out
  end,
}

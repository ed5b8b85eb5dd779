-- Sessions: each user's events split where 30 minutes pass without one (the usual web-analytics
-- rule). Reads only user_id, item_id and timestamp, so it runs on the demo's click stream and on
-- Online Retail's invoice lines alike. One row per session, numbered from 1 in time order.
local GAP = 30 * 60

aggregate{
  name = "sessionize",
  by = { "user_id" },
  columns = { "session:int", "start:int", "minutes:float", "events:int", "items:int" },
  init = function() return { times = {}, items = {} } end,
  step = function(acc, row)
    local n = #acc.times + 1
    acc.times[n] = row.timestamp
    acc.items[n] = row.item_id
  end,
  finish = function(acc, user)
    local times, items = acc.times, acc.items
    -- Time order (ties: input order) with one integer sort: time * 2^20 + position.
    local order = {}
    for i = 1, #times do order[i] = times[i] * 1048576 + i end
    table.sort(order)
    local rows, current, last, first, distinct = {}, nil, nil, nil, nil
    for k = 1, #order do
      local i = order[k] % 1048576
      local t = times[i]
      if last == nil or t - last > GAP then
        current = { session = #rows + 1, start = t, minutes = 0.0, events = 0, items = 0 }
        rows[#rows + 1] = current
        first, distinct = t, {}
      end
      current.events = current.events + 1
      if not distinct[items[i]] then
        distinct[items[i]] = true
        current.items = current.items + 1
      end
      current.minutes = (t - first) / 60
      last = t
    end
    return rows
  end,
}

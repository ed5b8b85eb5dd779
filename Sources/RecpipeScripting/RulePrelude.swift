/// The trusted Lua code behind the rule API (`tag`, `filter`, `promote`, `pin`, `bury`,
/// `name_segment`), the plugin API (`map`, `aggregate`, `candidates`, `score`: one per script)
/// and the test API (`case`).
///
/// It runs in its own environment (not the sandbox), validates each call and appends a record to
/// the `rules` (or `cases`) list that the host reads after loading. Errors are raised with an
/// explicit `#<chunk>:<line>:` prefix taken from the nearest user-chunk frame, so they point at the
/// call in the user's file; `{{chunk:N}}` markers are replaced by file names on the Swift side.
enum RulePrelude {
    static let source = #"""
        local caller, rules, cases, state = ...
        local type, pairs, ipairs, error, tostring, tonumber = type, pairs, ipairs, error, tostring, tonumber
        local format, concat, sort = string.format, table.concat, table.sort
        local mtype, huge = math.type, math.huge

        local names = {}

        local function fail(msg)
          state.registration_error = true
          local chunk, line = caller()
          if chunk then error(format("#%d:%d: %s", chunk, line, msg), 0) end
          error(msg, 0)
        end

        -- Optimal string alignment distance, as RecpipeCore.Suggestions.
        local function distance(a, b)
          a, b = a:lower(), b:lower()
          local la, lb = #a, #b
          if la == 0 then return lb end
          if lb == 0 then return la end
          local d = {}
          for i = 0, la do d[i] = { [0] = i } end
          for j = 0, lb do d[0][j] = j end
          for i = 1, la do
            local ai = a:byte(i)
            for j = 1, lb do
              local bj = b:byte(j)
              local v = d[i - 1][j] + 1
              local w = d[i][j - 1] + 1
              if w < v then v = w end
              w = d[i - 1][j - 1] + ((ai == bj) and 0 or 1)
              if w < v then v = w end
              if i > 1 and j > 1 and ai == b:byte(j - 1) and a:byte(i - 1) == bj and d[i - 2][j - 2] + 1 < v then
                v = d[i - 2][j - 2] + 1
              end
              d[i][j] = v
            end
          end
          return d[la][lb]
        end

        local function hint(word, candidates)
          local limit = #word // 3 + 1
          if limit > 3 then limit = 3 end
          local best, bestd
          for _, c in ipairs(candidates) do
            local dd = distance(word, c)
            if dd <= limit and (bestd == nil or dd < bestd) then best, bestd = c, dd end
          end
          if best then return " (did you mean '" .. best .. "'?)" end
          return ""
        end

        local function check_loading(fname)
          if not state.loading then
            fail(fname .. "() can only be called while the script loads (at its top level), not from inside a rule")
          end
        end

        local function check_fields(kind, spec, allowed)
          if type(spec) ~= "table" then
            fail(format("%s expects a table: %s{ name = \"...\", ... }, got %s", kind, kind, type(spec)))
          end
          local set = {}
          for _, k in ipairs(allowed) do set[k] = true end
          local unknown = {}
          for k in pairs(spec) do
            if not set[k] then unknown[#unknown + 1] = tostring(k) end
          end
          if #unknown > 0 then
            sort(unknown)
            fail(format("%s{}: unknown field '%s'%s; allowed fields: %s", kind, unknown[1], hint(unknown[1], allowed),
              concat(allowed, ", ")))
          end
        end

        local function check_name(kind, name)
          if type(name) ~= "string" or name == "" then
            fail(format("%s: the rule name must be a non-empty string, got %s", kind, type(name)))
          end
        end

        local function add(kind, name, fn, r)
          local chunk, line = caller()
          local prev = names[name]
          if prev then
            fail(format("rule '%s' is already defined at {{chunk:%d}}:%d; rule names must be unique", name, prev.chunk,
              prev.line))
          end
          names[name] = { chunk = chunk, line = line }
          r.kind, r.name, r.fn, r.chunk, r.line = kind, name, fn, chunk, line
          rules[#rules + 1] = r
        end

        local days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

        local function check_date(kind, name, field, v)
          if v == nil then return nil end
          if type(v) ~= "string" then
            fail(format("%s '%s': %s must be a date string \"YYYY-MM-DD\", got %s", kind, name, field, type(v)))
          end
          local y, m, d = v:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
          if not y then
            fail(format("%s '%s': %s = \"%s\" is not a date; write it as YYYY-MM-DD", kind, name, field, v))
          end
          y, m, d = tonumber(y), tonumber(m), tonumber(d)
          local limit = days[m]
          if m == 2 and y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) then limit = 29 end
          if limit == nil or d < 1 or d > limit then
            fail(format("%s '%s': %s = \"%s\" is not a valid calendar date", kind, name, field, v))
          end
          return v
        end

        local function check_window(kind, spec)
          local from = check_date(kind, spec.name, "from", spec.from)
          local to = check_date(kind, spec.name, "to", spec.to)
          if from and to and from > to then
            fail(format("%s '%s': from (%s) is after to (%s)", kind, spec.name, from, to))
          end
          return from, to
        end

        local function check_when(kind, spec, required)
          local w = spec.when
          if w == nil and not required then return nil end
          if type(w) ~= "function" then
            if w == nil then fail(format("%s '%s': missing field 'when' (a function deciding where the rule applies)", kind, spec.name)) end
            fail(format("%s '%s': when must be a function, got %s", kind, spec.name, type(w)))
          end
          return w
        end

        local function check_integer(kind, name, field, v, min, default)
          if v == nil then return default end
          if mtype(v) == "float" and v == v // 1 and v > -huge and v < huge then v = v // 1 | 0 end
          if mtype(v) ~= "integer" or v < min then
            fail(format("%s '%s': %s must be an integer >= %d, got %s", kind, name, field, min, tostring(v)))
          end
          return v
        end

        local api = {}

        function api.tag(name, fn)
          check_loading("tag")
          check_name("tag", name)
          if type(fn) ~= "function" then
            fail(format("tag('%s', ...): the second argument must be a function(u), got %s", name, type(fn)))
          end
          add("tag", name, fn, {})
        end

        function api.filter(name, fn)
          check_loading("filter")
          check_name("filter", name)
          if type(fn) ~= "function" then
            fail(format("filter('%s', ...): the second argument must be a function(u, item), got %s", name, type(fn)))
          end
          add("filter", name, fn, {})
        end

        function api.name_segment(name, fn)
          check_loading("name_segment")
          check_name("name_segment", name)
          if type(fn) ~= "function" then
            fail(format("name_segment('%s', ...): the second argument must be a function(s) of the segment's summary, got %s",
              name, type(fn)))
          end
          add("name_segment", name, fn, {})
        end

        function api.promote(spec)
          check_loading("promote")
          check_fields("promote", spec, { "name", "boost", "when", "from", "to", "priority" })
          check_name("promote", spec.name)
          local b = spec.boost
          if b == nil then fail(format("promote '%s': missing field 'boost' (a number > 0)", spec.name)) end
          if type(b) ~= "number" then
            fail(format("promote '%s': boost must be a number > 0, got a %s", spec.name, type(b)))
          end
          if not (b > 0) or b == huge then
            fail(format("promote '%s': boost must be a number > 0, got %s", spec.name, tostring(b)))
          end
          local w = check_when("promote", spec, true)
          local from, to = check_window("promote", spec)
          local priority = check_integer("promote", spec.name, "priority", spec.priority, -1000000000, 0)
          add("promote", spec.name, w, { boost = b + 0.0, from = from, to = to, priority = priority })
        end

        function api.pin(spec)
          check_loading("pin")
          check_fields("pin", spec, { "name", "items", "position", "when", "from", "to" })
          check_name("pin", spec.name)
          local items = spec.items
          if items == nil then fail(format("pin '%s': missing field 'items' (a list of item ids)", spec.name)) end
          if type(items) ~= "table" or #items == 0 then
            fail(format("pin '%s': items must be a non-empty list of item ids", spec.name))
          end
          local copy = {}
          for i = 1, #items do
            local id = items[i]
            if mtype(id) == "integer" then id = tostring(id) end
            if type(id) ~= "string" then
              fail(format("pin '%s': items[%d] must be an item id string, got %s", spec.name, i, type(id)))
            end
            copy[i] = id
          end
          local position = check_integer("pin", spec.name, "position", spec.position, 1, 1)
          local w = check_when("pin", spec, false)
          local from, to = check_window("pin", spec)
          add("pin", spec.name, w, { items = copy, position = position, from = from, to = to })
        end

        function api.bury(spec)
          check_loading("bury")
          check_fields("bury", spec, { "name", "when", "from", "to" })
          check_name("bury", spec.name)
          local w = check_when("bury", spec, true)
          local from, to = check_window("bury", spec)
          add("bury", spec.name, w, { from = from, to = to })
        end

        -- Plugins (`lua` stages and `score` in rank): exactly one per script.
        local column_types = { "int", "float", "string", "bool" }
        local column_type_set = { int = true, float = true, string = true, bool = true }
        local plugin

        local function check_plugin(kind, spec, allowed)
          check_loading(kind)
          check_fields(kind, spec, allowed)
          if plugin then
            fail(format("%s{}: a script registers exactly one plugin; %s '%s' is already registered at line %d",
              kind, plugin.kind, plugin.name, plugin.line))
          end
          local name = spec.name
          if name == nil then name = kind end
          check_name(kind, name)
          return name
        end

        local function check_function(kind, name, field, v)
          if type(v) ~= "function" then
            if v == nil then fail(format("%s '%s': missing field '%s' (a function)", kind, name, field)) end
            fail(format("%s '%s': %s must be a function, got %s", kind, name, field, type(v)))
          end
          return v
        end

        -- "name:type" strings, in order; returns "name:type" copies.
        local function check_columns(kind, name, cols)
          if cols == nil then
            fail(format("%s '%s': missing field 'columns' (a list of \"name:type\" strings, types: %s)", kind, name,
              concat(column_types, ", ")))
          end
          if type(cols) ~= "table" or #cols == 0 then
            fail(format("%s '%s': columns must be a non-empty list of \"name:type\" strings", kind, name))
          end
          local copy, seen = {}, {}
          for i = 1, #cols do
            local c = cols[i]
            if type(c) ~= "string" then
              fail(format("%s '%s': columns[%d] must be a \"name:type\" string, got %s", kind, name, i, type(c)))
            end
            local n, t = c:match("^%s*([%a_][%w_]*)%s*:%s*(%a+)%s*$")
            if not n then
              fail(format("%s '%s': columns[%d] = \"%s\" is not \"name:type\" (types: %s)", kind, name, i, c,
                concat(column_types, ", ")))
            end
            if not column_type_set[t] then
              fail(format("%s '%s': column '%s' has unknown type '%s'%s; types: %s", kind, name, n, t, hint(t, column_types),
                concat(column_types, ", ")))
            end
            if seen[n] then fail(format("%s '%s': column '%s' is declared twice", kind, name, n)) end
            seen[n] = true
            copy[i] = n .. ":" .. t
          end
          return copy, seen
        end

        local function register_plugin(kind, name, fn, r)
          add(kind, name, fn, r)
          plugin = r
        end

        function api.map(spec)
          local name = check_plugin("map", spec, { "name", "columns", "fn" })
          local cols = check_columns("map", name, spec.columns)
          local fn = check_function("map", name, "fn", spec.fn)
          register_plugin("map", name, fn, { columns = cols })
        end

        function api.aggregate(spec)
          local name = check_plugin("aggregate", spec, { "name", "by", "columns", "init", "step", "finish" })
          local by = spec.by
          if type(by) == "string" then by = { by } end
          if type(by) ~= "table" or #by == 0 then
            fail(format("aggregate '%s': by must be a column name or a non-empty list of column names", name))
          end
          local keys = {}
          for i = 1, #by do
            if type(by[i]) ~= "string" or by[i] == "" then
              fail(format("aggregate '%s': by[%d] must be a column name string, got %s", name, i, type(by[i])))
            end
            keys[i] = by[i]
          end
          local cols, declared = check_columns("aggregate", name, spec.columns)
          for i = 1, #keys do
            if declared[keys[i]] then
              fail(format("aggregate '%s': '%s' is a `by` column (it is output first); leave it out of columns", name,
                keys[i]))
            end
          end
          local init = spec.init
          if type(init) == "table" then
            fail(format("aggregate '%s': init must be a function returning a fresh accumulator (a table would be shared "
              .. "by every group), or a number, string or boolean", name))
          end
          if init ~= nil and type(init) ~= "function" and type(init) ~= "number" and type(init) ~= "string"
            and type(init) ~= "boolean" then
            fail(format("aggregate '%s': init must be a function, a number, a string or a boolean, got %s", name, type(init)))
          end
          local step = check_function("aggregate", name, "step", spec.step)
          local finish = spec.finish
          if finish ~= nil then check_function("aggregate", name, "finish", finish) end
          register_plugin("aggregate", name, step, { by = keys, columns = cols, init = init, finish = finish })
        end

        function api.candidates(spec)
          local name = check_plugin("candidates", spec, { "name", "fn", "max" })
          local fn = check_function("candidates", name, "fn", spec.fn)
          local max = check_integer("candidates", name, "max", spec.max, 1, 100)
          register_plugin("candidates", name, fn, { limit = max })
        end

        function api.score(spec)
          local name = check_plugin("score", spec, { "name", "fn" })
          local fn = check_function("score", name, "fn", spec.fn)
          register_plugin("score", name, fn, {})
        end

        local case_fields = { "name", "user", "item", "tags", "purchased", "seen", "item_tags",
          "expect_tags", "expect_filter", "expect_when", "expect_error",
          "rows", "items", "neighbors", "expect_rows", "expect_candidates" }

        function api.case(spec)
          check_fields("case", spec, case_fields)
          if type(spec.name) ~= "string" or spec.name == "" then
            fail("case{}: name must be a non-empty string")
          end
          for _, f in ipairs({ "user", "item", "tags", "purchased", "seen", "item_tags", "expect_tags", "expect_filter", "expect_when",
            "rows", "items", "neighbors", "expect_rows", "expect_candidates" }) do
            if spec[f] ~= nil and type(spec[f]) ~= "table" then
              fail(format("case '%s': %s must be a table, got %s", spec.name, f, type(spec[f])))
            end
          end
          if spec.expect_error ~= nil and type(spec.expect_error) ~= "string" then
            fail(format("case '%s': expect_error must be a string (a part of the expected message)", spec.name))
          end
          if spec.expect_tags == nil and spec.expect_filter == nil and spec.expect_when == nil and spec.expect_error == nil
            and spec.expect_rows == nil and spec.expect_candidates == nil then
            fail(format("case '%s': nothing to check; add expect_tags, expect_filter, expect_when, expect_rows, "
              .. "expect_candidates or expect_error", spec.name))
          end
          local chunk, line = caller()
          spec.chunk, spec.line = chunk, line
          cases[#cases + 1] = spec
        end

        return api
        """#
}

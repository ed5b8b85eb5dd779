/// The trusted Lua code that makes state read-only once a rules file has loaded.
///
/// The isolation model (README "Lua rules", docs/guides/lua-rules.md): a rule sees the same world
/// for every user and item, whatever ran before it and on whichever worker. So
/// - the library tables (`string`, `table`, `math`, `utf8`) are read-only from the start;
/// - when a file's top level has run, every table its rule functions can reach (through
///   upvalues, table keys and values, and metatables) is frozen in place: its contents move to a
///   hidden table that reads go through, every write raises, and `next`, `rawlen`, `pairs` and
///   `#` see the contents (there is no `rawset`/`rawget` in the sandbox);
/// - a rule function may not assign to a variable created while the file loaded (a file-level
///   local or another captured upvalue): the host finds `SETUPVAL` in the functions listed by
///   `freeze_rules` (``LuaBytecode``) and refuses the file.
///
/// It runs in the hidden real globals with the `debug` library passed in (never in the sandbox).
/// `freeze_rules` runs with the hook off and the memory cap off: host work, not the rule's.
enum RuleFreezer {
    static let source = #"""
        local debug = ...
        local next, type, rawset, rawlen, error, tostring = next, type, rawset, rawlen, error, tostring
        local getinfo, getupvalue = debug.getinfo, debug.getupvalue
        local getmt, setmt = debug.getmetatable, debug.setmetatable
        local sub = string.sub

        local hidden = {}   -- frozen table -> the table holding its contents
        local host = {}     -- tables of the sandbox itself: never traversed from rules

        local function frozen_len(t) return rawlen(hidden[t]) end
        local function frozen_iter(t, k) return next(hidden[t], k) end
        local function frozen_pairs(t) return frozen_iter, t, nil end

        local user_write = function(t, k)
          error("tables built while the rules file loads are read-only in rules (tried to set '" .. tostring(k)
            .. "'); a rule keeps no state between users and items: build the table inside the rule", 0)
        end

        local function library_write(name)
          return function(t, k)
            error(name .. " is read-only (tried to set '" .. tostring(k) .. "')", 0)
          end
        end

        -- Metamethods that freezing replaces or drops (__gc and __mode: finalizers and weak entries would
        -- make what a rule sees depend on when the collector ran).
        local replaced = { __index = true, __newindex = true, __len = true, __pairs = true, __metatable = true,
          __gc = true, __mode = true }

        -- Freezes t in place. meta: a copy of the raw contents of t's metatable taken before any table
        -- was emptied (or nil); mt: that metatable.
        local function freeze(t, write, meta, mt)
          local h = {}
          for k, v in next, t do h[k] = v end
          for k in next, h do rawset(t, k, nil) end
          local f = { __index = h, __newindex = write, __len = frozen_len, __pairs = frozen_pairs, __metatable = false }
          if meta then
            for k, v in next, meta do
              if not replaced[k] then f[k] = v end
            end
            if meta.__index ~= nil then setmt(h, { __index = meta.__index }) end
            if meta.__len ~= nil then f.__len = meta.__len end
            if meta.__pairs ~= nil then f.__pairs = meta.__pairs end
            if meta.__metatable ~= nil then f.__metatable = meta.__metatable else f.__metatable = mt end
          end
          hidden[t] = h
          setmt(t, f)
          return h
        end

        local function mark_host(root)
          local stack, n = { root }, 1
          while n > 0 do
            local v = stack[n]
            stack[n] = nil
            n = n - 1
            if type(v) == "table" and not host[v] then
              host[v] = true
              for k, x in next, v do
                n = n + 1; stack[n] = k
                n = n + 1; stack[n] = x
              end
              local mt = getmt(v)
              if mt then n = n + 1; stack[n] = mt end
            end
          end
        end

        local api = {}

        -- The sandbox's `next` and `rawlen`: a frozen table answers with its contents.
        function api.next(t, k)
          return next(hidden[t] or t, k)
        end

        function api.rawlen(t)
          return rawlen(hidden[t] or t)
        end

        -- Freezes the library tables of G, marks everything reachable from G and env as the host's, and
        -- points the string metatable's __index at the string library's contents.
        function api.freeze_library(G, env)
          for _, name in next, { "string", "table", "math", "utf8" } do
            local lib = G[name]
            local h = freeze(lib, library_write(name), nil, nil)
            if name == "string" then getmt("").__index = h end
          end
          mark_host(G)
          mark_host(env)
          for t in next, hidden do host[t] = true end
        end

        local function push_ref(stack, n, v)
          local tv = type(v)
          if tv == "table" or tv == "function" then
            n = n + 1
            stack[n] = v
          end
          return n
        end

        -- Freezes what the rule functions fns[first..last] can reach. Returns the user (Lua, rules-file)
        -- functions found and, for each, the name of the first rule that reaches it.
        function api.freeze_rules(fns, first, last, names)
          local seen, tables, closures, owners = {}, {}, {}, {}
          for i = first, last do
            local root = fns[i]
            local stack, n = {}, 0
            if root ~= nil then n = push_ref(stack, n, root) end
            while n > 0 do
              local v = stack[n]
              stack[n] = nil
              n = n - 1
              if not seen[v] and not host[v] and hidden[v] == nil then
                seen[v] = true
                if type(v) == "function" then
                  if sub(getinfo(v, "S").source, 1, 2) == "=#" then
                    closures[#closures + 1] = v
                    owners[#owners + 1] = names[i]
                    local j = 1
                    while true do
                      local name, up = getupvalue(v, j)
                      if name == nil then break end
                      n = push_ref(stack, n, up)
                      j = j + 1
                    end
                  end
                else
                  tables[#tables + 1] = v
                  for k, x in next, v do
                    n = push_ref(stack, n, k)
                    n = push_ref(stack, n, x)
                  end
                  local mt = getmt(v)
                  if mt then n = push_ref(stack, n, mt) end
                end
              end
            end
          end
          -- Copy every metatable's contents before any table is emptied (a metatable may itself be frozen).
          local metas, mts = {}, {}
          for i = 1, #tables do
            local mt = getmt(tables[i])
            if mt then
              local source = hidden[mt] or mt
              local c = {}
              for k, x in next, source do c[k] = x end
              metas[i], mts[i] = c, mt
            end
          end
          for i = 1, #tables do
            freeze(tables[i], user_write, metas[i], mts[i])
          end
          return closures, owners
        end

        return api
        """#
}
